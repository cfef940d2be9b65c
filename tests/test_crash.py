"""The output survives every crash and every concurrent run (README: "Output folder").

Faults are injected through write.py's seams (`_rename`, `_write`) and the render
stage's entry points, in a child process where a kill must be real: never by
waiting for a moment and hoping.
"""
from __future__ import annotations

import errno
import json
import marshal
import os
import pickle
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import REPO
from echosite import write
from echosite.cli import main
from echosite.pipeline import build
from test_refused import snapshot

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork() in a process with threads


@pytest.fixture
def site(site_copy) -> Path:
    return site_copy


def edit(site: Path) -> None:
    """A change that makes the next build replace the output."""
    about = site / "content/about.en.md"
    about.write_text(about.read_text() + "\nOne more line.\n")


def child(site: Path, out: Path, cache: Path, inject: str, *args: str, **popen) -> subprocess.Popen:
    """`build.py build` in a child process, after running `inject` (Python) there."""
    code = textwrap.dedent(inject) + textwrap.dedent(f"""
        import sys
        from echosite.cli import main
        sys.exit(main(["build", "--site", {str(site)!r}, "--out", {str(out)!r}, "--cache-dir", {str(cache)!r},
                       "--quiet", *{list(args)!r}]))
        """)
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **popen)


def finish(process: subprocess.Popen) -> tuple[int, str]:
    _out, err = process.communicate(timeout=120)
    return process.returncode, err


def clean_build(site: Path, tmp: Path) -> dict[str, object]:
    out = tmp / "reference"
    build(site, out, clean=True, cache_dir=tmp / "reference-cache")
    return snapshot(out)


def test_a_kill_between_the_two_renames_is_repaired_first_thing(site, tmp_path, capsys):
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert main(["build", "--site", str(site), "--out", str(out), "--cache-dir", str(cache), "--quiet"]) == 0
    before = snapshot(out)
    edit(site)
    killed = child(site, out, cache, f"""
        import os, signal
        from echosite import write
        real = write._rename
        def rename(source, target):
            real(source, target)
            if str(source) == {str(out)!r}:  # the old output is parked, the new one not yet in place
                os.kill(os.getpid(), signal.SIGKILL)
        write._rename = rename
        """)
    assert finish(killed)[0] == -signal.SIGKILL
    assert not out.exists()  # what a crash at that instant leaves
    (site / "content/about.en.md").write_text("---\ntitle: [\n---\n")  # the next build fails, yet:
    assert main(["build", "--site", str(site), "--out", str(out), "--cache-dir", str(cache), "--quiet"]) == 1
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "out", "site"]
    assert not any(p.name.startswith("parked-") for p in cache.iterdir())


