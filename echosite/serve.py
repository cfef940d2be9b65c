"""The preview server: build(), serve only the output with live reload, rebuild after edits.

`serve` is a thin wrapper around `pipeline.build`: the files served are exactly the
files `build` writes (into a private folder, `<site>/.cache/serve-output` by default,
never `output/`), and livereload's script is added to HTML responses on the way out,
never to the files. Sources are scanned (a full scan each time, so one scan sees a whole
burst of edits) as soon as the system reports a change below them (watchfiles: inotify,
FSEvents…), and polled besides (where no such report comes, as on some network
drives), and a rebuild starts once they have been quiet for a moment (by the changed
files' own change times: a save the scan finds late is not made to wait again);
builds run in a worker thread so the server keeps answering. While the last build failed, every
page request gets an error page listing each `path:line: message`; the next good save
brings the site back. Requests that climb out of the output folder get 404.
"""
from __future__ import annotations

import asyncio
import html
import ipaddress
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from livereload import Server
from livereload.handlers import LiveReloadHandler, StaticFileHandler
from livereload.watcher import Watcher
from tornado import ioloop, web

from .errors import SiteError, plural
from .pipeline import build, find_theme
from .source import ParseMemo
from .write import OutputState, UnsafeOutput

log = logging.getLogger("echosite.serve")

#: Where `serve` builds by default, relative to the site: outside every source folder,
#: ignored by git (`/.cache/`), removed by `make clean`.
SERVE_FOLDER = Path(".cache") / "serve-output"
#: Shortest time between two scans of the sources; longer when a scan is slow (big sites).
POLL_SECONDS = 0.1
#: A burst of edits is over when no watched file has changed for this long.
QUIET_SECONDS = 0.05
#: Never scan more often than this many times the duration of one scan.
_SCAN_COST_FACTOR = 5
_MAX_POLL_SECONDS = 2.0

#: How often, and how long apart, a request looks for the output folder while a build swaps it.
_SWAP_TRIES = 100
_SWAP_PAUSE = 0.005

_Snapshot = dict[str, tuple[int, int, int]]


@dataclass(frozen=True)
class _Outcome:
    """What one build left for the server: an error page, or None when it succeeded."""

    failure: bytes | None
    base_prefix: str
    lines: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000, out: Path | None = None,
          open_browser: bool = False, drafts: bool = False) -> None:
    """Build `site`, serve its output on host:port with live reload, rebuild on every edit
    (with `drafts`, pages marked draft: true are built too)."""
    site = Path(site).resolve()
    out = Path(out).resolve() if out is not None else site / SERVE_FOLDER
    _setup_logging()
    if not is_loopback(host):
        log.warning("warning: serving on %s, which is not a loopback address: anyone who can reach "
                    "this machine can read the preview; use --host 127.0.0.1 to keep it private", host)
    _check_port(host, port)
    preview = Preview(site, out, drafts)
    preview.apply(preview.build(first=True))
    out.mkdir(parents=True, exist_ok=True)  # even when the first build failed

    # Tornado's IOLoop needs an asyncio loop in this thread (Python 3.12+ warns otherwise).
    asyncio.set_event_loop(asyncio.new_event_loop())
    LiveReloadHandler.waiters = set()  # livereload keeps these on the class: reset them
    LiveReloadHandler._last_reload_time = None
    server = Server(watcher=_PollingWatcher(preview))
    server.SFH = type("OutputHandler", (OutputHandler,), {"preview": preview})
    log.info("serving %s; watching %s", out, ", ".join(preview.watched_names()))
    try:
        server.serve(port=port, host=host, root=str(out), open_url_delay=0.5 if open_browser else None)
    finally:
        preview.close()


def _check_port(host: str, port: int) -> None:
    """Fail before building when nothing could listen on host:port (taken, or no such address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as exc:
            raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}; "
                                     "choose another --port or --host") from None


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def climbs_out(path: str) -> bool:
    """Whether a request path (already %-decoded) could leave the served folder."""
    return path.startswith("/") or "\x00" in path or "\\" in path or ".." in path.split("/")


def is_page(path: str) -> bool:
    """Whether a request path asks for a page rather than an asset."""
    name = path.rsplit("/", 1)[-1]
    return not name or name.endswith((".html", ".htm")) or "." not in name


def error_page(lines: list[str] | tuple[str, ...], title: str, advice: str) -> bytes:
    """A small HTML page listing every problem, escaped, with `</head>` for the reload script."""
    items = "\n".join(f"<li><code>{html.escape(line)}</code></li>" for line in lines)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }}
h1 {{ color: #a4000f; font-size: 1.5rem; }}
ol {{ padding-left: 1.5rem; }}
li {{ margin: .5rem 0; }}
code {{ white-space: pre-wrap; word-break: break-word; }}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(advice)}</p>
<ol>
{items}
</ol>
</body>
</html>
""".encode("utf-8")


