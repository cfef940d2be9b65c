"""Real-client quality checks: the Nu HTML Checker and axe-core in headless Chromium.

Run alone with ``.venv/bin/python -m pytest -m browser``. Needs ``java`` (17+),
``node`` with ``npm ci`` done in the repository root (``node_modules/``) and Debian's
Chromium (``/usr/bin/chromium``, or ``$CHROMIUM``). Missing tools skip these tests,
except when ``CI`` is set: then they fail, so CI cannot pass without them.
"""

from __future__ import annotations

import contextlib
import html.parser
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest

from conftest import REPO

pytestmark = pytest.mark.browser

NODE_MODULES = REPO / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_CORE = NODE_MODULES / "axe-core" / "axe.min.js"
PLAYWRIGHT = NODE_MODULES / "playwright-core" / "package.json"
AXE_SCRIPT = REPO / "tests" / "browser" / "axe.mjs"
WIDTHS = [1280, 375]
# Keep one command line well under Linux's ARG_MAX (2 MiB) however big the site gets.
_MAX_ARGS_CHARS = 500_000
# Section folders whose pages get their own place in the axe sample (English, Spanish).
_CALENDAR = {"calendar", "calendario"}
_SESSIONS = {"sessions", "sesiones"}
_PROGRAMMES = {"programmes", "programas"}
_SPECIAL = _CALENDAR | _SESSIONS | _PROGRAMMES


def _missing(what: str) -> None:
    """Skip for a missing tool, or fail when running under CI."""
    message = (
        f"{what}; the browser checks need java, Chromium and `npm ci` (`.ci/run` sets them up)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {message}", pytrace=False)
    pytest.skip(message)


def _java() -> str:
    """Return the java executable and the checker's jar, or skip/fail."""
    java = shutil.which("java")
    if java is None:
        _missing("`java` is not installed (Debian: default-jre-headless)")
    if not VNU_JAR.is_file():
        _missing(f"{VNU_JAR.relative_to(REPO)} is missing (run `npm ci`)")
    return java  # type: ignore[return-value]


def _chromium() -> str:
    """Return the Chromium executable for Playwright, or skip/fail."""
    chromium = os.environ.get("CHROMIUM")
    if not chromium:
        chromium = (
            "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
        )
    if not chromium or not os.access(chromium, os.X_OK):
        _missing("Chromium is not installed (Debian: apt-get install chromium)")
    return chromium  # type: ignore[return-value]


def _node() -> str:
    """Return the node executable once playwright-core and axe-core are installed."""
    node = shutil.which("node")
    if node is None:
        _missing("`node` is not installed")
    if not (PLAYWRIGHT.is_file() and AXE_CORE.is_file()):
        _missing("node_modules/ lacks playwright-core or axe-core (run `npm ci`)")
    return node  # type: ignore[return-value]


# --- Nu HTML Checker ------------------------------------------------------------------


def _report(title: str, lines: list[str]) -> None:
    """Fail with a readable list instead of an assertion repr."""
    pytest.fail(f"{title}:\n" + "\n".join(f"  {line}" for line in lines), pytrace=False)


def _html_files(roots: list[Path]) -> list[Path]:
    return sorted(path for root in roots for path in root.rglob("*.html") if path.is_file())


def _batches(files: list[Path]) -> Iterator[list[str]]:
    """Split the file list only if one command line could not hold it."""
    batch: list[str] = []
    size = 0
    for path in files:
        arg = str(path)
        if batch and size + len(arg) + 1 > _MAX_ARGS_CHARS:
            yield batch
            batch, size = [], 0
        batch.append(arg)
        size += len(arg) + 1
    if batch:
        yield batch


def _display(url: str, roots: list[Path]) -> str:
    """Show a checker's file: URL as a short path under its site's output folder."""
    path = Path(url2pathname(urlparse(url).path)) if url.startswith("file:") else Path(url)
    for index, root in enumerate(roots):
        if path.is_relative_to(root):
            label = "output" if index == 0 else f"{root.parent.name}/{root.name}"
            return f"{label}/{path.relative_to(root).as_posix()}"
    return str(path)


