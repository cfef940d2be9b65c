"""The i18n workflow on a temporary copy of a site: extract, update, compile, stats."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from hypothesis import given, settings
from hypothesis import strategies as st


from echosite.cli import main


@pytest.fixture
def site(themed_site) -> Path:
    return themed_site


def catalog(path: Path, lang: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=lang)


def test_extract_update_compile_cycle(site, capsys):
    page = site / "templates/page.html"
    page.write_text(page.read_text().replace("<h1>{{ page.title }}</h1>",
                                             '<h1>{{ page.title }}</h1>\n<p>{{ _("Brand new string") }}</p>'))
    assert main(["i18n", "extract", "--site", str(site)]) == 0
    pot = catalog(site / "translations/messages.pot")
    assert "Brand new string" in pot and "Skip to main content" in pot
    assert main(["i18n", "update", "--site", str(site)]) == 0
    es = catalog(site / "translations/es/LC_MESSAGES/messages.po", "es")
    assert es["Brand new string"].string == "" and es["Skip to main content"].string == "Saltar al contenido principal"
    capsys.readouterr()
    assert main(["i18n", "compile", "--site", str(site)]) == 0
    po = (site / "translations/es/LC_MESSAGES/messages.po").read_text(encoding="utf-8").splitlines()
    line = po.index('msgid "Brand new string"') + 1
    assert capsys.readouterr().err == (
        f'translations/es/LC_MESSAGES/messages.po:{line}: warning: 1 interface string is not translated yet, the first '
        'one here ("Brand new string"); the English text is shown until they are\n')
    mo = site / "translations/es/LC_MESSAGES/messages.mo"
    assert mo.is_file()
    mo.unlink()
    assert main(["i18n", "compile", "--site", str(site), "--strict"]) == 1
    assert not mo.exists()  # a failed compile writes nothing


def test_extract_twice_changes_nothing(site):
    assert main(["i18n", "extract", "--site", str(site)]) == 0
    first = (site / "translations/messages.pot").read_bytes()
    assert main(["i18n", "extract", "--site", str(site)]) == 0
    assert (site / "translations/messages.pot").read_bytes() == first


def test_update_creates_the_catalog_of_a_new_language(site):
    config = site / "site_config.yaml"
    config.write_text(config.read_text().replace("languages: [en, es]", "languages: [en, es, fr]"))
    assert main(["i18n", "update", "--site", str(site)]) == 0
    fr = catalog(site / "translations/fr/LC_MESSAGES/messages.po", "fr")
    assert str(fr.locale) == "fr" and "Skip to main content" in fr and fr.num_plurals in (2, 3)


def test_compile_reports_broken_placeholder_with_line(site, capsys):
    po = site / "translations/es/LC_MESSAGES/messages.po"
    text = po.read_text()
    assert '"%(language)s."' in text  # the last line of the wrapped Spanish msgstr
    po.write_text(text.replace('"%(language)s."', '"%(idioma)s."'))
    assert main(["i18n", "compile", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert "translations/es/LC_MESSAGES/messages.po:" in err and "placeholder" in err


def test_stats_counts_strings_and_pages(site, capsys):
    assert main(["i18n", "stats", "--site", str(site), "--format", "json"]) == 0
    rows = {row["lang"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["es"]["ui_missing"] == 0 and rows["es"]["ui_fuzzy"] == 0 and rows["es"]["ui_translated"] > 30
    assert rows["es"]["missing"] == ["content/draft.es.md", "content/only-english.es.md"]
    assert rows["es"]["outdated"] == [] and rows["es"]["pages_translated"] == 5
    assert rows["en"]["pages_missing"] == 0
    assert main(["i18n", "stats", "--site", str(site)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["language", "UI", "translated", "fuzzy", "missing", "pages", "translated", "missing",
                                "outdated", "sessions", "translated", "missing", "outdated"]
    assert table[3:] == ["es: missing: content/draft.es.md", "es: missing: content/only-english.es.md",
                         "es: missing session text: content/programmes/alpha/sessions.yaml:14 (alpha-2: title)"]


def git(site: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", "-C", str(site), *args], check=True, capture_output=True, env=env)


def test_translators_can_act_on_stats(site, capsys):
    """Issue 8.7: files named by path; outdated survives a commit of both files; reviewed clears it; --strict."""
    git(site, "init", "-q")
    git(site, "add", "-A")
    git(site, "commit", "-qm", "first")
    en, es = site / "content/about.en.md", site / "content/about.es.md"
    en.write_text(en.read_text() + "\nA new paragraph.\n")
    es.write_text(es.read_text().replace("## Historia", "## Nuestra historia"))  # a fix elsewhere in the file
    git(site, "commit", "-qam", "English extended; Spanish heading fixed")
    assert main(["i18n", "stats", "--site", str(site)]) == 0
    out = capsys.readouterr().out.splitlines()
    interface = str(sum(1 for m in catalog(site / "translations/messages.pot") if m.id))
    assert out[2].split() == ["es", interface, "0", "0", "4", "2", "1", "1", "1", "0"]
    assert out[3:] == [
        "es: missing: content/draft.es.md",
        "es: missing: content/only-english.es.md",
        "es: missing session text: content/programmes/alpha/sessions.yaml:14 (alpha-2: title)",
        "es: outdated: content/about.es.md: not reviewed against its original's current text; update it if needed, "
        "then run `python build.py i18n reviewed content/about.es.md`",
    ]
    assert main(["i18n", "stats", "--site", str(site), "--strict"]) == 1
    assert capsys.readouterr().err == "4 translations to do (--strict)\n"

    before = es.read_text()
    assert main(["i18n", "reviewed", "--site", str(site), "content/about.es.md"]) == 0
    assert capsys.readouterr().out == "marked content/about.es.md as reviewed against its original's current text\n"
    changed = [line for line in es.read_text().splitlines() if line not in before.splitlines()]
    assert len(changed) == 1 and changed[0].startswith('translated_from: "')  # one line of front matter, in place
    assert es.read_text().replace(changed[0] + "\n", "") == before.replace(
        next(l for l in before.splitlines() if l.startswith("translated_from:")) + "\n", "")
    assert main(["i18n", "stats", "--site", str(site), "--format", "json"]) == 0
    assert {r["lang"]: r for r in json.loads(capsys.readouterr().out)}["es"]["outdated"] == []

    for page in ("draft", "only-english"):
        (site / f"content/{page}.es.md").write_text("---\ntitle: Traducida\n---\nTexto.\n")
    assert main(["i18n", "stats", "--site", str(site), "--strict"]) == 1  # new translations are not reviewed yet
    assert capsys.readouterr().out.splitlines()[4:6] == [
        "es: outdated: content/draft.es.md: not reviewed against its original's current text; update it if needed, "
        "then run `python build.py i18n reviewed content/draft.es.md`",
        "es: outdated: content/only-english.es.md: not reviewed against its original's current text; "
        "update it if needed, then run `python build.py i18n reviewed content/only-english.es.md`",
    ]
    assert main(["i18n", "reviewed", "--site", str(site), "content/draft.es.md", "content/only-english.es.md"]) == 0
    calendar = site / "content/programmes/alpha/sessions.yaml"
    calendar.write_text(calendar.read_text().replace('clocks change"}', 'clocks change", es: "Sesión de la tarde"}'))
    assert main(["i18n", "stats", "--site", str(site), "--strict"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("args, message", [
    (["extract", "--format", "json"], "build.py i18n extract: error: unrecognized arguments: --format json "
                                      "(`python build.py i18n extract --help` lists its options)"),
    (["update", "--strict"], "build.py i18n update: error: unrecognized arguments: --strict "
                             "(`python build.py i18n update --help` lists its options)"),
    (["reviewed", "content/about.en.md"], "build.py: error: content/about.en.md is an original, in the default "
                                          "language (en); name its translations instead"),
    (["reviewed", "content/nowhere.es.md"], "build.py: error: content/nowhere.es.md is not a page of the site "),
])
def test_i18n_options_that_do_not_apply_are_usage_errors(site, capsys, args, message):
    assert main(["i18n", *args[:1], "--site", str(site), *args[1:]]) == 2
    assert message in capsys.readouterr().err


def test_adding_a_language_is_quiet_and_complete(site, capsys):
    """Issue 8.8: the README's "Add a language" steps, in order, for French."""
    from babel.messages.pofile import write_po

    from conftest import parse_html

    config = site / "site_config.yaml"
    config.write_text(config.read_text().replace("languages: [en, es]", "languages: [en, es, fr]"))  # step 1
    assert main(["check", "--site", str(site)]) == 0
    warnings = capsys.readouterr().err.splitlines()
    for line, key in ((1, "title"), (2, "description"), (8, "name"), (9, "name"), (10, "name")):
        assert (f'site_config.yaml:{line}: warning: "{key}" has no fr text: fr pages show the en text; '
                'add fr: "…"') in warnings
    for line, key in ((6, "title"), (7, "summary"), (14, "title")):
        assert (f'content/programmes/alpha/sessions.yaml:{line}: warning: "{key}" has no fr text: fr pages show '
                'the en text; add fr: "…"') in warnings
    assert "translations/fr/LC_MESSAGES/messages.po: warning: no catalog for fr: the interface is shown in " \
           "English; create it with `python build.py i18n update`" in warnings

    config.write_text(config.read_text()  # step 2
                      .replace('es: "Programa de prueba básico"}', 'es: "Programa de prueba básico", fr: "Programme d’essai"}')
                      .replace('es: "Un sitio de prueba pequeño."}', 'es: "Un sitio de prueba pequeño.", fr: "Un petit site d’essai."}')
                      .replace("es: Cali}", "es: Cali, fr: Cali}").replace("es: Madrid}", "es: Madrid, fr: Madrid}")
                      .replace("es: Yangón}", "es: Yangón, fr: Rangoun}"))
    sessions = site / "content/programmes/alpha/sessions.yaml"
    sessions.write_text(sessions.read_text()
                        .replace('parte 1"}', 'parte 1", fr: "Qualité, sécurité et « soins », partie 1"}')
                        .replace('es: "Primera *sesión*."}', 'es: "Primera *sesión*.", fr: "Première *séance*."}')
                        .replace('clocks change"}', 'clocks change", es: "Sesión de la tarde", fr: "Séance du soir"}'))
    assert main(["i18n", "update", "--site", str(site)]) == 0  # step 3
    assert capsys.readouterr().out == ("translations/es/LC_MESSAGES/messages.po is up to date\n"
                                       "updated translations/fr/LC_MESSAGES/messages.po\n")
    assert main(["i18n", "compile", "--site", str(site)]) == 0
    fr_po = site / "translations/fr/LC_MESSAGES/messages.po"
    fr = catalog(fr_po, "fr")
    first = next(m for m in fr if m.id)
    assert capsys.readouterr().err.splitlines() == [  # one line, not one per string
        f"translations/fr/LC_MESSAGES/messages.po:{first.lineno}: warning: {len(fr)} interface strings are not "
        f'translated yet, the first one here ("{first.id}"); the English text is shown until they are']
    for message in fr:  # a translator at work: placeholders kept
        if message.id:
            message.string = (tuple(f"FR {message.id[min(n, 1)]}" for n in range(fr.num_plurals))  # every form
                              if message.pluralizable else f"FR {message.id}")
    with fr_po.open("wb") as f:
        write_po(f, fr, width=76)
    assert main(["i18n", "compile", "--site", str(site)]) == 0
    assert capsys.readouterr().err == ""

    for en in sorted((site / "content").rglob("*.en.md")):  # step 4
        draft = "draft: true\n" if "draft: true" in en.read_text() else ""
        en.with_name(en.name.replace(".en.md", ".fr.md")).write_text(f"---\ntitle: En français\n{draft}---\nTexte.\n")
    fr_pages = sorted(str(p.relative_to(site)) for p in (site / "content").rglob("*.fr.md"))
    assert main(["i18n", "reviewed", "--site", str(site), *fr_pages]) == 0
    out = site.parent / "out"
    assert main(["build", "--site", str(site), "--out", str(out), "--strict"]) == 1  # es still lacks a page
    assert capsys.readouterr().err.splitlines() == [
        "content/only-english.en.md:1: no es translation: /es/only-english/ shows this en text (a fallback page); "
        "translate it as only-english.es.md", "1 error, 0 warnings; nothing was written"]
    (site / "content/only-english.es.md").write_text("---\ntitle: Traducida\n---\nTexto.\n")
    (site / "content/draft.es.md").write_text("---\ntitle: Traducida\ndraft: true\n---\nTexto.\n")
    assert main(["i18n", "reviewed", "--site", str(site), "content/draft.es.md", "content/only-english.es.md"]) == 0
    assert main(["i18n", "stats", "--site", str(site), "--strict"]) == 0  # step 5
    assert main(["build", "--site", str(site), "--out", str(out), "--strict"]) == 0
    assert "0 warnings, 0 errors" in capsys.readouterr().out
    heading = parse_html(out / "index.html").find(".//h1")
    assert [(span.get("lang"), span.text) for span in heading.findall("span[@lang]")] == [
        ("en", "Basic Test Programme"), ("es", "Programa de prueba básico"), ("fr", "Programme d’essai")]


