"""Shared fixtures: fixture sites on disk, built once per session into temporary folders."""
from __future__ import annotations

import shutil
from pathlib import Path

import html5lib
import pytest

from echosite.pipeline import BuildResult, build

REPO = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"


def parse_html(path: Path):
    """Parse a page with a real HTML5 parser (html5lib) into an ElementTree."""
    return html5lib.parse(path.read_bytes(), treebuilder="etree", namespaceHTMLElements=False)


def html_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


@pytest.fixture(scope="session")
def basic_build(tmp_path_factory) -> tuple[Path, BuildResult]:
    """The `basic` fixture site, built once for every read-only test."""
    out = tmp_path_factory.mktemp("basic") / "output"
    return out, build(SITES / "basic", out, cache_dir=out.parent / "cache")


@pytest.fixture(scope="session")
def basic_out(basic_build) -> Path:
    return basic_build[0]


@pytest.fixture(scope="session")
def built_default_site(tmp_path_factory) -> Path:
    """The repository's own site (the 2021 programme), built once."""
    out = tmp_path_factory.mktemp("default") / "output"
    build(REPO, out, cache_dir=out.parent / "cache")
    return out


@pytest.fixture(scope="session")
def built_fixture_sites(basic_out) -> list[Path]:
    return [basic_out]


@pytest.fixture
def site_copy(tmp_path) -> Path:
    """A writable copy of the `basic` fixture site, for tests that edit it."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "basic", site)
    return site
