"""Rebuilds with a warm cache and an existing output equal a clean build, after every kind of edit."""
from __future__ import annotations

import os
import shutil

import pytest

from conftest import edit, tree
from echosite.pipeline import CACHE_DIR
from echosite.pipeline import SiteError, build
from echosite.render.items import PARALLEL_THRESHOLD
from echosite.source import ParseMemo
from echosite.write import OutputState

#: Items of the basic site: 12 page versions, 2 sessions in 2 languages, the site-wide files.
EVERY_ITEM = {"page": 12, "session": 4, "site": 1}

EDITS = {
    "content": lambda s: edit(s / "content/about.en.md", "## History", "## Our history"),
    "calendar": lambda s: edit(s / "content/programmes/alpha/sessions.yaml", "start: 2021-10-28 09:00", "start: 2021-10-29 10:15"),
    "session text": lambda s: edit(s / "content/programmes/alpha/sessions/alpha-1.es.md", "Preparación", "Antes de la sesión"),
    "template": lambda s: edit(s / "templates/page.html", '<div class="prose">', '<div class="prose body">'),
    "asset": lambda s: (s / "templates/assets/extra.css").write_text("p { color: black; }\n"),
    "catalog": lambda s: edit(s / "translations/es/LC_MESSAGES/messages.po", 'msgstr "Inicio"', 'msgstr "Portada"'),
    "config": lambda s: edit(s / "site_config.yaml", "- {name: {en: Madrid, es: Madrid}, timezone: Europe/Madrid}",
                             "- {name: {en: Kigali, es: Kigali}, timezone: Africa/Kigali}"),
    "city role": lambda s: edit(s / "site_config.yaml", "timezone: Asia/Yangon}", "timezone: Asia/Yangon, role: expert}"),
    "add page": lambda s: (s / "content/new.es.md").write_text("---\ntitle: Nueva\n---\nTexto [inicio](index.es.md).\n"),
    "delete page": lambda s: [(s / f"content/raw.{lang}.md").unlink() for lang in ("en", "es")],
    "rename page": lambda s: [(s / f"content/about.{lang}.md").rename(s / f"content/about-us.{lang}.md") for lang in ("en", "es")],
    "delete session": lambda s: edit(s / "content/programmes/alpha/sessions.yaml", "  - id: alpha-2\n", "  - id: alpha-3\n"),
    "translate fallback": lambda s: (s / "content/only-english.es.md").write_text("---\ntitle: Solo en inglés\n---\nYa no.\n"),
    "front matter": lambda s: edit(s / "content/index.en.md", 'title: "Welcome"', 'title: "Welcome!"\nweight: 3'),
    "session text front matter": lambda s: edit(s / "content/programmes/alpha/sessions/alpha-1.es.md",
                                                "---\n", "---\ntitle: Un título propio\n"),
    "front matter back": lambda s: edit(s / "content/index.en.md", 'title: "Welcome!"\nweight: 3', 'title: "Welcome"'),
    "aliases": lambda s: edit(s / "content/index.en.md", 'title: "Welcome"', 'title: "Welcome"\naliases: [/en/welcome/]'),
    "translation key": lambda s: (s / "content/about-us.es.md").rename(s / "content/sobre.es.md")
    or edit(s / "content/sobre.es.md", "---\n", "---\ntranslation_key: about-us\n"),
    "draft": lambda s: edit(s / "content/only-english.en.md", "menu: true", "menu: true\ndraft: true"),
    "draft back": lambda s: edit(s / "content/only-english.en.md", "menu: true\ndraft: true", "menu: true"),
    "session text emptied": lambda s: edit(s / "content/programmes/alpha/sessions/alpha-1.en.md", "## Preparation\n\n"
                                           "Read the [handbook](../../../about.en.md) before the session.\n", ""),
    "previous start": lambda s: edit(s / "content/programmes/alpha/sessions.yaml", "start: 2021-10-29 10:15",
                                     "start: 2021-10-29 10:15\n    previous_start: [2021-10-28 09:00]"),
    "folder slug": lambda s: [(s / f"content/programmes/index.{lang}.md").write_text(f"---\ntitle: P\n{slug}---\nP.\n")
                              for lang, slug in (("en", ""), ("es", "slug: programas\n"))],
    "recording file": lambda s: [(s / "content/programmes/alpha/sessions/talk.txt").write_text("v1\n"),
                                 edit(s / "content/programmes/alpha/sessions.yaml", "    language: en\n",
                                      "    language: en\n    recording: talk.txt\n    materials: [https://example.org/m]\n")],
    "recording file changed": lambda s: (s / "content/programmes/alpha/sessions/talk.txt").write_text("v2, longer\n"),
    "calendar page removed": lambda s: [(s / f"content/calendar.{lang}.md").unlink() for lang in ("en", "es")],
    "url segments": lambda s: edit(s / "site_config.yaml", "timezone: America/Bogota\n", "timezone: America/Bogota\n"
                                   "sessions_slug: {es: sesiones}\ncalendar_slug: {es: calendario}\n"),
    "moved folder": lambda s: edit(s / "site_config.yaml", "calendar_slug: {es: calendario}\n",
                                   "calendar_slug: {es: calendario}\nmoved: {/es/sessions/: /es/sesiones/}\n"),
}


