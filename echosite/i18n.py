"""Stage 4: UI strings: gettext catalogs read from `.po` files and checked."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import PYTHON_FORMAT, Catalog, TranslationError
from babel.messages.checkers import num_plurals
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import NullTranslations, Translations

from .errors import Diagnostics
from .source import read_text

#: The language the templates are written in: it needs no catalog.
SOURCE_LANGUAGE = "en"
DOMAIN = "messages"
#: Babel's extraction mapping (paths relative to the templates folder); its
#: `trimmed` must match the Jinja environment's `ext.i18n.trimmed` policy.
MAPPING = Path(__file__).resolve().parent.parent / "babel.cfg"


@dataclass(frozen=True)
class UIMessage:
    """A UI string found in a template."""

    id: str | tuple[str, str]
    context: str | None
    path: Path
    line: int

    @property
    def key(self) -> str:
        return self.id[0] if isinstance(self.id, tuple) else self.id


def po_path(translations: Path, lang: str) -> Path:
    """Where the catalog of `lang` lives."""
    return translations / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def template_messages(templates: Path) -> list[UIMessage]:
    """Every gettext message of the templates, in file and line order."""
    with MAPPING.open(encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, str(MAPPING))
    found = []
    for filename, line, message, _comments, context in extract_from_dir(templates, method_map, options_map):
        found.append(UIMessage(message, context, templates / filename, line))
    return found


def read_catalog(path: Path, lang: str | None, diag: Diagnostics) -> Catalog | None:
    """Read a `.po` (or `.pot`) file whole; a malformed one is an error with its line, and None."""
    text = read_text(path, diag)
    return None if text is None else parse_catalog(text, path, lang, diag)


def parse_catalog(text: str, path: Path, lang: str | None, diag: Diagnostics) -> Catalog | None:
    """Parse the text of a catalog; a malformed one is an error with its line, and None.

    Babel's reader is lenient: it drops the last character of a string whose
    closing quote is missing and keeps only one of two entries with the same
    msgid. Both lose a translator's text, so both are errors here (as `msgfmt -c`
    reports them), and no command writes back a catalog that was not read whole.
    """
    problems = list(_syntax_problems(text))
    for line, message in problems:
        diag.error(path, line, f"malformed catalog: {message}")
    if problems:
        return None
    try:
        catalog = read_po(io.StringIO(text), locale=lang.replace("-", "_") if lang else None, abort_invalid=True)
    except PoFileError as exc:
        match = re.search(r" on (\d+)$", str(exc))
        line = int(match.group(1)) + 1 if match else 1
        diag.error(path, line, f"malformed catalog: {exc}; fix it or run `python build.py i18n update`")
        return None
    except ValueError as exc:
        diag.error(path, 1, f"malformed catalog: {exc}")
        return None
    kept = {message.lineno for message in catalog if message.lineno}
    overwritten = [line for line in _msgid_lines(text) if line not in kept]
    for line in overwritten:
        diag.error(path, line, "malformed catalog: duplicate message definition: another entry has the same "
                   "msgid (and msgctxt); keep only one of them")
    return None if overwritten else catalog


_STRING = r'"(?:[^"\\]|\\.)*"'
_ENTRY_LINE = re.compile(rf'(?:#~\s*)?(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?{_STRING}\s*')
_KEYWORD = re.compile(r'(?:#~\s*)?(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\b\s*')
_UNCLOSED = re.compile(r'"(?:[^"\\]|\\.)*\\?')


def _syntax_problems(text: str):
    """(line, message) for each line that is not a comment, a keyword with a string, or a string."""
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if not stripped or (stripped.startswith("#") and not stripped.startswith("#~")):
            continue
        if _ENTRY_LINE.fullmatch(stripped):
            continue
        keyword = _KEYWORD.match(stripped)
        rest = stripped[keyword.end():] if keyword else stripped.removeprefix("#~").lstrip()
        if not rest.startswith('"'):
            what = f"after {keyword.group(1)}" if keyword else "on this line"
            yield number, (f"expected text in double quotes {what}, such as msgstr \"Inicio\"; "
                           "a comment line starts with #")
        elif _UNCLOSED.fullmatch(rest):
            yield number, ('the text on this line has no closing quote (end-of-line within string); '
                           'end it with "')
        else:
            yield number, ('text after the closing quote; write \\" for a quote inside the text')


def _msgid_lines(text: str) -> list[int]:
    """Lines of the msgid of every entry, the header and obsolete entries aside."""
    lines = text.split("\n")
    return [number for number, line in enumerate(lines, 1)
            if line.startswith("msgid ") and not (line.strip() == 'msgid ""' and _is_header(lines, number))]


def _is_header(lines: list[str], number: int) -> bool:
    """Whether the `msgid ""` on line `number` (1-based) starts the header: an empty msgid, alone."""
    following = lines[number] if number < len(lines) else ""
    return not following.startswith('"')


def check_catalog(catalog: Catalog, path: Path, messages: list[UIMessage], diag: Diagnostics,
                  text_lines: list[str]) -> None:
    """Report broken placeholders, added markup, fuzzy entries, and missing translations (once)."""
    for message in catalog:
        if not message.id or not message.string or message.fuzzy:
            continue  # fuzzy translations are never shown: their own warning says so
        line = _msgstr_line(text_lines, message.lineno or 1)
        try:
            num_plurals(catalog, message)
        except TranslationError as exc:
            diag.error(path, line, f'translation of "{_first(message.id)}": {exc}')
        allowed = {name for form in _forms(message.id) for name in _placeholders(form)[0]}
        for translated in _forms(message.string):
            names, bare = _placeholders(translated)
            for name in sorted(names - allowed):
                keep = ", ".join(f"%({n})s" for n in sorted(allowed)) or "none"
                diag.error(path, line, f'translation of "{_first(message.id)}" uses %({name})s, which the '
                           f"English text does not have; keep its placeholders ({keep})")
            if bare:
                diag.error(path, line, f'translation of "{_first(message.id)}" has a "%" that starts no '
                           'placeholder; write "%%" for a percent sign')
        for source, translated in zip(_forms(message.id), _forms(message.string)):
            added = _tags(translated) - _tags(source)
            if added:
                diag.error(path, line, f'translation of "{_first(message.id)}" adds markup '
                           f'({", ".join(sorted(added))}) that the English text does not have; remove it')
    absent, untranslated, seen = [], [], set()
    for wanted in messages:
        if (wanted.key, wanted.context) in seen:
            continue
        seen.add((wanted.key, wanted.context))
        found = catalog.get(wanted.key, context=wanted.context)
        if found is None:
            absent.append(wanted)
        elif not _complete(found.string):
            untranslated.append(found)
        elif found.fuzzy:
            diag.warn(path, found.lineno or 1, f'fuzzy translation of "{wanted.key}"; the English text is shown '
                      'until a translator checks it and removes the "fuzzy" flag')
    if absent:
        first = absent[0]
        diag.warn(path, 0, f'{_count(absent)} of the templates not in this catalog, such as "{first.key}" '
                  f"({_template_ref(first)}); the English text is shown; run `python build.py i18n update`")
    if untranslated:
        first = min(untranslated, key=lambda m: m.lineno or 0)
        diag.warn(path, first.lineno or 1, f'{_count(untranslated)} not translated yet, the first one here '
                  f'("{_first(first.id)}"); the English text is shown until they are')


def checked_catalogs(translations: Path, templates: Path, languages: tuple[str, ...],
                     diag: Diagnostics) -> dict[str, tuple[Path, Catalog]]:
    """Each language's catalog (but the templates' own), read and checked against the templates."""
    messages = template_messages(templates)
    found = {}
    for lang in languages:
        if lang == SOURCE_LANGUAGE:
            continue
        path = po_path(translations, lang)
        if not path.is_file():
            diag.warn(path, 0, f"no catalog for {lang}: the interface is shown in English; "
                      "create it with `python build.py i18n update`")
            continue
        text = read_text(path, diag)
        catalog = parse_catalog(text, path, lang, diag) if text is not None else None
        if catalog is not None:
            check_catalog(catalog, path, messages, diag, text.split("\n"))
            found[lang] = (path, catalog)
    return found


def compiled(catalog: Catalog) -> bytes:
    """The catalog as a `.mo` file; fuzzy entries are left out."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def compiled_catalogs(translations: Path, templates: Path, languages: tuple[str, ...],
                      diag: Diagnostics) -> dict[str, bytes]:
    """Each checked catalog as `.mo` bytes, read from the `.po` files (no `.mo` files needed):
    plain bytes, so that a build can keep them for the next one (see `load_translations`)."""
    return {lang: compiled(catalog)
            for lang, (_path, catalog) in checked_catalogs(translations, templates, languages, diag).items()}


