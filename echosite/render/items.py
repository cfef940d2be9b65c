"""Stage 6 (render): items of the site mapped to their results, from the cache or on worker processes.

An item is a page in one language, a session in one language, or the site-wide
files (root, 404, sitemap, calendars). Rendering one returns an `ItemResult`; this
module decides where that result comes from: the item cache when the item's inputs
are unchanged (its key: the site's structure, which item, and the Markdown bodies
it shows), forked worker processes when many items must be rendered afresh, or the
renderer in this process. The results are the same whichever way they come.
"""
from __future__ import annotations

import dataclasses
import hashlib
import marshal
import multiprocessing
import os
import signal
import zlib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from ..cache import BuildCache
from ..content import Source
from ..model import Site
from ..sessions import Session, SessionText
from ..theme import Theme
from .links import LinkToPage

#: (kind, index, lang): ("page", i, "") is `site.versions[i]`; ("session", i, "es") is
#: `site.sessions[i]` in Spanish; ("calendar", 0, "es") is the site-wide calendar's page in
#: Spanish where no page has `layout: calendar`; ("site", 0, "") is the site-wide files.
Item = tuple[str, int, str]
SITE_ITEM: Item = ("site", 0, "")
#: Fewer items to render than this are not worth starting processes for.
PARALLEL_THRESHOLD = 200
#: Items a worker renders before handing their results back.
MAX_CHUNK = 50
#: zlib's fastest level: output files held packed take about a third of their size.
_PACK_LEVEL = 1


def pack(files: dict[str, bytes]) -> dict[str, bytes]:
    """Output files as an `ItemResult` holds them: each compressed on its own."""
    return {path: zlib.compress(data, _PACK_LEVEL) for path, data in files.items()}


class PackedFiles(Mapping[str, bytes]):
    """Output files by path, held packed (see `pack`) and unpacked one at a time when read.

    Why: a build holds every file it makes until the write stage puts them in place (all
    or nothing); at 20,000 pages that is hundreds of megabytes of HTML unpacked.
    """

    def __init__(self, packed: dict[str, bytes]):
        self._packed = packed

    def __getitem__(self, path: str) -> bytes:
        return zlib.decompress(self._packed[path])

    def __contains__(self, path: object) -> bool:
        return path in self._packed

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)


def site_items(site: Site) -> list[Item]:
    """Every page version, the default calendar page, then every session in every language
    (the site-wide item is rendered after them)."""
    pages: list[Item] = [("page", i, "") for i in range(len(site.versions))]
    if site.sessions and site.calendar_page is None:
        pages += [("calendar", 0, lang) for lang in site.config.languages]
    return pages + [("session", i, lang) for lang in site.config.languages for i in range(len(site.sessions))]


@dataclass
class ItemResult:
    """What rendering one item made."""

    #: Output files by path, such as "en/about/index.html", each packed (see `pack`).
    packed: dict[str, bytes]
    #: Warnings as (path relative to the site, line, message).
    warnings: list[tuple[str, int, str]]
    #: Links to pages (and their anchors), checked once every page exists.
    anchors: list[LinkToPage]
    #: Serialized VEVENTs by (session id, lang), reused by the site-wide calendars (never cached).
    events: dict[tuple[str, str], bytes] = field(default_factory=dict)
    #: Rendered by this build; False when replayed from the item cache or kept.
    fresh: bool = True
    #: Output paths whose bytes are already in the output, as the last build made them
    #: (the item is unchanged since: `files` is then empty).
    kept: list[str] = field(default_factory=list)
    #: Errors as (path relative to the site, line, message): a text beyond the limits of
    #: Markdown work (never stored: the build fails).
    errors: list[tuple[str, int, str]] = field(default_factory=list)


