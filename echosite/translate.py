"""The translators' workflow: `i18n extract | update | compile | stats` (Babel's API)."""
from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from .config import load_config
from .content import Source, load_content
from .sessions import Session, SessionText, load_calendars
from .errors import Diagnostics, Problem, SiteError, UsageError
from .i18n import DOMAIN, SOURCE_LANGUAGE, checked_catalogs, compiled, po_path, read_catalog, template_messages
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


def extract(site: Path) -> tuple[Path, bool]:
    """Refresh `translations/messages.pot` from the templates; return it and whether it changed."""
    _config, theme, diag = _site(site)
    pot = pot_path(theme.translations)
    old = _read(pot, None, diag)
    diag.raise_if_errors()
    catalog = Catalog(project=_PROJECT, charset="utf-8", fuzzy=False,
                      creation_date=old.creation_date if old else datetime.now(timezone.utc))
    for message in template_messages(theme.templates):
        where = (message.path.relative_to(theme.templates.parent).as_posix(), message.line)
        catalog.add(message.id, None, [where], context=message.context)
    if old is not None and _same_messages(old, catalog):
        return pot, False
    _write(pot, catalog)
    return pot, True


def update(site: Path) -> list[tuple[Path, bool]]:
    """Merge the template into every configured language, creating new catalogs.

    Returns each catalog and whether it changed. Every catalog is read first;
    when one is malformed, none is written.
    """
    config, theme, diag = _site(site)
    pot = pot_path(theme.translations)
    if not pot.is_file():
        extract(site)
    template = _read(pot, None, diag)
    catalogs = {lang: _read(po_path(theme.translations, lang), lang, diag)
                for lang in config.languages if lang != SOURCE_LANGUAGE}
    diag.raise_if_errors()
    written = []
    for lang, catalog in catalogs.items():
        if catalog is None:
            catalog = _read(pot, lang, diag)
            catalog.locale = Locale.parse(lang.replace("-", "_"))
            catalog.revision_date = template.creation_date
            catalog.fuzzy = False
        else:
            catalog.update(template, update_creation_date=False)
        written.append((po_path(theme.translations, lang), _write(po_path(theme.translations, lang), catalog,
                                                                  ignore_obsolete=True)))
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


#: The front matter key of a translation that records which original text it translates.
TRANSLATED_FROM = "translated_from"


@dataclass
class LanguageStats:
    """Translation progress of one language; pages named by their file, relative to the site."""

    lang: str
    ui_translated: int
    ui_fuzzy: int
    ui_missing: int
    pages_translated: int
    pages_missing: int
    pages_outdated: int
    #: Translations whose original changed since they were marked reviewed, or never marked.
    outdated: list[str]
    #: Files to write: `content/about.fr.md` for a page that has no fr file.
    missing: list[str]
    #: Sessions with a title, summary and text (if any) in this language.
    sessions_translated: int = 0
    #: Session texts to write: `content/x/sessions/x-1.fr.md`, or a value in sessions.yaml
    #: such as `content/x/sessions.yaml:12 (x-1: title)`.
    sessions_missing: list[str] = field(default_factory=list)
    #: Session texts (`sessions/<id>.<lang>.md`) not reviewed against the default language's current one.
    sessions_outdated: list[str] = field(default_factory=list)

    @property
    def to_do(self) -> int:
        return (self.ui_fuzzy + self.ui_missing + self.pages_missing + self.pages_outdated
                + len(self.sessions_missing) + len(self.sessions_outdated))


def original_digest(original: Source | SessionText) -> str:
    """A fingerprint of what a translator translates: the original's title, description (or
    summary) and text."""
    if isinstance(original, SessionText):
        parts = (original.title or "", original.summary or "", original.body)
    else:
        parts = (original.title, original.description, original.body)
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:12]


def stats(site: Path) -> list[LanguageStats]:
    """Per language: UI strings translated / fuzzy / missing, and pages translated / missing / outdated.

    A translation is outdated unless its `translated_from` front matter holds the
    fingerprint of its original's current text (`i18n reviewed` writes it).
    """
    config, theme, diag = _site(site)
    messages = {(m.key, m.context) for m in template_messages(theme.templates)}
    content = load_content(site / "content", config.languages, diag, drafts=True)
    # Checking calendars is the build's job: here their mistakes only leave sessions out.
    calendar = load_calendars(content.calendars, config, Diagnostics(root=diag.root))
    catalogs = {lang: _read(po_path(theme.translations, lang), lang, diag)
                for lang in config.languages if lang != SOURCE_LANGUAGE}
    diag.raise_if_errors()
    default = config.default_language
    result = []
    for lang in config.languages:
        translated = fuzzy = 0
        if lang == SOURCE_LANGUAGE:
            translated = len(messages)
        else:
            for key, context in messages:
                found = catalogs[lang].get(key, context=context) if catalogs[lang] else None
                if found is not None and found.string and found.fuzzy:
                    fuzzy += 1
                elif found is not None and found.string:
                    translated += 1
        missing_pages, outdated_pages, done = [], [], 0
        for page in content.pages:
            own, original = page.source(lang), page.source(default)
            if own is None:
                borrowed = page.sources[0]
                missing_pages.append(_rel(site, borrowed.path.with_name(f"{_stem(borrowed)}.{lang}.md")))
            elif original and own is not original and own.translated_from != original_digest(original):
                outdated_pages.append(_rel(site, own.path))
            else:
                done += 1
        missing_sessions = [_session_piece(site, session, lang, key)
                            for session in calendar for key in session.missing(lang)]
        result.append(LanguageStats(lang, translated, fuzzy, len(messages) - translated - fuzzy, done,
                                    len(missing_pages), len(outdated_pages), outdated_pages, missing_pages,
                                    sum(1 for session in calendar if not session.missing(lang)),
                                    missing_sessions, [_rel(site, text.path) for session in calendar
                                                       if (text := _outdated(session, lang, default))]))
    return result


