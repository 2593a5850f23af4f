"""The one date parser: every date typed by a person or read from a file goes through here.

Accepted forms: ISO days (``2022-09-02``, optionally with a time, as UCDP writes
``2022-09-02 00:00:00.000``), ACLED's ``02 September 2022`` / ``2 Sep 2022``, and for periods
(territory claims) ``YYYY-MM`` and ``YYYY``, which stand for their first or last day. Callers add
their own rules (an event date may not be in the future; the earliest date accepted).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from conflictmap.i18n import N_
from conflictmap.messages import Message

EARLIEST = date(1900, 1, 1)  # the earliest event date accepted anywhere

DAY_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")
PERIOD_FORMATS = (("%Y-%m", "month"), ("%Y", "year"))
DAY_HINT = N_("YYYY-MM-DD or '02 September 2022'")
PERIOD_HINT = N_("YYYY-MM-DD, YYYY-MM or YYYY")


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
            Message(
                N_("bad {field} '{value}' (expected {forms})"),
                field=field,
                value=str(text).strip(),
                forms=Message(PERIOD_HINT if periods else DAY_HINT),
            )
        )
    return found


def parse_iso(text: object, *, field: str = "date") -> date:
    """A strict ISO day (``2022-09-02``): the form of URL parameters and command-line flags."""
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise DateError(
            Message(
                N_("{field} '{value}' is not a date in the form YYYY-MM-DD"),
                field=field,
                value=str(text).strip(),
            )
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


# ---- the forms analysts' spreadsheets use (column-mapped imports) -----------------------------
#
# ``parse_day`` above stays strict (links, forms, the native/ACLED/UCDP formats). A column-mapped
# import reads every date of a column through :func:`parse_event_day`, which also accepts
# numeric day/month/year dates in an order decided once for the whole column
# (:func:`day_order`), month names in Spanish and English, and periods (a month or a year), and
# :func:`from_parts` for dates split in day, month and year columns.

DAY_FIRST = "dmy"  # 02/09/2022 is 2 September 2022 (Colombian usage)
MONTH_FIRST = "mdy"  # 09/02/2022 12:00:00 AM is 2 September 2022 (the datos.gov.co portal)
DATE_ORDERS = (DAY_FIRST, MONTH_FIRST)

MONTHS: dict[str, int] = {
    # Spanish
    "enero": 1, "ene": 1, "febrero": 2, "feb": 2, "marzo": 3, "mar": 3, "abril": 4, "abr": 4,
    "mayo": 5, "may": 5, "junio": 6, "jun": 6, "julio": 7, "jul": 7, "agosto": 8, "ago": 8,
    "septiembre": 9, "setiembre": 9, "sep": 9, "sept": 9, "set": 9, "octubre": 10, "oct": 10,
    "noviembre": 11, "nov": 11, "diciembre": 12, "dic": 12,
    # English (those not spelt as in Spanish)
    "january": 1, "jan": 1, "february": 2, "march": 3, "april": 4, "apr": 4, "june": 6,
    "july": 7, "august": 8, "aug": 8, "september": 9, "october": 10, "november": 11,
    "december": 12, "dec": 12,
}  # fmt: skip

_TIME = r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?P<ampm>[ap]\.?\s?m\.?)?)?"
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})" + _TIME, re.IGNORECASE)
_YEAR_FIRST = re.compile(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})" + _TIME, re.IGNORECASE)
_SEP = r"(?:\s+de(?:l)?\s+|[\s/.\-,]+)"
_NAME = r"([^\W\d_]+)\.?"
_DAY_NAME_YEAR = re.compile(rf"(\d{{1,2}}){_SEP}{_NAME}{_SEP}(\d{{4}})" + _TIME, re.IGNORECASE)
_NAME_DAY_YEAR = re.compile(rf"{_NAME}\s+(\d{{1,2}})(?:,\s*|\s+de\s+|\s+)(\d{{4}})", re.IGNORECASE)
_NAME_YEAR = re.compile(rf"{_NAME}{_SEP}(\d{{4}})", re.IGNORECASE)
_YEAR_MONTH = re.compile(r"(\d{4})[/\-](\d{1,2})")
_YEAR = re.compile(r"(\d{4})(?:\.0+)?")


def _month(name: str) -> int | None:
    return MONTHS.get(_fold(name))


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _year(text: str) -> int:
    """A four-digit year as written; a two-digit one in the last hundred years (``22`` is 2022,
    ``95`` is 1995)."""
    year = int(text)
    if len(text) == 2:
        now = date.today().year
        year += 2000 if 2000 + year <= now else 1900
    return year


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True)
class DayOrder:
    """How the numeric dates of a column are read, and why.

    ``order`` is :data:`DAY_FIRST` or :data:`MONTH_FIRST`; ``decided`` says whether the column
    itself showed it (a first part above 12 is a day, a second part above 12 is a day) rather
    than a convention (``reason`` says which); ``numeric`` whether the column has numeric dates
    at all (without any, the order changes nothing).
    """

    order: str
    decided: bool
    reason: str
    numeric: bool = True


def day_order(values: Iterable[object], *, given: str | None = None) -> DayOrder:
    """The order of day and month in a column's numeric dates (``02/09/2022``), decided from the
    whole column, never row by row.

    A first part above 12 can only be a day, a second part above 12 only a day too: the column
    shows its order as soon as one date has either. A column showing both is inconsistent
    (:class:`DateError` naming one date of each kind). A column where every date could be read
    either way follows ``given`` if any, else the form: a time written with AM/PM is the US
    portal export (month first), anything else Colombian usage (day first), with
    ``decided=False`` so callers can say so.
    """
    if given is not None:
        if given not in DATE_ORDERS:
            raise DateError(
                Message(
                    N_("date order '{value}' is not one of {known}"),
                    value=given,
                    known=", ".join(DATE_ORDERS),
                )
            )
        return DayOrder(given, True, Message(N_("as the layout says")))
    day_first = month_first = None
    ampm = numeric = False
    for value in dict.fromkeys(map(str, values)):  # each once, in the column's order
        match = _NUMERIC.fullmatch(value.strip())
        if not match:
            continue
        numeric = True
        first, second = int(match.group(1)), int(match.group(2))
        ampm = ampm or bool(match.group("ampm"))
        if first > 12 and second <= 12:
            day_first = day_first or value.strip()
        elif second > 12 and first <= 12:
            month_first = month_first or value.strip()
    if day_first and month_first:
        raise DateError(
            Message(
                N_(
                    "the dates mix day/month orders: '{day_first}' is day first, "
                    "'{month_first}' month first; make the column consistent"
                ),
                day_first=day_first,
                month_first=month_first,
            )
        )
    if day_first:
        why = Message(N_("day first: '{value}' has a day above 12"), value=day_first)
        return DayOrder(DAY_FIRST, True, why)
    if month_first:
        why = Message(N_("month first: '{value}' has a day above 12"), value=month_first)
        return DayOrder(MONTH_FIRST, True, why)
    if not numeric:
        why = Message(N_("no numeric dates (the order changes nothing)"))
        return DayOrder(DAY_FIRST, False, why, False)
    if ampm:
        why = Message(N_("every date reads either way; AM/PM times: US order"))
        return DayOrder(MONTH_FIRST, False, why)
    why = Message(N_("every date reads either way; read day first (DD/MM)"))
    return DayOrder(DAY_FIRST, False, why)


def parse_event_day(
    text: object, *, field: str = "date", order: str = DAY_FIRST
) -> tuple[date, str]:
    """The day (or the first day of the month or year) ``text`` names, and its precision (day,
    month or year).

    Accepted: every form of :func:`parse_day`; ``DD/MM/YYYY`` or ``MM/DD/YYYY`` (``order``, see
    :func:`day_order`; also with ``-`` or ``.``, a two-digit year, and a time such as
    ``12:00:00 AM``); ``YYYY/MM/DD``; month names in Spanish or English (``2 de septiembre de
    2022``, ``02-sep-2022``, ``September 2, 2022``); and periods: ``YYYY-MM``, ``YYYY``,
    ``septiembre de 2022`` / ``sep-2022`` (precision month or year).
    """
    raw = str(text).strip()
    found = _parse_event(raw, order)
    if found is None:
        raise DateError(
            Message(
                N_(
                    "bad {field} '{value}' (expected a date such as 2022-09-02, {numeric}, "
                    "2 de septiembre de 2022, 2022-09 or 2022)"
                ),
                field=field,
                value=raw,
                numeric="02/09/2022" if order == DAY_FIRST else "09/02/2022",
            )
        )
    return found


def _parse_event_text(text: str, order: str) -> tuple[date, str] | None:
    if not text:
        return None
    strict = _parse(text, False, False)
    if strict is not None:
        return strict, "day"
    if match := _NUMERIC.fullmatch(text):
        first, second = int(match.group(1)), int(match.group(2))
        day, month = (first, second) if order == DAY_FIRST else (second, first)
        found = _day(_year(match.group(3)), month, day)
        return (found, "day") if found else None
    if match := _YEAR_FIRST.fullmatch(text):
        found = _day(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        return (found, "day") if found else None
    if match := _DAY_NAME_YEAR.fullmatch(text):
        named = _month(match.group(2))
        found = _day(int(match.group(3)), named, int(match.group(1))) if named else None
        return (found, "day") if found else None
    if match := _NAME_DAY_YEAR.fullmatch(text):
        named = _month(match.group(1))
        found = _day(int(match.group(3)), named, int(match.group(2))) if named else None
        return (found, "day") if found else None
    if match := _NAME_YEAR.fullmatch(text):
        named = _month(match.group(1))
        return (date(int(match.group(2)), named, 1), "month") if named else None
    if match := _YEAR_MONTH.fullmatch(text):
        found = _day(int(match.group(1)), int(match.group(2)), 1)
        return (found, "month") if found else None
    if match := _YEAR.fullmatch(text):
        year = int(match.group(1))
        return (date(year, 1, 1), "year") if year >= 1 else None
    return None


_parse_event = lru_cache(maxsize=65536)(_parse_event_text)


def from_parts(day: object, month: object, year: object) -> tuple[date, str]:
    """A date split in day, month and year cells, where 0 or empty means unknown: the day
    (precision day), else the first of the month (month), else the first of the year (year).

    The month may be a number or a month name. A year that is 0 or empty, or a day that the
    month does not have, is a :class:`DateError` saying so.
    """
    d, m, y = (_part(v) for v in (day, month, year))
    if not y:
        raise DateError(
            Message(
                N_("the year is {value} (unknown): a case needs at least its year"),
                value=_shown(year),
            )
        )
    try:
        year_n = int(float(y))
    except ValueError:
        raise DateError(Message(N_("the year '{value}' is not a number"), value=y)) from None
    if year_n != float(y) or not 1 <= year_n <= 9999:
        raise DateError(Message(N_("the year '{value}' is not a year"), value=y))
    if not m:
        return date(year_n, 1, 1), "year"
    month_n = _month_number(m)
    if month_n is None:
        raise DateError(
            Message(N_("the month '{value}' is not a month (1-12 or its name)"), value=m)
        )
    if not d:
        return date(year_n, month_n, 1), "month"
    try:
        day_n = int(float(d))
    except ValueError:
        raise DateError(Message(N_("the day '{value}' is not a number"), value=d)) from None
    found = _day(year_n, month_n, day_n) if day_n == float(d) else None
    if found is None:
        raise DateError(
            Message(
                N_("day {day} does not exist in {month}"),
                day=d,
                month=f"{year_n}-{month_n:02d}",
            )
        )
    return found, "day"


def _part(value: object) -> str:
    """A date part's text, '' when empty or 0 (unknown)."""
    if value is None or value != value:  # noqa: PLR0124 - NaN
        return ""
    text = str(value).strip()
    try:
        return "" if float(text) == 0 else text
    except ValueError:
        return text


def _shown(value: object) -> str:
    text = "" if value is None or value != value else str(value).strip()  # noqa: PLR0124
    return f"'{text}'" if text else Message(N_("empty"))


def _month_number(text: str) -> int | None:
    try:
        number = float(text)
    except ValueError:
        return _month(text.rstrip("."))
    return int(number) if number == int(number) and 1 <= number <= 12 else None
