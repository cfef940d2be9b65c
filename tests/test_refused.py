"""What the generator refuses (README: "What the generator refuses, and why").

Each case starts from a good build, then breaks the site and builds again: the run
must exit 1 with the message at its line, leave the previous output byte for byte,
and write nothing outside the output and cache folders. Pathological inputs are
generated here, never committed.
"""
from __future__ import annotations

import os
import shutil
import unicodedata
from pathlib import Path

import pytest

from conftest import SITES
from echosite.cli import main
from echosite.content import MAX_NAME
from echosite.render.markup import MAX_BLOCK_LINES, MAX_CHARACTERS, MAX_NESTING
from echosite.source import MAX_ALIAS_VALUES, MAX_YAML_DEPTH


def snapshot(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, object]:
    """Every entry under `root` (but `skip`): file bytes, link targets, folders."""
    found: dict[str, object] = {}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = [d for d in dirs if here / d not in skip]
        for name in dirs + files:
            path = here / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            elif path.is_file():
                found[rel] = path.read_bytes()
            elif path.is_dir():
                found[rel] = "folder"
            else:
                found[rel] = "special"
    return found


@pytest.fixture(scope="module")
def good_build(tmp_path_factory) -> Path:
    """The basic site built once; each case copies its output and cache."""
    root = tmp_path_factory.mktemp("good")
    assert main(["build", "--site", str(SITES / "basic"), "--out", str(root / "out"),
                 "--cache-dir", str(root / "cache"), "--quiet"]) == 0
    return root


class Sandbox:
    """A copy of the basic site beside a previous output and cache, all in one folder."""

    def __init__(self, root: Path, good: Path):
        self.root, self.site = root, root / "site"
        self.out, self.cache = root / "out", root / "cache"
        shutil.copytree(SITES / "basic", self.site)
        shutil.copytree(good / "out", self.out)
        shutil.copytree(good / "cache", self.cache)

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return path

    def build(self, *args: str) -> int:
        return main(["build", "--site", str(self.site), "--out", str(self.out), "--cache-dir", str(self.cache),
                     "--quiet", *args])

    def refuses(self, capsys, *expected: str) -> list[str]:
        """Build; assert exit 1, every `expected` line printed, the output as it was, nothing written elsewhere."""
        output, elsewhere = snapshot(self.out), snapshot(self.root, skip=(self.out, self.cache))
        capsys.readouterr()
        status = self.build()
        err = capsys.readouterr().err.splitlines()
        assert status == 1, err
        for line in expected:
            assert line in err, (line, err)
        assert "Traceback" not in "\n".join(err)
        assert snapshot(self.out) == output
        assert snapshot(self.root, skip=(self.out, self.cache)) == elsewhere
        return err


@pytest.fixture
def sandbox(tmp_path, good_build) -> Sandbox:
    return Sandbox(tmp_path, good_build)


FRONT = "---\ntitle: About\n"


# -- 1. Bounded work: YAML --------------------------------------------------------------------

