"""Bad input: every editor mistake is reported as path:line: message, all in one run."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import icalendar
import pytest

from conftest import REPO, copy_catalogs, edit, tree
from echosite.cli import main
from echosite.errors import Diagnostics


def run(site: Path, *args: str) -> int:
    return main(["build", "--site", str(site), "--out", str(site.parent / "out"), *args])


def write(site: Path, rel: str, text: str) -> None:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def errors_of(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line]


#: The two warnings of the `basic` fixture site.
ONLY_ENGLISH = ("content/only-english.en.md:1: warning: no es translation: /es/only-english/ shows this en text "
                "(a fallback page); translate it as only-english.es.md")
ALPHA_2 = ('content/programmes/alpha/sessions.yaml:14: warning: "title" has no es text: es pages show the en text; '
           'add es: "…"')


def test_malformed_front_matter_names_file_and_line(site_copy, capsys):
    write(site_copy, "content/about.en.md", "---\ntitle: About\nweight: [1, 2\n---\nText\n")
    assert run(site_copy) == 1
    err = errors_of(capsys)
    assert any(line.startswith("content/about.en.md:3: malformed YAML") for line in err), err
    assert err[-1] == "1 error, 2 warnings; nothing was written"


def test_unclosed_front_matter(site_copy, capsys):
    write(site_copy, "content/about.en.md", "---\ntitle: About\n")
    assert run(site_copy) == 1
    assert "content/about.en.md:1: front matter opened with --- is never closed; add a line with --- after it" in errors_of(capsys)


def test_malformed_config(site_copy, capsys):
    write(site_copy, "site_config.yaml", "title: x\nlanguages: [en\n")
    assert run(site_copy) == 1
    assert any(line.startswith("site_config.yaml:2: malformed YAML") for line in errors_of(capsys))


def test_not_utf8(site_copy, capsys):
    (site_copy / "content/about.en.md").write_bytes(b"---\ntitle: About\n---\nCaf\xe9\n")
    assert run(site_copy) == 1
    assert any(line.startswith("content/about.en.md:4: the file is not UTF-8") for line in errors_of(capsys))


def test_page_without_title(site_copy, capsys):
    write(site_copy, "content/about.en.md", "---\nweight: 3\n---\nText\n")
    assert run(site_copy) == 1
    assert 'content/about.en.md:2: the page has no title; add "title: …" to its front matter' in errors_of(capsys)


def test_unknown_front_matter_key_is_a_warning_with_a_hint(site_copy, capsys):
    write(site_copy, "content/about.en.md", "---\ntitle: About\ntitel: x\n---\nText\n")
    assert run(site_copy) == 0
    assert 'content/about.en.md:3: warning: unknown front matter key "titel" (did you mean "title"?); it is ignored' in errors_of(capsys)
    assert run(site_copy, "--strict") == 1


def test_unknown_config_key_warns(site_copy, capsys):
    with (site_copy / "site_config.yaml").open("a") as f:
        f.write("timezon: Europe/Madrid\n")
    assert run(site_copy) == 0
    assert any('site_config.yaml:11: warning: unknown key "timezon" (did you mean "timezone"?)' in l for l in errors_of(capsys))


def test_duplicate_yaml_key(site_copy, capsys):
    write(site_copy, "content/about.en.md", "---\ntitle: About\ntitle: Again\n---\nText\n")
    assert run(site_copy) == 1
    assert 'content/about.en.md:3: duplicate key "title"; keep only one' in errors_of(capsys)


def test_duplicate_page_urls(site_copy, capsys):
    write(site_copy, "content/about/index.en.md", "---\ntitle: About again\n---\n")
    assert run(site_copy) == 1
    assert any(l.startswith("content/about/index.en.md:1: this page's URL /en/about/ is already used by content/about.en.md")
               for l in errors_of(capsys))


def test_unknown_language_in_file_name(site_copy, capsys):
    write(site_copy, "content/about.fr.md", "---\ntitle: À propos\n---\n")
    assert run(site_copy) == 1
    assert any(l.startswith('content/about.fr.md: unknown language "fr" in the file name') for l in errors_of(capsys))


def test_file_without_language_suffix(site_copy, capsys):
    write(site_copy, "content/notes.md", "---\ntitle: Notes\n---\n")
    assert run(site_copy) == 1
    assert "content/notes.md: the file name has no language suffix; rename it to notes.en.md" in errors_of(capsys)


def test_unknown_language_in_config(site_copy, capsys):
    text = (site_copy / "site_config.yaml").read_text().replace("languages: [en, es]", "languages: [en, xx]")
    write(site_copy, "site_config.yaml", text)
    assert run(site_copy) == 1
    assert any(l.startswith('site_config.yaml:4: unknown language code "xx"') for l in errors_of(capsys))


def test_unknown_city_role(site_copy, capsys):
    text = (site_copy / "site_config.yaml").read_text().replace(
        "timezone: Europe/Madrid}", "timezone: Europe/Madrid,\n      role: Expert}")
    write(site_copy, "site_config.yaml", text)
    assert run(site_copy) == 1
    assert (
        'site_config.yaml:10: unknown city role "Expert" (did you mean "expert"?); write role: participant '
        "(a city taking part, the default) or role: expert (an expert's home city)") in errors_of(capsys)


def test_broken_link_warns_with_line_and_fails_strict(site_copy, capsys):
    write(site_copy, "content/about.en.md", "---\ntitle: About\n---\nFirst line.\n\nSee [nowhere](nowhere.en.md).\n")
    assert run(site_copy) == 0
    expected = 'content/about.en.md:6: warning: broken link "nowhere.en.md": no page or file there in any language; link to an existing .md file or folder'
    assert expected in errors_of(capsys)
    assert run(site_copy, "--strict") == 1


def test_all_errors_reported_in_one_run(site_copy, capsys):
    write(site_copy, "content/about.en.md", "---\nweight: 3\n---\n")
    write(site_copy, "content/about.es.md", "---\ntitle: [\n---\n")
    (site_copy / "content/raw.es.md").write_bytes(b"\xff\xfe")
    assert run(site_copy) == 1
    err = errors_of(capsys)
    assert sum(1 for l in err if l.startswith("content/") and ": warning: " not in l) == 3, err
    assert err[-1] == "3 errors, 2 warnings; nothing was written"


def test_no_traceback_on_editor_error(site_copy, capsys):
    write(site_copy, "content/about.en.md", "---\n: : :\n---\n")
    assert run(site_copy) == 1
    assert "Traceback" not in capsys.readouterr().err


def _own_catalog(site: Path, po: str) -> None:
    copy_catalogs(site)
    write(site, "translations/es/LC_MESSAGES/messages.po", po)


HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: es\\n"\n\n'


def test_malformed_po_file(site_copy, capsys):
    _own_catalog(site_copy, HEADER + 'msgid "Home"\nmsgstr "Inicio"\nbogus line\n')
    assert run(site_copy) == 1
    assert any(l.startswith("translations/es/LC_MESSAGES/messages.po:8: malformed catalog") for l in errors_of(capsys))


def test_translation_adding_markup_is_an_error(site_copy, capsys):
    _own_catalog(site_copy, HEADER + 'msgid "Home"\nmsgstr "<script>alert(1)</script>Inicio"\n')
    assert run(site_copy) == 1
    assert ('translations/es/LC_MESSAGES/messages.po:7: translation of "Home" adds markup (</script>, <script>) '
            'that the English text does not have; remove it') in errors_of(capsys)


def test_translation_breaking_a_placeholder_is_an_error(site_copy, capsys):
    msgid = "This page has not been translated yet; it is shown in its %(language)s version."
    _own_catalog(site_copy, HEADER + f'#, python-format\nmsgid "{msgid}"\nmsgstr "Página en %(idioma)s."\n')
    assert run(site_copy) == 1
    assert (f'translations/es/LC_MESSAGES/messages.po:8: translation of "{msgid}" uses %(idioma)s, which the '
            "English text does not have; keep its placeholders (%(language)s)") in errors_of(capsys)


def test_fuzzy_translation_warns_and_falls_back_to_english(site_copy, capsys):
    _own_catalog(site_copy, HEADER + '#, fuzzy\nmsgid "Home"\nmsgstr "Casa"\n')
    out = site_copy.parent / "out"
    assert run(site_copy) == 0
    assert any(l.startswith('translations/es/LC_MESSAGES/messages.po:7: warning: fuzzy translation of "Home"') for l in errors_of(capsys))
    html = (out / "es/index.html").read_text()
    assert ">Home<" in html and ">Casa<" not in html
    assert run(site_copy, "--strict") == 1


def test_broken_anchor_warns(site_copy, capsys):
    write(site_copy, "content/about.en.md", "---\ntitle: About\n---\n## History\n\nSee [home](index.en.md#nowhere) "
          "and [history](about.en.md#history).\n")
    assert run(site_copy) == 0
    err = errors_of(capsys)
    assert ('content/about.en.md:6: warning: link "index.en.md#nowhere": the en page /en/ (content/index.en.md) has '
            'no heading or anchor "#nowhere"; link to an id it has, or give the heading this id by writing {#nowhere} '
            "after its text") in err
    assert not any("#history" in l for l in err)


def test_a_missing_anchor_names_the_language_version_that_lacks_it_and_the_nearest_ids(site_copy, capsys):
    # The English page is also the Spanish fallback page, where the link leads to the Spanish
    # "about" page, whose heading has the id "historia".
    write(site_copy, "content/only-english.en.md", "---\ntitle: Only in English\n---\n"
                                                  "See [our history](about.en.md#history).\n")
    assert run(site_copy) == 0
    assert [line for line in errors_of(capsys) if "#history" in line] == [
        'content/only-english.en.md:4: warning: link "about.en.md#history": the es page /es/acerca/ '
        '(content/about.es.md) has no heading or anchor "#history" (did you mean "#historia"?); link to an id it '
        "has, or give the heading this id by writing {#history} after its text"]
    write(site_copy, "content/about.es.md", (site_copy / "content/about.es.md").read_text()
          .replace("## Historia", "## Historia {#history}"))
    assert run(site_copy, "--strict") == 1  # the fallback page's own warning is left
    assert not [line for line in errors_of(capsys) if "#history" in line]


def test_broken_images_and_files_warn_with_their_line_and_fail_strict(site_copy, capsys):
    before = _built(site_copy)
    write(site_copy, "content/about.en.md", '---\ntitle: About\n---\n![Logo](logo.png)\n\n<img src="files/nte.txt" alt="">\n'
                                            '<a href="files/report.pdf">the report</a>, '
                                            '<img src="files/note.txt" alt="a note">\n')
    capsys.readouterr()
    assert run(site_copy) == 0
    err = errors_of(capsys)
    assert [line for line in err if line.startswith("content/about.en.md")] == [
        'content/about.en.md:4: warning: broken image "logo.png": no such file in the site; put the file in '
        "content/ (beside the page is simplest) or correct the name",
        'content/about.en.md:6: warning: broken image "files/nte.txt": no such file in the site (did you mean '
        '"note.txt"?); put the file in content/ (beside the page is simplest) or correct the name',
        'content/about.en.md:7: warning: broken link "files/report.pdf": no page or file there in any language; '
        "link to an existing .md file or folder"]
    assert '<img src="../../files/note.txt" alt="a note">' in (site_copy.parent / "out/en/about/index.html").read_text()
    before = tree(site_copy.parent / "out")
    assert run(site_copy, "--strict") == 1
    assert tree(site_copy.parent / "out") == before


def test_fallback_page_is_listed_by_check_and_fails_strict(site_copy, capsys):
    assert main(["check", "--site", str(site_copy)]) == 0
    assert ("content/only-english.en.md:1: warning: no es translation: /es/only-english/ shows this en text "
            "(a fallback page); translate it as only-english.es.md") in errors_of(capsys)
    assert main(["check", "--site", str(site_copy), "--strict"]) == 1


@pytest.mark.parametrize("line,message", [
    ("weight: ten", "weight must be a whole number such as 10 (smaller comes first)"),
    ("weight: true", "weight must be a whole number such as 10 (smaller comes first)"),
    ("menu: maybe", "menu must be true or false"),
    ("draft: 1", "draft must be true or false"),
    ("description: [a]", "description must be text; put it in quotes"),
    ("layout: calender", 'unknown layout "calender" (did you mean "calendar"?); use one of: page, calendar, section'),
])
def test_front_matter_types(site_copy, capsys, line, message):
    write(site_copy, "content/about.en.md", f"---\ntitle: About\n{line}\n---\nText\n")
    assert run(site_copy) == 1
    assert f"content/about.en.md:3: {message}" in errors_of(capsys)


def test_strict_reports_every_warning_of_every_stage_in_one_run(site_copy, capsys):
    """Issue 8.1: a session title (stage 3), a fallback page (stage 5), two broken links (stage 6), at once."""
    write(site_copy, "content/only-english.en.md", "---\ntitle: Only\n---\nSee [x](nowhere.en.md) and [y](gone/).\n")
    problems = [
        'content/only-english.en.md:1: no es translation: /es/only-english/ shows this en text (a fallback page); '
        'translate it as only-english.es.md',
        'content/only-english.en.md:4: broken link "gone/": no page or file there in any language; '
        'link to an existing .md file or folder',
        'content/only-english.en.md:4: broken link "nowhere.en.md": no page or file there in any language; '
        'link to an existing .md file or folder',
        'content/programmes/alpha/sessions.yaml:14: "title" has no es text: es pages show the en text; add es: "…"',
    ]
    assert main(["check", "--site", str(site_copy)]) == 0
    err = errors_of(capsys)
    assert err == [p.replace(": ", ": warning: ", 1) for p in problems]
    for command in (["check", "--site", str(site_copy)], ["build", "--site", str(site_copy),
                                                          "--out", str(site_copy.parent / "out")]):
        assert main([*command, "--strict"]) == 1
        assert errors_of(capsys) == [*problems, "4 errors, 0 warnings; nothing was written"]
    assert not (site_copy.parent / "out").exists()


def test_a_file_that_fails_to_parse_gives_one_error_at_the_real_line_and_no_follow_on(site_copy, capsys):
    """Issue 8.5: the unclosed quote is on line 2; the Spanish file exists, so no fallback warning."""
    write(site_copy, "content/about.es.md", '---\ntitle: "Acerca\nslug: acerca\n---\nTexto.\n')
    assert run(site_copy) == 1
    assert errors_of(capsys) == [
        "content/about.es.md:2: malformed YAML: the quoted text that starts on this line is never closed; "
        "end it with the same quote mark",
        ONLY_ENGLISH,
        ALPHA_2,
        "1 error, 2 warnings; nothing was written",
    ]
    assert not (site_copy.parent / "out").exists()


@pytest.mark.parametrize("text, line, message", [
    ("title: About\nweight: [1, 2\nmenu: true\n", 3,
     'the list that starts on this line with "[" is never closed; end it with "]"'),
    ("title: {en: About\nweight: 3\n", 2,
     'the mapping that starts on this line with "{" is never closed; end it with "}"'),
    ("title: About\nmenu: 'yes\nweight: 3\n", 3,
     "the quoted text that starts on this line is never closed; end it with the same quote mark"),
    ("title: About\n  weight: 3\n", 3,
     "mapping values are not allowed in this context; check indentation, colons and quotes"),
])
def test_malformed_yaml_names_the_line_of_the_mistake(site_copy, capsys, text, line, message):
    write(site_copy, "content/about.en.md", f"---\n{text}---\nText\n")
    assert run(site_copy) == 1
    assert errors_of(capsys)[0] == f"content/about.en.md:{line}: malformed YAML: {message}"


def test_preview_counts_errors_as_errors(site_copy):
    """Issue 8.5 in the preview: one error and one warning are counted as such."""
    from echosite.serve import Preview

    preview = Preview(site_copy, site_copy / ".cache/serve-output")
    try:
        first = preview.build(first=True)
        assert first.failure is None
        assert first.lines[0].startswith("built in ")
        assert first.lines[0].endswith(" s: 32 of 32 files changed (pages: en 8, es 8), 2 warnings")
        again = preview.build()
        assert again.lines[0].endswith(" s: nothing changed (pages: en 8, es 8), 2 warnings")
        write(site_copy, "content/about.es.md", '---\ntitle: "Acerca\n---\n')
        failed = preview.build()
        assert failed.failure is not None and b"<title>The site has 1 error, 2 warnings</title>" in failed.failure
        assert failed.lines[-1] == "1 error, 2 warnings; the browser shows them until the next good save"
    finally:
        preview.close()


# Issue 11.5: catalogs never lose text.

ES_PO = "translations/es/LC_MESSAGES/messages.po"
#: Where "Join the session" is translated in the repository's Spanish catalog (its line moves when the catalog is updated).
JOIN = next(number for number, line in enumerate((REPO / ES_PO).read_text(encoding="utf-8").splitlines(), 1)
            if line == 'msgstr "Unirse a la sesión"')


def _break_catalog(site: Path, old: str, new: str) -> bytes:
    """Give the site its own copy of the catalogs with one change; return the broken catalog's bytes."""
    copy_catalogs(site)
    po = site / ES_PO
    text = po.read_text(encoding="utf-8")
    assert old in text
    po.write_text(text.replace(old, new, 1), encoding="utf-8")
    return po.read_bytes()


