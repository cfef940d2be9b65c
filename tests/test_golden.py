"""Golden files: outputs of the `basic` fixture site whose exact bytes matter, kept in tests/golden/.

A change to them must be intended: regenerate with
`.venv/bin/python -m pytest tests/test_golden.py --update-golden`, then read the diff of
tests/golden/ before committing it.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO

GOLDEN = Path(__file__).resolve().parent / "golden" / "basic"
#: The sitemap, a programme's calendar (two events: escaping, a cancelled session, a borrowed
#: title) and a Spanish session page (session text, rewritten links, city times).
FILES = ["sitemap.xml", "es/programmes/alfa/alpha.ics", "es/sessions/alpha-1/index.html"]


@pytest.mark.parametrize("rel", FILES)
def test_output_is_byte_identical_to_its_golden_file(basic_out: Path, rel: str, request: pytest.FixtureRequest) -> None:
    built, golden = (basic_out / rel).read_bytes(), GOLDEN / rel
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(built)
    assert golden.is_file(), f"{golden} is missing: run pytest with --update-golden"
    assert built == golden.read_bytes(), (f"{rel} differs from {golden.relative_to(REPO)}; "
                                          "if the change is intended, run pytest with --update-golden and review the diff")