@pytest.mark.parametrize("kept_in_memory", [False, True], ids=["cli", "serve"])
def test_every_edit_in_sequence_rebuilds_like_a_clean_build(themed_site, tmp_path, kept_in_memory):
    """Also as `serve` builds: with one in-memory memo of what was read and one state of
    the output folders, from build to build."""
    out = tmp_path / "out"
    memo, state = (ParseMemo(), OutputState()) if kept_in_memory else (None, None)
    build(themed_site, out, memo=memo, state=state)
    for name, apply in EDITS.items():
        apply(themed_site)
        build(themed_site, out, memo=memo, state=state)  # warm cache, existing output
        clean_out = tmp_path / f"clean-{name.replace(' ', '-')}"
        shutil.rmtree(themed_site / CACHE_DIR, ignore_errors=True)
        build(themed_site, clean_out, clean=True)
        assert tree(out) == tree(clean_out), name
        shutil.rmtree(clean_out)


def test_serve_notices_a_build_by_another_process_between_its_builds(site_copy, tmp_path):
    """serve's state of the output folders is dropped once another build has swapped them."""
    out, memo, state = tmp_path / "out", ParseMemo(), OutputState()
    build(site_copy, out, memo=memo, state=state)
    for step, (page, old, new) in enumerate([("about.en.md", "## History", "## Our history"),
                                             ("index.en.md", "An anchor", "One anchor"),
                                             ("about.en.md", "## Our history", "## History, again")]):
        edit(site_copy / "content" / page, old, new)
        build(site_copy, out, **({"memo": memo, "state": state} if step != 1 else {}))
    clean = tmp_path / "clean"
    build(site_copy, clean, clean=True, cache_dir=tmp_path / "clean-cache")
    assert tree(out) == tree(clean)


def test_cache_lives_outside_output_and_is_safe_to_delete(site_copy, tmp_path):
    out = tmp_path / "out"
    build(site_copy, out)
    cache = site_copy / CACHE_DIR
    assert cache.is_dir() and not any(p.name.endswith(".sqlite") for p in out.rglob("*"))
    first = tree(out)
    (cache / "markdown.sqlite").write_bytes(b"not a database")
    (cache / "parsed.pickle").write_bytes(b"not a pickle")
    (cache / "inputs.marshal").write_bytes(b"not an index")
    build(site_copy, out)
    assert tree(out) == first
    shutil.rmtree(cache)
    build(site_copy, out)
    assert tree(out) == first


def test_parallel_and_serial_builds_are_identical(themed_site, tmp_path):
    """Enough sessions that their items are rendered on forked workers (see render/items.py)."""
    extra = PARALLEL_THRESHOLD // 2  # sessions, each rendered in two languages
    sessions = "".join(
        f"  - {{id: extra-{i:03d}, start: 2021-12-{1 + i % 28:02d} {8 + i % 9:02d}:00, duration: 60, "
        f"title: {{en: 'Extra {i}', es: 'Extra {i}'}}, summary: 'See [history](../../about.en.md#history), "
        f"[nothing](nowhere.en.md) and [no anchor](../../about.en.md#nope).'}}\n" for i in range(extra))
    calendar = themed_site / "content/programmes/alpha/sessions.yaml"
    calendar.write_text(calendar.read_text() + sessions)
    a, b = tmp_path / "a", tmp_path / "b"
    serial = build(themed_site, a, clean=True, jobs=1)
    parallel = build(themed_site, b, clean=True, jobs=2)
    assert tree(a) == tree(b)
    assert serial.rendered == parallel.rendered == {"page": 12, "session": 4 + 2 * extra, "site": 1}
    assert serial.warnings == parallel.warnings
    assert len([w for w in parallel.warnings if "nowhere.en.md" in w.message]) == extra
    assert len([w for w in parallel.warnings if "#nope" in w.message]) == extra