@pytest.mark.parametrize("old, new, message", [
    ('msgstr "Unirse a la sesión"\n', 'msgstr "Unirse a la sesió\n',
     f"{JOIN}: malformed catalog: the text on this line has no closing quote (end-of-line within string); end it with \""),
    ('msgstr "Unirse a la sesión"\n', 'msgstr "Unirse a la "sesión""\n',
     f'{JOIN}: malformed catalog: text after the closing quote; write \\" for a quote inside the text'),
    ('msgstr "Unirse a la sesión"\n', 'msgstr Unirse a la sesión\n',
     f'{JOIN}: malformed catalog: expected text in double quotes after msgstr, such as msgstr "Inicio"; '
     "a comment line starts with #"),
    ('msgid "Join the session"\nmsgstr "Unirse a la sesión"\n',
     'msgid "Join the session"\nmsgstr "Unirse a la sesión"\n\nmsgid "Join the session"\nmsgstr "Unirse"\n',
     f"{JOIN + 2}: malformed catalog: duplicate message definition: another entry has the same msgid (and msgctxt); "
     "keep only one of them"),
])
def test_a_malformed_catalog_is_an_error_and_no_command_rewrites_it(site_copy, capsys, old, new, message):
    out = site_copy.parent / "out"
    assert run(site_copy) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = _break_catalog(site_copy, old, new)
    capsys.readouterr()
    assert run(site_copy) == 1
    assert errors_of(capsys) == [ONLY_ENGLISH, ALPHA_2, f"{ES_PO}:{message}", "1 error, 2 warnings; nothing was written"]
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    for action in ("update", "compile", "stats"):
        assert main(["i18n", action, "--site", str(site_copy)]) == 1, action
        assert errors_of(capsys) == [f"{ES_PO}:{message}", "1 error, 0 warnings; nothing was written"], action
        assert (site_copy / ES_PO).read_bytes() == broken, action
    assert main(["i18n", "extract", "--site", str(site_copy)]) == 0  # reads the templates only
    assert capsys.readouterr().out == "translations/messages.pot is up to date\n"
    assert (site_copy / ES_PO).read_bytes() == broken
    assert not (site_copy / ES_PO).with_suffix(".mo").exists()


