"""Skip a build whose inputs and output are exactly as the last successful build left them.

The output is a pure function of the input files' bytes, the build options, the
engine's code and its libraries' versions: when a digest of all of them matches
the last build's, and the output folder still has the sizes and times that
build left, there is nothing to do. Only light modules are imported here, so
the check costs no more than reading the sources.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
from pathlib import Path

LIBRARIES = ("jinja2", "markdown", "babel", "nh3", "icalendar", "tzdata", "pyyaml", "markupsafe")


def library_versions() -> list[str]:
    """Versions of the libraries whose behaviour shapes the output."""
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} ?")
    return versions


def input_digest(site: Path, folders: list[Path], options: object) -> str:
    """Hash of every input file (site config, content, theme, engine code), libraries and options."""
    h = hashlib.sha256(repr((options, library_versions())).encode())
    engine = Path(__file__).resolve().parent
    roots = [engine, site / "content", *folders]
    files = [site / "site_config.yaml"]
    for root in roots:
        files.extend(sorted(p for p in root.rglob("*") if p.is_file() and p.suffix not in (".pyc", ".mo")))
    for path in files:
        h.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def manifest(out: Path) -> dict[str, list[int]]:
    """Size and modification time of every file of the output."""
    found = {}
    for folder, _dirs, names in os.walk(out):
        for name in names:
            stat = os.stat(os.path.join(folder, name))
            found[os.path.relpath(os.path.join(folder, name), out)] = [stat.st_size, stat.st_mtime_ns]
    return found


def _record(cache_dir: Path, out: Path) -> Path:
    """One record per output folder, so `serve` and `build` keep their own."""
    return cache_dir / f"last-build-{hashlib.sha256(str(out).encode()).hexdigest()[:16]}.json"


def last_build(cache_dir: Path, digest: str, out: Path) -> dict | None:
    """The record of the last build if it had these inputs and `out` is as it left it."""
    try:
        record = json.loads(_record(cache_dir, out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("digest") != digest or record.get("out") != str(out) or not out.is_dir():
        return None
    return record if record.get("manifest") == manifest(out) else None


def remember(cache_dir: Path, digest: str, out: Path, summary: dict) -> None:
    """Record a successful build: its input digest, output manifest and summary."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / ".gitignore").write_text("*\n")
    record = {"digest": digest, "out": str(out), "manifest": manifest(out), **summary}
    path = _record(cache_dir, out)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def forget(cache_dir: Path, out: Path) -> None:
    """Drop the record (a build with other inputs is about to replace the output)."""
    _record(cache_dir, out).unlink(missing_ok=True)