@pytest.fixture(scope="module")
def java() -> str:
    """The java executable; checked before any site is built."""
    return _java()


def test_every_page_passes_the_nu_html_checker(
    java: str, built_default_site: Path, built_fixture_sites: list[Path]
) -> None:
    roots = [Path(built_default_site), *map(Path, built_fixture_sites)]
    assert (roots[0] / "index.html").is_file(), f"no index.html in {roots[0]}"
    files = _html_files(roots)
    problems: list[str] = []
    for batch in _batches(files):
        # One JVM for the whole site (split only for a command line longer than ARG_MAX).
        run = subprocess.run(
            [java, "-jar", str(VNU_JAR), "--stdout", "--format", "json", "--errors-only", *batch],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        try:
            report = json.loads(run.stdout)
        except json.JSONDecodeError:
            pytest.fail(
                f"vnu exited {run.returncode} without a JSON report:\n"
                f"{run.stdout[-2000:]}\n{run.stderr[-2000:]}",
                pytrace=False,
            )
        for message in report.get("messages", []):
            if message.get("type") not in ("error", "non-document-error"):
                continue
            where = _display(message.get("url", "?"), roots)
            line = message.get("lastLine") or message.get("firstLine") or 0
            problems.append(f"{where}:{line}: {message.get('message', '').strip()}")
    if problems:
        _report(f"Nu HTML Checker: {len(problems)} error(s) in {len(files)} file(s)", problems)


# --- axe-core in headless Chromium ----------------------------------------------------


class _LinkParser(html.parser.HTMLParser):
    """Collect the attributes of every <link> element."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "link":
            self.links.append({k: v or "" for k, v in attrs})


def _base_path(root: Path) -> str:
    """The path of base_url (e.g. /teleecho/), read from the chooser's x-default link."""
    parser = _LinkParser()
    parser.feed((root / "index.html").read_text(encoding="utf-8", errors="replace"))
    for rels in (("alternate", "x-default"), ("canonical", None)):
        for link in parser.links:
            if link.get("rel", "").lower() == rels[0] and link.get("hreflang") == rels[1]:
                path = urlparse(link.get("href", "")).path or "/"
                return path if path.endswith("/") else path + "/"
    return "/"


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serve the output folder under base_url's path, with 404.html for missing pages."""

    prefix = "/"

    def send_head(self):  # type: ignore[no-untyped-def]
        if not self.path.startswith(self.prefix):
            self.send_error(404)
            return None
        return super().send_head()

    def translate_path(self, path: str) -> str:
        return super().translate_path("/" + path[len(self.prefix) :])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore a browser dropping a connection; report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve a built site on 127.0.0.1 at an ephemeral port, under base_url's path; yield its URL.

    The 404 page may use links rooted at base_url's path, so the site is served where
    it will be published, and a missing page gets 404.html like on a static host.
    """
    prefix = _base_path(root)
    handler_class = type("_Handler", (_SiteHandler,), {"prefix": prefix})
    handler = partial(handler_class, directory=str(root))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def default_site_url(built_default_site: Path) -> Iterator[str]:
    """The built default site, served."""
    with serve(built_default_site) as url:
        yield url


# A page that does not exist, one level down: the static host answers with 404.html.
MISSING_PAGE = "no-such-page-for-the-browser-checks/"


def _url_path(root: Path, page: Path) -> str:
    """The page's URL relative to the site root ("" for the chooser)."""
    rel = page.relative_to(root)
    if page.name == "index.html":
        return "".join(f"{part}/" for part in rel.parent.parts)
    return rel.as_posix()


def _is_redirect(page: Path) -> bool:
    """A page of `aliases:` that sends the browser on at once: nothing to look at or measure there."""
    return b'http-equiv="refresh"' in page.read_bytes()


def _pages(lang_dir: Path) -> list[Path]:
    """Pages under a language folder (redirects aside), shallowest first, then alphabetical."""
    pages = (p for p in lang_dir.rglob("*.html") if p != lang_dir / "index.html" and not _is_redirect(p))
    return sorted(pages, key=lambda p: (len(p.relative_to(lang_dir).parts), p.as_posix()))


def _first(pages: list[Path], lang_dir: Path, section: set[str], depth: int) -> Path | None:
    """First page whose folder sits `depth` levels below a section folder."""
    for page in pages:
        parts = page.relative_to(lang_dir).parts
        if page.name == "index.html":
            parts = parts[:-1]
        for i, part in enumerate(parts):
            if part in section and len(parts) - 1 - i == depth:
                return page
    return None


def _sample_paths(root: Path) -> list[str]:
    """One page of each kind: chooser, homes, ordinary, 404, calendar, session, programme."""
    root = Path(root)
    langs = sorted(d for d in root.iterdir() if d.is_dir() and (d / "index.html").is_file())
    chosen: list[Path] = []
    if (root / "index.html").is_file():
        chosen.append(root / "index.html")
    chosen += [d / "index.html" for d in langs]
    pages = {d: _pages(d) for d in langs}
    for d in langs:  # one ordinary page per language
        ordinary = [p for p in pages[d] if not _SPECIAL & set(p.relative_to(d).parts)]
        chosen += ordinary[:1]
    if (root / "404.html").is_file():
        chosen.append(root / "404.html")
    names = [d.name for d in langs]
    primary = langs[names.index("en")] if "en" in names else (langs[0] if langs else None)
    secondary = langs[names.index("es")] if "es" in names else (langs[-1] if langs else None)
    if primary is not None:
        chosen += filter(None, [_first(pages[primary], primary, _CALENDAR, 0)])
    for d in dict.fromkeys(x for x in (primary, secondary) if x is not None):
        chosen += filter(None, [_first(pages[d], d, _SESSIONS, 1)])
    if secondary is not None:
        programme = _first(pages[secondary], secondary, _PROGRAMMES, 1) or _first(
            pages[secondary], secondary, _PROGRAMMES, 0
        )
        chosen += filter(None, [programme])
    paths = [_url_path(root, p) for p in dict.fromkeys(chosen)]
    if (root / "404.html").is_file() and primary is not None:
        paths.append(f"{primary.name}/{MISSING_PAGE}")  # 404.html served at depth
    return paths


@pytest.fixture(scope="module")
def node_and_chromium() -> tuple[str, str]:
    """The node and Chromium executables; checked before any site is built."""
    return _node(), _chromium()


@pytest.fixture(scope="module")
def axe_report(
    node_and_chromium: tuple[str, str], built_default_site: Path, default_site_url: str
) -> list[dict]:
    """Run axe.mjs once over the sample at every width and return its JSON report."""
    node, chromium = node_and_chromium
    paths = _sample_paths(built_default_site)
    assert "" in paths, f"no root index.html in {built_default_site}"
    urls = [default_site_url + p for p in paths]
    started = time.monotonic()
    run = subprocess.run(
        [node, str(AXE_SCRIPT), "-"],
        input=json.dumps({"urls": urls, "widths": WIDTHS}),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, "CHROMIUM": chromium},
        cwd=REPO,
    )
    if run.returncode not in (0, 1):
        pytest.fail(f"axe.mjs exited {run.returncode}:\n{run.stderr[-4000:]}", pytrace=False)
    report = json.loads(run.stdout)
    elapsed = time.monotonic() - started
    print(f"axe: {len(urls)} pages x {len(WIDTHS)} widths in {elapsed:.1f}s: {paths}")
    assert len(report) == len(urls) * len(WIDTHS)
    return report