@pytest.mark.parametrize("new, message", [
    ('msgstr "Unirse al 100 % de la sesión"\n',
     'translation of "Join the session" has a "%" that starts no placeholder; write "%%" for a percent sign'),
    ('msgstr "Unirse a la sesión %(hora)s"\n',
     'translation of "Join the session" uses %(hora)s, which the English text does not have; '
     "keep its placeholders (none)"),
    ('msgstr "Unirse a la sesión %s"\n',
     'translation of "Join the session" has a "%" that starts no placeholder; write "%%" for a percent sign'),
])
def test_a_percent_sign_or_new_placeholder_in_a_translation_is_an_error_with_its_line(site_copy, capsys, new, message):
    _break_catalog(site_copy, 'msgstr "Unirse a la sesión"\n', new)
    assert run(site_copy) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [ONLY_ENGLISH, ALPHA_2, f"{ES_PO}:{JOIN}: {message}", "1 error, 2 warnings; nothing was written"]
    assert "Traceback" not in err


def test_a_percent_sign_written_as_two_is_shown_as_one(site_copy, capsys):
    _break_catalog(site_copy, 'msgstr "Unirse a la sesión"\n', 'msgstr "Unirse al 100 %% de la sesión"\n')
    out = site_copy.parent / "out"
    assert run(site_copy) == 0
    assert "Unirse al 100 % de la sesión" in (out / "es/sessions/alpha-1/index.html").read_text(encoding="utf-8")