def structure_digest(site: Site, theme: Theme, options: tuple, hashes: dict[str, str], engine: str) -> str:
    """Hash of every input of a render except the Markdown bodies of pages and session texts.

    An item depends on this and on its own bodies only: titles, menus, URLs,
    sessions, templates, catalogs, the config, the build options and the engine
    (`engine`: its code and libraries, see `BuildCache.engine`) all go in here. Files
    count by their hashes in `hashes` (by path, from the cache's input index), so none
    is read twice.
    """
    h = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            h.update(part if isinstance(part, bytes) else repr(part).encode("utf-8"))
            h.update(b"\0")

    prefixes = [os.path.join(folder, "") for folder in (theme.templates, theme.translations)]
    below: dict[str, list] = {prefix: [] for prefix in prefixes}
    starts = tuple(prefixes)
    for path, digest in hashes.items():
        if path.startswith(starts):
            prefix = next(p for p in prefixes if path.startswith(p))
            below[prefix].append((path[len(prefix):], digest))
    for found in below.values():
        add(*found)
    add(engine)
    add(options, hashes.get(os.fspath(site.root / "site_config.yaml")))
    for version in site.versions:
        add(version.key, version.lang, version.url, version.is_fallback, _described(version.source, _without_body))
    add(*(_described(draft, _without_body) for draft in site.drafts))  # links to them warn
    for session in site.sessions:
        add(_described(session, _without_bodies))
    # Which languages lack a session's text depends on whether its texts have a body: hreflang and sitemap.
    add(*(session.missing(lang) for session in site.sessions if session.texts for lang in site.config.languages))
    add(*(path.relative_to(site.root).as_posix() for path in site.assets))
    return h.hexdigest()


def _without_body(source: Source) -> Source:
    return dataclasses.replace(source, body="")


def _without_bodies(session: Session) -> Session:
    return dataclasses.replace(session, texts=tuple(dataclasses.replace(t, body="") for t in session.texts))


def _described(part: object, without: Callable[[object], object]) -> bytes:
    """`repr(without(part))` as UTF-8, worked out once per object: `part` is immutable, and
    the readings `serve` keeps between builds are the same objects from one build to the next."""
    described = part.__dict__.get("_described")
    if described is None:
        described = repr(without(part)).encode("utf-8")
        object.__setattr__(part, "_described", described)
    return described


def item_key(site: Site, structure: str, item: Item) -> str:
    """The item cache key: the site's structure, which item, and the Markdown bodies it shows."""
    kind, index, lang = item
    if kind == "page":
        version = site.versions[index]
        identity, texts = (kind, version.key, version.lang), (version.source,)
    elif kind == "session":
        session = site.sessions[index]
        identity, texts = (kind, session.id, lang), session.texts
    else:
        identity, texts = (kind, lang), ()
    h = hashlib.sha256(structure.encode())
    for part in map(repr, identity):
        h.update(b"\0" + part.encode("utf-8"))
    for text in texts:
        h.update(b"\0" + _body_digest(text))
    return h.hexdigest()


def _body_digest(text: Source | SessionText) -> bytes:
    """Hash of a text's Markdown body, worked out once per object (as `_described`)."""
    digest = text.__dict__.get("_body_digest")
    if digest is None:
        digest = hashlib.sha256(text.body.encode("utf-8")).digest()
        object.__setattr__(text, "_body_digest", digest)
    return digest


def render_items(items: list[Item], render: Callable[[Item], ItemResult], key: Callable[[Item], str],
                 cache: BuildCache, *, jobs: int = 1, progress: Callable[[int, int], None] | None = None,
                 before_workers: Callable[[], None] | None = None) -> list[ItemResult]:
    """The result of every item, in order: kept from the last build's output, replayed from the
    cache, or rendered (on `jobs` processes, after calling `before_workers`). What each made
    is noted in `cache.made`."""
    results: dict[Item, ItemResult] = {}
    keys = {item: key(item) for item in items}
    for item, item_id in keys.items():
        if item_id in cache.previous.items:
            paths, warnings, anchors = cache.previous.items[item_id]
            results[item] = ItemResult({}, [tuple(w) for w in warnings], [tuple(a) for a in anchors],
                                       fresh=False, kept=paths)
            cache.items.keep(item_id)
    tick = _counter(len(items), progress)
    tick(len(results))
    if jobs > 1 and len(items) - len(results) >= PARALLEL_THRESHOLD:  # else no workers: no need to list the store
        stored = cache.items.keys()
        fresh = [item for item in items if item not in results and keys[item] not in stored]
        if len(fresh) >= PARALLEL_THRESHOLD:
            if before_workers:
                before_workers()
            results.update(_in_workers(fresh, render, key, cache, jobs, tick))
    for item in items:
        if item not in results:  # cached, or all of them when no workers were worth starting
            results[item] = _cached_or_rendered(item, render, key, cache)
            tick(1)
    for item, item_id in keys.items():
        result = results[item]
        cache.reused |= not result.fresh
        cache.made[item_id] = [result.kept or sorted(result.packed), result.warnings, result.anchors]
    return [results[item] for item in items]


