"""Views of sessions for templates: programme calendars, the site calendar, session pages."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import Version

if TYPE_CHECKING:
    from .render import SiteRenderer


def page_calendar(r: "SiteRenderer", version: Version) -> dict[str, Any]:
    """Calendar variables for a page: its programme's sessions, or every session."""
    return {"sessions": [], "months": [], "ics": None}


def render_session_files(r: "SiteRenderer") -> None:
    """Session pages and iCalendar files (filled in by the calendar stage)."""
