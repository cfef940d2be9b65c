"""Stage 7: put the rendered files in place: build beside, then swap, never half-written."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path


#: Files every build writes: a folder holding them is a previous build, safe to replace.
BUILD_MARKS = ("index.html", "sitemap.xml")


class UnsafeOutput(Exception):
    """The output folder would overwrite something that is not a build product."""


def check_output_folder(out: Path, site: Path, protected: list[Path]) -> None:
    """Refuse `/`, the home folder, the site or a folder holding it, source folders, and
    a non-empty folder that is not a previous build (its files would be replaced)."""
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
    if out.is_dir() and any(out.iterdir()) and not all((out / name).is_file() for name in BUILD_MARKS):
        raise UnsafeOutput(f"refusing to build into {out}: it is not empty and holds no previous build "
                           f"(no {' and '.join(BUILD_MARKS)}); its files would be replaced")


def spare_folder(out: Path) -> Path:
    """The hidden sibling that holds the previous output, reused to prepare the next one."""
    return out.parent / f".{out.name}.spare"


def write_output(files: dict[str, bytes], out: Path, kept: Iterable[str] = ()) -> int:
    """Make `out` hold exactly `files` and the `kept` ones; return how many files changed.

    `kept` are paths whose bytes `out` already holds (the caller knows they are
    unchanged): they are neither compared nor copied. When nothing changed nothing is touched. Otherwise the spare folder (the
    output before last) is brought up to date, with files whose bytes are
    already in `out` hard-linked from it (they keep their times) and files
    never modified in place (a link is shared with the live tree), then the
    two folders are swapped by renaming: `out` is always a whole build.
    """
    out = out.resolve()
    kept = set(kept)
    live_files = _walk(out)[0] if out.is_dir() else set()
    if not kept <= live_files:
        raise ValueError(f"kept files missing from {out}: {sorted(kept - live_files)[:3]}")
    if live_files == set(files) | kept and all(_same(out / rel, data) for rel, data in files.items()):
        return 0
    spare = spare_folder(out)
    if spare.is_symlink() or (spare.exists() and not spare.is_dir()):
        spare.unlink()
    fresh = not spare.exists()  # an empty spare needs no comparing and no clearing
    spare.mkdir(parents=True, exist_ok=True)
    made: set[Path] = set()
    changed = 0
    for rel, data in [*files.items(), *((rel, None) for rel in kept)]:
        target, live = spare / rel, out / rel
        in_live = data is None or (rel in live_files and _same(live, data))
        changed += not in_live
        if not fresh:
            if (in_live and _same_file(target, live)) or (not in_live and _same(target, data)):
                continue
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if in_live:
            os.link(live, target)
        else:
            target.write_bytes(data)
    if not fresh:
        _remove_extra(spare, {*files, *kept})
    os.chmod(spare, 0o755)
    _swap(spare, out)
    return changed


def _walk(root: Path) -> tuple[set[str], set[str]]:
    """Relative paths of the files (links included) and of the folders below `root`."""
    files, folders = set(), set()
    for folder, dirs, names in os.walk(root):
        rel = os.path.relpath(folder, root)
        prefix = "" if rel == "." else rel + "/"
        folders.update(prefix + name for name in dirs)
        files.update(prefix + name for name in names)
    return files, folders


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths are links to one file (no need to compare bytes)."""
    try:
        return os.path.samefile(a, b) and not a.is_symlink()
    except OSError:
        return False


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and not path.is_symlink() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _remove_extra(root: Path, files: set[str]) -> None:
    """Delete what `root` holds beyond `files`, then the folders left empty."""
    present, folders = _walk(root)
    for rel in present - files:
        (root / rel).unlink()
    wanted = {parent for rel in files for parent in _parents(rel)}
    for rel in sorted(folders - wanted, key=lambda r: r.count("/"), reverse=True):
        shutil.rmtree(root / rel, ignore_errors=True)


def _parents(rel: str) -> list[str]:
    parts = rel.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _swap(spare: Path, out: Path) -> None:
    """Put `spare` at `out` and keep the old `out` as the new spare."""
    if not out.exists():
        spare.rename(out)
        return
    parking = out.parent / f".{out.name}.swap"
    if parking.exists():
        shutil.rmtree(parking)
    out.rename(parking)
    try:
        spare.rename(out)
    except BaseException:
        parking.rename(out)
        raise
    parking.rename(spare)
