"""Stage 4: UI strings: gettext catalogs read from `.po` files and checked."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
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


def read_catalog(path: Path, lang: str, diag: Diagnostics) -> Catalog | None:
    """Parse a `.po` file; a malformed one is an error with its line."""
    text = read_text(path, diag)
    if text is None:
        return None
    try:
        return read_po(io.StringIO(text), locale=lang.replace("-", "_"), abort_invalid=True)
    except PoFileError as exc:
        match = re.search(r" on (\d+)$", str(exc))
        line = int(match.group(1)) + 1 if match else 1
        diag.error(path, line, f"malformed catalog: {exc}; fix it or run `python build.py i18n update`")
        return None
    except ValueError as exc:
        diag.error(path, 1, f"malformed catalog: {exc}")
        return None


def check_catalog(catalog: Catalog, path: Path, messages: list[UIMessage], lang: str, diag: Diagnostics) -> None:
    """Report broken placeholders, added markup, fuzzy and missing translations."""
    for message, errors in catalog.check():
        for error in errors:
            diag.error(path, message.lineno or 1, f'translation of "{_first(message.id)}": {error}; '
                       "keep the placeholders of the English text")
    for message in catalog:
        if not message.id or not message.string:
            continue
        for source, translated in zip(_forms(message.id), _forms(message.string)):
            added = _tags(translated) - _tags(source)
            if added:
                diag.error(path, message.lineno or 1, f'translation of "{_first(message.id)}" adds markup '
                           f'({", ".join(sorted(added))}) that the English text does not have; remove it')
    seen = set()
    for wanted in messages:
        if (wanted.key, wanted.context) in seen:
            continue
        seen.add((wanted.key, wanted.context))
        found = catalog.get(wanted.key, context=wanted.context)
        if found is None or not _complete(found.string):
            line = found.lineno if found is not None and found.lineno else 1
            diag.warn(path, line, f'no {lang} translation for "{wanted.key}" ({_template_ref(wanted)}); '
                      "the English text is shown; translate it (run `python build.py i18n update` first)")
        elif found.fuzzy:
            diag.warn(path, found.lineno or 1, f'fuzzy translation of "{wanted.key}"; the English text is shown '
                      'until a translator checks it and removes the "fuzzy" flag')


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
        catalog = read_catalog(path, lang, diag)
        if catalog is not None:
            check_catalog(catalog, path, messages, lang, diag)
            found[lang] = (path, catalog)
    return found


def compiled(catalog: Catalog) -> bytes:
    """The catalog as a `.mo` file; fuzzy entries are left out."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def load_translations(translations: Path, templates: Path, languages: tuple[str, ...],
                      diag: Diagnostics) -> dict[str, NullTranslations]:
    """gettext translations per language, read from the `.po` files (no `.mo` files needed)."""
    result: dict[str, NullTranslations] = {lang: NullTranslations() for lang in languages}
    for lang, (_path, catalog) in checked_catalogs(translations, templates, languages, diag).items():
        result[lang] = Translations(fp=io.BytesIO(compiled(catalog)), domain=DOMAIN)
    return result


def _first(msgid: str | tuple | list) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _forms(value: str | tuple | list) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _complete(string: str | tuple | list) -> bool:
    return all(_forms(string)) if string else False


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