class Preview:
    """The served site: builds it, watches its sources, remembers the last failure."""

    def __init__(self, site: Path, out: Path, drafts: bool = False):
        self.site, self.out, self.drafts = site, out, drafts
        self.failure: bytes | None = None  # the error page while the last build failed
        self.base_prefix = ""  # base_url's path without slashes, such as "teleecho"
        self._snapshot = self.scan()
        self._changed: set[str] = set()
        self._building = self._settling = False
        self._missed = False  # a look was due while a build ran or a burst settled
        self._stop = threading.Event()  # ends the thread that hears of changes
        self._shown = False  # the running build's output is in place and the browsers were told
        self._interval = POLL_SECONDS
        self._shown_warnings: set[str] = set()
        self._memo = ParseMemo()  # what the builds read, kept between them: a save re-reads one file
        self._state = OutputState()  # what they left in the output: a save walks no folder
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="echosite-build")

    # -- building ------------------------------------------------------------------

    def build(self, first: bool = False, written: Callable[[str], None] | None = None) -> _Outcome:
        """Run one build; editor errors and crashes become an error page, never an exception.
        `written(base_url)` hears when its output is in place (see `pipeline.build`)."""
        started = time.perf_counter()
        # Rebuilds run in a thread: forking Markdown workers from a threaded process can
        # deadlock, and with the cache warm they have little to convert anyway.
        # The first build reads every source even when the output is up to date (`warm`): the
        # first save then costs what any other does.
        options: dict[str, Any] = ({"drafts": self.drafts, "warm": True} if first
                                   else {"drafts": self.drafts, "jobs": 1})
        try:
            result = build(self.site, self.out, memo=self._memo, state=self._state, written=written, **options)
        except SiteError as exc:
            lines = tuple(str(p) for p in exc.problems)
            return _Outcome(error_page(lines, f"The site has {exc.counts}",
                                       "Fix the errors and save: this page reloads by itself. "
                                       "The last good build is not shown meanwhile."), "",
                            lines + (f"{exc.counts}; the browser shows them until the next good save",))
        except UnsafeOutput:
            raise  # a wrong --out is not an editor mistake: stop
        except Exception:  # a bug, or a template the engine did not catch: keep serving
            trace = traceback.format_exc()
            log.error("%s", trace)
            return _Outcome(error_page(trace.splitlines(), "The build crashed",
                                       "This is probably a bug in echosite, or a template error it does "
                                       "not report yet. Fix and save to try again."), "",
                            ("the build crashed; the browser shows the traceback",))
        pages = ", ".join(f"{lang} {count}" for lang, count in result.pages.items())
        verb = "built" if first else "rebuilt"
        changed = ("nothing changed" if result.up_to_date or not result.changed
                   else f"{result.changed} of {plural(result.file_count, 'file')} changed")
        summary = (f"{verb} in {time.perf_counter() - started:.2f} s: {changed} (pages: {pages}), "
                   f"{plural(len(result.warnings), 'warning')}")
        # base_url's path (such as teleecho): links rooted there (the 404 page's) work in the preview too
        prefix = urlsplit(result.base_url).path.strip("/")
        return _Outcome(None, prefix, (summary,), tuple(str(w) for w in result.warnings))

    def apply(self, outcome: _Outcome) -> None:
        """Make a finished build's outcome the served state, and report it."""
        self.failure = outcome.failure
        if outcome.failure is None:
            self.base_prefix = outcome.base_prefix
        for warning in outcome.warnings:
            if warning not in self._shown_warnings:  # each warning once per session
                log.warning("%s", warning)
        self._shown_warnings.update(outcome.warnings)
        for line in outcome.lines:
            (log.error if outcome.failure is not None else log.info)("%s", line)

    def start_build(self) -> None:
        """Rebuild in the worker thread, unless a build is running (it rebuilds after)."""
        if self._building or not self._changed:
            return
        changed, self._changed = sorted(self._changed), set()
        self._building, self._shown = True, False
        log.info("%d change(s): %s", len(changed), ", ".join(self._name(p) for p in changed[:3])
                 + (", …" if len(changed) > 3 else ""))
        loop = ioloop.IOLoop.current()  # `written` runs in the build's thread: it hands over to the server's
        future = self._executor.submit(self.build, False, lambda url: loop.add_callback(self._show, url, changed))
        loop.add_future(future, lambda f: self._built(f, changed))

    def _show(self, base_url: str, changed: list[str]) -> None:
        """The build's output is in place (its cache is still being saved): serve it and reload."""
        self.failure, self.base_prefix, self._shown = None, urlsplit(base_url).path.strip("/"), True
        _reload(changed, self.failure)

    def _built(self, future: Future, changed: list[str]) -> None:
        self._building = False
        try:
            self.apply(future.result())
        except UnsafeOutput as exc:
            self.apply(_Outcome(error_page([str(exc)], "Cannot build here", "Restart with another output folder."),
                                "", (str(exc),)))
        if not (self._shown and self.failure is None):  # unless `_show` reloaded for this very output
            _reload(changed, self.failure)
        if self._changed and not self._settling:
            self.start_build()  # edits saved while that build ran
        elif self._missed:
            self.look()  # edits reported while it ran

    def close(self) -> None:
        self._stop.set()
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- watching ------------------------------------------------------------------

    def watched(self) -> list[Path]:
        """site_config.yaml, content/, and the theme's templates/ and translations/."""
        theme = find_theme(self.site)
        return [self.site / "site_config.yaml", self.site / "content", theme.templates, theme.translations]

    def watched_names(self) -> list[str]:
        return [self._name(str(p)) + ("/" if p.is_dir() else "") for p in self.watched()]

    def _name(self, path: str) -> str:
        try:
            return Path(path).relative_to(self.site).as_posix()
        except ValueError:
            return path

    def scan(self) -> _Snapshot:
        """Every watched file (dot-files aside: editor swap files) with its inode, size and time."""
        found: _Snapshot = {}
        for path in self.watched():
            _scan_into(str(path), found)
        return found

    def _look(self) -> float | None:
        """Scan once; remember what changed since the last scan. None when nothing did, else
        how long ago the latest of those changes was made (0 when a file was deleted)."""
        snapshot = self.scan()
        if snapshot == self._snapshot:
            return None
        old = self._snapshot
        changed = [p for p in old.keys() | snapshot.keys() if old.get(p) != snapshot.get(p)]
        self._changed.update(changed)
        self._snapshot = snapshot
        return quiet_for(changed)

    def poll(self) -> None:
        """Look for edits every so often (see `look`)."""
        self.look()
        ioloop.IOLoop.current().call_later(self._interval, self.poll)

    def look(self) -> None:
        """Look for edits (the poll's turn, or the system reported a change), then wait for the
        burst to settle before rebuilding."""
        # Not while a build runs (it would slow it down): the build looks once it is over.
        # Nor while a burst settles: `_settle` looks then.
        if self._building or self._settling:
            self._missed = True
            return
        self._missed = False
        started = time.perf_counter()
        quiet = self._look()
        cost = time.perf_counter() - started
        self._interval = min(_MAX_POLL_SECONDS, max(POLL_SECONDS, _SCAN_COST_FACTOR * cost))
        if quiet is not None:
            self._settling = True
            self._settle_after(quiet)

    def listen(self) -> None:
        """Look as soon as the system reports a change of a watched file (in threads until `close`):
        site_config.yaml through the site's folder (an editor that saves by renaming a new file
        over it would end a watch of the file itself), the rest through its folders."""
        loop = ioloop.IOLoop.current()
        config, *folders = self.watched()
        for paths, recursive in (([config.parent], False), ([p for p in folders if p.is_dir()], True)):
            if paths:
                threading.Thread(target=hear_changes, name="echosite-changes", daemon=True,
                                 args=(paths, lambda: loop.add_callback(self.look), self._stop, recursive)).start()

    def _settle_after(self, quiet: float) -> None:
        """Rebuild once the sources have been quiet for QUIET_SECONDS (they have been for `quiet`)."""
        if quiet >= QUIET_SECONDS:
            self._settling = False
            self.start_build()
        else:
            ioloop.IOLoop.current().call_later(QUIET_SECONDS - quiet, self._settle)

    def _settle(self) -> None:
        """QUIET_SECONDS after the latest change seen: rebuild, unless the burst went on."""
        quiet = self._look()
        self._settle_after(QUIET_SECONDS if quiet is None else quiet)


