"""Imports point one way: no stage imports the render stage, and no view imports the renderer."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

ENGINE = REPO / "echosite"
#: The render stage's modules that prepare data; only `renderer`, `items` and the package put files together.
VIEWS = ("views", "session_views", "times", "events", "links", "ics", "markup", "typography")


def imports(path: Path) -> set[str]:
    """What a file imports from echosite, as dotted names such as `echosite.render.views.absolute`."""
    package = path.relative_to(REPO).with_suffix("").parts[:-1]
    if path.name == "__init__.py":
        package = path.relative_to(REPO).parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1]) if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("echosite")}


def test_only_the_conductor_imports_the_render_stage():
    importers = {path.name for path in ENGINE.glob("*.py")
                 if any(name.startswith("echosite.render") for name in imports(path))}
    assert importers == {"pipeline.py"}


def test_views_never_import_the_renderer():
    renderer = ("echosite.render.renderer", "echosite.render.items", "echosite.render.render_site",
                "echosite.render.SiteRenderer", "echosite.render.RenderedSite")
    for name in VIEWS:
        used = imports(ENGINE / "render" / f"{name}.py")
        assert not [u for u in used if u in renderer or u.startswith(tuple(f"{r}." for r in renderer))], name


def test_the_import_check_sees_relative_imports():
    assert "echosite.render.views.absolute" in imports(ENGINE / "render" / "session_views.py")
    assert "echosite.cache.BuildCache" in imports(ENGINE / "pipeline.py")
    assert "echosite.render.renderer.SiteRenderer" in imports(ENGINE / "render" / "__init__.py")
