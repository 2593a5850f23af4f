"""The incident record: fields, event-type taxonomy with fixed colours, and value parsing rules."""

from __future__ import annotations

import math
import re
from datetime import date
from functools import lru_cache

from conflictmap import dates
from conflictmap.i18n import N_
from conflictmap.messages import Message, of

# ACLED-style taxonomy. Colours are Okabe–Ito (colour-blind safe) and are used everywhere:
# map, charts and exports.
EVENT_TYPES: dict[str, str] = {
    "Battles": "#D55E00",
    "Explosions/Remote violence": "#E69F00",
    "Violence against civilians": "#CC79A7",
    "Protests": "#56B4E9",
    "Riots": "#0072B2",
    "Strategic developments": "#009E73",
}
UNKNOWN_COLOUR = "#999999"

DATE_PRECISIONS = ("day", "week", "month", "year")
# The earliest event date accepted anywhere (imports, forms, filters): the Colombian conflict
# data analysts hold begins in 1958 (CNMH); 1900 leaves room for older records.
EARLIEST = dates.EARLIEST
GEO_PRECISIONS = {
    1: "exact place",
    2: "near a place / municipality",
    3: "department only",
    4: "country or region only",
}
# Place precision 3 and 4 incidents count in the figures (national, and their department's when
# it is known) but are never drawn as points: a centroid would claim a precision they lack.
MAPPABLE_PRECISION = 2
# What each precision level means as a place, for "no place finer than <level>" notes.
PRECISION_LEVELS = {1: "point", 2: "municipality", 3: "department", 4: "country or region"}

# Columns of the incidents table, in order (see store.py for the SQL types).
RECORD_COLUMNS = (
    "incident_id",
    "event_date",
    "date_precision",
    "event_type",
    "sub_event_type",
    "event_type_original",
    "actor1",
    "actor2",
    "assoc_actors",
    "actor1_raw",
    "actor2_raw",
    "assoc_actors_raw",
    "fatalities",
    "fatalities_low",
    "fatalities_high",
    "victims",  # people the source counts as victims (nullable; e.g. CNMH, Policía)
    "latitude",
    "longitude",
    "geo_precision",
    "dept_code",
    "muni_code",
    "place_note",
    "location",
    "notes",
    "source",
    "source_url",
    "dataset",
    "imported_at",
    "original",
)

# Cells Colombian sources write for "no value" ("not applicable", "not identified", "no
# information"): a layout's default "no value" cells, and no actor in an actor cell (compared
# folded: case, accents and punctuation ignored).
NO_VALUE_CELLS = (
    "No aplica",
    "No identificada",
    "No identificado",
    "Sin información",
    "Sin informacion",
    "Sin dato",
    "ND",
    "N/D",
    "N/A",
    "NA",
    "No registra",
    "No reporta",
)

_EVENT_TYPE_KEYS = {re.sub(r"[^a-z]", "", k.lower()): k for k in EVENT_TYPES}


class RowError(ValueError):
    """A value that makes a row unacceptable; the message is the reject reason (a
    :class:`~conflictmap.messages.Message`, kept on the reject and shown in the reader's
    language)."""


# reasons several importers give
NOT_A_NUMBER = N_("{field} '{value}' is not a number")
HALF_POINT = N_("latitude and longitude must be given together")
SOURCE_EMPTY = N_("source is empty (every incident needs its source)")
OUTSIDE_SCOPE = N_("outside scope: country is '{country}', not Colombia")


def event_type(value: str) -> str:
    """Canonical event type, case- and punctuation-insensitive; RowError otherwise."""
    key = re.sub(r"[^a-z]", "", str(value).lower())
    if key in _EVENT_TYPE_KEYS:
        return _EVENT_TYPE_KEYS[key]
    if not key:
        raise RowError(Message(N_("event_type is empty")))
    raise RowError(
        Message(
            N_("unknown event_type '{value}' (expected one of: {types})"),
            value=value,
            types=", ".join(EVENT_TYPES),
        )
    )


def parse_date(value: str, *, field: str = "event_date") -> date:
    """An event date (see :mod:`conflictmap.dates` for the forms): from 1900 to today."""
    text = str(value).strip()
    if not text:
        raise RowError(Message(N_("{field} is empty"), field=field))
    try:
        parsed = dates.parse_day(text, field=field)
    except dates.DateError as exc:
        raise RowError(of(exc)) from None
    return check_event_day(parsed, text, field=field)


