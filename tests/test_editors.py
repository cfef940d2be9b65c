"""Editors' workflows on the `basic` fixture site: drafts, renames, rescheduled sessions, translated sessions."""
from __future__ import annotations

from conftest import edit, parse_html
from echosite.cli import main
from echosite.serve import Preview


def _robots(page) -> list[str]:
    return [m.get("content") for m in page.iter("meta") if m.get("name") == "robots"]


def test_drafts_are_previewed_unindexed_and_links_to_them_say_so(site_copy, capsys):
    edit(site_copy / "content/about.en.md", "Back [home](index.en.md).", "Back [home](index.en.md), or the [plan](draft.en.md).")
    out = site_copy.parent / "out"
    assert main(["build", "--site", str(site_copy), "--out", str(out)]) == 0
    assert ('content/about.en.md:12: warning: link "draft.en.md" leads to a draft: content/draft.en.md has draft: true '
            "and is left out of this build; remove draft: true from it to publish it, or remove the link"
            in capsys.readouterr().err)
    assert not (out / "en/draft").exists()

    assert main(["build", "--site", str(site_copy), "--out", str(out), "--drafts"]) == 0
    assert ('content/about.en.md:12: warning: link "draft.en.md" leads to a draft: content/draft.en.md has draft: true '
            "and is published only by builds with --drafts; remove draft: true from it before publishing, "
            "or remove the link" in capsys.readouterr().err)
    draft = parse_html(out / "en/draft/index.html")
    assert _robots(draft) == ["noindex"]
    assert [link.get("hreflang") for link in draft.iter("link") if link.get("hreflang")] == ["x-default"]
    assert _robots(parse_html(out / "en/about/index.html")) == []
    assert [a.get("href") for a in parse_html(out / "en/about/index.html").iter("a") if a.text == "plan"] == ["../draft/"]
    assert "/draft/" not in (out / "sitemap.xml").read_text()
    assert main(["check", "--site", str(site_copy), "--drafts", "--strict"]) == 1

    served = site_copy.parent / "served"
    preview = Preview(site_copy, served, drafts=True)
    try:
        assert preview.build(first=True).failure is None
    finally:
        preview.close()
    assert _robots(parse_html(served / "en/draft/index.html")) == ["noindex"]
