"""The conductor: the build's stages, in order, from site_config.yaml to output/."""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import uptodate, write
from .errors import Diagnostics, Problem, SiteError
from .theme import Theme, find_theme

#: Where cached work goes unless `cache_dir` says otherwise (inside the site, git-ignored).
CACHE_DIR = ".cache"


@dataclass
class BuildResult:
    """What a build or check produced."""

    files: dict[str, bytes]
    warnings: list[Problem]
    pages: dict[str, int] = field(default_factory=dict)
    changed: int = 0
    seconds: float = 0.0
    file_count: int = 0
    up_to_date: bool = False


def build(site: Path, out: Path | None = None, *, base_url: str | None = None, strict: bool = False,
          drafts: bool = False, write_files: bool = True, clean: bool = False, jobs: int | None = None,
          progress: Callable[[int, int], None] | None = None, cache_dir: Path | None = None) -> BuildResult:
    """Build the site at `site` into `out` (or only validate, when `write_files` is false).

    Raises SiteError with every problem found when the sources have errors;
    the output folder is then left exactly as it was. Work is cached in
    `cache_dir` (default `<site>/.cache/`; ignored with `clean`, never written
    by a check), and a build whose inputs and output are as the last one left
    them does nothing.
    """
    started = time.perf_counter()
    site = Path(site).resolve()
    out = (Path(out) if out is not None else site / "output").expanduser().resolve()
    cache_dir = Path(cache_dir).resolve() if cache_dir else site / CACHE_DIR
    diag = Diagnostics(root=site, strict=strict)
    theme = find_theme(site)
    if write_files:
        write.check_output_folder(out, site, [site / "content", theme.templates, theme.translations])
        digest = _digest(site, theme, base_url, drafts, out)
        record = None if clean else uptodate.last_build(cache_dir, digest, out)
        if record is not None:
            for path, line, message in record["warnings"]:
                diag.warn(site / path, line, message)
            diag.raise_if_errors(final=True)
            return BuildResult({}, diag.warnings, record["pages"], 0, time.perf_counter() - started,
                               record["files"], up_to_date=True)
        uptodate.forget(cache_dir, out)

    # The stages import Jinja, Markdown, Babel and icalendar: only when there is work.
    from . import config, content, i18n, model, render, sessions
    from .cache import ItemCache, MarkdownCache, structure_digest
    from .source import ParseMemo

    parsed = ParseMemo(cache_dir / "parsed.pickle", read=not clean)
    cfg = config.load_config(site, diag, base_url)                                     # 1. config
    diag.raise_if_errors()
    found = content.load_content(site / "content", cfg.languages, diag, drafts, parsed)  # 2. content
    calendars = sessions.load_calendars(found.calendars, cfg, diag, parsed)           # 3. sessions
    translations = i18n.load_translations(theme.translations, theme.templates,          # 4. UI strings
                                          cfg.languages, diag)
    site_model = model.assemble(cfg, site, found, calendars, diag)                       # 5. model
    diag.raise_if_errors()
    markdown_cache = MarkdownCache(cache_dir, read=not clean, write=write_files)
    item_cache = ItemCache(cache_dir, read=not clean, write=write_files)
    structure = structure_digest(site_model, theme.templates, theme.translations, (cfg.base_url, drafts))
    files = render.render_site(site_model, theme, translations, diag, markdown_cache,    # 6. render
                               jobs or os.cpu_count() or 1, progress, item_cache, structure)
    diag.raise_if_errors(final=True)
    changed = write.write_output(files, out) if write_files else 0                       # 7. write

    pages = {lang: sum(1 for path in files if path.startswith(f"{lang}/") and path.endswith(".html"))
             for lang in cfg.languages}
    if write_files:
        markdown_cache.store.save()
        item_cache.store.save()
        parsed.save()
        if _digest(site, theme, base_url, drafts, out) == digest:  # no edit landed during the build
            uptodate.remember(cache_dir, digest, out, {
                "warnings": [(p.path, p.line, p.message) for p in diag.warnings],
                "pages": pages, "files": len(files)})
    return BuildResult(files, diag.warnings, pages, changed, time.perf_counter() - started, len(files))


def _digest(site: Path, theme: Theme, base_url: str | None, drafts: bool, out: Path) -> str:
    return uptodate.input_digest(site, [theme.templates, theme.translations], (base_url, drafts, str(out)))


__all__ = ["build", "BuildResult", "SiteError", "find_theme"]
