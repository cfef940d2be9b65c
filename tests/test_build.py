"""Build behaviour: determinism, atomic output, refused folders, exit codes, check."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SITES, tree
from echosite.cli import main


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, **(env or {})}, timeout=120)


def test_two_builds_are_byte_identical_across_processes(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out, seed, tz, jobs in ((a, "1", "Asia/Yangon", "1"), (b, "2", "UTC", "2")):
        result = cli("build", "--site", str(SITES / "basic"), "--out", str(out), "--cache-dir", str(tmp_path / f"c{seed}"),
                     "--jobs", jobs, env={"PYTHONHASHSEED": seed, "TZ": tz})
        assert result.returncode == 0, result.stderr
    assert tree(a) == tree(b)


def test_rebuild_in_place_is_identical_and_keeps_unchanged_files(site_copy):
    out = site_copy.parent / "out"
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    first = tree(out)
    inode = (out / "en/about/index.html").stat().st_ino
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    assert tree(out) == first
    assert (out / "en/about/index.html").stat().st_ino == inode


def test_unchanged_output_is_not_touched_and_changes_keep_other_files(site_copy):
    out = site_copy.parent / "out"
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    stamp = {p: p.stat().st_mtime_ns for p in out.rglob("*.html")}
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.html")} == stamp
    about = site_copy / "content/about.en.md"
    about.write_text(about.read_text().replace("## History", "## Our history"))
    for _ in range(3):  # the spare folder is reused: each build must still be whole
        assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
        about.write_text(about.read_text() + "\nMore.\n")
    assert "Our history" in (out / "en/about/index.html").read_text()
    assert (out / "es/acerca/index.html").stat().st_mtime_ns == stamp[out / "es/acerca/index.html"]


def test_removed_page_disappears_from_output(site_copy):
    out = site_copy.parent / "out"
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    (site_copy / "content/raw.en.md").unlink()
    (site_copy / "content/raw.es.md").unlink()
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    assert not (out / "en/raw").exists()


def test_failed_build_leaves_previous_output_untouched(site_copy, capsys):
    out = site_copy.parent / "out"
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    before = tree(out)
    (site_copy / "content/about.en.md").write_text("---\ntitle: [\n---\n")
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 1
    assert tree(out) == before


@pytest.mark.parametrize("target", ["site", "content", "templates", "parent", "root", "home"])
def test_dangerous_output_folders_are_refused(site_copy, capsys, target):
    (site_copy / "templates").mkdir()
    (site_copy / "templates/base.html").write_text("x")
    out = {"site": site_copy, "content": site_copy / "content" / "out", "templates": site_copy / "templates",
           "parent": site_copy.parent, "root": Path("/"), "home": Path.home()}[target]
    before = tree(site_copy)
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 2
    assert "refusing to build into" in capsys.readouterr().err
    assert tree(site_copy) == before


def test_output_refusal_uses_resolved_paths(site_copy, capsys):
    sneaky = site_copy / "output" / ".." / "content"
    assert main(["build", "--site", str(site_copy), "--out", str(sneaky)]) == 2


def test_usage_errors_exit_2(tmp_path):
    assert cli("build", "--bogus").returncode == 2
    assert cli("frobnicate").returncode == 2
    assert cli("build", "--site", str(tmp_path)).returncode == 2


def test_cli_exit_codes_and_summary(site_copy):
    ok = cli("build", "--site", str(site_copy), "--out", str(site_copy.parent / "o"))
    assert ok.returncode == 0 and ok.stdout.startswith("built "), ok.stderr
    (site_copy / "content/about.en.md").write_text("---\nweight: 1\n---\n")
    bad = cli("build", "--site", str(site_copy), "--out", str(site_copy.parent / "o"))
    assert bad.returncode == 1
    assert "content/about.en.md:2: the page has no title" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_check_writes_nothing(site_copy):
    before = tree(site_copy)
    result = cli("check", "--site", str(site_copy))
    assert result.returncode == 0, result.stderr
    assert tree(site_copy) == before
    assert not (site_copy / "output").exists()
    (site_copy / "content/about.en.md").write_text("---\nweight: 1\n---\n")
    assert cli("check", "--site", str(site_copy)).returncode == 1


def test_drafts_flag_publishes_drafts(site_copy):
    out = site_copy.parent / "out"
    assert main(["build", "--site", str(site_copy), "--out", str(out), "--drafts"]) == 0
    assert (out / "en/draft/index.html").is_file()


def test_base_url_override(site_copy):
    out = site_copy.parent / "out"
    assert main(["build", "--site", str(site_copy), "--out", str(out), "--base-url", "https://other.example/x"]) == 0
    assert '<link rel="canonical" href="https://other.example/x/en/about/">' in (out / "en/about/index.html").read_text()


def test_default_output_folder_is_site_output(site_copy):
    assert cli("build", "--site", str(site_copy)).returncode == 0
    assert (site_copy / "output/index.html").is_file()


def test_progress_line_on_a_terminal_and_summary_always(site_copy, capsys, monkeypatch):
    from echosite import cli

    monkeypatch.setattr(cli.sys.stderr, "isatty", lambda: True)
    clock = {"now": 0.0}  # seconds since the build started, however often the clock is read
    monkeypatch.setattr(cli.time, "perf_counter", lambda: clock["now"])
    show = cli._progress_line()
    for now, done in ((0.5, 1), (1.5, 5), (1.55, 6), (1.6, 10)):
        clock["now"] = now
        show(done, 10)  # under a second: nothing; then shown; too soon after: skipped; done: cleared
    err = capsys.readouterr().err
    assert "pages 1/10" not in err and "pages 6/10" not in err
    assert "\rpages 5/10  1.5 s\r" in err and err.endswith("\rpages 10/10  1.6 s\r\033[K")
    monkeypatch.setattr(cli.sys.stderr, "isatty", lambda: False)
    assert cli._progress_line() is None
    monkeypatch.undo()  # the real clock and terminal again for the build below
    assert main(["build", "--site", str(site_copy), "--out", str(site_copy.parent / "o"), "--quiet"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith(f"built 32 files into {site_copy.parent / 'o'}/ (32 changed; "
                                               "pages: en 8, es 8), 2 warnings, 0 errors in "), out


def test_a_non_empty_folder_that_is_no_build_is_refused(site_copy, tmp_path, capsys):
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "thesis.txt").write_text("years of work")
    assert main(["build", "--site", str(site_copy), "--out", str(documents)]) == 2
    assert "it is not empty and holds no previous build" in capsys.readouterr().err
    assert [p.name for p in documents.iterdir()] == ["thesis.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["build", "--site", str(site_copy), "--out", str(empty)]) == 0
    assert main(["build", "--site", str(site_copy), "--out", str(empty)]) == 0  # its own build: fine


def test_files_beside_session_texts_are_published(site_copy, tmp_path):
    (site_copy / "content/programmes/alpha/sessions/slides.txt").write_text("slides\n")
    text = site_copy / "content/programmes/alpha/sessions/alpha-1.es.md"
    text.write_text(text.read_text() + "\n[Diapositivas](slides.txt)\n")
    out = tmp_path / "out"
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    assert (out / "programmes/alpha/sessions/slides.txt").read_text() == "slides\n"
    assert 'href="../../../programmes/alpha/sessions/slides.txt"' in (out / "es/sessions/alpha-1/index.html").read_text()