# Issue 8.12: time zones that cannot mislead.

@pytest.mark.parametrize("zone, message", [
    ("CEST", 'time zone "CEST" is an abbreviation: it names no place and may mean several; name the place whose '
             "clocks the sessions follow, such as Europe/Berlin, Europe/Budapest or Europe/Paris"),
    ("EST", 'time zone "EST" is an abbreviation: it names no place and may mean several; name the place whose '
            "clocks the sessions follow, such as America/Grand_Turk, America/Indiana/Indianapolis or America/New_York"),
    ("GMT+1", 'time zone "GMT+1" is a fixed offset (UTC+1): it never changes for daylight saving, so where clocks '
              "do, times would be an hour off for part of the year; name the place whose clocks the sessions follow, "
              "such as Europe/Berlin, Europe/Budapest or Europe/Paris"),
    ("Etc/GMT+5", 'time zone "Etc/GMT+5" is a fixed offset (UTC−5): it never changes for daylight saving, so where '
                  "clocks do, times would be an hour off for part of the year; name the place whose clocks the "
                  "sessions follow, such as America/Grand_Turk, America/Indiana/Indianapolis or America/New_York"),
    ("EST5EDT", 'time zone "EST5EDT" is a legacy name; write the region zone it stands for: America/Grand_Turk, '
                "America/Indiana/Indianapolis or America/New_York"),
    ("US/Eastern", 'time zone "US/Eastern" is a legacy name; write the region zone it stands for: America/New_York'),
    ("Europe/Pariss", 'unknown time zone "Europe/Pariss" (did you mean "Europe/Paris"?); '
                      "use a region zone such as America/Bogota"),
])
def test_only_region_time_zones_are_accepted(site_copy, capsys, zone, message):
    config = site_copy / "site_config.yaml"
    config.write_text(config.read_text().replace("timezone: America/Bogota\n", f"timezone: {zone}\n"))
    assert run(site_copy) == 1
    # The content is still read and checked: the fixture site's two warnings come too.
    assert errors_of(capsys) == [ONLY_ENGLISH, ALPHA_2, f"site_config.yaml:5: {message}",
                                 "1 error, 2 warnings; nothing was written"]
    assert not (site_copy.parent / "out").exists()


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC"])
def test_utc_is_the_one_clock_accepted_besides_region_zones(site_copy, capsys, zone):
    sessions = site_copy / "content/programmes/alpha/sessions.yaml"
    sessions.write_text(sessions.read_text().replace("timezone: America/Bogota\n", f"timezone: {zone}\n", 1))
    assert run(site_copy) == 0
    assert errors_of(capsys)[:2] == [ONLY_ENGLISH, ALPHA_2]
    calendar = icalendar.Calendar.from_ical((site_copy.parent / "out/en/sessions/alpha-1/alpha-1.ics").read_bytes())
    assert [event.decoded("dtstart") for event in calendar.walk("VEVENT")] == [datetime(2021, 10, 28, 9, tzinfo=timezone.utc)]


