"""What a build keeps between runs, in the cache folder: the record of the last build and cached work.

The folder is `<site>/.cache/` by default (never inside the output), safe to delete.
The record lets a build whose inputs and output are exactly as the last successful
build left them do nothing: the output is a pure function of the input files' bytes,
the build options, the engine's code and its libraries' versions, so when a digest of
all of them matches and the output folder still has the sizes and times that build
left, there is nothing to do. The stores hold only pure work (converted Markdown,
rendered items) keyed by a hash of its inputs, so a cached build is byte-identical
to a clean one; entries are read one key at a time and new ones are streamed to a
side file, so a large site's rendered pages are never all held in memory twice.
Only light modules are imported here: deciding that a build has nothing to do costs
no more than reading the sources.
"""
from __future__ import annotations

import functools
import hashlib
import json
import marshal
import os
import sqlite3
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .theme import Theme
from .write import OutputState

if TYPE_CHECKING:
    from .source import ParseMemo

_BATCH = 200
#: Where each session's last built start is kept (see `BuildCache.session_starts`).
STARTS = "session-starts.json"
def installed() -> list[str]:
    """Every distribution installed in Python's package folders, by its metadata folder's name
    (name and version: `Jinja2-3.1.6.dist-info`), and the Python version: any install,
    upgrade or removal changes it. A few folder listings, where `importlib.metadata`
    costs more to import than a whole build with nothing to do."""
    found = [sys.version]
    for folder in sorted({p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")}):
        try:
            with os.scandir(folder) as entries:
                found.extend(sorted(e.name for e in entries if e.name.endswith((".dist-info", ".egg-info"))))
        except OSError:
            continue  # a zip file, or a folder that is not there
    return found


class InputIndex:
    """Every input file (site config, content, theme, engine code) with a hash of its bytes.

    A file is read and hashed only when its size, times or inode differ from what the
    index recorded; a file changed so soon before the index was written that its
    time could not tell (the clock's granularity) is hashed again.
    """

    #: Files modified this close before the index was saved are not trusted by their stat.
    RACY_NS = 2_000_000_000

    def __init__(self, path: Path, read: bool):
        self.path = path
        self._known: dict[str, tuple[tuple[int, int, int, int], str]] = {}
        if read:
            try:
                saved_ns, known = marshal.loads(path.read_bytes())
                self._known = {p: entry for p, entry in known.items() if entry[0][1] < saved_ns - self.RACY_NS}
            except (OSError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError):
                self._known = {}  # missing or damaged: hash every file once
        self.hashes: dict[str, str] = {}

    def scan(self, site: Path, folders: list[Path]) -> dict[str, str]:
        """Hash of every input file by path (hashing only what changed since the index was written)."""
        engine = Path(__file__).resolve().parent
        found: dict[str, str] = {}
        for root in [site / "site_config.yaml", engine, site / "content", *folders]:
            for path, st in _files(os.fspath(root)):
                if not stat.S_ISREG(st.st_mode):
                    continue
                signature = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
                known = self._known.get(path)
                if known is not None and known[0] == signature:
                    found[path] = known[1]
                    continue
                try:
                    with open(path, "rb") as f:
                        digest = hashlib.file_digest(f, "sha256").hexdigest()
                except OSError:
                    continue
                self._known[path] = (signature, digest)
                found[path] = digest
        self.hashes = found
        return found

    def save(self) -> None:
        """Remember the last scan's files."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        known = {p: self._known[p] for p in self.hashes}
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps((time.time_ns(), known)))
        tmp.replace(self.path)


def _files(root: str) -> list[tuple[str, os.stat_result]]:
    """`root` if it is a file, else the files below it (links to folders not followed), sorted,
    with their `os.stat` (links followed); dot-files of content count, compiled Python and
    compiled catalogs do not. Files deleted meanwhile, and broken links, are left out."""
    found: list[tuple[str, os.stat_result]] = []
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir():
                            if not entry.is_symlink():
                                folders.append(entry.path)
                        elif not entry.name.endswith((".pyc", ".mo")):
                            found.append((entry.path, entry.stat()))
                    except OSError:
                        continue  # deleted meanwhile, or a broken link
        except NotADirectoryError:
            try:
                found.append((folder, os.stat(folder)))
            except OSError:
                pass
        except OSError:
            continue  # a missing folder, or one deleted meanwhile
    found.sort(key=lambda pair: pair[0])
    return found


def input_digest(hashes: dict[str, str], options: object) -> str:
    """Hash of every input file's path and bytes (by their hashes), the libraries and the options."""
    h = hashlib.sha256(repr((options, installed())).encode())
    for path, digest in hashes.items():
        h.update(f"{path}\0{digest}\0".encode())
    return h.hexdigest()


@dataclass(frozen=True)
class Previous:
    """What the last build into `out` made, when `out` still holds exactly what it wrote.

    An item whose key is here made the same files again (its key covers every input
    it depends on), so its bytes are the output's own: nothing to render, replay,
    compare or copy for it. Empty when there is no such build.
    """

    out: Path | None = None
    #: Item key -> (output paths, warnings, anchor links) of every item of that build.
    items: dict[str, list] = field(default_factory=dict)
    #: Output path of each static file -> hash of its source.
    assets: dict[str, str] = field(default_factory=dict)

    def read(self, path: str) -> bytes:
        """The bytes of an output file of that build."""
        return (self.out / path).read_bytes() if self.out else b""


class BuildCache:
    """The cache folder as one build uses it: the record of the last build into `out`, and the stores.

    `parsed` keeps parsed YAML (front matter, calendars), `markdown` converted Markdown and
    `items` rendered items (see `render/items.py`); `previous` is what the last build into
    `out` made, when the output is still as it left it, and `made` what this one makes.
    With `read` false (`--clean`) nothing cached is used; with `write` false (a check)
    nothing is written and no record is kept; with `skip` false, `last_build` never says that
    a build has nothing to do (its record only tells what that build made).
    """

    def __init__(self, folder: Path, *, site: Path, theme: Theme, out: Path, options: tuple,
                 read: bool = True, write: bool = True, memo: ParseMemo | None = None,
                 state: OutputState | None = None, skip: bool = True):
        self.folder, self.out, self._read, self._write, self._skip = folder, out, read, write, skip
        self._memo = memo
        #: What the output holds (see `write.OutputState`): as this process's last build left
        #: it (serve), or as `last_build` finds it; None for a check.
        self.state = (state if state is not None else OutputState()) if write else None
        self._roots = (site, [theme.templates, theme.translations])
        self._options = (*options, str(out))
        self.index = InputIndex(folder / "inputs.marshal", read=read)
        #: Hash of each input file by path, as the build started (before any stage reads a source).
        self.hashes = self.index.scan(*self._roots)
        self._digest = input_digest(self.hashes, self._options)
        self.markdown = Store(folder, "markdown", read, write)
        self.items = Store(folder, "items", read, write)
        #: Compiled templates (see `render.renderer.TemplateCode`).
        self.templates = Store(folder, "templates", read, write)
        self.previous = Previous()
        #: What this build makes: item key -> (paths, warnings, anchors); output path -> source hash.
        self.made: dict[str, list] = {}
        self.made_assets: dict[str, str] = {}
        #: Whether an item of this build was kept or replayed rather than rendered (see `save`).
        self.reused = False

    def last_build(self) -> dict | None:
        """What the last build into `out` recorded, if it had these inputs and left `out` as it is now.

        Otherwise None, and the record is dropped: this build is about to replace the output.
        When only the inputs differ, `previous` tells what that build made.
        """
        if not self._write:
            return None
        # The record this process wrote, when the output is as it left it; else the file's.
        own = (self.state is not None and self.state.record is not None and self._read
               and self.state.current(self.out, self.folder))
        record = self.state.record if own else _read_record(self.folder, self.out, self.state) if self._read else None
        if record is not None and record.get("digest") == self._digest and self._skip:
            return record
        if record is not None:
            # What each item made, used only now: checked only now (unless this process made it).
            if own or _is_made(record):
                self.previous = Previous(self.out, record["items"], record["assets"])
        _unwritable(_record_path(self.folder, self.out).unlink, missing_ok=True)
        if self.state is not None:
            self.state.record = None
        return None

    @functools.cached_property
    def parsed(self) -> ParseMemo:
        """The memo of reading: the caller's, kept in memory (serve), or this cache folder's."""
        from .source import ParseMemo  # YAML is imported only when a build has work to do

        memo = (self._memo if self._memo is not None
                else ParseMemo(self.folder / "parsed.pickle", read=self._read, engine=self.engine))
        memo.hashes = self.hashes
        return memo

    def save(self, summary: dict) -> None:
        """Keep the work this build used and, unless an input changed while it ran, its record with `summary`.

        Never fails: it runs once the output is in place, and a cache folder that cannot be
        written (read-only, a folder where a file should be) only makes the next build slower.
        """
        if not self._write:
            return
        _unwritable(self.parsed.save)
        # Items kept from the last build or replayed from the item store did not ask for their
        # Markdown or templates: keep every entry then (a later edit of them needs theirs).
        whole = not self.reused
        self.markdown.save(prune=whole)
        self.templates.save(prune=whole)
        self.items.save()
        unchanged = input_digest(self.index.scan(*self._roots), self._options) == self._digest
        _unwritable(self.index.save)
        self.state.record = None
        if not unchanged:  # an edit landed while the build ran
            return
        if not self.state.current(self.out, self.folder):
            self.state.look(self.out, self.folder)
        record = {"digest": self._digest, "out": str(self.out), "manifest": self.state.manifest,
                  **summary, "items": self.made, "assets": self.made_assets}
        if _unwritable(_write_record, self.folder, self.out, record):
            self.state.record = record

    @functools.cached_property
    def engine(self) -> str:
        """Hash of the engine's code, the installed libraries and Python: what shapes the
        output besides the inputs and the options."""
        prefix = os.path.join(Path(__file__).resolve().parent, "")
        h = hashlib.sha256(repr(installed()).encode())
        for path, digest in self.hashes.items():
            if path.startswith(prefix):
                h.update(f"{path[len(prefix):]}\0{digest}\0".encode())
        return h.hexdigest()

    def session_starts(self) -> dict[str, str]:
        """Each session id's start (UTC, ISO 8601) as the last build in this cache folder saw it.

        Read even with `--clean`: it is a record of what was published, not cached work.
        """
        try:
            starts = json.loads((self.folder / STARTS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        valid = isinstance(starts, dict) and all(isinstance(v, str) for v in starts.values())
        return starts if valid else {}

    def save_session_starts(self, starts: dict[str, str]) -> None:
        """Remember the starts for the next build (not by a check)."""
        if self._write and starts != self.session_starts():
            _unwritable(_write_starts, self.folder, starts)

    def worker_start(self) -> None:
        """In a forked worker: collect the entries added and used, to hand back to the parent."""
        for store in (self.markdown, self.items, self.templates):
            store.worker_start()

    def worker_result(self) -> tuple:
        return tuple(store.worker_result() for store in (self.markdown, self.items, self.templates))

    def merge(self, result: tuple) -> None:
        """Take what a worker's `worker_result` handed back."""
        for store, (entries, used) in zip((self.markdown, self.items, self.templates), result):
            store.merge(entries, used)


class Store:
    """A key-value table in `<folder>/<name>.sqlite`: get, put, and keep only what a build used."""

    def __init__(self, folder: Path, name: str, read: bool, write: bool):
        self.path = folder / f"{name}.sqlite"
        self.read = read and self.path.is_file()
        self.write = write
        self._side = self.path.with_name(f"{name}.new.sqlite")
        self._db: sqlite3.Connection | None = None
        self._db_pid = 0
        self._owner = os.getpid()
        self._pending: dict[str, str] = {}
        self._used: set[str] = set()
        if self.write and self._side.exists():
            self.write = _unwritable(self._side.unlink)  # left by an interrupted build

    def _reader(self) -> sqlite3.Connection | None:
        if not self.read:
            return None
        if self._db is None or self._db_pid != os.getpid():  # never share a connection across fork
            try:
                self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
                self._db_pid = os.getpid()
            except sqlite3.Error:
                self.read = False
                return None
        return self._db

    def keys(self) -> set[str]:
        """Every stored key (no values are read)."""
        db = self._reader()
        try:
            return {key for (key,) in db.execute("SELECT key FROM entries")} if db else set()
        except sqlite3.Error:
            return set()

    def get(self, key: str) -> str | bytes | None:
        self._used.add(key)
        if key in self._pending:
            return self._pending[key]
        db = self._reader()
        try:
            row = db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone() if db else None
        except sqlite3.Error:
            return None
        return row[0] if row else None

    def put(self, key: str, value: str | bytes) -> None:
        self._used.add(key)
        if self.write:
            self._pending[key] = value
            if len(self._pending) >= _BATCH and os.getpid() == self._owner:
                self._flush()

    def _flush(self) -> None:
        if self._pending and self.write:
            self.write = _unwritable(self._write_side)  # a cache that cannot be written is not written
        self._pending = {}

    def _write_side(self) -> None:
        self._side.parent.mkdir(parents=True, exist_ok=True)
        db = _unsynced(self._side)
        with db:
            db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value NOT NULL)")
            db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)", sorted(self._pending.items()))
        db.close()

    def worker_start(self) -> None:
        """In a forked worker: collect what is added and used, to hand back to the parent."""
        self._pending, self._used = {}, set()

    def worker_result(self) -> tuple[dict[str, str], set[str]]:
        return self._pending, self._used

    def merge(self, entries: dict[str, str], used: set[str]) -> None:
        """Take a worker's new entries and used keys."""
        for key, value in entries.items():
            self.put(key, value)
        self._used |= used

    def keep(self, key: str) -> None:
        """Count `key` as used by this build (its entry survives `save`)."""
        self._used.add(key)

    def save(self, prune: bool = True) -> None:
        """Store the new entries and (with `prune`) drop the ones this build did not use
        (never fails: see BuildCache.save)."""
        if not self.write:
            return
        self._flush()
        if self._db is not None:
            self._db.close()
            self._db = None
        if self.write:
            _unwritable(self._merge_side, prune)
        if self._side.exists():
            _unwritable(self._side.unlink)

    def _merge_side(self, prune: bool) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        (self.path.parent / ".gitignore").write_text("*\n")
        try:
            db = _unsynced(self.path)
            with db:
                db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value NOT NULL)")
                if self._side.exists():
                    db.execute("ATTACH DATABASE ? AS side", (str(self._side),))
                    db.execute("INSERT OR REPLACE INTO entries SELECT key, value FROM side.entries")
                if prune:
                    db.execute("CREATE TEMP TABLE used (key TEXT PRIMARY KEY)")
                    db.executemany("INSERT INTO used VALUES (?)", ((k,) for k in self._used))
                    db.execute("DELETE FROM entries WHERE key NOT IN (SELECT key FROM used)")
            db.close()
        except sqlite3.DatabaseError:
            self.path.unlink(missing_ok=True)  # damaged: the next build starts afresh


def _unwritable(write: Callable[..., object], *args: object, **kwargs: object) -> bool:
    """Run a write into the cache folder; False when the folder refused it (it is only a cache)."""
    try:
        write(*args, **kwargs)
    except (OSError, sqlite3.Error):
        return False
    return True


def _unsynced(path: Path) -> sqlite3.Connection:
    """A connection that does not wait for the disk: a cache lost in a crash is only rebuilt."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA journal_mode = MEMORY")
    return db


def _record_path(cache_dir: Path, out: Path) -> Path:
    """One record per output folder, so `serve` and `build` keep their own."""
    return cache_dir / f"last-build-{hashlib.sha256(str(out).encode()).hexdigest()[:16]}.json"


def _read_record(cache_dir: Path, out: Path, state: OutputState) -> dict | None:
    """The record of the last build into `out`, if `out` is exactly as it left it (what `out`
    holds is looked at once, into `state`)."""
    try:
        record = json.loads(_record_path(cache_dir, out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(record, dict) and record.get("out") == str(out) and out.is_dir() and _is_summary(record)):
        return None
    state.look(out, cache_dir)
    return record if record.get("manifest") == state.manifest else None


def _rows(value: object, kinds: tuple[type, ...]) -> bool:
    """Whether `value` is a list of lists of these types (tuples, once written as JSON)."""
    return isinstance(value, list) and all(
        isinstance(row, list) and len(row) == len(kinds) and all(map(isinstance, row, kinds)) for row in value)


def _is_summary(record: dict) -> bool:
    """Whether a record holds the summary a build writes (a damaged record is ignored, like a missing one)."""
    pages = record.get("pages")
    return (isinstance(record.get("manifest"), dict) and _rows(record.get("warnings"), (str, int, str))
            and isinstance(pages, dict) and all(isinstance(count, int) for count in pages.values())
            and isinstance(record.get("files"), int) and isinstance(record.get("base_url"), str))


def _is_made(record: dict) -> bool:
    """Whether a record's items and static files are as a build writes them, each path in its manifest."""
    manifest, items, assets = record["manifest"], record.get("items"), record.get("assets")
    return (isinstance(items, dict) and all(
                isinstance(item, list) and len(item) == 3 and isinstance(item[0], list)
                and all(isinstance(path, str) and path in manifest for path in item[0])
                and _rows(item[1], (str, int, str)) and _rows(item[2], (str, int, str, str, str))
                for item in items.values())
            and isinstance(assets, dict) and all(path in manifest and isinstance(h, str) for path, h in assets.items()))


def _write_starts(cache_dir: Path, starts: dict[str, str]) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / STARTS).write_text(json.dumps(starts, sort_keys=True), encoding="utf-8")


def _write_record(cache_dir: Path, out: Path, record: dict) -> None:
    """Record a successful build: its input digest, output manifest and summary."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / ".gitignore").write_text("*\n")
    path = _record_path(cache_dir, out)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
