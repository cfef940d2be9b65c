"""Shared fixtures and helpers: fixture sites on disk, built once per session into temporary folders.

Every helper more than one test file needs lives here: paths (`REPO`, `SITES`), `tree`,
`edit`, `parse_html`, `validate_ics`, and the `site_copy` and `themed_site` fixtures.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import html5lib
import icalendar
import pytest

from echosite.pipeline import BuildResult, build

REPO = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ from this build's output instead of comparing (review the diff)")


def tree(root: Path) -> dict[str, bytes]:
    """Every file below `root` (relative path -> bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a text file by `new`; `old` must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


#: A recording and materials (a file beside the session texts, a URL) for the basic site's alpha-1.
RECORDING = """\
    recording: https://video.example.org/alpha-1
    materials:
      - {file: handout.txt, label: {en: "Handout", es: "Folleto"}}
      - https://example.org/reading-list
"""


def add_recording(site: Path, text: str = RECORDING) -> None:
    """Give the basic site's alpha-1 `text` (by default RECORDING) and the file handout.txt beside its texts."""
    edit(site / "content/programmes/alpha/sessions.yaml", "    join_url: https://meet.example.org/alpha-1\n",
         "    join_url: https://meet.example.org/alpha-1\n" + text)
    (site / "content/programmes/alpha/sessions/handout.txt").write_text("A handout.\n")


def parse_html(path: Path):
    """Parse a page with a real HTML5 parser (html5lib) into an ElementTree."""
    return html5lib.parse(path.read_bytes(), treebuilder="etree", namespaceHTMLElements=False)


def html_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


@pytest.fixture(scope="session")
def basic_build(tmp_path_factory) -> tuple[Path, BuildResult]:
    """The `basic` fixture site, built once for every read-only test."""
    out = tmp_path_factory.mktemp("basic") / "output"
    return out, build(SITES / "basic", out, cache_dir=out.parent / "cache")


@pytest.fixture(scope="session")
def basic_out(basic_build) -> Path:
    return basic_build[0]


@pytest.fixture(scope="session")
def built_default_site(tmp_path_factory) -> Path:
    """The repository's own site (the 2021 programme), built once."""
    out = tmp_path_factory.mktemp("default") / "output"
    build(REPO, out, cache_dir=out.parent / "cache")
    return out


@pytest.fixture(scope="session")
def timeline_out(tmp_path_factory) -> Path:
    """The `timeline` fixture site (scheduled, cancelled, postponed sessions in two zones), built once."""
    out = tmp_path_factory.mktemp("timeline") / "output"
    build(SITES / "timeline", out, cache_dir=out.parent / "cache")
    return out


@pytest.fixture(scope="session")
def built_fixture_sites(basic_out, timeline_out) -> list[Path]:
    return [basic_out, timeline_out]


@pytest.fixture
def site_copy(tmp_path) -> Path:
    """A writable copy of the `basic` fixture site, for tests that edit it."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "basic", site)
    return site


def copy_catalogs(site: Path) -> None:
    """Give `site` its own copy of the repository's catalogs: the `.po` files as committed, without
    the `.mo` files an `i18n compile` may have left beside them on a developer's machine."""
    shutil.copytree(REPO / "translations", site / "translations", ignore=shutil.ignore_patterns("*.mo"))


@pytest.fixture
def themed_site(site_copy) -> Path:
    """A writable copy of the `basic` site with its own copy of the theme and catalogs, to edit them too."""
    shutil.copytree(REPO / "templates", site_copy / "templates")
    copy_catalogs(site_copy)
    return site_copy


# -- iCalendar rules a parser does not enforce ----------------------------------------------

MAX_OCTETS = 75


def validate_ics(data: bytes) -> list[str]:
    """Problems an iCalendar parser tolerates but RFC 5545 forbids, as "line N: …" messages.

    Checks CRLF line ends, the 75-octet line limit, BEGIN/END nesting, VERSION and
    PRODID in VCALENDAR, and UID, DTSTAMP and DTSTART in every VEVENT; then that
    the `icalendar` library parses the file at all.
    """
    problems: list[str] = []
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(f"line {line}: not UTF-8 ({exc.reason})")
    ends_with_newline = data.endswith(b"\n")
    physical = data.split(b"\n")
    if ends_with_newline:
        physical.pop()
    else:
        problems.append(f"line {len(physical)}: the file does not end with CRLF")
    logical: list[tuple[int, bytes]] = []
    for number, line in enumerate(physical, 1):
        if line.endswith(b"\r"):
            line = line[:-1]
        elif number < len(physical) or ends_with_newline:
            problems.append(f"line {number}: bare LF line end; iCalendar lines end with CRLF")
        if b"\r" in line:
            problems.append(f"line {number}: bare CR inside the line")
        if len(line) > MAX_OCTETS:
            problems.append(f"line {number}: {len(line)} octets, over the {MAX_OCTETS}-octet limit; fold it")
        if line[:1] in (b" ", b"\t") and logical:
            logical[-1] = (logical[-1][0], logical[-1][1] + line[1:])
        else:
            logical.append((number, line))
    problems += _check_structure(logical)
    try:
        icalendar.Calendar.from_ical(data)
    except Exception as exc:  # any parser failure is a finding, whatever its type
        problems.append(f"icalendar cannot parse the file: {exc}")
    return problems


_REQUIRED = {"VCALENDAR": ("VERSION", "PRODID"), "VEVENT": ("UID", "DTSTAMP", "DTSTART")}


def _check_structure(logical: list[tuple[int, bytes]]) -> list[str]:
    problems: list[str] = []
    stack: list[tuple[str, int, set[str]]] = []
    for number, line in logical:
        text = line.decode("utf-8", errors="replace")
        name = text.split(":", 1)[0].split(";", 1)[0].strip().upper()
        value = text.split(":", 1)[1].strip().upper() if ":" in text else ""
        if name == "BEGIN":
            stack.append((value, number, set()))
        elif name == "END":
            if not stack or stack[-1][0] != value:
                problems.append(f"line {number}: END:{value} does not close "
                                f"{'BEGIN:' + stack[-1][0] if stack else 'any BEGIN'}")
                continue
            component, start, seen = stack.pop()
            for prop in _REQUIRED.get(component, ()):
                if prop not in seen:
                    problems.append(f"line {start}: {component} without {prop}")
        elif stack:
            stack[-1][2].add(name)
        elif name:
            problems.append(f"line {number}: {name} outside any component")
    for component, start, _ in stack:
        problems.append(f"line {start}: BEGIN:{component} is never closed")
    if not any(line.strip().upper() == b"BEGIN:VCALENDAR" for _, line in logical):
        problems.append("line 1: no BEGIN:VCALENDAR")
    return problems
