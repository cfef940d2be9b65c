"""Cached pure work: Markdown converted to HTML, keyed by content hash and settings.

Lives in `<site>/.cache/` (never in the output), is safe to delete, and holds
only results that depend on nothing but their key, so a cached build is
byte-identical to a clean one.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .markup import Rendered

CACHE_DIR = ".cache"
_FILE = "markdown.sqlite"


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
