"""Cached pure work: converted Markdown and rendered items, keyed by their inputs' hash.

Lives in the cache folder (`<site>/.cache/` by default, never in the output), is
safe to delete, and holds only results that depend on nothing but their key, so
a cached build is byte-identical to a clean one. Entries are read one key at a
time and new ones are streamed to a side file, so a large site's rendered pages
are never all held in memory twice.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import marshal
import os
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .render.markup import Rendered
from .uptodate import library_versions

if TYPE_CHECKING:
    from .model import Site

_BATCH = 200


class Store:
    """A key-value table in `<folder>/<name>.sqlite`: get, put, and keep only what a build used."""

    def __init__(self, folder: Path | None, name: str, read: bool = True, write: bool = True):
        self.path = folder / f"{name}.sqlite" if folder else None
        self.read = read and bool(self.path and self.path.is_file())
        self.write = write and self.path is not None
        self._side = self.path.with_name(f"{name}.new.sqlite") if self.path else None
        self._db: sqlite3.Connection | None = None
        self._db_pid = 0
        self._owner = os.getpid()
        self._pending: dict[str, str] = {}
        self._used: set[str] = set()
        if self.write and self._side.exists():
            self._side.unlink()  # left by an interrupted build

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
        if not self._pending:
            return
        self._side.parent.mkdir(parents=True, exist_ok=True)
        db = _unsynced(self._side)
        with db:
            db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value NOT NULL)")
            db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)", sorted(self._pending.items()))
        db.close()
        self._pending = {}

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

    def save(self) -> None:
        """Store the new entries and drop the ones this build did not use."""
        if not self.write:
            return
        self._flush()
        if self._db is not None:
            self._db.close()
            self._db = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        (self.path.parent / ".gitignore").write_text("*\n")
        try:
            db = _unsynced(self.path)
            with db:
                db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value NOT NULL)")
                if self._side.exists():
                    db.execute("ATTACH DATABASE ? AS side", (str(self._side),))
                    db.execute("INSERT OR REPLACE INTO entries SELECT key, value FROM side.entries")
                db.execute("CREATE TEMP TABLE used (key TEXT PRIMARY KEY)")
                db.executemany("INSERT INTO used VALUES (?)", ((k,) for k in self._used))
                db.execute("DELETE FROM entries WHERE key NOT IN (SELECT key FROM used)")
            db.close()
        except sqlite3.DatabaseError:
            self.path.unlink(missing_ok=True)  # damaged: the next build starts afresh
        if self._side.exists():
            self._side.unlink()


def _unsynced(path: Path) -> sqlite3.Connection:
    """A connection that does not wait for the disk: a cache lost in a crash is only rebuilt."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA journal_mode = MEMORY")
    return db


class MarkdownCache:
    """Converted Markdown (sanitized HTML and its internal links) by key."""

    def __init__(self, folder: Path | None, read: bool = True, write: bool = True):
        self.store = Store(folder, "markdown", read, write)

    def get(self, key: str) -> Rendered | None:
        value = self.store.get(key)
        if value is None:
            return None
        html, links = json.loads(value)
        return Rendered(html, tuple(links))

    def put(self, key: str, rendered: Rendered) -> None:
        self.store.put(key, json.dumps([rendered.html, list(rendered.links)], ensure_ascii=False))


class ItemCache:
    """Rendered items (a page, a session) by key: their files, warnings and anchor links.

    Values are `marshal`ed (fast, keeps bytes as bytes); its format belongs to the
    Python version, which is part of every key (see `structure_digest`).
    """

    def __init__(self, folder: Path | None, read: bool = True, write: bool = True):
        self.store = Store(folder, "items", read, write)

    def keys(self) -> set[str]:
        return self.store.keys()

    def get(self, key: str) -> dict | None:
        value = self.store.get(key)
        try:
            return marshal.loads(value) if value is not None else None
        except (EOFError, ValueError, TypeError):
            return None

    def put(self, key: str, value: dict) -> None:
        self.store.put(key, marshal.dumps(value))


def structure_digest(site: "Site", templates: Path, translations: Path, options: tuple) -> str:
    """Hash of every input of a render except the Markdown bodies of pages and session texts.

    An item (a page or a session in one language) depends on this and on its own
    bodies only: titles, menus, URLs, sessions, templates, catalogs, the config,
    the build options and the engine's own code all go in here.
    """
    h = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            h.update(part if isinstance(part, bytes) else repr(part).encode("utf-8"))
            h.update(b"\0")

    engine = Path(__file__).resolve().parent
    for path in sorted(engine.rglob("*.py")):
        add(path.relative_to(engine).as_posix(), path.read_bytes())
    add(*library_versions(), sys.version)
    for folder in (templates, translations):
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".mo"):
            add(path.relative_to(folder).as_posix(), path.read_bytes())
    add(options, (site.root / "site_config.yaml").read_bytes())
    for version in site.versions:
        add(version.key, version.lang, version.url, version.is_fallback,
            dataclasses.replace(version.source, body=""))
    for session in site.sessions:
        add(dataclasses.replace(session, texts=tuple(dataclasses.replace(t, body="") for t in session.texts)))
    add(*(path.relative_to(site.root).as_posix() for path in site.assets))
    return h.hexdigest()


def item_key(structure: str, item: tuple, bodies: list[str]) -> str:
    """Key of one rendered item: the site's structure, which item, and its own bodies."""
    h = hashlib.sha256(structure.encode())
    for part in (*map(repr, item), *bodies):
        h.update(b"\0" + part.encode("utf-8"))
    return h.hexdigest()