def _where(entry: dict) -> str:
    return f"{urlparse(entry['url']).path} @{entry['width']}px"


def test_sample_pages_load(axe_report: list[dict]) -> None:
    bad = [
        f"{_where(e)}: HTTP {e['status']}"
        for e in axe_report
        if e["status"] != (404 if e["url"].endswith(MISSING_PAGE) else 200)
    ]
    if bad:
        _report("sample pages that did not load", bad)


def test_no_axe_violations(axe_report: list[dict]) -> None:
    lines = [f"{_where(e)}: axe-core did not run" for e in axe_report if not e["axeRan"]]
    for entry in axe_report:
        for v in entry["violations"]:
            lines.append(f"{_where(entry)}: {v['id']} ({v['impact']}): {v['help']}")
            lines += [f"    {' '.join(map(str, n['target']))}  {n['html']}" for n in v["nodes"][:5]]
    if lines:
        _report("axe-core (WCAG 2.1 A/AA) violations", lines)


def test_axe_also_checked_the_phone_menu_open(axe_report: list[dict], default_site_url: str) -> None:
    # Every page but the chooser and the 404 page has the site header, hence the Menu button.
    headed = [e for e in axe_report if e["url"] != default_site_url
              and not e["url"].endswith(("404.html", MISSING_PAGE))]
    assert headed
    wrong = [f"{_where(e)}: menu opened {e['menuOpened']}" for e in headed if e["menuOpened"] != (e["width"] == 375)]
    if wrong:
        _report("axe should run with the menu open at phone width only", wrong)


