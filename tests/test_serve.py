"""The preview server, for real: a subprocess on a free port serving a small site in tmp_path.

Each test starts its own server (about a second) and stops it in the fixture's teardown,
whatever happens. Requests that must not be normalised go through `http.client`, which
sends the request target exactly as written (urllib would resolve `..` first).
"""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, edit
from echosite.pipeline import build
from echosite.serve import SERVE_FOLDER, climbs_out, error_page, hear_changes, is_loopback, is_page, quiet_for

SECRET = "secret-marker-5b1e"  # in site_config.yaml: must never reach a response
RELOAD_SCRIPT = b"/livereload.js"
START_TIMEOUT = 30.0
CHANGE_TIMEOUT = 10.0

CONFIG = f"""\
# {SECRET}
title: {{en: "Preview Test Programme", es: "Programa de prueba de la vista previa"}}
description: {{en: "A site for the preview server tests.", es: "Un sitio para las pruebas del servidor."}}
base_url: https://example.org/preview-test/
languages: [en, es]
timezone: America/Bogota
organizer: {{name: "Test Organizer", url: "https://example.org/"}}
cities:
  - {{name: {{en: Cali, es: Cali}}, timezone: America/Bogota}}
  - {{name: {{en: Geneva, es: Ginebra}}, timezone: Europe/Zurich}}
"""
PAGES = {
    "index.en.md": '---\ntitle: "Welcome"\n---\nSee [about us](about.en.md).\n',
    "index.es.md": '---\ntitle: "Bienvenida"\n---\nVea [quiénes somos](about.es.md).\n',
    "about.en.md": '---\ntitle: "About us"\nmenu: true\n---\n## History\n\nThe original text.\n',
    "about.es.md": '---\ntitle: "Quiénes somos"\nmenu: true\nslug: acerca\n---\n## Historia\n\nEl texto original.\n',
}


@dataclass
class Response:
    status: int
    body: bytes


@dataclass
class Running:
    """A server subprocess and the site it serves."""

    site: Path
    port: int
    process: subprocess.Popen
    log: Path

    def get(self, target: str) -> Response:
        """GET `target` exactly as written (no normalisation of `..` or %-escapes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", target)
            reply = conn.getresponse()
            return Response(reply.status, reply.read())
        finally:
            conn.close()

    def wait_for(self, target: str, check: Callable[[Response], bool], timeout: float = CHANGE_TIMEOUT) -> Response:
        """Poll `target` until `check` passes; fail with the last response and the server log."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"the server died:\n{self.log.read_text()}"
            response = self.get(target)
            if check(response):
                return response
            if time.monotonic() > deadline:
                pytest.fail(f"{target} still answers {response.status} after {timeout} s:\n"
                            f"{response.body[:2000]!r}\nserver log:\n{self.log.read_text()}")
            time.sleep(0.05)

    def wait_for_log(self, check: Callable[[str], bool], timeout: float = CHANGE_TIMEOUT) -> str:
        """Poll the server's log until `check` passes; fail with the log."""
        deadline = time.monotonic() + timeout
        while not check(log := self.log.read_text()):
            assert self.process.poll() is None, f"the server died:\n{log}"
            if time.monotonic() > deadline:
                pytest.fail(f"the log did not reach the expected state after {timeout} s:\n{log}")
            time.sleep(0.05)
        return log


