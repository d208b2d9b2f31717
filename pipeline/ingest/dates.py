"""Publication dates and date expressions. (Placeholder interface; the full version replaces it.)"""

from __future__ import annotations

import datetime as dt


def parse_header_date(value: str) -> dt.date | None:
    """A date given in a header or metadata field ("2020-01-27", "Jan. 27, 2020", ...), or None."""
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def infer_publication_date(text: str) -> tuple[dt.date | None, str]:
    """(date, "inferred") when the text itself pins the publication date down, else (None, "unknown")."""
    return None, "unknown"
