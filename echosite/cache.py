"""Cached pure work: converted Markdown and rendered items, keyed by their inputs' hash.

Lives in the cache folder (`<site>/.cache/` by default, never in the output), is safe to delete, and holds
only results that depend on nothing but their key, so a cached build is
byte-identical to a clean one.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from .markup import Rendered
from .uptodate import library_versions

if TYPE_CHECKING:
    from .model import Site

_FILE = "markdown.sqlite"
_ITEMS = "items.sqlite"


class MarkdownCache:
    """Converted Markdown by key; loaded at the start of a build, saved at its end."""

    def __init__(self, folder: Path | None, read: bool = True):
        self.path = folder / _FILE if folder else None
        self._entries: dict[str, Rendered] = {}
        self._new: dict[str, Rendered] = {}
        self._used: set[str] = set()
        if read and self.path and self.path.is_file():
            try:
                with sqlite3.connect(self.path) as db:
                    for key, html, links in db.execute("SELECT key, html, links FROM markdown"):
                        self._entries[key] = Rendered(html, tuple(json.loads(links)))
            except sqlite3.Error:
                self._entries = {}  # a damaged cache is only a slower build

    def get(self, key: str) -> Rendered | None:
        self._used.add(key)
        return self._entries.get(key)

    def put(self, key: str, rendered: Rendered) -> None:
        self._used.add(key)
        self._entries[key] = self._new[key] = rendered

    def track_new(self) -> None:
        """Start collecting only the entries added and used from now on (in a worker process)."""
        self._new, self._used = {}, set()

    def new_entries(self) -> tuple[list[tuple[str, Rendered]], set[str]]:
        """Entries added and keys used since `track_new`, to hand back to the parent process."""
        return sorted(self._new.items()), self._used

    def merge(self, entries: list[tuple[str, Rendered]], used: set[str]) -> None:
        """Take a worker's new entries and used keys."""
        for key, rendered in entries:
            self.put(key, rendered)
        self._used |= used

    def save(self) -> None:
        """Store new results and drop the ones this build did not use."""
        if not self.path or (not self._new and self._used == set(self._entries)):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        (self.path.parent / ".gitignore").write_text("*\n")
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.unlink(missing_ok=True)
        with sqlite3.connect(tmp) as db:
            db.execute("CREATE TABLE markdown (key TEXT PRIMARY KEY, html TEXT NOT NULL, links TEXT NOT NULL)")
            db.executemany("INSERT INTO markdown VALUES (?, ?, ?)",
                           ((key, r.html, json.dumps(r.links)) for key, r in sorted(self._entries.items())
                            if key in self._used))
        db.close()
        tmp.replace(self.path)


class ItemCache:
    """Rendered items (a page, a session) by key: their files, warnings and anchor links.

    Looked up one key at a time (a large site's pages do not all fit in memory
    twice); new items are stored and unused ones dropped at the end of a build.
    """

    def __init__(self, folder: Path | None, read: bool = True):
        self.path = folder / _ITEMS if folder else None
        self.read = read and bool(self.path and self.path.is_file())
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._new: dict[str, str] = {}
        self._used: set[str] = set()

    def _connection(self) -> sqlite3.Connection | None:
        if not self.read:
            return None
        if self._db is None or self._pid != os.getpid():  # never share a connection across fork
            try:
                self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
                self._pid = os.getpid()
            except sqlite3.Error:
                self.read = False
                return None
        return self._db

    def keys(self) -> set[str]:
        """Every stored key (cheap: no values are read)."""
        db = self._connection()
        if db is None:
            return set()
        try:
            return {key for (key,) in db.execute("SELECT key FROM items")}
        except sqlite3.Error:
            return set()

    def get(self, key: str) -> dict | None:
        self._used.add(key)
        db = self._connection()
        if db is None:
            return None
        try:
            row = db.execute("SELECT value FROM items WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return json.loads(row[0]) if row else None

    def put(self, key: str, value: dict) -> None:
        self._used.add(key)
        self._new[key] = json.dumps(value, ensure_ascii=False, sort_keys=True)

    def track_new(self) -> None:
        """Start collecting only what is added and used from now on (in a worker process)."""
        self._new, self._used = {}, set()

    def new_entries(self) -> tuple[dict[str, str], set[str]]:
        return self._new, self._used

    def merge(self, entries: dict[str, str], used: set[str]) -> None:
        """Take a worker's new items and used keys."""
        self._new.update(entries)
        self._used |= used

    def save(self) -> None:
        """Store new items and drop the ones this build did not use."""
        if not self.path:
            return
        if self._db is not None:
            self._db.close()
            self._db = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        (self.path.parent / ".gitignore").write_text("*\n")
        try:
            db = sqlite3.connect(self.path)
            with db:
                db.execute("CREATE TABLE IF NOT EXISTS items (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                db.executemany("INSERT OR REPLACE INTO items VALUES (?, ?)", sorted(self._new.items()))
                db.execute("CREATE TEMP TABLE used (key TEXT PRIMARY KEY)")
                db.executemany("INSERT INTO used VALUES (?)", ((k,) for k in self._used))
                db.execute("DELETE FROM items WHERE key NOT IN (SELECT key FROM used)")
            db.close()
        except sqlite3.DatabaseError:
            self.path.unlink(missing_ok=True)  # damaged: the next build starts afresh


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
    for path in sorted(engine.glob("*.py")):
        add(path.name, path.read_bytes())
    add(*library_versions())
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
