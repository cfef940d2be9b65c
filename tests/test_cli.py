"""Issue 8.11: the documented commands work as written, from any Python, and say what they did."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SITES
from echosite import __version__
from echosite.cli import main


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory) -> Path:
    """A Python with none of the dependencies, as on a machine that never ran `make setup`."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    return venv / "bin" / "python"


def run(python: Path, script: Path, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), str(script), *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_build_py_reruns_itself_with_the_repository_venv(bare_python, tmp_path):
    version = run(bare_python, REPO / "build.py", "--version")
    assert (version.returncode, version.stdout, version.stderr) == (0, f"build.py (echosite) {__version__}\n", "")
    out = tmp_path / "out"
    built = run(bare_python, REPO / "build.py", "build", "--site", str(SITES / "basic"), "--out", str(out),
                "--cache-dir", str(tmp_path / "cache"))
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith(f"built 32 files into {out}/ (32 changed; pages: en 8, es 8), 2 warnings, 0 errors")
    assert (out / "index.html").is_file()


def test_without_the_dependencies_one_line_says_what_to_run(bare_python, tmp_path):
    clone = tmp_path / "clone"  # a fresh clone: no .venv yet
    clone.mkdir()
    shutil.copy(REPO / "build.py", clone)
    shutil.copytree(REPO / "echosite", clone / "echosite", ignore=shutil.ignore_patterns("__pycache__"))
    result = run(bare_python, clone / "build.py", "build", cwd=clone)
    assert result.returncode == 2
    assert result.stderr == (f"build.py: error: {bare_python} lacks the Python package echosite; run `make setup` "
                             "once in the repository (it creates .venv with the pinned dependencies), then this "
                             "command again\n")
    assert result.stdout == "" and not (clone / "output").exists()


def test_a_dependency_missing_at_run_time_is_a_one_line_hint(tmp_path):
    code = ("import sys; sys.modules['babel'] = None; from echosite.cli import main; "
            f"sys.exit(main(['check', '--site', {str(SITES / 'basic')!r}]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 2
    assert result.stderr == (f"build.py: error: {sys.executable} lacks the Python package babel; run `make setup` "
                             "once in the repository (it creates .venv with the pinned dependencies), then this "
                             "command again\n")


@pytest.mark.parametrize("command, first_line", [
    ([], "usage: build.py [-h] [--version] COMMAND ..."),
    (["build"], "usage: build.py build [-h] [--site SITE] [--out DIR] [--base-url URL]"),
    (["serve"], "usage: build.py serve [-h] [--site SITE] [--host HOST] [--port PORT]"),
    (["check"], "usage: build.py check [-h] [--site SITE] [--strict] [--drafts]"),
    (["i18n"], "usage: build.py i18n [-h] ACTION ..."),
    (["i18n", "stats"], "usage: build.py i18n stats [-h] [--site SITE] [--format {table,json}]"),
    (["i18n", "reviewed"], "usage: build.py i18n reviewed [-h] [--site SITE] FILE [FILE ...]"),
])
def test_every_command_has_its_own_help(capsys, command, first_line):
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == first_line
    assert "examples:" in out or command[:1] == ["i18n"] and len(command) == 2  # i18n actions: one line each


def test_help_texts_differ_and_are_written_for_users(capsys):
    texts = {}
    for command in ("build", "serve", "check"):
        main([command, "--help"])
        texts[command] = capsys.readouterr().out.split("\n\n")[1]  # the description
    assert texts["build"].startswith("Build the site into the output folder (default: output/ in the site folder).")
    assert texts["serve"].startswith("Build the site into SITE/.cache/serve-output, serve it at http://HOST:PORT/")
    assert texts["check"].startswith("Check the whole site as a build would")


def test_the_summary_says_where_the_output_went(site_copy, capsys):
    out = site_copy.parent / "published"
    assert main(["build", "--site", str(site_copy), "--out", str(out), "--quiet"]) == 0
    first = capsys.readouterr().out
    assert first.startswith(f"built 32 files into {out}/ (32 changed; pages: en 8, es 8), 2 warnings, 0 errors in ")
    assert main(["build", "--site", str(site_copy), "--out", str(out), "--quiet"]) == 0
    again = capsys.readouterr().out
    assert again.startswith(f"{out}/ is up to date: 32 files (pages: en 8, es 8), 2 warnings, 0 errors, "
                            "nothing changed in ")
    assert main(["check", "--site", str(site_copy)]) == 0
    assert capsys.readouterr().out == "checked 32 files (pages: en 8, es 8): 2 warnings, 0 errors; nothing written\n"


def test_no_command_or_an_unknown_option_is_a_usage_error(capsys):
    assert main([]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == "build.py: error: the following arguments are required: COMMAND"
    assert main(["check", "--out", "x"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "build.py check: error: unrecognized arguments: --out x (`python build.py check --help` lists its options)")