def test_serve_builds_repeat_the_problems_of_what_they_did_not_read_again(site_copy, tmp_path):
    memo = ParseMemo()
    edit(site_copy / "content/about.en.md", 'title: "About"', 'title: "About"\ncolour: blue')
    edit(site_copy / "content/programmes/alpha/sessions.yaml", "sessions:", "colour: blue\nsessions:")
    first = build(site_copy, tmp_path / "out", memo=memo)
    edit(site_copy / "content/index.en.md", "An anchor", "One anchor")
    again = build(site_copy, tmp_path / "out", memo=memo)
    colours = [str(w) for w in again.warnings if "colour" in w.message]
    assert len(colours) == 2 and colours == [str(w) for w in first.warnings if "colour" in w.message]


def test_a_front_matter_mistake_is_reported_by_every_build(site_copy, tmp_path):
    build(site_copy, tmp_path / "out")
    edit(site_copy / "content/about.en.md", 'title: "About"', 'title: "About\nweight: [')
    for _ in range(2):  # the parse memo keeps clean parses only
        with pytest.raises(SiteError) as caught:
            build(site_copy, tmp_path / "out")
        assert any(p.path.endswith("about.en.md") and "malformed YAML" in p.message for p in caught.value.problems)


def test_check_writes_no_cache(site_copy):
    build(site_copy, None, write_files=False)
    assert not (site_copy / CACHE_DIR).exists()


def test_first_build_renders_every_item_and_a_rebuild_elsewhere_replays_them(site_copy, tmp_path):
    assert build(site_copy, tmp_path / "a", jobs=1).rendered == EVERY_ITEM
    again = build(site_copy, tmp_path / "a", jobs=1)
    assert again.up_to_date and again.rendered == {}
    other = build(site_copy, tmp_path / "b", jobs=1)  # no record for this folder: every item from the cache
    assert not other.up_to_date and other.rendered == {}
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_a_warm_build_of_an_up_to_date_output_reads_every_source_and_renders_nothing(site_copy, tmp_path):
    """serve's first build: the output stays as it was, and the memo then holds every reading,
    so that the next build reads again only the file an editor changed."""
    out, memo, state = tmp_path / "out", ParseMemo(), OutputState()
    build(site_copy, out)
    before = tree(out)
    warm = build(site_copy, out, memo=memo, state=state, warm=True)
    assert not warm.up_to_date and warm.rendered == {} and warm.changed == 0
    assert tree(out) == before
    edit(site_copy / "content/about.en.md", "## History", "## Our history")
    read = []
    memo_reading = memo.reading
    memo.reading = lambda key, diag, how, lasting=False: memo_reading(key, diag, lambda d: read.append(key) or how(d), lasting)
    assert build(site_copy, out, memo=memo, state=state, jobs=1).rendered == {"page": 1}
    assert [key[2] for key in read if key[0] == "page"] == ["about.en.md"]
    build(site_copy, tmp_path / "clean", clean=True, cache_dir=tmp_path / "clean-cache")
    assert tree(out) == tree(tmp_path / "clean")


def test_a_build_that_replays_every_item_keeps_the_markdown_and_templates_it_did_not_ask_for(site_copy, tmp_path):
    """serve's first build into its own folder replays every item from the item cache: the
    converted Markdown and compiled templates stay cached for the edits that follow."""
    import sqlite3

    def keys(store: str) -> set[str]:
        with sqlite3.connect(site_copy / CACHE_DIR / f"{store}.sqlite") as db:
            return {key for (key,) in db.execute("SELECT key FROM entries")}

    build(site_copy, tmp_path / "a", jobs=1)
    stored = {store: keys(store) for store in ("markdown", "templates")}
    assert all(stored.values())
    assert build(site_copy, tmp_path / "b", jobs=1).rendered == {}
    assert {store: keys(store) for store in ("markdown", "templates")} == stored


def test_written_hears_of_the_output_once_in_place_before_the_cache_is_saved(site_copy, tmp_path):
    """serve reloads the browser then: the output must be whole, and a failed build never says so."""
    out, seen = tmp_path / "out", []

    def written(base_url: str) -> None:
        seen.append((base_url, tree(out), sorted(p.name for p in (site_copy / CACHE_DIR).glob("last-build-*"))))

    build(site_copy, out)
    edit(site_copy / "content/about.en.md", "## History", "## Our history")
    result = build(site_copy, out, written=written)
    assert [(url, files) for url, files, _records in seen] == [(result.base_url, tree(out))]
    assert seen[0][2] == [] and list((site_copy / CACHE_DIR).glob("last-build-*"))  # the record came after
    edit(site_copy / "content/about.en.md", "---\n", "---\ntitle: [unclosed\n")
    with pytest.raises(SiteError):
        build(site_copy, out, written=written)
    assert len(seen) == 1