def alias_bomb(levels: int, indent: str = "") -> str:
    """Nine-fold aliases per level: a few lines that would expand to 9**levels values."""
    lines = [f'{indent}a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"{indent}a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def repeated(levels: int) -> int:
    """How many values the aliases of `alias_bomb(levels)` repeat: all it expands to, less what is written."""
    sizes = [10]  # a0: the list and its nine strings
    for _ in range(1, levels):
        sizes.append(1 + 9 * sizes[-1])
    return sum(sizes) - 10 - (levels - 1)


def test_an_alias_bomb_in_front_matter_is_refused(sandbox, capsys):
    sandbox.write("content/about.en.md", FRONT + alias_bomb(12) + "---\nText\n")
    sandbox.refuses(capsys, f"content/about.en.md:2: the aliases (*name) in this YAML repeat {repeated(12):,} values "
                            f"(limit {MAX_ALIAS_VALUES:,}); write the values out, or repeat fewer")


def test_an_alias_bomb_in_a_calendar_is_refused(sandbox, capsys):
    calendar = sandbox.site / "content/programmes/alpha/sessions.yaml"
    sandbox.write("content/programmes/alpha/sessions.yaml", alias_bomb(9) + calendar.read_text())
    sandbox.refuses(capsys, "content/programmes/alpha/sessions.yaml:1: the aliases (*name) in this YAML repeat "
                            f"{repeated(9):,} values (limit {MAX_ALIAS_VALUES:,}); write the values out, or repeat fewer")


def test_aliases_within_the_limit_keep_their_lines(sandbox, capsys):
    """Reused values are read once, each mapping keeping its own file line (front matter starts at 2)."""
    from echosite.errors import Diagnostics
    from echosite.source import split_front_matter

    diag = Diagnostics(sandbox.site)
    text = FRONT + "base: &b {weight: 1, menu: true}\nmore: [*b, *b, *b]\nweight: x\n---\n"
    meta, _body, body_line = split_front_matter(text, sandbox.site / "x.md", diag)
    assert diag.problems == [] and body_line == 7
    assert meta.line_of("weight") == 5 and meta["base"].line_of("menu") == 3
    assert all(item is meta["base"] for item in meta["more"]) and meta["more"].lines == [3, 3, 3]  # where the value is written


@pytest.mark.parametrize("depth", [MAX_YAML_DEPTH + 1, 250, 999, 5000])
def test_deeply_nested_yaml_is_refused(sandbox, capsys, depth):
    sandbox.write("content/about.en.md", FRONT + "weight: 1\nmenu: " + "[" * depth + "]" * depth + "\n---\n")
    sandbox.refuses(capsys, f"content/about.en.md:4: the YAML is nested too deeply (limit {MAX_YAML_DEPTH} levels "
                            "of lists and mappings); flatten it")


def test_deeply_nested_block_yaml_names_the_line_where_it_goes_too_deep(sandbox, capsys):
    nested = "".join(f"{'  ' * i}k{i}:\n" for i in range(60)) + "  " * 60 + "v\n"
    sandbox.write("content/about.en.md", FRONT + nested + "---\n")
    sandbox.refuses(capsys, f"content/about.en.md:{3 + MAX_YAML_DEPTH}: the YAML is nested too deeply "
                            f"(limit {MAX_YAML_DEPTH} levels of lists and mappings); flatten it")


def test_an_alias_inside_itself_is_refused(sandbox, capsys):
    sandbox.write("content/about.en.md", FRONT + "loop: &a [1, *a]\n---\n")
    sandbox.refuses(capsys, "content/about.en.md:3: an alias (*name) stands for a value that contains it; "
                            "write the value out")


def test_a_control_character_in_yaml_is_named_at_its_line(sandbox, capsys):
    sandbox.write("content/about.en.md", FRONT + "description: a\x1fb\n---\n")
    sandbox.refuses(capsys, "content/about.en.md:3: YAML does not allow the character U+001F (control characters "
                            "are not allowed); remove it")


def test_front_matter_that_is_only_a_null_is_a_page_without_title(sandbox, capsys):
    sandbox.write("content/about.en.md", "---\n~\n---\nText\n")  # once dropped without a word
    sandbox.refuses(capsys, 'content/about.en.md:2: the page has no title; add "title: …" to its front matter')


def test_lines_are_counted_as_editors_count_them(sandbox, capsys):
    """YAML also breaks lines at U+2028 (and NEL, PS); messages give the file's own line."""
    sandbox.write("content/about.en.md", FRONT + "description: \"one\u2028two\"\nweight: ten\n---\n")
    sandbox.refuses(capsys, "content/about.en.md:4: weight must be a whole number such as 10 (smaller comes first)")


def test_toml_front_matter_is_told_to_be_yaml(sandbox, capsys):
    sandbox.write("content/about.en.md", '+++\ntitle = "About"\n+++\nText\n')
    sandbox.refuses(capsys, "content/about.en.md:1: front matter between +++ lines (TOML) is not read: write it "
                            'as YAML between --- lines (title = "About" becomes title: "About")')


def test_cr_only_line_endings_read_like_lf(sandbox, capsys):
    sandbox.write("content/about.en.md", b"---\rtitle: Old Mac\rweight: 1\r---\r## Typed on a Mac\r\rText.\r")
    assert sandbox.build() == 0
    html = (sandbox.out / "en/about/index.html").read_text()
    assert "<title>Old Mac" in html and '<h2 id="typed-on-a-mac">Typed on a Mac</h2>' in html
    sandbox.write("content/about.en.md", b"---\rtitle: Old Mac\rweight: ten\r---\rText.\r")
    sandbox.refuses(capsys, "content/about.en.md:3: weight must be a whole number such as 10 (smaller comes first)")


# -- 1. Bounded work: Markdown --------------------------------------------------------------------

TOO_DEEP = (f"the text is nested too deeply (limit {MAX_NESTING} levels of lists, quotes, emphasis and links inside "
            "each other); flatten it")


def too_large(size: int) -> str:
    return f"the text is too large ({size:,} characters; limit {MAX_CHARACTERS:,}): split it into several pages"


@pytest.mark.parametrize("name,body", [
    ("50,000 [", "[" * 50_000),
    ("25,000 ![", "![" * 25_000),
    ("3,000 links in one paragraph", "[a](b) " * 3_000),
    ("links left open", "[a](" * 20_000),
])
def test_link_syntax_builds_in_linear_time(sandbox, capsys, name, body):
    sandbox.write("content/about.en.md", FRONT + "---\n" + body + "\n")
    assert sandbox.build() == 0
    assert (sandbox.out / "en/about/index.html").is_file()


@pytest.mark.parametrize("name,body", [
    ("3,000 _ around a word", "_" * 3000 + "word" + "_" * 3000),
    ("lists nested 100 deep", "\n".join("    " * level + "- item" for level in range(100))),
    ("quotes nested 200 deep", "\n".join(">" * level + " line" for level in range(1, 200))),
    ("emphasis nested 600 deep", "*a " * 600 + "x" + " a*" * 600),
])
def test_deeply_nested_markdown_is_refused(sandbox, capsys, name, body):
    sandbox.write("content/about.en.md", FRONT + "---\n" + body + "\n")
    sandbox.refuses(capsys, f"content/about.en.md:4: {TOO_DEEP}")


@pytest.mark.parametrize("name,body", [
    ("lists nested 1,000 deep", "\n".join("  " * level + "- x" for level in range(1000))),
    ("3,000 lines of growing > nesting", "\n".join(">" * level + " x" for level in range(1, 3000))),
    ("a table of 100,000 rows", "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 100_000),
    ("30,000 headings", "".join(f"## Heading {n}\n\n" for n in range(30_000))),
    ("a 50 MB file", "word " * 10_000_000),
])
def test_too_large_markdown_is_refused(sandbox, capsys, name, body):
    sandbox.write("content/about.en.md", FRONT + "---\n" + body + "\n")
    sandbox.refuses(capsys, f"content/about.en.md:4: {too_large(len(body) + 1)}")


def test_a_block_of_too_many_lines_is_refused_at_its_first_line(sandbox, capsys):
    table = "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * MAX_BLOCK_LINES
    sandbox.write("content/about.en.md", FRONT + "---\nIntro.\n\n" + table)
    sandbox.refuses(capsys, f"content/about.en.md:6: the block that starts here is too long (over {MAX_BLOCK_LINES:,} "
                            f"lines without a blank line; limit {MAX_BLOCK_LINES:,}): split it with blank lines, or "
                            "into several tables")


def test_html_tags_left_open_by_the_thousand_are_refused(sandbox, capsys):
    sandbox.write("content/about.en.md", FRONT + "---\nIntro.\n\n" + "<a href=" * 10_000)
    sandbox.refuses(capsys, 'content/about.en.md:6: the text has so many "<" before a letter with no ">" after them '
                            '(HTML tags left open) that reading them would take too long: write &lt; for a "<" that '
                            "starts no tag")


def test_limits_apply_to_session_texts_and_summaries(sandbox, capsys):
    calendar = sandbox.site / "content/programmes/alpha/sessions.yaml"
    sandbox.write("content/programmes/alpha/sessions.yaml", calendar.read_text().replace(
        'summary: {en: "First *session*.", es: "Primera *sesión*."}',
        'summary: {en: "' + ">" * 40 + ' deep", es: "Primera *sesión*."}'))
    text = sandbox.site / "content/programmes/alpha/sessions/alpha-1.es.md"
    sandbox.write("content/programmes/alpha/sessions/alpha-1.es.md", text.read_text() + "\n" + "_" * 500 + "x" + "_" * 500)
    errors = sandbox.refuses(capsys, f"content/programmes/alpha/sessions.yaml:3: {TOO_DEEP}")
    assert any(line.startswith("content/programmes/alpha/sessions/alpha-1.es.md:") and line.endswith(TOO_DEEP)
               for line in errors), errors


# -- 3. Nothing outside the site is published -----------------------------------------------------

OUTSIDE = "this is a link to {target}, outside the site folder; only files inside the site are read and " \
          "published: copy the file into the site instead of linking to it"


@pytest.mark.parametrize("rel,text", [
    ("content/files/passwd.txt", "root:x:0:0:root:/root:/bin/bash\n"),
    ("content/secret.en.md", "---\ntitle: Secret\n---\nNot for the web.\n"),
    ("content/programmes/alpha/sessions/alpha-1.en.md", "---\ntitle: Secret\n---\nNot for the web.\n"),
    ("content/programmes/alpha/sessions.yaml", "sessions: []\n"),
])
def test_links_leading_outside_the_site_are_refused(sandbox, capsys, rel, text):
    target = sandbox.root / "private" / Path(rel).name
    target.parent.mkdir()
    target.write_text(text)
    link = sandbox.site / rel
    link.unlink(missing_ok=True)
    os.symlink(target, link)
    sandbox.refuses(capsys, f"{rel}: " + OUTSIDE.format(target=target))


def test_texts_in_a_linked_sessions_folder_outside_the_site_are_refused(sandbox, capsys):
    sessions = sandbox.site / "content/programmes/alpha/sessions"
    private = sandbox.root / "private"
    shutil.move(sessions, private)
    os.symlink(private, sessions)
    capsys.readouterr()
    assert sandbox.build() == 1
    err = capsys.readouterr().err.splitlines()
    assert any(line.endswith("sessions/alpha-1.es.md: " + OUTSIDE.format(target=private / "alpha-1.es.md"))
               for line in err), err


def test_links_inside_the_site_are_followed(sandbox, capsys):
    os.symlink("../about.en.md", sandbox.site / "content/files/about-again.en.md")
    os.symlink("note.txt", sandbox.site / "content/files/same-note.txt")
    assert sandbox.build() == 0
    assert (sandbox.out / "files/same-note.txt").read_bytes() == (sandbox.site / "content/files/note.txt").read_bytes()
    assert (sandbox.out / "en/files/about-again/index.html").is_file()


def test_a_link_to_a_folder_is_not_followed_and_says_so(sandbox, capsys):
    private = sandbox.root / "private"
    private.mkdir()
    (private / "key.txt").write_text("secret")
    os.symlink(private, sandbox.site / "content/private")
    assert sandbox.build() == 0
    assert ("content/private: warning: this link to a folder is not followed, so nothing in it is published; "
            "move the folder here, or link its files one by one") in capsys.readouterr().err.splitlines()
    assert not (sandbox.out / "private").exists()


def test_a_broken_link_and_a_pipe_are_errors_not_hangs(sandbox, capsys):
    os.symlink("gone.txt", sandbox.site / "content/files/broken.txt")
    os.mkfifo(sandbox.site / "content/files/pipe")
    sandbox.refuses(capsys, "content/files/broken.txt: this link leads to gone.txt, which does not exist; "
                            "fix the link or remove it",
                    "content/files/pipe: this is not a file or folder (a pipe, socket or device); "
                    "remove it from content/")


# -- 4. Names that cannot collide or break URLs -----------------------------------------------------

def test_names_differing_only_in_case_are_refused(sandbox, capsys):
    sandbox.write("content/About.en.md", FRONT + "---\n")
    sandbox.refuses(capsys, 'content/about.en.md: "about.en.md" and "About.en.md" (content/About.en.md) differ only '
                            "in letter case; many hosts would publish one over the other: rename one")


def test_names_differing_only_in_unicode_form_are_refused(sandbox, capsys):
    nfc, nfd = unicodedata.normalize("NFC", "café.en.md"), unicodedata.normalize("NFD", "café.en.md")
    sandbox.write(f"content/{nfc}", FRONT + "---\n")
    sandbox.write(f"content/{nfd}", FRONT + "---\n")
    first, second = sorted([nfc, nfd])
    sandbox.refuses(capsys, f'content/{second}: "{second}" and "{first}" (content/{first}) look the same but store an '
                            "accent in two ways (Unicode NFC and NFD); many hosts would publish one over the other: "
                            "rename one",
                    f"content/{first}: the name has characters that do not work in every web address (é); URLs take "
                    "only letters a-z and A-Z, digits, '-', '_' and '.': rename it to \"cafe.en.md\"")


def test_a_slug_differing_only_in_case_from_another_url_is_refused(sandbox, capsys):
    sandbox.write("content/team.en.md", "---\ntitle: Team\nslug: About\n---\n")
    sandbox.refuses(capsys, "content/team.en.md:1: this page's URL /en/About/ differs only in letter case from "
                            "/en/about/ of content/about.en.md; rename one of them or give one another slug")


@pytest.mark.parametrize("name,shown,instead", [
    ("my notes.en.md", "space", "my-notes.en.md"),
    ('say "hi".en.md', 'space, "', "say-hi.en.md"),
    ("a<b.en.md", "<", "a-b.en.md"),
    ("%2e%2e.en.md", "%", "2e-2e.en.md"),
    ("Informe final (2021).pdf", "space, (, )", "Informe-final-2021.pdf"),
    ("folder with space/index.en.md", "space", "folder-with-space"),
])
def test_names_that_break_urls_are_refused(sandbox, capsys, name, shown, instead):
    path = sandbox.write(f"content/{name}", FRONT + "---\n")
    refused = path if "/" not in name else path.parent
    sandbox.refuses(capsys, f"content/{refused.name}: the name has characters that do not work in every web address "
                            f"({shown}); URLs take only letters a-z and A-Z, digits, '-', '_' and '.': "
                            f'rename it to "{instead}"')


@pytest.mark.parametrize("slug,problem,fix", [
    ('"a\\0b"', "has characters that do not work in every web address ('\\x00')", 'for example "a-b"'),
    ('"a\\x01b"', "has characters that do not work in every web address ('\\x01')", 'for example "a-b"'),
    ('"../escape"', "has characters that do not work in every web address (/)", 'for example "escape"'),
    ('"a/b"', "has characters that do not work in every web address (/)", 'for example "a-b"'),
    ('".."', 'is ".."', "use those characters only"),
    ("x" * 300, f"is 300 characters long (limit {MAX_NAME})", "shorten it"),
])
def test_slugs_that_break_urls_are_refused(sandbox, capsys, slug, problem, fix):
    sandbox.write("content/about.es.md", f"---\ntitle: Acerca\nslug: {slug}\n---\n")
    sandbox.refuses(capsys, f"content/about.es.md:3: the slug {problem}; a slug is one URL segment, and URLs take only "
                            f"letters a-z and A-Z, digits, '-', '_' and '.': {fix}")


def test_a_language_code_in_capitals_is_told_it_is_case_sensitive(sandbox, capsys):
    sandbox.write("content/team.EN.md", FRONT + "---\n")
    sandbox.refuses(capsys, 'content/team.EN.md: language codes in file names are written as in site_config.yaml '
                            '("en", not "EN"); rename it to team.en.md')


@pytest.mark.parametrize("name", ["guide.en.markdown", "guide.en.MD", "guide.en.mdown"])
def test_other_markdown_endings_are_not_published_raw(sandbox, capsys, name):
    sandbox.write(f"content/{name}", FRONT + "---\n")
    stem = name.rsplit(".", 1)[0]
    sandbox.refuses(capsys, f"content/{name}: pages are read only from files ending in .md (in small letters); "
                            f"rename it to {stem}.md")