def test_no_third_party_requests(axe_report: list[dict]) -> None:
    lines = [f"{_where(e)}: {u}" for e in axe_report for u in e["thirdPartyRequests"]]
    if lines:
        _report(
            "requests to hosts other than the site's own (third-party requests are forbidden)",
            lines,
        )


def test_no_console_errors_or_broken_requests(axe_report: list[dict]) -> None:
    lines = [f"{_where(e)}: console: {m}" for e in axe_report for m in e["consoleErrors"]]
    lines += [f"{_where(e)}: page error: {m}" for e in axe_report for m in e["pageErrors"]]
    lines += [
        f"{_where(e)}: {b['status']} {b['url']}" for e in axe_report for b in e["brokenRequests"]
    ]
    if lines:
        _report("console errors, script errors or failed requests", lines)


def test_no_horizontal_scrolling_on_a_phone(axe_report: list[dict]) -> None:
    lines = []
    for e in axe_report:
        if o := e["overflowX"]:
            lines.append(
                f"{_where(e)}: page is {o['scrollWidth']}px wide in a {o['innerWidth']}px viewport"
            )
            lines += [f"    {culprit}" for culprit in o.get("culprits", [])]
    if lines:
        _report("horizontal scrolling at phone width", lines)


# --- Layout: every page on a phone, the menu without scripts, print ---------------------

LAYOUT_SCRIPT = REPO / "tests" / "browser" / "layout.mjs"
PHONE = 375


def _every_page(root: Path) -> list[str]:
    """Every page's URL path, the chooser and the 404 page included, redirects not (the Nu HTML
    Checker reads those)."""
    return [_url_path(root, page) for page in _html_files([root]) if not _is_redirect(page)]


def _pages_with(root: Path, paths: list[str], marker: str) -> list[str]:
    """The pages among `paths` whose HTML holds `marker`."""
    return [p for p in paths if marker in (root / p / "index.html").read_text(encoding="utf-8")]


def _join_link_pages(root: Path, paths: list[str]) -> list[str]:
    """The session pages of the axe sample that offer a join link."""
    return _pages_with(root, [p for p in paths if _SESSIONS & set(p.split("/"))], 'class="join"')


#: Clocks frozen for the month grid's "today": the same instant is the 13th in Yangon and the 12th
#: in Asunción; a day outside the grids marks nothing.
TODAY_CASES = [("2021-10-13T02:00:00Z", "Asia/Yangon", ["2021-10-13"]),
               ("2021-10-13T02:00:00Z", "America/Asuncion", ["2021-10-12"]),
               ("2022-03-01T12:00:00Z", "Europe/Vienna", [])]


