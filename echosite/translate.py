"""The translators' workflow: `i18n extract | update | compile | stats` (Babel's API)."""
from __future__ import annotations

import io
import json
import os
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from .config import load_config
from .content import load_content
from .errors import Diagnostics, Problem, SiteError
from .i18n import DOMAIN, SOURCE_LANGUAGE, checked_catalogs, compiled, po_path, template_messages
from .theme import find_theme

#: The date written in a new template's header; kept from the old one so that
#: `extract` with no new strings leaves the file unchanged.
_PROJECT = "echosite"


def _site(site: Path) -> tuple:
    diag = Diagnostics(root=site.resolve())
    config = load_config(site, diag)
    diag.raise_if_errors()
    return config, find_theme(site.resolve()), diag


def pot_path(translations: Path) -> Path:
    return translations / f"{DOMAIN}.pot"


def extract(site: Path) -> Path:
    """Refresh `translations/messages.pot` from the templates."""
    _config, theme, _diag = _site(site)
    pot = pot_path(theme.translations)
    old = _read(pot, None)
    catalog = Catalog(project=_PROJECT, charset="utf-8", fuzzy=False,
                      creation_date=old.creation_date if old else datetime.now(timezone.utc))
    for message in template_messages(theme.templates):
        where = (message.path.relative_to(theme.templates.parent).as_posix(), message.line)
        catalog.add(message.id, None, [where], context=message.context)
    if old is not None and _same_messages(old, catalog):
        return pot
    _write(pot, catalog)
    return pot


def update(site: Path) -> list[Path]:
    """Merge the template into every configured language, creating new catalogs."""
    config, theme, _diag = _site(site)
    template = _read(pot_path(theme.translations), None)
    if template is None:
        extract(site)
        template = _read(pot_path(theme.translations), None)
    written = []
    for lang in config.languages:
        if lang == SOURCE_LANGUAGE:
            continue
        path = po_path(theme.translations, lang)
        catalog = _read(path, lang)
        if catalog is None:
            catalog = _read(pot_path(theme.translations), lang)
            catalog.locale = Locale.parse(lang.replace("-", "_"))
            catalog.revision_date = template.creation_date
            catalog.fuzzy = False
        else:
            catalog.update(template, update_creation_date=False)
        _write(path, catalog, ignore_obsolete=True)
        written.append(path)
    return written


def compile_catalogs(site: Path, strict: bool = False) -> tuple[list[Path], list[Problem]]:
    """Check every catalog (placeholders, plurals, markup, fuzzy, missing), then write `.mo` files.

    Returns the files written and the warnings; raises SiteError, writing nothing,
    when a catalog has errors (or, with `strict`, warnings).
    """
    config, theme, diag = _site(site)
    diag.strict = strict
    catalogs = checked_catalogs(theme.translations, theme.templates, config.languages, diag)
    diag.raise_if_errors(final=True)
    written = []
    for path, catalog in catalogs.values():
        written.append(path.with_suffix(".mo"))
        written[-1].write_bytes(compiled(catalog))
    return written, diag.warnings


@dataclass
class LanguageStats:
    """Translation progress of one language."""

    lang: str
    ui_translated: int
    ui_fuzzy: int
    ui_missing: int
    pages_translated: int
    pages_missing: int
    pages_outdated: int
    outdated: list[str]
    missing: list[str]


def stats(site: Path) -> list[LanguageStats]:
    """Per language: UI strings translated / fuzzy / missing, and pages translated / missing / outdated."""
    config, theme, diag = _site(site)
    messages = {(m.key, m.context) for m in template_messages(theme.templates)}
    content = load_content(site / "content", config.languages, diag, drafts=True)
    times = _change_times(site, [s.path for p in content.pages for s in p.sources])
    default = config.default_language
    result = []
    for lang in config.languages:
        translated = fuzzy = 0
        if lang == SOURCE_LANGUAGE:
            translated = len(messages)
        else:
            catalog = _read(po_path(theme.translations, lang), lang)
            for key, context in messages:
                found = catalog.get(key, context=context) if catalog else None
                if found is not None and found.string and found.fuzzy:
                    fuzzy += 1
                elif found is not None and found.string:
                    translated += 1
        missing_pages, outdated_pages, done = [], [], 0
        for page in content.pages:
            own, original = page.source(lang), page.source(default)
            if own is None:
                missing_pages.append(page.key)
            elif lang != default and original and times[original.path] > times[own.path]:
                outdated_pages.append(page.key)
            else:
                done += 1
        result.append(LanguageStats(lang, translated, fuzzy, len(messages) - translated - fuzzy, done,
                                    len(missing_pages), len(outdated_pages), outdated_pages, missing_pages))
    return result


def format_stats(rows: list[LanguageStats], fmt: str = "table") -> str:
    """The stats as a readable table or as JSON."""
    if fmt == "json":
        return json.dumps([row.__dict__ for row in rows], indent=2, ensure_ascii=False) + "\n"
    header = ("language", "UI translated", "fuzzy", "missing", "pages translated", "missing", "outdated")
    lines = [header] + [(r.lang, r.ui_translated, r.ui_fuzzy, r.ui_missing, r.pages_translated,
                         r.pages_missing, r.pages_outdated) for r in rows]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    text = "\n".join("  ".join(str(v).ljust(w) for v, w in zip(line, widths)).rstrip() for line in lines)
    for row in rows:
        for key in row.outdated:
            text += f"\n{row.lang}: outdated: {key} (the {rows[0].lang} text changed after this translation)"
    return text + "\n"


def _change_times(site: Path, paths: list[Path]) -> dict[Path, float]:
    """When each file last changed: its last commit in git, else (or if edited since) its mtime."""
    times = {path: path.stat().st_mtime for path in paths}
    try:
        top = subprocess.run(["git", "-C", str(site), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", top, "status", "--porcelain", "-z", "--", str(site.resolve())],
                               capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return times
    edited = {(Path(top) / entry[3:]).resolve() for entry in dirty.split("\0") if entry}
    for path in paths:
        if path.resolve() in edited:
            continue
        out = subprocess.run(["git", "-C", top, "log", "-1", "--format=%ct", "--", str(path.resolve())],
                             capture_output=True, text=True).stdout.strip()
        if out:
            times[path] = float(out)
    return times


def _read(path: Path, lang: str | None) -> Catalog | None:
    if not path.is_file():
        return None
    with path.open("rb") as fileobj:
        return read_po(fileobj, locale=lang.replace("-", "_") if lang else None)


def _write(path: Path, catalog: Catalog, ignore_obsolete: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=76, sort_by_file=True, ignore_obsolete=ignore_obsolete)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, path)


def _same_messages(old: Catalog, new: Catalog) -> bool:
    def key(c: Catalog) -> list:
        return sorted((str(m.id), m.context or "", tuple(m.locations)) for m in c if m.id)
    return key(old) == key(new)


__all__ = ["extract", "update", "compile_catalogs", "stats", "format_stats", "SiteError"]