def _outdated(session: Session, lang: str, default: str) -> SessionText | None:
    """The session's text in `lang` when it is a translation not reviewed against the original's current text."""
    own, original = session.text(lang), session.text(default)
    if own and original and own is not original and own.translated_from != original_digest(original):
        return own
    return None


def _session_piece(site: Path, session: Session, lang: str, key: str) -> str:
    """Where a session's missing piece goes: its text file, or its line in sessions.yaml."""
    if key == "text":
        return _rel(site, session.texts[0].path.with_name(f"{session.id}.{lang}.md"))
    return f"{_rel(site, session.source)}:{session.line_of(key)} ({session.id}: {key})"


def format_stats(rows: list[LanguageStats], fmt: str = "table") -> str:
    """The stats as a readable table, each file to translate or review below it, or as JSON."""
    if fmt == "json":
        return json.dumps([row.__dict__ for row in rows], indent=2, ensure_ascii=False) + "\n"
    header = ("language", "UI translated", "fuzzy", "missing", "pages translated", "missing", "outdated",
              "sessions translated", "missing", "outdated")
    lines = [header] + [(r.lang, r.ui_translated, r.ui_fuzzy, r.ui_missing, r.pages_translated,
                         r.pages_missing, r.pages_outdated, r.sessions_translated, len(r.sessions_missing),
                         len(r.sessions_outdated))
                        for r in rows]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    text = "\n".join("  ".join(str(v).ljust(w) for v, w in zip(line, widths)).rstrip() for line in lines)
    for row in rows:
        for path in row.missing:
            text += f"\n{row.lang}: missing: {path}"
        for piece in row.sessions_missing:
            text += f"\n{row.lang}: missing session text: {piece}"
        for path in row.outdated + row.sessions_outdated:
            text += (f"\n{row.lang}: outdated: {path}: not reviewed against its original's current text; "
                     f"update it if needed, then run `python build.py i18n reviewed {path}`")
    return text + "\n"


def mark_reviewed(site: Path, files: list[Path]) -> list[Path]:
    """Record in each translation's front matter that it matches its original's current text."""
    config, _theme, diag = _site(site)
    content = load_content(site / "content", config.languages, diag, drafts=True)
    diag.raise_if_errors()
    default = config.default_language
    sources: dict[Path, tuple] = {source.path.resolve(): (page, source)
                                  for page in content.pages for source in page.sources}
    for session in load_calendars(content.calendars, config, Diagnostics(root=diag.root)):
        sources.update({text.path.resolve(): (session, text) for text in session.texts})
    marks = []
    for file in files:
        path = site / file if (site / file).exists() else file  # as `stats` prints it, or from here
        page, source = sources.get(path.resolve(), (None, None))
        if source is None:
            raise UsageError(f"{file} is not a page of the site {site}; name a translation such as "
                             f"content/about.{config.languages[-1]}.md")
        original = page.text(default) if isinstance(source, SessionText) else page.source(default)
        if source is original:
            raise UsageError(f"{file} is an original, in the default language ({default}); "
                             "name its translations instead")
        if original is None:
            raise UsageError(f"{file} has no original in the default language ({default}) to be reviewed against")
        marks.append((source.path, original_digest(original)))
    for path, digest in marks:
        _set_front_matter(path, TRANSLATED_FROM, f'"{digest}"')
    return [path for path, _digest in marks]


def _set_front_matter(path: Path, key: str, value: str) -> None:
    """Write `key: value` into a file's front matter, replacing the key's line; nothing else changes."""
    lines = path.read_bytes().decode("utf-8").splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    if not lines or lines[0].strip() != "---":  # a session text may have no front matter yet
        lines[:0] = [f"---{newline}", f"---{newline}"]
    end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    entry = f"{key}: {value}{newline}"
    found = next((i for i in range(1, end) if lines[i].startswith(f"{key}:")), None)
    if found is None:
        lines.insert(end, entry)
    else:
        lines[found] = entry
    _replace(path, "".join(lines).encode("utf-8"))


def _rel(site: Path, path: Path) -> str:
    return path.resolve().relative_to(site.resolve()).as_posix()


def _stem(source: Source) -> str:
    return source.path.name.removesuffix(f".{source.lang}.md")


def _read(path: Path, lang: str | None, diag: Diagnostics) -> Catalog | None:
    """The catalog at `path`, None when there is none; a malformed one is an error in `diag`."""
    return read_catalog(path, lang, diag) if path.is_file() else None


def _write(path: Path, catalog: Catalog, ignore_obsolete: bool = False) -> bool:
    """Write a catalog unless the file already holds exactly that; return whether it changed."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=76, sort_by_file=True, ignore_obsolete=ignore_obsolete)
    if path.is_file() and path.read_bytes() == buffer.getvalue():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    _replace(path, buffer.getvalue())
    return True


def _replace(path: Path, data: bytes) -> None:
    """Write a file whole or not at all."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _same_messages(old: Catalog, new: Catalog) -> bool:
    def key(c: Catalog) -> list:
        return sorted((str(m.id), m.context or "", tuple(m.locations)) for m in c if m.id)
    return key(old) == key(new)


__all__ = ["extract", "update", "compile_catalogs", "stats", "format_stats", "mark_reviewed", "SiteError"]