def test_two_builds_at_once_run_one_after_the_other(site, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    holding, release = tmp_path / "holding", tmp_path / "release"
    first = child(site, out, cache, f"""
        import time
        from pathlib import Path
        from echosite import write
        real = write.write_output
        def write_output(*args):  # holds the lock, its output rendered, until told to go on
            Path({str(holding)!r}).touch()
            while not Path({str(release)!r}).exists():
                time.sleep(0.01)
            return real(*args)
        write.write_output = write_output
        """)
    while not holding.exists():
        assert first.poll() is None, first.communicate()
    edit(site)  # the second build must see this, and the first must not win
    second = child(site, out, cache, "")
    assert second.stderr.readline() == ("build.py: another build is writing into this output folder; "
                                        "waiting for it to finish\n")
    release.touch()
    assert finish(first)[0] == 0 and finish(second)[0] == 0
    assert snapshot(out) == clean_build(site, tmp_path)
    assert build(site, out, cache_dir=cache).up_to_date


def test_a_cache_that_cannot_be_written_never_fails_the_build(site, tmp_path, capsys):
    out = tmp_path / "out"
    blocked = tmp_path / "a-file"
    blocked.write_text("the cache folder would be inside a file: nothing can be written there\n")
    args = ["build", "--site", str(site), "--out", str(out), "--cache-dir", str(blocked / "cache"), "--quiet"]
    assert main(args) == 0
    edit(site)
    assert main(args) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert snapshot(out) == clean_build(site, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "out", "reference", "reference-cache", "site"]


def test_cache_files_that_are_folders_are_ignored(site, tmp_path, capsys):
    out, cache = tmp_path / "out", tmp_path / "cache"
    for name in ("items.sqlite", "markdown.sqlite", "items.new.sqlite", "markdown.new.sqlite"):
        (cache / name).mkdir(parents=True)
    args = ["build", "--site", str(site), "--out", str(out), "--cache-dir", str(cache), "--quiet"]
    assert main(args) == 0
    edit(site)
    assert main(args) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert snapshot(out) == clean_build(site, tmp_path)


GARBAGE = [b"garbage", "garbage", 42, marshal.dumps([1, 2]), marshal.dumps({"files": {"a": "text"}}),
           marshal.dumps({"files": {"../../escaped": b"x"}, "warnings": [], "anchors": []}),
           json.dumps({"html": 1}), json.dumps(["<p>x</p>", [1]])]


@pytest.mark.parametrize("garbage", GARBAGE, ids=range(len(GARBAGE)))
def test_valid_sqlite_with_garbage_values_is_ignored(site, tmp_path, capsys, garbage):
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["build", "--site", str(site), "--out", str(out), "--cache-dir", str(cache), "--quiet"]
    assert main(args) == 0
    for name in ("items", "markdown"):
        with sqlite3.connect(cache / f"{name}.sqlite") as db:
            db.execute("UPDATE entries SET value = ?", (garbage,))
    edit(site)
    assert main(args) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert snapshot(out) == clean_build(site, tmp_path)
    assert not (tmp_path / "escaped").exists()


@pytest.mark.parametrize("damage", [b"\x80\x05garbage", pickle.dumps([1, 2]), pickle.dumps({b"k": 1}), "entries"])
def test_damaged_parsed_yaml_is_ignored(site, tmp_path, capsys, damage):
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["build", "--site", str(site), "--out", str(out), "--cache-dir", str(cache), "--quiet"]
    assert main(args) == 0
    memo = cache / "parsed.pickle"
    if damage == "entries":  # every entry's value garbage, the file itself sound
        damage = pickle.dumps({key: b"garbage" for key in pickle.loads(memo.read_bytes())})
    memo.write_bytes(damage)
    edit(site)
    assert main(args) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert snapshot(out) == clean_build(site, tmp_path)


@pytest.mark.parametrize("damage", [b"\x80\x05garbage", pickle.dumps([1, 2]), pickle.dumps({"engine": 1}),
                                    "other engine", "wrong problems"])
def test_damaged_or_foreign_readings_are_ignored(site, tmp_path, capsys, damage):
    """Pages and calendars read by an earlier build (`readings.pickle`) are used only as that build left them."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["build", "--site", str(site), "--out", str(out), "--cache-dir", str(cache), "--quiet"]
    assert main(args) == 0
    readings = cache / "readings.pickle"
    stored = pickle.loads(readings.read_bytes())
    assert stored["readings"]  # the test site's pages and calendars are kept
    if damage == "other engine":  # as if the engine's code had changed: nothing it read is trusted
        damage = pickle.dumps({**stored, "engine": "another", "readings": {
            key: (None, []) for key in stored["readings"]}})
    elif damage == "wrong problems":
        damage = pickle.dumps({**stored, "readings": {key: (value, ["not a problem"])
                                                      for key, (value, _) in stored["readings"].items()}})
    readings.write_bytes(damage)
    edit(site)
    assert main(args) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert snapshot(out) == clean_build(site, tmp_path)


@pytest.mark.parametrize("damage", [b"garbage", marshal.dumps(5), marshal.dumps((1, [1])), marshal.dumps((1, {"a": 1}))])
def test_a_damaged_input_index_is_ignored(site, tmp_path, capsys, damage):
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["build", "--site", str(site), "--out", str(out), "--cache-dir", str(cache), "--quiet"]
    assert main(args) == 0
    (cache / "inputs.marshal").write_bytes(damage)
    edit(site)
    assert main(args) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert snapshot(out) == clean_build(site, tmp_path)


def test_a_damaged_build_record_is_ignored(site, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(site, out, cache_dir=cache)
    record_path = next(cache.glob("last-build-*.json"))
    record = json.loads(record_path.read_text())
    for damage in ({"warnings": "x"}, {"warnings": [[1, 2]]}, {"pages": []}, {"files": "31"}, {"base_url": None},
                   {"manifest": []}):
        record_path.write_text(json.dumps({**record, **damage}))
        result = build(site, out, cache_dir=cache)
        assert not result.up_to_date and result.file_count == record["files"]
        assert build(site, out, cache_dir=cache).up_to_date
    # With other inputs, the record tells which items are unchanged: a damaged or lying one is ignored.
    some_item = next(iter(record["items"]))
    for damage in ({"items": []}, {"items": {some_item: [[["a"]], [], []]}}, {"assets": {"ghost.txt": "0"}},
                   {"items": {key: [["ghost.html"], [], []] for key in record["items"]}}):
        record = json.loads(record_path.read_text())
        edit(site)
        record_path.write_text(json.dumps({**record, **damage}))
        build(site, out, cache_dir=cache)
        assert snapshot(out) == clean_build(site, tmp_path)
        shutil.rmtree(tmp_path / "reference")


def interrupt_render(jobs: str) -> str:
    """Code that presses Ctrl-C (SIGINT to the whole process group, as a terminal does) while rendering."""
    seam = "_cached_or_rendered" if jobs == "1" else "_render_chunk"  # in this process, or in a worker
    return f"""
        import os, signal
        from echosite.render import items
        items.PARALLEL_THRESHOLD = 1  # workers even for a small site
        real = items.{seam}
        def interrupted(*args):
            os.killpg(os.getpgrp(), signal.SIGINT)
            return real(*args)
        items.{seam} = interrupted
        """


@pytest.mark.parametrize("jobs", ["1", "3"])
def test_ctrl_c_ends_quietly_with_the_output_intact(site, tmp_path, jobs):
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert main(["build", "--site", str(site), "--out", str(out), "--cache-dir", str(cache), "--quiet"]) == 0
    before = snapshot(out)
    edit(site)
    status, err = finish(child(site, out, cache, interrupt_render(jobs), "--jobs", jobs, start_new_session=True))
    assert (status, err) == (130, "build.py: interrupted; the output folder holds the last finished build\n")
    assert snapshot(out) == before


def test_ctrl_c_while_writing_leaves_no_spare_folder(site, tmp_path, monkeypatch, capsys):
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["build", "--site", str(site), "--out", str(out), "--cache-dir", str(cache), "--quiet"]
    assert main(args) == 0
    before = snapshot(out)
    edit(site)

    def interrupted(target: Path, data: bytes) -> None:
        raise KeyboardInterrupt
    monkeypatch.setattr(write, "_write", interrupted)
    assert main(args) == 130
    assert capsys.readouterr().err.splitlines()[-1] == \
        "build.py: interrupted; the output folder holds the last finished build"
    assert snapshot(out) == before
    assert not list(cache.glob("spare-*")) and sorted(p.name for p in tmp_path.iterdir()) == ["cache", "out", "site"]


def refuse(error: int):
    """A seam replacement that fails as the disk would, with `error` (on the path it is given first)."""
    def fault(path: Path, *args: object) -> None:
        raise OSError(error, os.strerror(error), str(path))
    return fault


@pytest.mark.parametrize("seam,error,message", [
    ("_write", errno.ENOSPC, "No space left on device (the disk is full)"),
    ("_rename", errno.EACCES, "Permission denied"),
    ("_rename", errno.EROFS, "Read-only file system"),
])
def test_a_full_disk_or_a_read_only_output_parent_is_one_line(site, tmp_path, monkeypatch, capsys, seam, error,
                                                              message):
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["build", "--site", str(site), "--out", str(out), "--cache-dir", str(cache), "--quiet"]
    assert main(args) == 0
    before = snapshot(out)
    edit(site)
    monkeypatch.setattr(write, seam, refuse(error))
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"build.py: error: cannot write the output {out}: {message}")
    assert err[0].endswith("; the previous output is unchanged")
    assert snapshot(out) == before
    assert not list(cache.glob("spare-*")) and sorted(p.name for p in tmp_path.iterdir()) == ["cache", "out", "site"]


def test_spare_folders_stay_out_of_the_web_root(site, tmp_path):
    """Issue 8.13: `--out /docroot/site` leaves nothing in /docroot a server could publish."""
    docroot = tmp_path / "docroot"
    out = docroot / "site"
    for _ in range(3):
        edit(site)
        build(site, out, cache_dir=tmp_path / "cache")
        assert [p.name for p in docroot.iterdir()] == ["site"]
    assert list((tmp_path / "cache").glob("spare-*"))  # reused from the cache folder instead


def test_a_cache_inside_the_output_is_refused(site, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", "--site", str(site), "--out", str(out), "--cache-dir", str(out / "cache")]) == 2
    assert capsys.readouterr().err == (f"build.py: error: refusing to build into {out}: it holds the cache folder "
                                       f"{out / 'cache'}, whose files would be published; choose another --out\n")
