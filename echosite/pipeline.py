"""The conductor: the build's stages, in order, from site_config.yaml to output/."""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import calendar, config, content, i18n, model, render, write
from .cache import CACHE_DIR, ItemCache, MarkdownCache, structure_digest
from .errors import Diagnostics, Problem, SiteError

#: The repository's own theme: used where a site has no templates/ or translations/.
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BuildResult:
    """What a build or check produced."""

    files: dict[str, bytes]
    warnings: list[Problem]
    pages: dict[str, int] = field(default_factory=dict)
    changed: int = 0
    seconds: float = 0.0


def find_theme(site: Path) -> render.Theme:
    """The site's own templates/ and translations/, else the repository's."""
    def pick(name: str) -> Path:
        own = site / name
        return own if own.is_dir() else PACKAGE_ROOT / name
    return render.Theme(templates=pick("templates"), translations=pick("translations"))


def build(site: Path, out: Path | None = None, *, base_url: str | None = None, strict: bool = False,
          drafts: bool = False, write_files: bool = True, clean: bool = False, jobs: int | None = None,
          progress: Callable[[int, int], None] | None = None, cache_dir: Path | None = None) -> BuildResult:
    """Build the site at `site` into `out` (or only validate, when `write_files` is false).

    Raises SiteError with every problem found when the sources have errors;
    the output folder is then left exactly as it was. Converted Markdown is
    cached in `cache_dir` (default `<site>/.cache/`; not read with `clean`,
    never written by a check).
    """
    started = time.perf_counter()
    site = Path(site).resolve()
    out = Path(out) if out is not None else site / "output"
    diag = Diagnostics(root=site, strict=strict)
    theme = find_theme(site)
    if write_files:
        write.check_output_folder(out, site, [site / "content", theme.templates, theme.translations])

    cfg = config.load_config(site, diag, base_url)                                     # 1. config
    diag.raise_if_errors()
    found = content.load_content(site / "content", cfg.languages, diag, drafts)         # 2. content
    sessions = _load_sessions(found, cfg, diag)                                          # 3. calendars
    translations = i18n.load_translations(theme.translations, theme.templates,          # 4. UI strings
                                          cfg.languages, diag)
    site_model = model.assemble(cfg, site, found, sessions, diag)                        # 5. model
    diag.raise_if_errors()
    cache_dir = Path(cache_dir) if cache_dir else site / CACHE_DIR
    markdown_cache, item_cache = MarkdownCache(cache_dir, read=not clean), ItemCache(cache_dir, read=not clean)
    structure = structure_digest(site_model, theme.templates, theme.translations, (cfg.base_url, drafts))
    files = render.render_site(site_model, theme, translations, diag, markdown_cache,    # 6. render
                               jobs or os.cpu_count() or 1, progress, item_cache, structure)
    diag.raise_if_errors()
    changed = write.write_output(files, out) if write_files else 0                       # 7. write
    if write_files:
        markdown_cache.save()
        item_cache.save()

    pages = {lang: sum(1 for path in files if path.startswith(f"{lang}/") and path.endswith(".html"))
             for lang in cfg.languages}
    return BuildResult(files, diag.warnings, pages, changed, time.perf_counter() - started)


def _load_sessions(found: content.Content, cfg: config.Config, diag: Diagnostics) -> tuple:
    """Every programme calendar, with session ids unique across the site."""
    sessions = [s for key, path in found.calendars for s in calendar.load_calendar(path, key, cfg, diag)]
    calendar.check_unique_ids(sessions, diag)
    return tuple(sorted(sessions, key=lambda s: (s.start_utc, s.id)))


__all__ = ["build", "BuildResult", "SiteError", "find_theme"]
