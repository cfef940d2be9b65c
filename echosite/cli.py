"""The command line: parses arguments and calls the package; prints problems as path:line."""
from __future__ import annotations

import argparse
import gc
import importlib.metadata
import os
import re
import sys
import time
from pathlib import Path

from . import __version__
from .errors import SiteError, UsageError, plural
from .pipeline import build
from .write import OutputError, UnsafeOutput

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
PROG = "build.py"
#: Allocations between two runs of the cycle collector, in the process a command runs in (see `run_from_script`).
GC_ALLOCATIONS = 20_000

_DESCRIPTION = """\
Build a multilingual TeleECHO programme site: the Markdown pages in content/, the
session calendars (sessions.yaml) beside them, templates/ and translations/, as
site_config.yaml describes them, into a folder of static files any web host can serve."""

_EPILOG = """\
examples:
  python build.py build                 build the site in this folder into output/
  python build.py serve                 preview at http://127.0.0.1:8000/ while you edit
  python build.py check --strict        what a publisher should run before uploading
  python build.py i18n stats            what is left to translate

Run `python build.py COMMAND --help` for the options of one command.
Exit status: 0 success (warnings allowed), 1 the site has errors, 2 usage error."""

_SITE_HELP = "the site folder, holding site_config.yaml and content/ (default: the current folder)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=_DESCRIPTION, epilog=_EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"{PROG} (echosite) {__version__}",
                        help="print the version of echosite and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")

    b = _command(commands, "build", "build the site into the output folder", """\
Build the site into the output folder (default: output/ in the site folder).
Every mistake is printed as path:line: message, all of them in one run; when there
is an error, nothing is written and the previous output stays exactly as it was.
Only files whose bytes changed are rewritten, and a build whose inputs did not
change does nothing.""", """\
examples:
  python build.py build
  python build.py build --strict --base-url https://example.org/teleecho/
  python build.py build --site ../other-site --out /tmp/other-output""")
    _site_option(b)
    b.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: SITE/output)")
    b.add_argument("--base-url", metavar="URL", type=_base_url,
                   help="the address the site is published at, instead of base_url in site_config.yaml, "
                        "such as https://example.org/teleecho/")
    _strict_option(b)
    b.add_argument("--clean", action="store_true", help="ignore the cache and build everything again")
    _drafts_option(b)
    b.add_argument("--jobs", type=int, metavar="N", help="processes that render pages (default: one per core)")
    b.add_argument("--quiet", action="store_true", help="no progress line on a terminal")
    b.add_argument("--cache-dir", type=Path, metavar="DIR",
                   help="where cached work is kept (default: SITE/.cache; safe to delete)")

    s = _command(commands, "serve", "preview the site with live reload while you edit", """\
Build the site into SITE/.cache/serve-output, serve it at http://HOST:PORT/ and
rebuild after every saved change in content/, templates/, translations/ or
site_config.yaml; the browser reloads by itself. While the site has errors, every
page shows them. Stop with Ctrl-C.""", """\
examples:
  python build.py serve
  python build.py serve --port 8080""")
    _site_option(s)
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only)")
    s.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    _drafts_option(s)

    c = _command(commands, "check", "check everything a build would; write nothing", """\
Check the whole site as a build would (configuration, pages, session calendars,
links, translations) and print every problem as path:line: message. Nothing is
written. Use --strict before publishing: warnings then fail the check.""", """\
examples:
  python build.py check
  python build.py check --strict""")
    _site_option(c)
    _strict_option(c)
    _drafts_option(c)

    i = _command(commands, "i18n", "translate the interface and follow page translations", """\
The translators' workflow. Interface strings (menus, buttons, notices) live in
translations/<lang>/LC_MESSAGES/messages.po; pages are Markdown files per language.""", """\
examples:
  python build.py i18n extract && python build.py i18n update    after editing templates
  python build.py i18n compile                                   check the catalogs
  python build.py i18n stats --strict                            fail CI while anything is left
  python build.py i18n reviewed content/about.es.md              the translation matches its original""")
    actions = i.add_subparsers(dest="action", required=True, metavar="ACTION", title="actions")
    _site_option(_command(actions, "extract", "collect the templates' strings into translations/messages.pot", """\
Collect every translatable string of the templates into translations/messages.pot.
Run it after adding or changing text in templates/."""))
    _site_option(_command(actions, "update", "merge messages.pot into every language's catalog", """\
Merge translations/messages.pot into the catalog of every language in
site_config.yaml, creating the catalog of a new language. New and changed strings
are then waiting for a translator. Nothing is written when a catalog is malformed."""))
    compile_ = _command(actions, "compile", "check every catalog and compile it to a .mo file", """\
Check every catalog (syntax, placeholders, markup, missing and fuzzy entries) and,
when there are no errors, write its compiled .mo file beside it. The build reads the
.po files directly: compiling is a check for translators and other tools.""")
    _site_option(compile_)
    compile_.add_argument("--strict", action="store_true",
                          help="treat missing and fuzzy translations as errors too")
    stats = _command(actions, "stats", "what is translated, missing or outdated, per language", """\
Count per language the interface strings translated, fuzzy and missing, and the
pages translated, missing and outdated; then list each page file to write or to
review. A translation is outdated when its original's text changed since the
translation was last marked reviewed (see the `reviewed` action).""")
    _site_option(stats)
    stats.add_argument("--format", choices=("table", "json"), default="table",
                       help="table for people (default), json for scripts")
    stats.add_argument("--strict", action="store_true",
                       help="exit with status 1 while anything is missing, fuzzy or outdated (for CI)")
    reviewed = _command(actions, "reviewed", "mark translations as matching their original's current text", """\
Record in each translation's front matter (translated_from) that it matches the
current text of its original, the default language's file. Run it after updating
a translation, or after checking that a changed original needs no change in it;
`i18n stats` then no longer lists it as outdated.""")
    _site_option(reviewed)
    reviewed.add_argument("files", nargs="+", type=Path, metavar="FILE",
                          help="translated page files, such as content/about.es.md")
    return parser