def test_a_session_in_an_abbreviated_zone_is_refused_too(site_copy, capsys):
    sessions = site_copy / "content/programmes/alpha/sessions.yaml"
    sessions.write_text(sessions.read_text().replace("    duration: 60\n", "    duration: 60\n    timezone: IST\n"))
    assert run(site_copy) == 1
    assert errors_of(capsys)[:2] == [
        ONLY_ENGLISH,
        'content/programmes/alpha/sessions.yaml:14: time zone "IST" is an abbreviation: it names no place and may '
        "mean several; name the place whose clocks the sessions follow, such as Asia/Jerusalem, Asia/Kolkata or "
        "Europe/Dublin"]
    sessions.write_text(sessions.read_text().replace("timezone: IST", "timezone: Asia/Kolkata"))
    assert run(site_copy) == 0


# -- issue 11.7: no traceback for any editor input ------------------------------------------

def _built(site: Path) -> dict[str, bytes]:
    """Build the site once (it must build) and return its output, to compare after a failed build."""
    assert run(site) == 0
    return tree(site.parent / "out")


def test_a_bracket_in_a_join_url_host_is_an_error_and_the_files_other_errors_are_reported(site_copy, capsys):
    before = _built(site_copy)
    edit(site_copy / "content/programmes/alpha/sessions.yaml", "join_url: https://meet.example.org/alpha-1",
         'join_url: "https://[zoom.example"')
    edit(site_copy / "content/programmes/alpha/sessions.yaml", "duration: 60", "duration: 1:00")
    capsys.readouterr()
    assert run(site_copy) == 1
    err = errors_of(capsys)
    assert 'content/programmes/alpha/sessions.yaml:10: "join_url" "https://[zoom.example" must be an absolute ' \
           "http(s) URL, such as https://zoom.us/j/123456789" in err
    assert any(line.startswith("content/programmes/alpha/sessions.yaml:13: ") for line in err), err
    assert "Traceback" not in "\n".join(err)
    assert tree(site_copy.parent / "out") == before


