"""Readers of editor input, whatever the bytes: a value or clean editor errors, never another exception.

Also: the bounds on Markdown work change no output (link patterns answered linearly).

Property-based (hypothesis): texts are built from the pieces of YAML and front
matter syntax that reach the readers' corners (anchors and aliases, tags, flow and
block collections, merge keys, document markers, every kind of line end), mixed
with arbitrary characters and bytes. The deadline bounds each example's time: with
the work limits (README: "What the generator refuses, and why") none comes near it.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st

from echosite.config import Config
from echosite.content import load_content
from echosite.errors import Diagnostics
from echosite.render.markup import EXTENSIONS, _Bounds
from echosite.sessions import load_calendar
from echosite.source import YamlList, YamlMap, load_yaml, read_markdown
from echosite.text import Text

_YAML_PIECES = st.sampled_from([
    "\n", "\r\n", "\r", "\t", " ", "  ", "    ", ": ", ":", "- ", "-", "---", "...", "+++", "#", "? ",
    "[", "]", "{", "}", ",", '"', "'", "\\", "&a ", "&b ", "*a", "*b", "<<: ", "!!str ", "!!binary ",
    "!!python/object:os.system ", "!foo ", "%YAML 1.1\n", "|", ">", "|-", "title", "slug", "weight",
    "sessions", "id", "start", "duration", "2021-09-02 09:00", "2021-02-30", "10:30", "no", "yes",
    "previous_start", "2021-10-31 02:30 +01:00", "aliases", "/en/x/", "/", "translation_key", "draft",
    "~", "null", "1e3", "0x1F", "é", "\u2028", "\x85", "\ufeff", "\x00", "\x01",
])
_TEXTS = st.lists(_YAML_PIECES | st.text(max_size=4), max_size=60).map("".join)
_BYTES = st.one_of(_TEXTS.map(lambda t: t.encode("utf-8", "surrogatepass")),
                   st.binary(max_size=200),
                   st.tuples(_TEXTS, st.binary(max_size=8), _TEXTS).map(lambda p: (p[0] + "\n").encode() + p[1] + p[2].encode(
                       "utf-8", "surrogatepass")))
_FRONT = st.tuples(st.sampled_from(["---\n", "---\r\n", "---\r", "+++\n", "", "--- \n"]), _TEXTS,
                   st.sampled_from(["\n---\n", "\n...\n", "\r---\r", "", "\n---"]), _TEXTS).map("".join)


def lines_of(text: str) -> int:
    return text.count("\n") + text.count("\r") + 1


def problems_are_clean(diag: Diagnostics, last_line: int) -> None:
    for problem in diag.problems:
        assert isinstance(problem.message, str) and problem.message and "\n" not in problem.message
        assert 0 <= problem.line <= last_line, problem


def every_line(value: object) -> list[int]:
    """The lines recorded in parsed YAML, shared values once."""
    found, seen, stack = [], set(), [value]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, YamlMap):
            found += [item.line, *item.lines.values()]
            stack += item.values()
        elif isinstance(item, YamlList):
            found += [item.line, *item.lines]
            stack += item
    return found


@settings(max_examples=400, deadline=2000, database=None)
@given(text=_TEXTS, first_line=st.integers(1, 5))
def test_yaml_gives_values_or_clean_errors(text, first_line):
    diag = Diagnostics(Path("/site"))
    data = load_yaml(text, Path("/site/x.yaml"), diag, first_line)
    last = first_line + lines_of(text)
    problems_are_clean(diag, last)
    if data is None and not diag.errors:
        return  # an empty document
    if diag.errors:
        assert data is None
    assert all(first_line <= line <= last for line in every_line(data))


@settings(max_examples=300, deadline=2000, database=None)
@given(data=st.one_of(_FRONT.map(lambda t: t.encode("utf-8", "surrogatepass")), _BYTES))
def test_markdown_files_give_front_matter_or_clean_errors(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.en.md"
        path.write_bytes(data)
        diag = Diagnostics(Path(folder))
        read = read_markdown(path, diag)
        problems_are_clean(diag, data.count(b"\n") + data.count(b"\r") + 1)
        if read is None:
            assert diag.errors
        else:
            meta, body, body_line = read
            assert isinstance(meta, YamlMap) and isinstance(body, str) and body_line >= 1


@settings(max_examples=200, deadline=2000, database=None)
@given(data=st.one_of(_FRONT.map(lambda t: t.encode("utf-8", "surrogatepass")), _BYTES))
def test_pages_are_pages_or_clean_errors(data):
    """The whole content reader: front matter types, keys, slugs, as `build` reads a page."""
    with tempfile.TemporaryDirectory() as folder:
        content = Path(folder) / "content"
        content.mkdir()
        (content / "page.en.md").write_bytes(data)
        diag = Diagnostics(Path(folder))
        found = load_content(content, ("en", "es"), diag)
        problems_are_clean(diag, data.count(b"\n") + data.count(b"\r") + 1)
        assert len(found.pages) == (0 if diag.errors else 1)


CONFIG = Config(title=Text((("en", "Site"),)), base_url="https://example.org/", languages=("en", "es"),
                timezone=ZoneInfo("America/Bogota"))
_SESSION_PIECES = st.sampled_from([
    "sessions:\n", "  - id: a-1\n", "    start: 2021-09-02 09:00\n", "    duration: 90\n", "    duration: 1:30\n",
    "    title: {en: T, es: T}\n", "    title: [x]\n", "    timezone: Europe/Madrid\n", "    timezone: EST\n",
    "    start: 2021-03-28 02:30\n", "    start: 2021-10-31 02:30 +01:00\n", "    language: [en, no]\n",
    "    status: cancelled\n", "    join_url: https://[x\n", "    presenters: [a, 1]\n", "timezone: UTC\n",
    "  - &s {id: b-1, start: 2021-09-03 09:00, duration: 60, title: B}\n", "  - *s\n", "  - <<: *s\n",
    "    previous_start: [2021-09-01 09:00, 2021-09-02 09:00]\n", "    previous_start: 2021-03-28 02:30\n",
    "    previous_start: []\n", "    previous_start: [2021-10-31 02:30, {a: 1}]\n",
])
_CALENDARS = st.lists(_SESSION_PIECES | _YAML_PIECES | st.text(max_size=3), max_size=40).map("".join)


@settings(max_examples=300, deadline=2000, database=None)
@given(text=_CALENDARS)
def test_calendars_give_sessions_or_clean_errors(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "content" / "sessions.yaml"
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        diag = Diagnostics(Path(folder))
        sessions = load_calendar(path, "index", CONFIG, diag)
        problems_are_clean(diag, lines_of(text))
        assert all(session.source == path and session.start.tzinfo is not None for session in sessions)


_LINK_PIECES = st.sampled_from([
    "[", "]", "(", ")", "((", "))", "!", "![", "](", "]:", "[^", "\\", "`", '"', "'", '"t"', "<", ">", " ", "\n",
    "a", "b](c)", "[x]", "[r]", "[r]: /u\n", "*", "_", "http://x", "<http://x>",
])


_PLAIN_EXTENSIONS = [name for name in EXTENSIONS if name != "typography"]
_BOUNDED, _UNBOUNDED = (markdown.Markdown(extensions=_PLAIN_EXTENSIONS + bounds) for bounds in ([_Bounds()], []))


@settings(max_examples=1000, deadline=2000, database=None)
@given(text=st.lists(_LINK_PIECES | st.text(max_size=2), max_size=60).map("".join))
def test_bounded_link_patterns_give_python_markdowns_own_html(text):
    """`_Bounds` answers Python-Markdown's link scans without rescanning: the HTML is the same."""
    assert _BOUNDED.reset().convert(text) == _UNBOUNDED.reset().convert(text)
