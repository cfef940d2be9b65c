"""The i18n workflow on a temporary copy of a site: extract, update, compile, stats."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po


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
    assert 'warning: no es translation for "Brand new string"' in capsys.readouterr().err
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
    assert rows["es"]["missing"] == ["draft", "only-english"]
    assert rows["en"]["pages_missing"] == 0
    assert main(["i18n", "stats", "--site", str(site)]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split()[:2] == ["language", "UI"]


def test_stats_finds_outdated_translation_from_file_times(site, capsys):
    en, es = site / "content/about.en.md", site / "content/about.es.md"
    os.utime(es, (1_600_000_000, 1_600_000_000))
    os.utime(en, (1_700_000_000, 1_700_000_000))
    assert main(["i18n", "stats", "--site", str(site), "--format", "json"]) == 0
    rows = {row["lang"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["es"]["outdated"] == ["about"]


def test_stats_finds_outdated_translation_from_git_history(site, capsys):
    def git(*args, date="2021-01-01T00:00:00"):
        env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_NAME": "t",
               "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
        subprocess.run(["git", "-C", str(site), *args], check=True, capture_output=True, env=env)
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "first")
    # The checkout's file times say nothing: make the Spanish file look newer on disk.
    os.utime(site / "content/about.es.md", (2_000_000_000, 2_000_000_000))
    assert main(["i18n", "stats", "--site", str(site), "--format", "json"]) == 0
    assert {r["lang"]: r for r in json.loads(capsys.readouterr().out)}["es"]["outdated"] == []
    (site / "content/about.en.md").write_text((site / "content/about.en.md").read_text() + "\nMore.\n")
    git("commit", "-qam", "English changed", date="2021-06-01T00:00:00")
    assert main(["i18n", "stats", "--site", str(site), "--format", "json"]) == 0
    assert {r["lang"]: r for r in json.loads(capsys.readouterr().out)}["es"]["outdated"] == ["about"]
