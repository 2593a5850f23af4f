"""The one date parser: every date typed by a person or read from a file goes through here.

Accepted forms: ISO days (``2022-09-02``, optionally with a time, as UCDP writes
``2022-09-02 00:00:00.000``), ACLED's ``02 September 2022`` / ``2 Sep 2022``, and for periods
(territory claims) ``YYYY-MM`` and ``YYYY``, which stand for their first or last day. Callers add
their own rules (an event date may not be in the future; the earliest date accepted).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from functools import lru_cache

EARLIEST = date(1900, 1, 1)  # the earliest event date accepted anywhere

DAY_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")
PERIOD_FORMATS = (("%Y-%m", "month"), ("%Y", "year"))
DAY_HINT = "YYYY-MM-DD or '02 September 2022'"
PERIOD_HINT = "YYYY-MM-DD, YYYY-MM or YYYY"


class DateError(ValueError):
    """Text that is not a date in an accepted form; the message says which forms are."""


def parse_day(
    text: object, *, field: str = "date", periods: bool = False, end: bool = False
) -> date:
    """The day ``text`` names. With ``periods``, ``YYYY-MM`` and ``YYYY`` are accepted too and
    stand for their first day (``end=False``) or their last day (``end=True``)."""
    found = _parse(str(text).strip(), periods, end)
    if found is None:
        raise DateError(
            f"bad {field} '{str(text).strip()}' (expected {PERIOD_HINT if periods else DAY_HINT})"
        )
    return found


def parse_iso(text: object, *, field: str = "date") -> date:
    """A strict ISO day (``2022-09-02``): the form of URL parameters and command-line flags."""
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise DateError(
            f"{field} '{str(text).strip()}' is not a date in the form YYYY-MM-DD"
        ) from None


def _parse_text(text: str, periods: bool, end: bool) -> date | None:
    """The day ``text`` names, or None (``_parse`` is the cached entry point)."""
    if not text:
        return None
    for fmt in DAY_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if periods:
        for fmt, kind in PERIOD_FORMATS:
            try:
                start = datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            if not end:
                return start
            if kind == "month":
                return start.replace(day=calendar.monthrange(start.year, start.month)[1])
            return date(start.year, 12, 31)
    return None


# Files repeat few distinct dates: each distinct text is parsed once. (Wrapped here rather than
# decorated: mutmut does not mutate decorated functions, and this is the parser itself.)
_parse = lru_cache(maxsize=65536)(_parse_text)
