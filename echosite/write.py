"""Stage 6: put the rendered files in place: build beside, then swap, never half-written."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class UnsafeOutput(Exception):
    """The output folder would overwrite something that is not a build product."""


def check_output_folder(out: Path, site: Path, protected: list[Path]) -> None:
    """Refuse `/`, the home folder, the site or a folder holding it, and source folders."""
    out = out.expanduser().resolve()
    site = site.resolve()
    home = Path.home().resolve()
    if out == Path(out.anchor) or out == home:
        raise UnsafeOutput(f"refusing to build into {out}: it is {'/' if out == Path(out.anchor) else 'the home folder'}")
    if out == site or site.is_relative_to(out):
        raise UnsafeOutput(f"refusing to build into {out}: it is or contains the site folder {site}")
    for folder in protected:
        folder = folder.resolve()
        if out == folder or out.is_relative_to(folder) or folder.is_relative_to(out):
            raise UnsafeOutput(f"refusing to build into {out}: it overlaps the source folder {folder}")


def write_output(files: dict[str, bytes], out: Path) -> int:
    """Replace `out` with exactly `files`; return how many files changed.

    The new tree is made in a sibling folder (unchanged files hard-linked from
    the old tree, so their bytes and times are kept), then swapped in by
    renaming, so `out` is always either the old or the new site, never half.
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    changed = 0
    try:
        for rel, data in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            old = out / rel
            if _same(old, data):
                os.link(old, target)
            else:
                target.write_bytes(data)
                changed += 1
        os.chmod(staging, 0o755)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return changed


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and not path.is_symlink() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _swap(staging: Path, out: Path) -> None:
    if not out.exists():
        staging.rename(out)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    retired.rmdir()
    out.rename(retired)
    try:
        staging.rename(out)
    except BaseException:
        retired.rename(out)
        raise
    shutil.rmtree(retired, ignore_errors=True)
