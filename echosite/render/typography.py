"""Stage 6 (render): typographic quotes, dashes and ellipses: what Python-Markdown's `smarty` does, in one tree pass.

`smarty` runs a second inline processor over the whole tree, which costs more than
the rest of the Markdown conversion together (it rebuilds the tree and re-scans
every text once per pattern). This treeprocessor applies the same patterns, taken
from `markdown.extensions.smarty`, in the same order and with the same rule for
what a later match sees of an earlier one (a placeholder opened by STX and closed
by ETX), to the same text nodes (element text and tails, code left alone). It
writes the characters themselves where `smarty` stashes their HTML entities;
once sanitized, the HTML is the same byte for byte (the tests compare both on a
property-based corpus).
"""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.extensions import Extension
from markdown.extensions import smarty
from markdown.treeprocessors import Treeprocessor
from markdown.util import ETX, STX, AtomicString

#: smarty's patterns in its order of application: (regex, a substring every match contains,
#: what replaces a match: a group's text or a substitution's name).
_PATTERNS = (
    (r"(?<!-)---(?!-)", "---", ("mdash",)),
    (r"(?<!-)--(?!-)", "--", ("ndash",)),
    (smarty.singleQuoteStartRe, "'", ("right-single-quote",)),
    (smarty.doubleQuoteStartRe, '"', ("right-double-quote",)),
    (smarty.doubleQuoteSetsRe, "\"'", ("left-double-quote", "left-single-quote")),
    (smarty.singleQuoteSetsRe, "'\"", ("left-single-quote", "left-double-quote")),
    (smarty.doubleQuoteSetsRe2, "'\"", ("right-single-quote", "right-double-quote")),
    (smarty.singleQuoteSetsRe2, "\"'", ("right-double-quote", "right-single-quote")),
    (smarty.decadeAbbrRe, "'", ("right-single-quote",)),
    (smarty.openingSingleQuotesRegex, "'", (1, "left-single-quote")),
    (smarty.closingSingleQuotesRegex, "'", ("right-single-quote",)),
    (smarty.closingSingleQuotesRegex2, "'", ("right-single-quote", 1)),
    (smarty.remainingSingleQuotesRegex, "'", ("left-single-quote",)),
    (smarty.openingDoubleQuotesRegex, '"', (1, "left-double-quote")),
    (smarty.closingDoubleQuotesRegex, '"', ("right-double-quote",)),
    (smarty.closingDoubleQuotesRegex2, '"', ("right-double-quote",)),
    (smarty.remainingDoubleQuotesRegex, '"', ("left-double-quote",)),
    (r"(?<!\.)\.{3}(?!\.)", "...", ("ellipsis",)),
)
#: A replaced match while the patterns run: like smarty's placeholders, no pattern looks
#: further into it than its first and last characters (STX, ETX).
_HOLE = re.compile(f"{STX}\x04([0-9]+){ETX}")


class Typography(Extension):
    """Curly quotes, dashes and ellipses (smarty's output), with `substitutions` as smarty takes them."""

    def __init__(self, substitutions: dict[str, str] | None = None):
        super().__init__()
        self.substitutions = {**smarty.substitutions, **(substitutions or {})}

    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(_Educate(md, self.substitutions), "typography", 6)  # smarty's place
        md.ESCAPED_CHARS.extend(['"', "'"])  # as smarty: \" and \' stay straight


class _Educate(Treeprocessor):
    def __init__(self, md: Markdown, substitutions: dict[str, str]):
        super().__init__(md)
        chars = {name: html.unescape(value) for name, value in substitutions.items()}
        self._patterns = [(re.compile(regex, re.DOTALL | re.UNICODE), needle,
                           tuple(part if isinstance(part, int) else chars[part] for part in parts))
                          for regex, needle, parts in _PATTERNS]

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element is root:  # smarty, too, reads only the texts and tails of the root's descendants
                continue
            if element.text and not isinstance(element.text, AtomicString):
                element.text = self._educate(element.text)
            if element.tail and not isinstance(element.tail, AtomicString):
                element.tail = self._educate(element.tail)

    def _educate(self, text: str) -> str:
        if "'" not in text and '"' not in text and "--" not in text and "..." not in text:
            return text
        stash: list[str] = []
        for regex, needle, parts in self._patterns:
            start = 0
            while needle in text and (match := regex.search(text, start)) is not None:
                stash.append("".join(match.group(p) if isinstance(p, int) else p for p in parts))
                hole = f"{STX}\x04{len(stash) - 1}{ETX}"
                text = text[:match.start()] + hole + text[match.end():]
                start = match.start() + len(hole)
        return _HOLE.sub(lambda m: stash[int(m.group(1))], text) if stash else text
