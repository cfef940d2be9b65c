#!/usr/bin/env python3
"""Time how long a saved edit takes to reach the preview server's page.

    python bench/serve_latency.py --edits 10            # a copy of the default site
    python bench/serve_latency.py --site bench/sites/p2000 --page content/about.en.md --url /en/about/

Copies the site (content/ and site_config.yaml) to a temporary folder, starts
`echosite.serve.serve` there as its own process on a free port, then saves one page
`--edits` times, each time polling the page over HTTP until the new sentence is
served. Prints each latency and the median. The browser adds the livereload
WebSocket message and its own page load (tens of milliseconds) on top.
"""
from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, url: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", url)
        return conn.getresponse().read()
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=REPO, help="site to copy (default: the repository's)")
    parser.add_argument("--page", default="content/contact.en.md", help="page to edit, relative to the site")
    parser.add_argument("--url", default="/en/contact/", help="where that page is served")
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for one edit")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="echosite-latency-") as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        shutil.copy2(args.site / "site_config.yaml", site)
        shutil.copytree(args.site / "content", site / "content")
        for theme in ("templates", "translations"):
            if (args.site / theme).is_dir() and args.site.resolve() != REPO:
                shutil.copytree(args.site / theme, site / theme)
        port, log = free_port(), Path(tmp) / "serve.log"
        code = "import sys; from echosite.serve import serve; serve(sys.argv[1], port=int(sys.argv[2]))"
        with log.open("wb") as out:
            server = subprocess.Popen([sys.executable, "-c", code, str(site), str(port)], cwd=REPO, stdout=out,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + args.timeout
            while True:
                try:
                    get(port, args.url)
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        sys.exit(f"the server did not start:\n{log.read_text()}")
                    time.sleep(0.05)
            page = site / args.page
            original = page.read_text(encoding="utf-8")
            latencies = []
            for number in range(1, args.edits + 1):
                marker = f"Latency probe {number}-{time.time_ns()}."
                time.sleep(0.5)  # let the previous rebuild settle
                started = time.monotonic()
                page.write_text(f"{original}\n{marker}\n", encoding="utf-8")
                while marker.encode() not in get(port, args.url):
                    if time.monotonic() - started > args.timeout:
                        sys.exit(f"edit {number} not served after {args.timeout} s:\n{log.read_text()}")
                    time.sleep(0.01)
                latencies.append(time.monotonic() - started)
                print(f"edit {number}: {latencies[-1]:.3f} s", flush=True)
            print(f"median {statistics.median(latencies):.3f} s, max {max(latencies):.3f} s "
                  f"over {len(latencies)} edits")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