@pytest.fixture(scope="module")
def layout_report(node_and_chromium: tuple[str, str], built_default_site: Path, default_site_url: str) -> dict:
    """Run layout.mjs once: overflow on every page, the menu without scripts, print media, month grids."""
    node, chromium = node_and_chromium
    root = Path(built_default_site)
    sample = _sample_paths(root)
    menu = [p for p in sample if p and not p.endswith(MISSING_PAGE) and (root / p / "index.html").is_file()]
    grids = _pages_with(root, [p for p in _every_page(root) if p.endswith("/")], 'class="month-grid"')
    assert grids, "the default site has no month grid"
    joins = _join_link_pages(root, sample)
    assert joins, "the sample has no session page with a join link"
    joins += _pages_with(root, [p for p in sample if (root / p / "index.html").is_file()], 'class="next-session"')
    request = {
        "pages": [default_site_url + p for p in _every_page(root)],
        "menu": [default_site_url + p for p in menu],
        "print": [default_site_url + p for p in joins + grids],
        "grid": [default_site_url + p for p in grids],
        "today": [{"url": default_site_url + grids[0], "now": now, "timezoneId": zone} for now, zone, _ in TODAY_CASES],
    }
    run = subprocess.run([node, str(LAYOUT_SCRIPT), "-"], input=json.dumps(request), capture_output=True,
                         text=True, timeout=900, check=False, env={**os.environ, "CHROMIUM": chromium}, cwd=REPO)
    if run.returncode:
        pytest.fail(f"layout.mjs exited {run.returncode}:\n{run.stderr[-4000:]}", pytrace=False)
    return json.loads(run.stdout)


def test_no_page_is_wider_than_a_phone(layout_report: dict, built_default_site: Path) -> None:
    entries = layout_report["overflow"]
    assert len(entries) == len(_every_page(Path(built_default_site))) > 60
    wide = [f"{urlparse(e['url']).path}: {e['scrollWidth']}px" for e in entries if e["scrollWidth"] > PHONE]
    wide += [f"{urlparse(e['url']).path}: table {table!r} must be scrolled sideways"
             for e in entries for table in e["clippedTables"]]
    if wide:
        _report(f"pages or tables wider than a {PHONE}px phone (scrollWidth)", wide)


def test_the_menu_opens_and_closes_without_scripts_on_a_phone_and_is_always_shown_wider(layout_report: dict) -> None:
    entries = layout_report["menu"]
    assert entries
    bad = []
    for e in entries:
        where = f"{urlparse(e['url']).path} @{e['width']}px"
        if e["width"] == PHONE:
            closed, opened, closed_again = (e["linksVisible"] + [None, None])[:3]
            if not (e["summaryVisible"] and closed == 0 and opened and opened >= 2 and closed_again == 0):
                bad.append(f"{where}: Menu shown {e['summaryVisible']}, visible links closed/opened/closed: "
                           f"{e['linksVisible']}")
        elif e["summaryVisible"] or e["linksVisible"][0] < 2:
            bad.append(f"{where}: Menu button shown {e['summaryVisible']}, visible links {e['linksVisible']}")
    if bad:
        _report("main navigation without scripts", bad)


def test_with_scripts_the_menu_closes_on_escape_and_on_a_click_elsewhere(layout_report: dict) -> None:
    entries = layout_report["menuScript"]
    assert entries
    bad = [f"{urlparse(e['url']).path}: {e}" for e in entries
           if (e["opened"], e["afterEscape"], e["focused"], e["afterClickOutside"]) != (True, False, True, False)]
    if bad:
        _report("the Menu with scripts on (opened, after Escape, focus on Menu, after a click outside)", bad)


