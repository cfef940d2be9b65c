"""Stage 7: put the rendered files in place: build beside, then swap, never half-written."""
from __future__ import annotations

import os
import shutil
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


def spare_folder(out: Path) -> Path:
    """The hidden sibling that holds the previous output, reused to prepare the next one."""
    return out.parent / f".{out.name}.spare"


def write_output(files: dict[str, bytes], out: Path) -> int:
    """Make `out` hold exactly `files`; return how many files changed.

    When nothing changed nothing is touched. Otherwise the spare folder (the
    output before last) is brought up to date, with files whose bytes are
    already in `out` hard-linked from it (they keep their times) and files
    never modified in place (a link is shared with the live tree), then the
    two folders are swapped by renaming: `out` is always a whole build.
    """
    out = out.resolve()
    if out.is_dir() and _matches(out, files):
        return 0
    spare = spare_folder(out)
    if spare.is_symlink() or (spare.exists() and not spare.is_dir()):
        spare.unlink()
    spare.mkdir(parents=True, exist_ok=True)
    changed = 0
    for rel, data in files.items():
        target, live = spare / rel, out / rel
        if _same(target, data):
            if not _same(live, data):
                changed += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
        if _same(live, data):
            os.link(live, target)
        else:
            target.write_bytes(data)
            changed += 1
    _remove_extra(spare, files)
    os.chmod(spare, 0o755)
    _swap(spare, out)
    return changed


def _matches(root: Path, files: dict[str, bytes]) -> bool:
    """Whether `root` holds exactly `files`, byte for byte."""
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir() or p.is_symlink()}
    return present == set(files) and all(_same(root / rel, data) for rel, data in files.items())


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and not path.is_symlink() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _remove_extra(root: Path, files: dict[str, bytes]) -> None:
    """Delete what `root` holds beyond `files`, then the folders left empty."""
    wanted_dirs = {Path(rel).parent.as_posix() for rel in files}
    wanted_dirs |= {parent.as_posix() for rel in files for parent in Path(rel).parents}
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        rel = path.relative_to(root).as_posix()
        if path.is_dir() and not path.is_symlink():
            if rel not in wanted_dirs:
                shutil.rmtree(path)
        elif rel not in files:
            path.unlink()


def _swap(spare: Path, out: Path) -> None:
    """Put `spare` at `out` and keep the old `out` as the new spare."""
    if not out.exists():
        spare.rename(out)
        return
    parking = out.parent / f".{out.name}.swap"
    if parking.exists():
        shutil.rmtree(parking)
    out.rename(parking)
    try:
        spare.rename(out)
    except BaseException:
        parking.rename(out)
        raise
    parking.rename(spare)