def test_a_bracket_in_a_markdown_links_host_is_an_error_with_its_line(site_copy, capsys):
    before = _built(site_copy)
    write(site_copy, "content/about.en.md", "---\ntitle: About\n---\nJoin [on Zoom](https://[zoom.example/j/1).\n\n"
                                            "See [nowhere](nowhere.en.md).\n")
    capsys.readouterr()
    assert run(site_copy) == 1
    err = errors_of(capsys)
    assert ('content/about.en.md:4: link "https://[zoom.example/j/1" is not a valid address (Invalid IPv6 URL); '
            "write it as https://host/path, with [ and ] only around an IPv6 address") in err
    assert any(line.startswith('content/about.en.md:6: warning: broken link "nowhere.en.md"') for line in err), err
    assert tree(site_copy.parent / "out") == before


def test_a_bracket_in_base_url_is_a_config_error_with_its_line(site_copy, capsys):
    edit(site_copy / "site_config.yaml", "base_url: https://example.org/sub/path/", 'base_url: "https://[x/"')
    assert run(site_copy) == 1
    assert ('site_config.yaml:3: base_url "https://[x/" must be an absolute http(s) URL such as '
            "https://example.org/teleecho/") in errors_of(capsys)


def test_a_bracket_in_the_base_url_option_is_a_usage_error(site_copy, capsys):
    assert run(site_copy, "--base-url", "https://[x") == 2
    assert errors_of(capsys)[-1] == ('build.py build: error: argument --base-url: "https://[x" must be an absolute '
                                     "http(s) URL such as https://example.org/teleecho/")


