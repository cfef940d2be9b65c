"""What site.js adds, checked in headless Chromium with the clock frozen and the zone set
(issue 7, items 5 and 6): the copy button of a calendar's address, and a session's recording
and materials shown once it is over. Without the script both are plain content (test_after_session.py,
test_sessions_output.py)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from functools import partial
from pathlib import Path

import pytest

from conftest import REPO, SITES, add_recording
from test_browser import _chromium, _node, _QuietServer, _SiteHandler
from echosite.pipeline import build

pytestmark = pytest.mark.browser

SCRIPT = REPO / "tests" / "browser" / "enhance.mjs"
PREFIX = "/sub/path/"  # the basic site's base_url path


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> list[dict]:
    """The basic site with a recording for alpha-1 (it ends 2021-10-28 15:30 UTC), served and visited."""
    node, chromium = _node(), _chromium()
    site = tmp_path_factory.mktemp("enhance") / "site"
    shutil.copytree(SITES / "basic", site)
    add_recording(site)
    out = site.parent / "out"
    build(site, out, cache_dir=site.parent / "cache")
    handler = partial(type("_Handler", (_SiteHandler,), {"prefix": PREFIX}), directory=str(out))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    cases = [{"url": base + page, "now": now, "timezoneId": zone}
             for now, zone in (("2021-10-28T15:00:00Z", "Asia/Yangon"), ("2021-10-28T15:31:00Z", "America/Asuncion"))
             for page in ("es/sessions/alpha-1/", "en/programmes/alpha/", "es/calendario/")]
    try:
        run = subprocess.run(["node", str(SCRIPT), "-"], input=json.dumps({"cases": cases}), capture_output=True,
                             text=True, timeout=300, check=False, env={**os.environ, "CHROMIUM": chromium}, cwd=REPO,
                             executable=node)
    finally:
        server.shutdown()
        server.server_close()
    if run.returncode:
        pytest.fail(f"enhance.mjs exited {run.returncode}:\n{run.stderr[-4000:]}", pytrace=False)
    return json.loads(run.stdout)


def test_recordings_show_once_the_session_is_over(report):
    during, after = report[:3], report[3:]
    for entry in during:
        assert entry["afterHidden"] and all(entry["afterHidden"]), entry
    for entry in after:
        assert entry["afterHidden"] and not any(entry["afterHidden"]), entry
    assert all(entry["errors"] == [] for entry in report)


def test_the_copy_button_copies_the_calendars_address(report):
    by_page = {entry["url"].split(PREFIX, 1)[1]: entry for entry in report[3:]}
    assert by_page["es/sessions/alpha-1/"]["copyButtons"] == 0  # a session page has no feed address
    programme, calendar = by_page["en/programmes/alpha/"], by_page["es/calendario/"]
    assert (programme["copied"], programme["status"]) == ("https://example.org/sub/path/en/programmes/alpha/alpha.ics",
                                                          "Address copied")
    assert (calendar["copied"], calendar["status"]) == ("https://example.org/sub/path/es/calendar.ics",
                                                        "Dirección copiada")
