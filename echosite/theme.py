"""Where a site's templates, their assets and its UI catalogs come from."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The repository's own theme: used where a site has no templates/ or translations/.
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Theme:
    """The templates folder (with `assets/`) and the translations folder of a build."""

    templates: Path
    translations: Path

    @property
    def assets(self) -> Path:
        return self.templates / "assets"


def find_theme(site: Path) -> Theme:
    """The site's own templates/ and translations/, else the repository's."""
    def pick(name: str) -> Path:
        own = site / name
        return own if own.is_dir() else PACKAGE_ROOT / name
    return Theme(templates=pick("templates"), translations=pick("translations"))