def test_a_config_error_does_not_hide_the_contents_errors(site_copy, capsys):
    edit(site_copy / "site_config.yaml", "timezone: America/Bogota", "timezone: America/Bogot")
    write(site_copy, "content/about.en.md", "---\ntitle: [\n---\n")
    edit(site_copy / "content/programmes/alpha/sessions.yaml", "duration: 60", "duration: 1:00")
    assert run(site_copy) == 1
    err = errors_of(capsys)
    assert any(line.startswith("site_config.yaml:5: ") for line in err), err
    assert any(line.startswith("content/about.en.md:2: malformed YAML") for line in err), err
    assert any(line.startswith("content/programmes/alpha/sessions.yaml:13: ") for line in err), err


def test_a_calendar_with_no_programme_page_beside_it_is_a_warning(site_copy, capsys):
    write(site_copy, "content/orphan/sessions.yaml",
          "sessions:\n  - id: orphan-1\n    start: 2021-10-28 09:00\n    duration: 60\n    title: Orphan\n")
    assert run(site_copy) == 0
    assert ("content/orphan/sessions.yaml: warning: no programme page beside this calendar: its sessions get pages "
            "and calendar files but no page lists them; add the programme's index.en.md in this folder") \
        in errors_of(capsys)
    assert run(site_copy, "--strict") == 1