def load_translations(compiled_by_lang: dict[str, bytes], languages: tuple[str, ...]) -> dict[str, NullTranslations]:
    """gettext translations per language from `compiled_catalogs`; English (or a language
    without a catalog) as the templates say it."""
    result: dict[str, NullTranslations] = {lang: NullTranslations() for lang in languages}
    for lang, mo in compiled_by_lang.items():
        result[lang] = Translations(fp=io.BytesIO(mo), domain=DOMAIN)
    return result


def _first(msgid: str | tuple | list) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _forms(value: str | tuple | list) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _complete(string: str | tuple | list) -> bool:
    return all(_forms(string)) if string else False


def _count(entries: list) -> str:
    return "1 interface string is" if len(entries) == 1 else f"{len(entries)} interface strings are"


def _msgstr_line(lines: list[str], msgid_line: int) -> int:
    """The line of an entry's (first) msgstr: where a translator fixes its text."""
    for number in range(msgid_line, len(lines) + 1):
        if lines[number - 1].startswith("msgstr"):
            return number
    return msgid_line


def _placeholders(text: str) -> tuple[set[str], bool]:
    """The %(name)s placeholders of a message, and whether a "%" starts none.

    Jinja's newstyle gettext formats every message with `%`, so a lone "%" or a
    new placeholder would fail at render time; Babel checks only messages
    flagged python-format, and never lone "%" signs.
    """
    names = {m.group(1) for m in PYTHON_FORMAT.finditer(text) if m.group(1)}
    unnamed = any(m.group(1) is None and m.group(3) != "%" for m in PYTHON_FORMAT.finditer(text))
    return names, unnamed or "%" in PYTHON_FORMAT.sub("", text)


def _template_ref(message: UIMessage) -> str:
    return f"{message.path.parent.name}/{message.path.name}:{message.line}"


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        self.tags.add(f"</{tag}>")


def _tags(text: str) -> set[str]:
    collector = _TagCollector()
    collector.feed(text)
    collector.close()
    return collector.tags