def _counter(total: int, progress: Callable[[int, int], None] | None) -> Callable[[int], None]:
    done = 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)
    return tick


def _cached_or_rendered(item: Item, render: Callable[[Item], ItemResult], key: Callable[[Item], str],
                        cache: BuildCache) -> ItemResult:
    """Replay an item from the item cache when its inputs are unchanged; else render and store it."""
    item_id = key(item)
    stored = _stored(cache.items.get(item_id))
    if stored is not None:
        return stored
    result = render(item)
    if result.errors:
        return result
    cache.items.put(item_id, marshal.dumps({"packed": result.packed, "warnings": result.warnings,
                                            "anchors": result.anchors}))
    return result


def _stored(value: object) -> ItemResult | None:
    """The result an item cache entry holds; None when there is none or it is not what
    `_cached_or_rendered` stores (a damaged entry is rendered again)."""
    try:
        stored = marshal.loads(value) if isinstance(value, bytes) else None
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(stored, dict):
        return None
    packed, warnings, anchors = stored.get("packed"), stored.get("warnings"), stored.get("anchors")
    if not (isinstance(packed, dict) and all(isinstance(path, str) and _inside(path) and isinstance(data, bytes)
                                             for path, data in packed.items())
            and _rows(warnings, (str, int, str)) and _rows(anchors, (str, int, str, str, str))):
        return None
    return ItemResult(packed, warnings, anchors, fresh=False)


def _inside(path: str) -> bool:
    """A path inside the output folder: relative, no `..` (a damaged entry must not write elsewhere)."""
    return bool(path) and not path.startswith("/") and ".." not in path.split("/")


def _rows(value: object, kinds: tuple[type, ...]) -> bool:
    """Whether `value` is a list of tuples of these types."""
    return isinstance(value, list) and all(
        isinstance(row, tuple) and len(row) == len(kinds) and all(map(isinstance, row, kinds)) for row in value)


# -- forked workers -------------------------------------------------------------------------

#: In a forked worker only: what to render with (set by `_become_worker`; never in the parent).
_worker: tuple[Callable[[Item], ItemResult], Callable[[Item], str], BuildCache] | None = None


def _in_workers(items: list[Item], render: Callable[[Item], ItemResult], key: Callable[[Item], str],
                cache: BuildCache, jobs: int, tick: Callable[[int], None]) -> dict[Item, ItemResult]:
    """Render `items` on `jobs` forked processes; take back their results and new cache entries in order."""
    # Small chunks: a worker holds a chunk's pages (and their cache entries) until it hands
    # them back, so the chunk size, not the site's, bounds each worker's memory.
    size = max(1, min(MAX_CHUNK, len(items) // (jobs * 8)))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    results: dict[Item, ItemResult] = {}
    # Forked, so the renderer (Jinja environments, the site model) is inherited, never pickled;
    # forked with Ctrl-C held back, so that no worker is interrupted before it ignores it.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    pool = None
    try:
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_become_worker, initargs=(render, key, cache, held))
        chunk_results = pool.map(_render_chunk, chunks)  # forks every worker now
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        for chunk, (done, entries) in zip(chunks, chunk_results):
            results.update(zip(chunk, done))
            cache.merge(entries)
            tick(len(chunk))
    except BaseException:  # Ctrl-C: the workers ignore it (no tracebacks), end their chunk, start no other
        _shut_down(pool, True, held)
        raise
    _shut_down(pool, False, held)
    return results


def _shut_down(pool: ProcessPoolExecutor | None, cancel: bool, mask: set[signal.Signals]) -> None:
    """Wait for the workers to end with Ctrl-C held back, then set the signal `mask`: a Ctrl-C
    pressed meanwhile is raised once they have ended (an interrupted shutdown would leave
    them to the interpreter's exit, which waits for them and reports the interruption)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=cancel)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _become_worker(render: Callable[[Item], ItemResult], key: Callable[[Item], str], cache: BuildCache,
                   held: set[signal.Signals]) -> None:
    global _worker
    _worker = (render, key, cache)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches every process; the parent handles it
    signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _render_chunk(chunk: list[Item]) -> tuple[list[ItemResult], tuple]:
    """In a worker: render some items; return their results and the cache entries they made."""
    render, key, cache = _worker
    cache.worker_start()
    results = [_cached_or_rendered(item, render, key, cache) for item in chunk]
    return results, cache.worker_result()