def test_the_chooser_marks_a_borrowed_title_with_its_language_and_shows_it_once(site, capsys):
    from conftest import parse_html

    config = site / "site_config.yaml"
    config.write_text(config.read_text().replace("languages: [en, es]", "languages: [en, es, fr]"))
    out = site.parent / "out"
    assert main(["build", "--site", str(site), "--out", str(out)]) == 0
    heading = parse_html(out / "index.html").find(".//h1")
    assert [(span.get("lang"), span.text) for span in heading.findall("span[@lang]")] == [
        ("en", "Basic Test Programme"), ("es", "Programa de prueba básico")]
    assert parse_html(out / "fr/index.html").find(".//a[@class='brand']").get("lang") == "en"


# Issue 11.5, property-based: the catalog reader never loses text and never raises.

_PO_PIECES = st.sampled_from(['msgid ', 'msgstr ', 'msgctxt ', 'msgid_plural ', 'msgstr[0] ', 'msgstr[1] ', '"', '\\"',
                              '\\', '\\n', '#, fuzzy', '#~ ', '# ', '\n', '\n\n', ' ', '%', '%(x)s', 'á', 'x', '[', ']'])


@settings(max_examples=250, deadline=2000, database=None)
@given(text=st.lists(_PO_PIECES | st.text(max_size=3), max_size=40).map("".join))
def test_the_catalog_reader_gives_a_catalog_or_errors_for_any_text(text):
    from echosite.errors import Diagnostics
    from echosite.i18n import parse_catalog

    diag = Diagnostics(root=Path("/site"))
    result = parse_catalog(text, Path("/site/translations/es/LC_MESSAGES/messages.po"), "es", diag)
    assert (result is None) == bool(diag.errors)
    assert all(problem.line >= 1 and problem.message.startswith("malformed catalog: ") for problem in diag.errors)


@settings(max_examples=150, deadline=2000, database=None)
@given(entries=st.dictionaries(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30),
                               st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=90),
                               min_size=1, max_size=4),
       which=st.integers(min_value=0))
def test_a_catalog_missing_one_quote_is_refused_never_read_short(entries, which):
    """Delete any one delimiting quote (as a slip of the editor would): the reader refuses the file."""
    import io
    import re

    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from echosite.errors import Diagnostics
    from echosite.i18n import parse_catalog

    catalog = Catalog(locale="es")
    for msgid, msgstr in entries.items():
        catalog.add(msgid, msgstr)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=30)
    text = buffer.getvalue().decode("utf-8")
    assert parse_catalog(text, Path("/site/x.po"), "es", Diagnostics(root=Path("/site"))) is not None
    quotes = [m.start() for m in re.finditer(r'(?<!\\)"', text) if not text[:m.start()].rsplit("\n", 1)[-1].startswith("#")]
    cut = quotes[which % len(quotes)]
    diag = Diagnostics(root=Path("/site"))
    assert parse_catalog(text[:cut] + text[cut + 1:], Path("/site/x.po"), "es", diag) is None
    assert diag.errors
