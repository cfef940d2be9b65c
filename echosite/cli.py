"""The command line: parses arguments and calls the package; prints problems as path:line."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .errors import SiteError
from .pipeline import build
from .write import UnsafeOutput

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = commands.add_parser("build", help="build the site into the output folder")
    b.add_argument("--site", type=Path, default=Path("."), help="site root holding site_config.yaml (default: .)")
    b.add_argument("--out", type=Path, help="output folder (default: <site>/output)")
    b.add_argument("--base-url", help="override base_url, such as https://example.org/teleecho/")
    b.add_argument("--strict", action="store_true", help="treat warnings as errors")
    b.add_argument("--clean", action="store_true", help="ignore cached work and rebuild everything")
    b.add_argument("--drafts", action="store_true", help="include pages marked draft: true")
    b.add_argument("--jobs", type=int, metavar="N", help="processes for Markdown (default: one per core)")
    b.add_argument("--quiet", action="store_true", help="no progress line")
    b.add_argument("--cache-dir", type=Path, help="where converted Markdown is cached (default: <site>/.cache)")

    s = commands.add_parser("serve", help="build, serve with live reload, rebuild on every edit")
    s.add_argument("--site", type=Path, default=Path("."), help="site root (default: .)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    s.add_argument("--port", type=int, default=8000, help="port (default: 8000)")

    c = commands.add_parser("check", help="validate everything a build would; write nothing")
    c.add_argument("--site", type=Path, default=Path("."), help="site root (default: .)")
    c.add_argument("--strict", action="store_true", help="treat warnings as errors")
    c.add_argument("--drafts", action="store_true", help="include pages marked draft: true")

    t = commands.add_parser("i18n", help="the UI catalog workflow: extract, update, compile, stats")
    t.add_argument("action", choices=("extract", "update", "compile", "stats"),
                   help="extract: refresh messages.pot; update: merge it into every language; "
                        "compile: check and compile catalogs; stats: translation progress")
    t.add_argument("--site", type=Path, default=Path("."), help="site root (default: .)")
    t.add_argument("--format", choices=("table", "json"), default="table", help="stats output format")
    t.add_argument("--strict", action="store_true", help="compile: treat fuzzy and missing as errors")
    return parser


def _i18n(args: argparse.Namespace) -> int:
    from . import translate

    if args.action == "extract":
        print(f"wrote {translate.extract(args.site)}")
    elif args.action == "update":
        for path in translate.update(args.site):
            print(f"updated {path}")
    elif args.action == "compile":
        written, warnings = translate.compile_catalogs(args.site, args.strict)
        for problem in warnings:
            print(problem, file=sys.stderr)
        for path in written:
            print(f"wrote {path}")
    else:
        sys.stdout.write(translate.format_stats(translate.stats(args.site), args.format))
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from .serve import serve

    try:
        serve(args.site, args.host, args.port)
    except OSError as exc:  # such as: cannot listen on HOST:PORT: Address already in use
        print(f"build.py: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _progress_line():
    """A progress printer for a terminal, shown once a build takes over a second; else None."""
    if not sys.stderr.isatty():
        return None
    started = time.perf_counter()
    state = {"shown": 0.0}

    def show(done: int, total: int) -> None:
        elapsed = time.perf_counter() - started
        if elapsed < 1 or (elapsed - state["shown"] < 0.1 and done < total):
            return
        state["shown"] = elapsed
        end = "\r\033[K" if done >= total else "\r"
        sys.stderr.write(f"\rpages {done}/{total}  {elapsed:.1f} s{end}")
        sys.stderr.flush()
    return show


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit status (0 ok, 1 site errors, 2 usage)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    if not (args.site / "site_config.yaml").is_file():
        print(f"build.py: error: {args.site}/site_config.yaml not found; --site must be a site folder",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "i18n":
            return _i18n(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "build":
            result = build(args.site, args.out, base_url=args.base_url, strict=args.strict, drafts=args.drafts,
                           clean=args.clean, jobs=args.jobs, progress=None if args.quiet else _progress_line(),
                           cache_dir=args.cache_dir)
        else:
            result = build(args.site, None, strict=args.strict, drafts=args.drafts, write_files=False)
    except UnsafeOutput as exc:
        print(f"build.py: error: {exc}; choose another --out", file=sys.stderr)
        return EXIT_USAGE
    except SiteError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{exc.counts}; nothing was written", file=sys.stderr)
        return EXIT_ERRORS
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    pages = ", ".join(f"{lang} {count}" for lang, count in result.pages.items())
    verb = "built" if args.command == "build" else "checked"
    state = " (nothing changed)" if result.up_to_date else ""
    print(f"{verb} {result.file_count} files{state} (pages: {pages}), {len(result.warnings)} warning(s), "
          f"0 errors in {result.seconds:.2f} s")
    return EXIT_OK