def test_one_edit_renders_one_page(site_copy, tmp_path):
    out = tmp_path / "out"
    build(site_copy, out, jobs=1)
    edit(site_copy / "content/about.en.md", "## History", "## Our history")
    assert build(site_copy, out, jobs=1).rendered == {"page": 1}
    assert "Our history" in (out / "en/about/index.html").read_text()


def test_a_menu_title_change_rerenders_every_item(site_copy, tmp_path):
    out = tmp_path / "out"
    build(site_copy, out, jobs=1)
    edit(site_copy / "content/about.en.md", 'title: "About"', 'title: "About us"')
    assert build(site_copy, out, jobs=1).rendered == EVERY_ITEM
    assert all("About us" in page.read_text() for page in (out / "en").rglob("index.html"))


def test_warnings_are_replayed_from_the_item_cache(site_copy, tmp_path, capsys):
    from echosite.cli import main

    edit(site_copy / "content/about.en.md", "Back [home](index.en.md).", "Back [home](nowhere.en.md).")
    args = ["build", "--site", str(site_copy), "--out", str(tmp_path / "out"), "--jobs", "1"]
    assert main(args) == 0
    first = [l for l in capsys.readouterr().err.splitlines() if "nowhere" in l]
    assert main(args) == 0
    assert [l for l in capsys.readouterr().err.splitlines() if "nowhere" in l] == first != []
    assert main(args + ["--strict"]) == 1


def test_unchanged_items_are_kept_and_their_warnings_and_anchors_checked_again(site_copy, tmp_path):
    """An item unchanged since the last build is neither rendered nor replayed: its files
    stay in the output, its warnings are repeated and links to its anchors still checked."""
    out = tmp_path / "out"
    edit(site_copy / "content/about.en.md", "Back [home](index.en.md).", "Back [home](nowhere.en.md).")
    build(site_copy, out)
    edit(site_copy / "content/index.en.md", "about.en.md#history", "about.en.md#no-such-heading")
    again = build(site_copy, out)
    assert again.rendered == {"page": 1}
    messages = [w.message for w in again.warnings]
    assert any("nowhere.en.md" in m for m in messages)  # from the kept about page
    assert any("no-such-heading" in m for m in messages)  # checked against the kept about page
    clean = build(site_copy, tmp_path / "clean", clean=True)
    assert sorted(map(str, again.warnings)) == sorted(map(str, clean.warnings))
    assert tree(out) == tree(tmp_path / "clean")


def test_a_tampered_output_is_not_trusted_for_unchanged_items(site_copy, tmp_path):
    out = tmp_path / "out"
    build(site_copy, out)
    (out / "en/about/index.html").write_text("tampered")
    edit(site_copy / "content/index.en.md", "An anchor", "One anchor")
    build(site_copy, out)
    build(site_copy, tmp_path / "clean", clean=True)
    assert tree(out) == tree(tmp_path / "clean")


def test_unchanged_inputs_and_output_skip_the_build(site_copy, tmp_path):
    out = tmp_path / "out"
    first = build(site_copy, out)
    assert not first.up_to_date
    again = build(site_copy, out)
    assert again.up_to_date and again.file_count == first.file_count
    assert [str(w) for w in again.warnings] == [str(w) for w in first.warnings]
    (out / "en/about/index.html").write_text("tampered")
    repaired = build(site_copy, out)
    assert not repaired.up_to_date and "tampered" not in (out / "en/about/index.html").read_text()
    assert not build(site_copy, out, base_url="https://other.example/").up_to_date
    assert not build(site_copy, out, clean=True).up_to_date
    (site_copy / "content/files/note.txt").write_text("changed asset\n")
    assert not build(site_copy, out).up_to_date
    assert (out / "files/note.txt").read_text() == "changed asset\n"


def test_an_edit_that_keeps_size_and_time_is_still_seen(site_copy, tmp_path):
    """The input index trusts a file's stat only while its size, times and inode all match."""
    out = tmp_path / "out"
    page = site_copy / "content/about.en.md"
    build(site_copy, out)
    before = page.stat()
    edit(page, "## History", "## Hxstory")  # same length
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same modification time
    assert page.stat().st_size == before.st_size and page.stat().st_mtime_ns == before.st_mtime_ns
    assert not build(site_copy, out).up_to_date
    assert "Hxstory" in (out / "en/about/index.html").read_text()


def test_two_output_folders_keep_their_own_record(site_copy, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    build(site_copy, a)
    build(site_copy, b)
    assert build(site_copy, a).up_to_date and build(site_copy, b).up_to_date
