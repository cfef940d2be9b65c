"""The conductor: the build's stages, in order, from site_config.yaml to output/."""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import write
from .cache import BuildCache
from .errors import Diagnostics, Problem, SiteError
from .theme import find_theme

if TYPE_CHECKING:
    from .source import ParseMemo

#: Where cached work goes unless `cache_dir` says otherwise (inside the site, git-ignored).
CACHE_DIR = ".cache"


@dataclass(frozen=True)
class BuildResult:
    """What a build or check produced."""

    #: Warnings of the run (a skipped build repeats the last build's).
    warnings: list[Problem]
    #: HTML pages per language.
    pages: dict[str, int]
    #: Files in the output.
    file_count: int
    #: The site's base_url (after --base-url): where the output will be published.
    base_url: str
    #: Files whose bytes changed in the output folder (0 for a check or a skipped build).
    changed: int = 0
    #: Items rendered afresh by kind ("page", "session", "site"); the others were replayed from the cache.
    rendered: dict[str, int] = field(default_factory=dict)
    #: Nothing to do: inputs and output were exactly as the last build left them.
    up_to_date: bool = False
    seconds: float = 0.0
    #: The output folder written (None for a check).
    out: Path | None = None


def build(site: Path, out: Path | None = None, *, base_url: str | None = None, strict: bool = False,
          drafts: bool = False, write_files: bool = True, clean: bool = False, jobs: int | None = None,
          progress: Callable[[int, int], None] | None = None, cache_dir: Path | None = None,
          waiting: Callable[[], None] | None = None, memo: ParseMemo | None = None,
          state: write.OutputState | None = None, warm: bool = False,
          written: Callable[[str], None] | None = None) -> BuildResult:
    """Build the site at `site` into `out` (or only validate, when `write_files` is false).

    Raises SiteError with every problem found when the sources have errors;
    the output folder is then left exactly as it was. Work is cached in
    `cache_dir` (default `<site>/.cache/`; ignored with `clean`, never written
    by a check), and a build whose inputs and output are as the last one left
    them does nothing. One build at a time writes into an output folder: another
    one waits (calling `waiting`), then repairs what a killed build left. A caller that
    builds again and again (serve) passes its own in-memory `memo`, so that unchanged
    files are not read again, and its own `state`, so that the output and spare
    folders are not walked again: it then owns them, and files edited by hand in
    them between its builds are not noticed. With `warm`, a build whose output is up to
    date is not skipped: it reads every source into `memo` and renders nothing (every
    item is kept from the last build), so that the caller's next build re-reads only
    what changed (serve's first build). `written(base_url)` is called once the output is
    in place, before the cache is saved (serve reloads the browser then).
    """
    site = Path(site).resolve()
    out = (Path(out) if out is not None else site / "output").expanduser().resolve()
    cache_dir = Path(cache_dir).resolve() if cache_dir else site / CACHE_DIR
    diag = Diagnostics(root=site, strict=strict)
    theme = find_theme(site)
    if write_files:
        write.check_output_folder(out, site, [site / "content", theme.templates, theme.translations], cache_dir)
    with write.output_claimed(out if write_files else None, cache_dir, waiting):
        started = time.perf_counter()
        cache = BuildCache(cache_dir, site=site, theme=theme, out=out, options=(base_url, drafts),
                           read=not clean, write=write_files, memo=memo, state=state, skip=not warm)
        if (last := cache.last_build()) is not None:
            return _unchanged(last, diag, time.perf_counter() - started, out)

        # The stages import Jinja, Markdown, Babel and icalendar: only when there is work.
        from . import config, content, i18n, model, render, sessions

        cfg = config.load_config(site, diag, base_url)                                     # 1. config
        if cfg is None:  # without its languages no file can be read; other mistakes stop the build below
            diag.raise_if_errors()
        found = content.load_content(site / "content", cfg.languages, diag, drafts,         # 2. content
                                     cache.parsed)
        calendars = sessions.load_calendars(found.calendars, cfg, diag, cache.parsed)       # 3. sessions
        starts = sessions.unrecorded_moves(calendars, cache.session_starts(), diag)
        catalogs = cache.parsed.reading(                                                    # 4. UI strings
            ("translations", cache.parsed.folders_key(theme.templates, theme.translations),
             i18n.MAPPING.read_bytes(), cfg.languages), diag,
            lambda d: i18n.compiled_catalogs(theme.translations, theme.templates, cfg.languages, d), lasting=True)
        translations = i18n.load_translations(catalogs, cfg.languages)
        site_model = model.assemble(cfg, site, found, calendars, diag)                       # 5. model
        diag.raise_if_errors()
        rendered = render.render_site(site_model, theme=theme, translations=translations,    # 6. render
                                      diag=diag, cache=cache, options=(cfg.base_url, drafts),
                                      jobs=jobs or os.cpu_count() or 1, progress=progress)
        diag.raise_if_errors(final=True)
        changed = (write.write_output(rendered.files, out, cache_dir, rendered.kept, cache.state)  # 7. write
                   if write_files else 0)
        if written is not None and write_files:
            written(cfg.base_url)

        redirects = {f"{alias.lstrip('/')}index.html" for version in site_model.versions
                     for alias, _line in version.source.aliases}
        redirects.update(path for path in rendered.paths for old, _new, _line in cfg.moved
                         if path.startswith(old.lstrip("/")))
        result = BuildResult(diag.warnings, _pages(rendered.paths, cfg.languages, redirects), len(rendered.paths),
                             cfg.base_url, changed, rendered.rendered, seconds=time.perf_counter() - started,
                             out=out if write_files else None)
        del rendered  # every output file's bytes: written, and not held while the cache is saved
        cache.save_session_starts(starts)
        cache.save({"warnings": [(p.path, p.line, p.message) for p in result.warnings], "pages": result.pages,
                    "files": result.file_count, "base_url": result.base_url})
        return result


def _unchanged(last: dict, diag: Diagnostics, seconds: float, out: Path) -> BuildResult:
    """The result of a build with nothing to do, from the last build's record (its warnings again)."""
    for path, line, message in last["warnings"]:
        diag.warn(diag.root / path, line, message)
    diag.raise_if_errors(final=True)
    return BuildResult(diag.warnings, last["pages"], last["files"], last["base_url"], up_to_date=True, seconds=seconds,
                       out=out)


def _pages(files: list[str], languages: tuple[str, ...], redirects: set[str]) -> dict[str, int]:
    """HTML pages per language, the redirect pages of `aliases:` not counted."""
    return {lang: sum(1 for path in files if path.startswith(f"{lang}/") and path.endswith(".html")
                      and path not in redirects) for lang in languages}


__all__ = ["build", "BuildResult", "SiteError", "find_theme"]
