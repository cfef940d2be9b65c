"""Where a site's templates, their assets and its UI catalogs come from."""
from __future__ import annotations

import re
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

    def reserved_ids(self) -> tuple[str, ...]:
        """The ids the templates give their own elements (`main`), and the prefixes of those
        they number (`month-` for `id="month-{{ … }}"`), sorted: content must not reuse them."""
        found = set()
        for path in sorted(self.templates.glob("*.html")):
            for value in _TEMPLATE_ID.findall(path.read_text(encoding="utf-8")):
                fixed = value.split("{", 1)[0]
                if fixed:
                    found.add(fixed)
        return tuple(sorted(found))


#: An id attribute in a template, up to its first expression: `id="main"`, `id="month-{{ m }}"`.
_TEMPLATE_ID = re.compile(r'\bid="([^"]*)"')


def find_theme(site: Path) -> Theme:
    """The site's own templates/ and translations/, else the repository's."""
    def pick(name: str) -> Path:
        own = site / name
        return own if own.is_dir() else PACKAGE_ROOT / name
    return Theme(templates=pick("templates"), translations=pick("translations"))