def _command(group, name: str, summary: str, description: str, epilog: str | None = None) -> argparse.ArgumentParser:
    command = group.add_parser(name, help=summary, description=description, epilog=epilog,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    command.set_defaults(command_parser=command)  # the innermost command names itself in usage errors
    return command


def _base_url(value: str) -> str:
    """`--base-url`, checked as base_url in site_config.yaml is (a usage error otherwise)."""
    from .config import BASE_URL_RULE, parse_base_url  # the config stage imports Babel: only when asked
    parsed = parse_base_url(value)
    if parsed is None:
        raise argparse.ArgumentTypeError(f'"{value}" {BASE_URL_RULE}')
    return parsed


def _site_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", type=Path, default=Path("."), metavar="SITE", help=_SITE_HELP)


def _strict_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strict", action="store_true",
                        help="fail on warnings too: untranslated pages or strings, broken links, unknown keys")


def _drafts_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drafts", action="store_true", help="include pages marked draft: true (never in the sitemap, marked noindex)")


def _i18n(args: argparse.Namespace) -> int:
    from . import translate

    if args.action == "extract":
        pot, changed = translate.extract(args.site)
        print(f"wrote {_shown(pot, args.site)}" if changed else f"{_shown(pot, args.site)} is up to date")
    elif args.action == "update":
        for path, changed in translate.update(args.site):
            print(f"updated {_shown(path, args.site)}" if changed else f"{_shown(path, args.site)} is up to date")
    elif args.action == "compile":
        written, warnings = translate.compile_catalogs(args.site, args.strict)
        for problem in warnings:
            print(problem, file=sys.stderr)
        for path in written:
            print(f"wrote {_shown(path, args.site)}")
    elif args.action == "reviewed":
        for path in translate.mark_reviewed(args.site, args.files):
            print(f"marked {_shown(path, args.site)} as reviewed against its original's current text")
    else:
        rows = translate.stats(args.site)
        sys.stdout.write(translate.format_stats(rows, args.format))
        to_do = sum(row.to_do for row in rows)
        if args.strict and to_do:
            print(f"{plural(to_do, 'translation')} to do (--strict)", file=sys.stderr)
            return EXIT_ERRORS
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from .serve import serve

    try:
        serve(args.site, args.host, args.port, drafts=args.drafts)
    except OSError as exc:  # such as: cannot listen on HOST:PORT: Address already in use
        print(f"{PROG}: error: {exc}", file=sys.stderr)
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