def make_site(root: Path) -> Path:
    """A two-language, two-city site using the repository's theme."""
    root.mkdir()
    (root / "site_config.yaml").write_text(CONFIG, encoding="utf-8")
    (root / "content").mkdir()
    for name, text in PAGES.items():
        (root / "content" / name).write_text(text, encoding="utf-8")
    return root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(site: Path, log: Path, host: str | None = None) -> tuple[subprocess.Popen, int]:
    """Start `serve` in its own process group; return it once it answers."""
    for _attempt in range(3):  # another process may take the free port first
        port = free_port()
        args = [str(site), str(port)] + ([host] if host else [])
        code = ("import sys; from echosite.serve import serve; "
                "serve(sys.argv[1], port=int(sys.argv[2]), **({'host': sys.argv[3]} if len(sys.argv) > 3 else {}))")
        with log.open("wb") as out:
            process = subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True,
                                       env={**os.environ, "PYTHONPATH": str(REPO)})
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return process, port
            except OSError:
                time.sleep(0.05)
        stop(process)
        if "cannot listen" not in log.read_text():
            break
    pytest.fail(f"the server did not start:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    """Stop the server's whole process group, politely first."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Running]:
    site = make_site(tmp_path / "site")
    log = tmp_path / "serve.log"
    process, port = start_server(site, log)
    try:
        yield Running(site, port, process, log)
    finally:
        stop(process)


# -- the server, for real --------------------------------------------------------------


def test_serves_the_build_with_the_reload_script_added_on_the_way_out(server: Running, tmp_path: Path) -> None:
    page = server.get("/en/")
    assert page.status == 200
    assert b"Welcome" in page.body and RELOAD_SCRIPT in page.body
    assert server.get("/es/acerca/").status == 200
    css = server.get("/assets/style.css")
    assert css.status == 200 and RELOAD_SCRIPT not in css.body
    # The files on disk, the served folder's and a normal build's, never carry the script.
    served = server.site / SERVE_FOLDER
    assert (served / "en" / "index.html").is_file()
    out = tmp_path / "out"
    build(server.site, out)
    pages = sorted(out.rglob("*.html")) + sorted(served.rglob("*.html"))
    assert len(pages) > 4
    assert not [p for p in pages if b"livereload" in p.read_bytes()]


def test_an_edit_is_served_within_seconds(server: Running) -> None:
    assert b"The original text." in server.get("/en/about/").body
    started = time.monotonic()
    edit(server.site / "content" / "about.en.md", "The original text.", "The edited text.")
    response = server.wait_for("/en/about/", lambda r: b"The edited text." in r.body)
    assert response.status == 200 and RELOAD_SCRIPT in response.body
    assert time.monotonic() - started < 5  # the target is 1 s; this only catches a stuck watcher


def test_a_burst_of_edits_rebuilds_once(server: Running) -> None:
    for name in PAGES:
        edit(server.site / "content" / name, "\n---\n", "\ndescription: \"Edited in a burst.\"\n---\n")
    server.wait_for("/es/", lambda r: b"Edited in a burst." in r.body)
    server.wait_for_log(lambda log: log.count("rebuilt in") >= 1)
    # A later edit gets a rebuild of its own: any second rebuild for the burst would come before it.
    edit(server.site / "content" / "about.en.md", "The original text.", "Edited after the burst.")
    server.wait_for_log(lambda log: log.count("rebuilt in") >= 2)
    log = server.log.read_text()
    assert re.findall(r"(\d+) change\(s\)", log) == ["4", "1"], log
    assert "Edited after the burst." in server.get("/en/about/").body.decode()


def test_broken_front_matter_shows_every_error_and_the_next_good_save_recovers(server: Running) -> None:
    about, index = server.site / "content" / "about.en.md", server.site / "content" / "index.es.md"
    good_about, good_index = about.read_text(encoding="utf-8"), index.read_text(encoding="utf-8")
    about.write_text(good_about.replace('title: "About us"', 'title: ["About us"'), encoding="utf-8")
    index.write_text(good_index.replace('title: "Bienvenida"', "title: Bienvenida\n  weight: [1"), encoding="utf-8")

    error = server.wait_for("/en/about/", lambda r: r.status == 500)
    text = error.body.decode("utf-8")
    assert re.search(r"<code>content/about\.en\.md:2: malformed YAML: [^<]*</code>", text), text
    assert re.search(r"<code>content/index\.es\.md:3: malformed YAML: [^<]*</code>", text), text
    assert "&quot;[&quot;" in text  # messages quote tokens: escaped
    assert "<title>The site has 2 errors, 0 warnings</title>" in text  # the other files' fallbacks are follow-ons
    assert RELOAD_SCRIPT in error.body  # so the page reloads itself once fixed
    assert server.get("/es/").status == 500  # every page shows it ...
    assert server.get("/assets/style.css").status == 200  # ... assets are still served
    assert server.process.poll() is None

    about.write_text(good_about, encoding="utf-8")
    index.write_text(good_index, encoding="utf-8")
    back = server.wait_for("/en/about/", lambda r: r.status == 200)
    assert b"The original text." in back.body


def test_broken_site_config_shows_the_error_and_recovers(server: Running) -> None:
    config = server.site / "site_config.yaml"
    edit(config, "languages: [en, es]", "languages: [en, es\n  oops: 1")
    error = server.wait_for("/en/", lambda r: r.status == 500)
    assert re.search(rb"<code>site_config\.yaml:\d+: malformed YAML", error.body), error.body
    assert SECRET.encode() not in error.body
    assert server.process.poll() is None
    config.write_text(CONFIG, encoding="utf-8")
    assert b"Welcome" in server.wait_for("/en/", lambda r: r.status == 200).body


def test_starts_even_when_the_first_build_fails(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    about = site / "content" / "about.en.md"
    about.write_text(PAGES["about.en.md"].replace('title: "About us"\n', ""), encoding="utf-8")
    process, port = start_server(site, tmp_path / "serve.log")
    try:
        running = Running(site, port, process, tmp_path / "serve.log")
        error = running.wait_for("/en/", lambda r: r.status == 500)
        assert b"<code>content/about.en.md:" in error.body and b"has no title" in error.body
        about.write_text(PAGES["about.en.md"], encoding="utf-8")
        assert b"The original text." in running.wait_for("/en/about/", lambda r: r.status == 200).body
    finally:
        stop(process)


TRAVERSALS = [
    "/../site_config.yaml",
    "/../../site_config.yaml",
    "/../../../site_config.yaml",
    "/%2e%2e/site_config.yaml",
    "/%2e%2e/%2e%2e/site_config.yaml",
    "/%2E%2E/%2E%2E/site_config.yaml",
    "/%2e%2e%2f%2e%2e%2fsite_config.yaml",
    "/en/..%2f..%2fsite_config.yaml",
    "/en/..%2f..%2f..%2fsite_config.yaml",
    "/en/%2e%2e/%2e%2e/%2e%2e/site_config.yaml",
    "/en/../../../site_config.yaml",
    "/..%5c..%5csite_config.yaml",
    "/.%2e/.%2e/site_config.yaml",
    "/%00",
    "/en/%00/../../../site_config.yaml",
]


def test_requests_that_climb_out_of_the_output_folder_get_404(server: Running) -> None:
    config = server.site / "site_config.yaml"
    targets = TRAVERSALS + ["/" + config.as_posix(), "/%2f" + config.as_posix().lstrip("/")]
    for target in targets:
        response = server.get(target)
        assert response.status == 404, target
        assert SECRET.encode() not in response.body, target
    assert server.process.poll() is None


def test_missing_pages_get_the_site_404_page_and_base_url_paths_work(server: Running) -> None:
    missing = server.get("/en/no-such-page/")
    assert missing.status == 404 and b"Page not found" in missing.body
    # The 404 page links under base_url's path (/preview-test/): the preview answers there too.
    assert server.get("/preview-test/assets/style.css").status == 200
    assert b"Welcome" in server.get("/preview-test/en/").body


def _listening_addresses(port: int) -> list[str]:
    """Local addresses of the sockets listening on `port`, from /proc/net/tcp and tcp6."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.append(address)
    return found


def test_binds_loopback_by_default(server: Running) -> None:
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs Linux's /proc/net/tcp")
    addresses = _listening_addresses(server.port)
    assert addresses, "no listening socket found"
    loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1
    assert set(addresses) <= loopback, addresses
    assert f"Serving on http://127.0.0.1:{server.port}" in server.log.read_text()


def test_a_public_host_is_warned_about(tmp_path: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is no address of this machine: the server warns, then cannot listen.
    site = make_site(tmp_path / "site")
    code = "from echosite.serve import serve; serve(__import__('sys').argv[1], host='192.0.2.1', port=8000)"
    done = subprocess.run([sys.executable, "-c", code, str(site)], cwd=REPO, capture_output=True, text=True,
                          timeout=30, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode != 0
    assert "192.0.2.1, which is not a loopback address" in done.stderr
    assert "cannot listen on 192.0.2.1:8000" in done.stderr
    assert not (site / SERVE_FOLDER).exists()  # failed before building


# -- helpers, directly ------------------------------------------------------------------


def test_a_save_is_dated_by_its_change_time_even_when_its_modification_time_is_old(tmp_path: Path) -> None:
    """A file copied with its times kept (cp -p, rsync -t) was still just saved: the burst it
    may belong to is not over. A deleted file says nothing of when it went: not over either."""
    page = tmp_path / "page.en.md"
    page.write_text("Copied.\n")
    os.utime(page, (time.time() - 3600,) * 2)
    assert quiet_for([str(page)]) < 60
    assert quiet_for([str(page), str(tmp_path / "gone.en.md")]) == 0


@contextmanager
def hearing(paths: list[Path], recursive: bool, save: Callable[[], None]) -> Iterator[threading.Event]:
    """`hear_changes` in a thread, its reports setting the event yielded, once `save` is heard
    (repeated until it is: the system's watch starts with the thread); stopped after."""
    heard, stop = threading.Event(), threading.Event()
    listener = threading.Thread(target=hear_changes, args=(paths, heard.set, stop, recursive), daemon=True)
    listener.start()
    try:
        deadline = time.monotonic() + CHANGE_TIMEOUT
        while not heard.wait(0.2):
            assert time.monotonic() < deadline, f"no save below {paths} was reported"
            save()
        time.sleep(0.3)  # the rest of that save's reports
        heard.clear()
        yield heard
    finally:
        stop.set()
        listener.join(CHANGE_TIMEOUT)
    assert not listener.is_alive()


def test_the_system_reports_saves_below_the_watched_folders_but_not_dot_files(tmp_path: Path) -> None:
    """serve scans as soon as the system reports a save (its poll only catches what is not
    reported); an editor's swap file is not reported, a text in a new folder is."""
    content = tmp_path / "content"
    content.mkdir()
    with hearing([content], True, lambda: (content / "about.en.md").write_text(f"Saved at {time.time()}.\n")) as heard:
        (content / "sessions").mkdir()
        time.sleep(0.3)  # the folder's own report
        heard.clear()
        (content / ".about.en.md.swp").write_text("swap")
        assert not heard.wait(0.5)
        (content / "sessions" / "s1.en.md").write_text("A session text.\n")
        assert heard.wait(CHANGE_TIMEOUT)


def test_a_file_renamed_over_the_site_config_is_heard_and_so_are_its_later_saves(tmp_path: Path) -> None:
    """site_config.yaml is heard through the site's folder, not recursively (content/ has its
    own watch): saved in place, replaced by renaming a new file over it, and saved in place again."""
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    config = site / "site_config.yaml"
    with hearing([site], False, lambda: config.write_text(f"# saved at {time.time()}\n")) as heard:
        (site / "content" / "about.en.md").write_text("Below the site's folder.\n")
        assert not heard.wait(0.5)
        (site / "new-config.yaml").write_text("# renamed over\n")
        os.replace(site / "new-config.yaml", config)
        assert heard.wait(CHANGE_TIMEOUT)
        time.sleep(0.3)
        heard.clear()
        config.write_text("# saved in place again\n")
        assert heard.wait(CHANGE_TIMEOUT)


def test_error_page_escapes_messages() -> None:
    page = error_page(['content/a.en.md:3: bad "<script>alert(1)</script>" & more'], "1 error", "fix <it>")
    assert b"<script>alert" not in page
    assert b"content/a.en.md:3: bad &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot; &amp; more" in page
    assert b"fix &lt;it&gt;" in page and b"</head>" in page


@pytest.mark.parametrize("path, out", [
    ("en/about/", False), ("", False), ("assets/style.css", False), ("a..b/c", False),
    ("../x", True), ("en/../../x", True), ("..", True), ("/etc/passwd", True), ("a\\..\\b", True), ("a\x00", True),
])
def test_climbs_out(path: str, out: bool) -> None:
    assert climbs_out(path) is out


@pytest.mark.parametrize("path, page", [
    ("", True), ("en/", True), ("en/about", True), ("404.html", True),
    ("assets/style.css", False), ("sitemap.xml", False), ("en/sessions/x.ics", False),
])
def test_is_page(path: str, page: bool) -> None:
    assert is_page(path) is page


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("example.org", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
