"""Stage 6: render the site model into files (path -> bytes), nothing written yet.

`render_site` lists the items of the site (pages, sessions per language, then the
site-wide files), gets each item's result through `items.py` (cache, workers or
`renderer.py`), and merges them: files, warnings, anchor checks, static assets.

Inside the stage, imports point one way: `renderer` uses the views (`views`,
`session_views`, with `times`, `events`), `links`, `ics` and `markup`; the views never
import the renderer. Nothing outside this package imports from it but the conductor.
"""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..cache import BuildCache
from ..errors import Diagnostics
from ..model import Site
from ..theme import Theme
from .items import SITE_ITEM, PackedFiles, item_key, pack, render_items, site_items, structure_digest
from .links import check_anchors, check_reachable
from .renderer import SiteRenderer, TemplateCode


@dataclass(frozen=True)
class RenderedSite:
    """Every output file, and how many items were rendered afresh (by kind) rather than replayed."""

    #: Output files by path, with their bytes (held packed, unpacked when read).
    files: PackedFiles
    rendered: dict[str, int]
    #: Output files whose bytes are already in the output folder, as the last build left them.
    kept: frozenset[str] = frozenset()

    @property
    def paths(self) -> list[str]:
        """Every output path, kept or not, sorted."""
        return sorted({*self.files, *self.kept})


def render_site(site: Site, *, theme: Theme, translations: dict[str, Any], diag: Diagnostics, cache: BuildCache,
                options: tuple, jobs: int = 1, progress: Callable[[int, int], None] | None = None) -> RenderedSite:
    """Render every output file of `site`; warnings go to `diag`.

    `options` (base URL, drafts) are part of every item's cache key; `jobs` is the
    number of processes; `progress(done, total)` hears about pages and sessions.
    """
    renderer = SiteRenderer(site, theme=theme, translations=translations, markdown=cache.markdown,
                            code=TemplateCode(cache.templates, cache.engine))
    key = partial(item_key, site, structure_digest(site, theme, options, cache.hashes, cache.engine))
    work = site_items(site)
    results = render_items(work, renderer.render, key, cache, jobs=jobs, progress=progress,
                           before_workers=renderer.compile_templates)
    for result in results:
        renderer.remember_events(result.events)
    results += render_items([SITE_ITEM], renderer.render, key, cache)  # its calendars reuse the events
    packed: dict[str, bytes] = {}
    kept: set[str] = set()
    for result in results:
        packed.update(result.packed)
        kept.update(result.kept)
        for path, line, message in result.warnings:
            diag.warn(site.root / path, line, message)
        for path, line, message in result.errors:
            diag.error(site.root / path, line, message)
    for path, source in renderer.assets().items():
        cache.made_assets[path] = digest = cache.hashes.get(os.fspath(source), "")
        if digest and cache.previous.assets.get(path) == digest:
            kept.add(path)
        else:
            packed.update(pack({path: source.read_bytes()}))
    files = PackedFiles(dict(sorted(packed.items())))

    def page(path: str) -> bytes:
        return files[path] if path in files else cache.previous.read(path) if path in kept else b""
    links = [link for result in results for link in result.anchors]
    check_anchors(links, page, site, renderer.reserved_ids, diag)
    check_reachable(site, links, diag)
    rendered = Counter(kind for (kind, _index, _lang), result in zip([*work, SITE_ITEM], results) if result.fresh)
    return RenderedSite(files, dict(rendered), frozenset(kept))
