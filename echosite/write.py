"""Stage 7: put the rendered files in place: build beside, then swap, never half-written.

One build at a time writes into an output folder: `output_claimed` holds an exclusive
lock (`flock`) on the folder that contains the output, released by the system even
when the process dies, and a second build waits for it.

The new tree is prepared in a spare folder and swapped in by two renames, `out` to
a parked folder, then the spare to `out`; the parked tree (the previous output)
becomes the next build's spare, so that a rebuild writes only the files that
changed. These folders live in the cache folder, which no web server serves, when
it is on the output's file system (a rename cannot cross file systems); otherwise
they sit beside the output as `.<name>.new` and `.<name>.old` while a build runs,
and the old tree is deleted once swapped out. A crash between the two renames
leaves no `out`: the next build puts the parked tree back before anything else
(`_repair`). Every rename goes through `_rename` and every file written through
`_write`: the seams where tests stop a build, or make the disk refuse.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import shutil
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path


#: Files every build writes: a folder holding them is a previous build, safe to replace.
BUILD_MARKS = ("index.html", "sitemap.xml")


class UnsafeOutput(Exception):
    """The output folder would overwrite something that is not a build product."""


class OutputError(Exception):
    """The output could not be written (a read-only folder, a full disk); it is as it was."""


def check_output_folder(out: Path, site: Path, protected: list[Path], cache: Path) -> None:
    """Refuse `/`, the home folder, the site or a folder holding it, source folders, a
    cache folder inside the output (it would be published), and a non-empty folder
    that is not a previous build (its files would be replaced)."""
    out = out.expanduser().resolve()
    site = site.resolve()
    home = Path.home().resolve()
    if out == Path(out.anchor) or out == home:
        raise UnsafeOutput(f"refusing to build into {out}: it is {'/' if out == Path(out.anchor) else 'the home folder'}")
    if out == site or site.is_relative_to(out):
        raise UnsafeOutput(f"refusing to build into {out}: it is or contains the site folder {site}")
    for folder in protected:
        folder = folder.resolve()
        if out == folder or out.is_relative_to(folder) or folder.is_relative_to(out):
            raise UnsafeOutput(f"refusing to build into {out}: it overlaps the source folder {folder}")
    if cache.resolve().is_relative_to(out):
        raise UnsafeOutput(f"refusing to build into {out}: it holds the cache folder {cache.resolve()}, "
                           "whose files would be published")
    if out.is_dir() and any(out.iterdir()) and not all((out / name).is_file() for name in BUILD_MARKS):
        raise UnsafeOutput(f"refusing to build into {out}: it is not empty and holds no previous build "
                           f"(no {' and '.join(BUILD_MARKS)}); its files would be replaced")


@contextlib.contextmanager
def output_claimed(out: Path | None, cache: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold `out` for one build: lock the folder containing it (calling `waiting` if
    another build holds it), then `_repair` what a killed build left. None: a check."""
    if out is None:
        yield
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        folder = os.open(out.parent, os.O_RDONLY)
    except OSError as exc:
        raise OutputError(_cannot(out, exc)) from exc
    try:
        try:
            fcntl.flock(folder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting:
                waiting()
            fcntl.flock(folder, fcntl.LOCK_EX)
        _repair(out, cache)
        yield
    finally:
        os.close(folder)  # releases the lock


@dataclass(frozen=True)
class _Places:
    """Where a build prepares the new tree and parks the old one; `keep`: the old tree is
    kept as the next spare (in the cache folder) rather than deleted (beside the output)."""

    spare: Path
    parked: Path
    keep: bool


def _places(out: Path, cache: Path) -> tuple[_Places, _Places]:
    """The places to use for `out` now, and the other kind (to repair after a change of disks)."""
    tag = hashlib.sha256(str(out).encode()).hexdigest()[:16]
    cached = _Places(cache / f"spare-{tag}", cache / f"parked-{tag}", keep=True)
    beside = _Places(out.parent / f".{out.name}.new", out.parent / f".{out.name}.old", keep=False)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        same_disk = os.stat(cache).st_dev == os.stat(out.parent).st_dev and os.access(cache, os.W_OK)
    except OSError:
        same_disk = False
    return (cached, beside) if same_disk else (beside, cached)


def _repair(out: Path, cache: Path) -> None:
    """Finish what a build killed while swapping left: put the parked tree back at
    `out` if `out` is missing, and remove what no build needs now."""
    for places in _places(out, cache):
        if places.parked.is_dir() and not out.exists():
            _rename(places.parked, out)  # killed between the two renames: the previous output
        for leftover in (places.parked, *(() if places.keep else (places.spare,))):
            shutil.rmtree(leftover, ignore_errors=True)
    for older in (f".{out.name}.spare", f".{out.name}.swap"):  # where earlier versions kept them
        shutil.rmtree(out.parent / older, ignore_errors=True)


@dataclass
class OutputState:
    """What the last build of this process left in the output and spare folders, for a
    caller that builds into one output again and again (serve): its next build walks
    neither folder, nor looks at the files it does not change.

    Trusted only while both folders are as that build left them, by their inode and
    change time: each build that changes anything swaps them by renames, which changes
    both, so a build by another process is noticed. Files edited by hand inside the
    folders are not (they belong to the build: see `pipeline.build`'s `state`).
    """

    #: (inode, change time) of the output and the spare folder, as the last build left them.
    stamp: tuple = ()
    live: _Tree | None = None
    spare: _Tree | None = None
    #: [size, modification time] of each file of the output, by relative path.
    manifest: dict[str, list[int]] = field(default_factory=dict)
    #: The last build's record (kept for `cache.py`, which writes and reads it).
    record: dict | None = None

    def current(self, out: Path, cache: Path) -> bool:
        """Whether the folders are as this state says."""
        return bool(self.stamp) and self.stamp == _stamp(out, _places(out, cache)[0].spare)

    def forget(self) -> None:
        self.stamp, self.live, self.spare, self.manifest, self.record = (), None, None, {}, None

    def look(self, out: Path, cache: Path) -> None:
        """Find what `out` holds now, in one walk (the spare is left to the next write)."""
        self.forget()
        stamp = _stamp(out, _places(out, cache)[0].spare)
        self.live, self.stamp = _Tree.of(out, self.manifest), stamp


def _stamp(*folders: Path) -> tuple:
    stamps = []
    for folder in folders:
        try:
            st = os.lstat(folder)
        except OSError:
            stamps.append(None)
        else:
            stamps.append((st.st_ino, st.st_ctime_ns))
    return tuple(stamps)


def write_output(files: Mapping[str, bytes], out: Path, cache: Path, kept: Iterable[str] = (),
                 state: OutputState | None = None) -> int:
    """Make `out` hold exactly `files` and the `kept` ones; return how many files changed.

    `kept` are paths whose bytes `out` already holds (the caller knows they are
    unchanged): they are neither compared nor copied. When nothing changed nothing
    is touched. Otherwise the spare folder (the output before last, if kept) is
    brought up to date, with files whose bytes are already in `out` hard-linked
    from it (they keep their times) and files never modified in place (a link is
    shared with the live tree), then swapped in by renaming: `out` is always a
    whole build. Hold `output_claimed`. Raises OutputError, with the spare folder
    removed, when the disk refuses. `state` (see `OutputState`) is used and brought
    up to date.
    """
    out = out.resolve()
    kept = set(kept)
    trusted = state is not None and state.current(out, cache)
    if trusted:
        live = state.live
    else:
        live = _Tree.of(out) if out.is_dir() else _Tree({}, set())
        if state is not None:
            state.forget()
    if not kept <= live.files.keys():
        raise ValueError(f"kept files missing from {out}: {sorted(kept - live.files.keys())[:3]}")
    places = _places(out, cache)[0]
    if live.files.keys() == set(files) | kept and all(_same(out / rel, data) for rel, data in files.items()):
        if trusted and state.spare is None and places.keep and places.spare.is_dir():
            state.spare = _Tree.of(places.spare)  # walked now (serve's first build), not at the next write
        return 0
    try:
        if state is not None:
            state.stamp = ()  # until the folders are as it says again
        changed, made = _prepare(places.spare, files, kept, out, live, state.spare if trusted else None)
        _swap(places, out)
    except OSError as exc:
        shutil.rmtree(places.spare, ignore_errors=True)
        raise OutputError(_cannot(out, exc)) from exc
    except BaseException:  # such as Ctrl-C: the output is whole, the half-made spare goes
        shutil.rmtree(places.spare, ignore_errors=True)
        raise
    spare = live
    if places.keep and not places.spare.exists():  # the first build into `out`
        spare = _linked_copy(out, places.spare, made)
    if state is not None:
        old = state.manifest
        state.manifest = {rel: old[rel] if rel in old and live.files.get(rel) == made.files[rel] else _size_time(out / rel)
                          for rel in made.files}
        state.live, state.spare = made, spare if places.keep else None
        state.stamp = _stamp(out, places.spare)
    return changed


def _linked_copy(out: Path, spare: Path, tree: _Tree) -> _Tree:
    """Make `spare` a copy of `out` (which holds `tree`) by hard links, so that the next build,
    usually a small edit, starts from a spare as recent as the output rather than from
    nothing: one link per file now, no data copied. It is only a head start: a spare left
    incomplete (a full disk, Ctrl-C) is removed, and the next build makes its own."""
    try:
        spare.mkdir(parents=True)
        for folder in sorted(tree.folders):
            (spare / folder).mkdir(parents=True, exist_ok=True)
        for rel in tree.files:
            os.link(out / rel, spare / rel)
    except OSError:
        shutil.rmtree(spare, ignore_errors=True)
        return _Tree({}, set())
    except BaseException:  # such as Ctrl-C: the output is in place already
        shutil.rmtree(spare, ignore_errors=True)
        raise
    return tree


def _size_time(path: Path) -> list[int]:
    st = os.lstat(path)
    return [st.st_size, st.st_mtime_ns]


def _cannot(out: Path, exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(out) else ""
    full = " (the disk is full)" if exc.errno == errno.ENOSPC else ""
    return f"cannot write the output {out}: {exc.strerror or exc}{full}{where}; the previous output is unchanged"


def _prepare(spare: Path, files: Mapping[str, bytes], kept: set[str], out: Path, live: _Tree,
             known: _Tree | None = None) -> tuple[int, _Tree]:
    """Bring `spare` to hold `files` and `kept`, linking those already in `out`; return how
    many changed, and what the spare then holds. `known`: what it holds now (else it is walked)."""
    if spare.is_symlink() or (spare.exists() and not spare.is_dir()):
        spare.unlink()
    fresh = not spare.exists()  # an empty spare needs no comparing and no clearing
    old = _Tree({}, set()) if fresh else known if known is not None else _Tree.of(spare)
    spare.mkdir(parents=True, exist_ok=True)
    made: set[Path] = set()
    inodes: dict[str, int] = {}
    changed = 0
    for rel, data in itertools.chain(files.items(), ((rel, None) for rel in kept)):  # one file's bytes at a time
        in_live = data is None or (rel in live.files and _same(out / rel, data))
        changed += not in_live
        # A file of the spare linked to the live one (the same inode) holds its bytes.
        if not fresh and in_live and old.files.get(rel, -1) == live.files[rel]:
            inodes[rel] = live.files[rel]
            continue
        target = spare / rel
        if not fresh:
            if not in_live and _same(target, data):
                inodes[rel] = os.lstat(target).st_ino
                continue
            if rel in old.folders:
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if in_live:
            os.link(out / rel, target)
            inodes[rel] = live.files[rel]
        else:
            _write(target, data)
            inodes[rel] = os.lstat(target).st_ino
    if not fresh:
        _remove_extra(spare, old, {*files, *kept})
    os.chmod(spare, 0o755)
    return changed, _Tree(inodes, _folders(inodes))


@dataclass(frozen=True)
class _Tree:
    """What a folder holds, from one listing of each of its folders (no file is looked at):
    the inode of each file (links included) and the folders, by relative path."""

    files: dict[str, int]
    folders: set[str]

    @classmethod
    def of(cls, root: Path, manifest: dict[str, list[int]] | None = None) -> _Tree:
        """What `root` holds; with `manifest`, also each file's [size, modification time] put there."""
        files: dict[str, int] = {}
        folders: set[str] = set()
        pending = [(os.fspath(root), "")]
        while pending:
            folder, rel = pending.pop()
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        folders.add(rel + entry.name)
                        pending.append((entry.path, f"{rel}{entry.name}/"))
                    else:
                        files[rel + entry.name] = entry.inode()
                        if manifest is not None:
                            st = entry.stat()
                            manifest[rel + entry.name] = [st.st_size, st.st_mtime_ns]
        return cls(files, folders)


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and not path.is_symlink() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _remove_extra(root: Path, old: _Tree, files: set[str]) -> None:
    """Delete what `root` held (`old`) beyond `files`, then the folders left empty."""
    for rel in old.files.keys() - files:
        (root / rel).unlink(missing_ok=True)  # gone already when a file of `files` replaced its folder
    for rel in sorted(old.folders - _folders(files), key=lambda r: r.count("/"), reverse=True):
        shutil.rmtree(root / rel, ignore_errors=True)


def _folders(files: Iterable[str]) -> set[str]:
    """The folders that hold `files` (relative paths), at any depth."""
    found: set[str] = set()
    for rel in files:
        folder = rel.rpartition("/")[0]
        while folder and folder not in found:
            found.add(folder)
            folder = folder.rpartition("/")[0]
    return found


def _swap(places: _Places, out: Path) -> None:
    """Put the spare at `out`; keep the old `out` as the next spare, or delete it."""
    if not out.exists():
        _rename(places.spare, out)
        return
    _rename(out, places.parked)
    try:
        _rename(places.spare, out)
    except BaseException:
        _rename(places.parked, out)
        raise
    with contextlib.suppress(OSError):  # the new output is in place: what follows cannot undo it
        if places.keep:
            _rename(places.parked, places.spare)
    shutil.rmtree(places.parked, ignore_errors=True)  # left by a failed rename too; else repaired later


def _rename(source: Path, target: Path) -> None:
    """Rename a whole tree (a seam: see the module's docstring)."""
    os.rename(source, target)


def _write(target: Path, data: bytes) -> None:
    """Write one new file of the output (a seam: see the module's docstring)."""
    target.write_bytes(data)