def _shown(path: Path, base: Path | None = None) -> str:
    """A path relative to `base` (the site, as in problems) or else to the current folder when inside it."""
    path = Path(path).resolve()
    try:
        return path.relative_to((base or Path.cwd()).resolve()).as_posix() or "."
    except ValueError:
        return path.as_posix()


def _waiting() -> None:
    print(f"{PROG}: another build is writing into this output folder; waiting for it to finish", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit status (0 ok, 1 site errors, 2 usage)."""
    parser = _parser()
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:
            args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)} "
                                      f"(`python {args.command_parser.prog} --help` lists its options)")
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    if not (args.site / "site_config.yaml").is_file():
        print(f"{PROG}: error: {args.site}/site_config.yaml not found; --site must be a site folder",
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
                           cache_dir=args.cache_dir, waiting=_waiting)
        else:
            result = build(args.site, None, strict=args.strict, drafts=args.drafts, write_files=False)
    except (UnsafeOutput, UsageError) as exc:
        advice = "; choose another --out" if isinstance(exc, UnsafeOutput) else ""
        print(f"{PROG}: error: {exc}{advice}", file=sys.stderr)
        return EXIT_USAGE
    except OutputError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_ERRORS
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; the output folder holds the last finished build", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SiteError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{exc.counts}; nothing was written", file=sys.stderr)
        return EXIT_ERRORS
    except ModuleNotFoundError as exc:  # a dependency imported only when there is work
        print(missing_dependency(exc.name), file=sys.stderr)
        return EXIT_USAGE
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    pages = ", ".join(f"{lang} {count}" for lang, count in result.pages.items())
    counts = f"{plural(len(result.warnings), 'warning')}, 0 errors"
    if args.command == "check":
        print(f"checked {result.file_count} files (pages: {pages}): {counts}; nothing written")
    elif result.up_to_date:
        print(f"{_shown(result.out)}/ is up to date: {result.file_count} files (pages: {pages}), {counts}, "
              f"nothing changed in {result.seconds:.2f} s")
    else:
        print(f"built {result.file_count} files into {_shown(result.out)}/ ({result.changed} changed; pages: {pages}), "
              f"{counts} in {result.seconds:.2f} s")
    return EXIT_OK


def missing_dependency(name: str | None) -> str:
    """The one-line hint for a Python package that is not installed."""
    return (f"{PROG}: error: {sys.executable} lacks the Python package {name or 'of a dependency'}; run `make setup` "
            "once in the repository (it creates .venv with the pinned dependencies), then this command again")


def run_from_script(script: str) -> int:
    """`build.py`'s entry: use the repository's `.venv` when this Python lacks the dependencies."""
    missing = _missing_requirement()
    if missing:
        venv_python = Path(script).resolve().parent / ".venv" / "bin" / "python"
        if venv_python.is_file() and Path(sys.prefix).resolve() != venv_python.parent.parent.resolve():
            os.execv(venv_python, [str(venv_python), script, *sys.argv[1:]])
        print(missing_dependency(missing), file=sys.stderr)
        return EXIT_USAGE
    # A build makes hundreds of thousands of objects that live until it ends (the site model,
    # the cache's readings): at Python's default pace (every 700 allocations) the cycle
    # collector walks them over 200 times in a one-edit rebuild of 2,000 pages, 35-50 ms of
    # its 0.6 s. Every 20,000 allocations it costs about 10 ms, and what unreachable cycles
    # hold meanwhile stays small.
    gc.set_threshold(GC_ALLOCATIONS, *gc.get_threshold()[1:])
    return main()


def _missing_requirement() -> str | None:
    """The first dependency of echosite not installed in this Python, or None."""
    try:
        requirements = importlib.metadata.requires("echosite") or []
    except importlib.metadata.PackageNotFoundError:
        return "echosite"
    for requirement in requirements:
        if "extra ==" in requirement:
            continue
        name = re.match(r"[A-Za-z0-9._-]+", requirement).group()
        try:
            importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return name
    return None