def check_event_day(parsed: date, text: str, *, field: str = "event_date") -> date:
    """The rule every event date follows, however it was written: from 1900 to today."""
    if parsed < EARLIEST:
        raise RowError(
            Message(
                N_("{field} '{value}' is before {year}"),
                field=field,
                value=text,
                year=str(EARLIEST.year),
            )
        )
    if parsed > date.today():
        raise RowError(Message(N_("{field} '{value}' is in the future"), field=field, value=text))
    return parsed


def parse_fatalities(value: str) -> int | None:
    """Non-negative whole number; empty means unknown (None), never a guessed 0."""
    result = _parse_fatalities_cached(str(value).strip())
    if isinstance(result, str):
        raise RowError(result)
    return result


@lru_cache(maxsize=4096)
def _parse_fatalities_cached(text: str) -> int | None | str:
    try:
        return _fatalities(text)
    except RowError as exc:
        return of(exc)  # a Message: shown later in the reader's language


# "1.000", "25,000": one separator before three digits reads 1 or 25 in one convention and
# 1000 or 25000 in the other (Colombian spreadsheets write 1.000 for a thousand); a count is
# never guessed, so the row is refused with this reason. Two or more such separators
# ("1.000.000") can only be thousands.
_GROUPED = re.compile(r"\d{1,3}([.,])\d{3}(?:\1\d{3})*")
AMBIGUOUS_COUNT = N_(
    "{field} '{value}' is ambiguous: a thousands separator or a decimal mark? "
    "Write the number without separators (e.g. 1000)"
)


def grouped_count(text: str, field: str) -> int | None:
    """The count of a text in thousands groups ("1.000.000" -> 1000000); None when the text is
    not written in groups; RowError when one separator makes it ambiguous ("1.000")."""
    match = _GROUPED.fullmatch(text)
    if match is None:
        return None
    value = int(text.replace(match.group(1), ""))
    if text.count(match.group(1)) == 1 and value:  # "0.000" is 0 either way
        raise RowError(Message(AMBIGUOUS_COUNT, field=field, value=text))
    return value


def _fatalities(text: str) -> int | None:
    if not text:
        return None
    grouped = grouped_count(text, "fatalities")
    if grouped is not None:
        return grouped
    try:
        number = float(text)
    except ValueError:
        raise RowError(Message(N_("fatalities '{value}' is not a number"), value=text)) from None
    if not math.isfinite(number) or number != int(number):
        raise RowError(Message(N_("fatalities '{value}' is not a whole number"), value=text))
    if number < 0:
        raise RowError(Message(N_("fatalities '{value}' is negative"), value=text))
    return int(number)


def parse_coordinate(value: str, *, field: str, low: float, high: float) -> float | None:
    """A decimal degree; a decimal comma ("2,93" from a Spanish spreadsheet) is accepted."""
    text = str(value).strip()
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise RowError(Message(NOT_A_NUMBER, field=field, value=value)) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise RowError(
            Message(
                N_("{field} '{value}' is out of range [{low}, {high}]"),
                field=field,
                value=value,
                low=str(low),
                high=str(high),
            )
        )
    return number


def parse_date_precision(value: str) -> str:
    text = str(value).strip().lower() or "day"
    if text not in DATE_PRECISIONS:
        raise RowError(
            Message(
                N_("date_precision '{value}' is not one of {known}"),
                value=value,
                known=", ".join(DATE_PRECISIONS),
            )
        )
    return text


def parse_geo_precision(value: str) -> int | None:
    text = str(value).strip()
    if not text:
        return None
    if text not in {"1", "2", "3", "4"}:
        raise RowError(Message(N_("geo_precision '{value}' is not 1, 2, 3 or 4"), value=value))
    return int(text)


def parse_url(value: str) -> str:
    """Only http(s) links are kept: a ``javascript:`` URL in a popup would be code."""
    text = str(value).strip()
    if not text:
        return ""
    if not re.match(r"^https?://[^\s<>\"']+$", text, flags=re.IGNORECASE):
        raise RowError(Message(N_("source_url '{value}' is not an http(s) link"), value=text[:80]))
    return text