# -- issue 8.9: a page lists its child pages; a page nothing leads to is a warning -----------

def test_a_page_no_menu_link_or_listing_leads_to_is_a_warning(site_copy, capsys):
    write(site_copy, "content/hidden.en.md", "---\ntitle: Hidden\n---\nNo one links here.\n")
    write(site_copy, "content/hidden.es.md", "---\ntitle: Oculta\n---\n[Itself](hidden.es.md) does not count.\n")
    assert run(site_copy) == 0
    assert ("content/hidden.en.md:1: warning: no menu, link or listing leads to this page (/en/hidden/), so visitors "
            "cannot find it: add menu: true, link to it from another page, or give the page of its folder "
            "layout: section") in errors_of(capsys)
    assert run(site_copy, "--strict") == 1


@pytest.mark.parametrize("how", ["menu", "link in another language", "listing"])
def test_a_menu_a_link_from_any_language_or_a_listing_reaches_a_page(site_copy, capsys, how):
    write(site_copy, "content/guides/hidden.en.md",
          f"---\ntitle: Hidden\n{'menu: true' if how == 'menu' else ''}\n---\nText.\n")
    if how == "link in another language":
        edit(site_copy / "content/about.es.md", "Volver al", "Vea la [guía](guides/hidden.en.md). Volver al")
    if how == "listing":
        write(site_copy, "content/guides/index.en.md", "---\ntitle: Guides\nlayout: section\nmenu: true\n---\n")
    assert run(site_copy) == 0
    assert not [line for line in errors_of(capsys) if "leads to this page" in line]


def test_messages_name_a_file_by_its_folder_s_real_path_and_its_own_name(tmp_path):
    """A folder's real path is worked out from its parent's (each looked up once per run): the
    names are what resolving each folder on its own gives, through links, `..` and missing folders."""
    root, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    (root / "content" / "programmes").mkdir(parents=True)
    (elsewhere / "sub").mkdir(parents=True)
    (root / "content" / "linked").symlink_to(elsewhere)
    (tmp_path / "alias").symlink_to(root)
    (root / "content" / "a-link.en.md").symlink_to(elsewhere / "sub")
    diag = Diagnostics(root=tmp_path / "alias")
    paths = [root / "content" / "programmes" / "x.en.md", tmp_path / "alias" / "content" / "programmes" / "y.en.md",
             root / "content" / "a-link.en.md", root / "content" / "linked" / "sub" / "z.en.md",
             root / "content" / "missing" / "deeper" / "w.en.md", root / "gone" / ".." / "content" / "linked" / "v.md",
             tmp_path / "alias" / "content" / ".." / "site_config.yaml", Path("/site_config.yaml")]
    real_root = root.resolve()
    expected = []
    for path in paths:
        where = path.parent.resolve() / path.name
        expected.append(where.relative_to(real_root).as_posix() if where.is_relative_to(real_root) else path.as_posix())
    assert [diag.relative(path) for path in paths] == expected
    assert expected[:3] == ["content/programmes/x.en.md", "content/programmes/y.en.md", "content/a-link.en.md"]