def _reload(changed: list[str], failure: bytes | None) -> None:
    """Tell the browsers to reload: only the style sheet when nothing else changed."""
    only_css = failure is None and all(p.endswith(".css") for p in changed)
    LiveReloadHandler.reload_waiters(changed[0] if only_css else "*")


def quiet_for(paths: list[str]) -> float:
    """Seconds since the latest change of these files, by their change times (ctime: set by the
    system on every write, rename or touch, unlike a modification time, which tools may set
    in the past); 0 when one is gone, as nothing tells when it went."""
    latest = 0
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            return 0.0
        latest = max(latest, st.st_ctime_ns, st.st_mtime_ns)
    return max(0.0, (time.time_ns() - latest) / 1e9)


def hear_changes(paths: list[Path], heard: Callable[[], None], stop: threading.Event, recursive: bool = True) -> None:
    """Call `heard` after each burst of changes the system reports below `paths` (only in them
    unless `recursive`; dot-files aside: editors' swap files change as one types), until `stop` is set. When
    the system cannot report them (such as too many folders for inotify), say so and return:
    the poll still finds every edit, later."""
    from watchfiles import watch  # serve only: the build commands never import it

    try:
        for _changes in watch(*paths, watch_filter=lambda _change, path: not os.path.basename(path).startswith("."),
                              step=int(QUIET_SECONDS * 1000), stop_event=stop, raise_interrupt=False,
                              recursive=recursive):
            heard()
    except (OSError, RuntimeError) as exc:
        log.warning("warning: the system does not report changes here (%s); edits are found by "
                    "polling, up to %.1f s later", exc, _MAX_POLL_SECONDS)