def test_a_printed_session_shows_its_join_address(layout_report: dict) -> None:
    """Every join link prints its address: on session pages and in the next-session panel."""
    entries = layout_report["print"]
    joins = [(e["url"], join) for e in entries for join in e["joins"]]
    assert joins and any(join["inPanel"] for _, join in joins)
    bad = [f"{urlparse(url).path}: printed join link (shown {join['shown']}) reads {join['text']!r}, "
           f"not its address {join['url']}" for url, join in joins if not join["shown"] or join["url"] not in join["text"]]
    # Before every session, a page's panel shows the first one, with its join link.
    bad += [f"{urlparse(e['url']).path}: the next-session panel prints no join link"
            for e in entries if e["panel"] and not any(join["inPanel"] for join in e["joins"])]
    if bad:
        _report("join address in print", bad)


def test_print_keeps_headings_with_their_text_and_months_whole(layout_report: dict) -> None:
    entries = layout_report["print"]
    assert any(e["monthBreakInside"] for e in entries) and all(e["headingBreakAfter"] for e in entries)
    bad = [f"{urlparse(e['url']).path}: headings break-after {sorted(set(e['headingBreakAfter']))}, "
           f"months break-inside {sorted(set(e['monthBreakInside']))}" for e in entries
           if set(e["headingBreakAfter"]) != {"avoid"} or set(e["monthBreakInside"]) - {"avoid"}]
    if bad:
        _report("page breaks in print", bad)


def _luminance(css: str) -> float:
    """WCAG relative luminance of an `rgb(r, g, b)` colour."""
    channels = [int(c) / 255 for c in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """WCAG contrast ratio of two computed colours."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_follows_wcag() -> None:
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 2) == 21.0
    assert round(contrast("rgb(11, 92, 107)", "rgb(255, 255, 255)"), 2) == 7.62
    assert contrast("rgb(227, 240, 242)", "rgb(255, 255, 255)") < 1.2  # the old session-day tint


def test_month_grid_session_days_stand_out_at_3_to_1(layout_report: dict) -> None:
    links = [(e, link) for e in layout_report["grid"] for link in e["links"]]
    assert {link["status"] for _, link in links} == {"scheduled", "cancelled", "postponed"}
    bad = []
    for entry, link in links:
        fill = contrast(link["background"], link["cell"])
        edge = contrast(link["border"], link["cell"]) if link["border"] else 1.0
        if max(fill, edge) < 3:
            bad.append(f"{urlparse(entry['url']).path} @{entry['width']}px {link['href']} ({link['status']}): "
                       f"fill {fill:.2f}:1, border {edge:.2f}:1 against the day cell")
    if bad:
        _report("session days below 3:1 non-text contrast (WCAG 1.4.11)", bad)


def test_month_grid_shows_each_time_with_its_zone_on_wide_screens_only(layout_report: dict) -> None:
    bad = []
    for entry in layout_report["grid"]:
        where = f"{urlparse(entry['url']).path} @{entry['width']}px"
        if entry["weekdayDecorations"] != ["none"]:
            bad.append(f"{where}: weekday names decorated {entry['weekdayDecorations']}")
        for link in entry["links"]:
            # The time, then the zone's name: letters besides a 12-hour clock's AM/PM.
            named = re.fullmatch(r"\d{1,2}:\d\d\W*(?:[AP]\.?\s?M\.?)?\s+\S.{2,}", link["time"] or "", re.I)
            if link["timeShown"] != (entry["width"] > PHONE) or not named:
                bad.append(f"{where}: {link['href']} time {link['time']!r} shown {link['timeShown']}")
    if bad:
        _report("month grid cells", bad)


def test_today_is_marked_in_the_visitors_own_date(layout_report: dict) -> None:
    got = [(e["now"], e["timezoneId"], e["marked"], e["keyShown"]) for e in layout_report["today"]]
    assert got == [(now, zone, marked, bool(marked)) for now, zone, marked in TODAY_CASES]