def _scan_into(path: str, found: _Snapshot) -> None:
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    _scan_into(entry.path, found)
                else:
                    st = entry.stat()
                    found[entry.path] = (st.st_ino, st.st_size, st.st_mtime_ns)
    except NotADirectoryError:
        try:
            st = os.stat(path)
        except OSError:
            return
        found[path] = (st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        return  # a missing folder (no templates/ of its own), or a file deleted mid-scan


class _PollingWatcher(Watcher):
    """Hands livereload's watcher slot to the preview's own polling."""

    def __init__(self, preview: Preview):
        super().__init__()
        self.preview = preview
        for path in preview.watched():  # non-empty, so livereload does not watch the cwd
            self._tasks[str(path)] = {"func": None, "delay": "forever", "ignore": None, "mtimes": {}}

    def start(self, callback: Any) -> bool:
        self.preview.listen()
        ioloop.IOLoop.current().call_later(POLL_SECONDS, self.preview.poll)
        return True  # livereload then skips its own 800 ms polling


class OutputHandler(StaticFileHandler):
    """Serves the output folder only: 404 outside it, the error page while the build fails."""

    preview: Preview

    async def get(self, path: str, include_body: bool = True) -> None:
        if climbs_out(path):
            raise web.HTTPError(404)
        prefix = self.preview.base_prefix
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            path = path[len(prefix) + 1:]
        if self.preview.failure is not None and is_page(path):
            self.set_status(500)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(self.preview.failure if include_body else None)
            return
        try:
            await super().get(path, include_body)
        except web.HTTPError as exc:  # tornado says 403 outside the root and for folders
            if exc.status_code == 403:
                raise web.HTTPError(404) from None
            raise
        except ValueError:  # such as an embedded NUL byte
            raise web.HTTPError(404) from None

    def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
        """Tornado's checks, then the file read whole, once: its size, time and bytes all come
        from that one opening, so a rebuild swapping the output folder meanwhile cannot make
        a response mix two builds' files (its length one file's, its bytes another's)."""
        for _ in range(_SWAP_TRIES):
            try:
                path = super().validate_absolute_path(root, absolute_path)
            except web.HTTPError:
                if os.path.isdir(root):
                    raise
                time.sleep(_SWAP_PAUSE)  # between the swap's two renames there is no output folder
                continue
            if path is None:
                return None
            try:
                with open(path, "rb") as file:
                    self._stat_result = os.fstat(file.fileno())
                    self._body = file.read()
            except FileNotFoundError:
                continue  # swapped away since: look again in the new output
            return path
        raise web.HTTPError(404)

    def get_content(self, abspath: str, start: int | None = None, end: int | None = None) -> bytes:  # type: ignore[override]
        """The bytes read by `validate_absolute_path` (the request's own file, never read again)."""
        return self._body[start:end]

    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "no-store")

    def compute_etag(self) -> None:
        # No caching in a preview; and livereload's versioning calls datetime.utcfromtimestamp
        # (deprecated in Python 3.12) and hashes every file it serves.
        return None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """The site's own 404.html for anything missing; tornado's page otherwise."""
        page = Path(self.root) / "404.html"
        if status_code == 404 and page.is_file():
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(page.read_bytes())
        else:
            super().write_error(status_code, **kwargs)


def _quiet_error_pages(record: logging.LogRecord) -> bool:
    """Leave out tornado's access-log line for each error page: the build already said why."""
    return not (record.args and isinstance(record.args, tuple) and record.args[0] == 500)


def _setup_logging() -> None:
    access = logging.getLogger("tornado.access")
    if _quiet_error_pages not in access.filters:
        access.addFilter(_quiet_error_pages)
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s] %(message)s", "%H:%M:%S"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
