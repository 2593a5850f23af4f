"""The Filters value object (dates, actors, event types, place) and the map view options.

Both convert to and from URL query parameters (the same names on every page and in the CLI):
``from``, ``to``, ``actor`` and ``type`` (repeatable), ``dept`` and ``muni`` (DIVIPOLA codes),
``level``, ``metric``, ``style`` (choropleth or hexagons), ``count=reports`` (count every
report, rather than each event once: conflictmap/matching.py). A copied URL reproduces the view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from conflictmap.actors import class_label, class_of_token
from conflictmap.divipola import dept_of  # not geography: filters need no geopandas
from conflictmap.schema import EARLIEST, EVENT_TYPES

LEVELS = ("department", "municipality")
METRICS = ("incidents", "fatalities")
# What fills the map: the choropleth of places, or H3 hexagons (conflictmap/hexagons.py)
STYLES = ("choropleth", "hexagons")
# What a figure counts: each event once (reports of it in several datasets matched, the default)
# or every report (conflictmap/matching.py)
COUNTS = ("events", "reports")
# No stored incident is older: the importer refuses earlier dates (schema.parse_date). Date
# widgets never go below it, so a calendar stays usable and every stored date stays reachable.

Params = Mapping[str, str | Sequence[str]]


def param_value(params: Params, key: str) -> str | None:
    """A URL parameter's value: the last one given (a link may repeat a name), stripped; None
    when absent or empty. Values come as Streamlit gives them (a list) or as plain strings."""
    value = params.get(key)
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    return str(value).strip() if value else None


def param_values(params: Params, key: str) -> tuple[str, ...]:
    """A repeatable URL parameter's values, stripped, without empty ones or repeats."""
    value = params.get(key)
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    actors: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    dept: str | None = None
    muni: str | None = None
    count: str = "events"  # or "reports": see COUNTS

    def __post_init__(self) -> None:
        if self.count not in COUNTS:
            raise ValueError(f"count must be one of {', '.join(COUNTS)}, not {self.count!r}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date range starts ({self.date_from}) after it ends ({self.date_to})")
        unknown = [t for t in self.event_types if t not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown event type(s): {', '.join(unknown)}")
        if self.muni and self.dept and not self.muni.startswith(self.dept):
            raise ValueError(f"municipality {self.muni} is not in department {self.dept}")

    @property
    def place_code(self) -> str | None:
        return self.muni or self.dept

    def with_place(self, dept: str | None, muni: str | None = None) -> Filters:
        return replace(self, dept=dept, muni=muni)

    def to_params(self) -> dict[str, str | list[str]]:
        params: dict[str, str | list[str]] = {}
        if self.date_from:
            params["from"] = self.date_from.isoformat()
        if self.date_to:
            params["to"] = self.date_to.isoformat()
        if self.actors:
            params["actor"] = list(self.actors)
        if self.event_types:
            params["type"] = list(self.event_types)
        if self.dept:
            params["dept"] = self.dept
        if self.muni:
            params["muni"] = self.muni
        if self.count != "events":
            params["count"] = self.count
        return params

    @classmethod
    def from_params(cls, params: Params) -> tuple[Filters, list[str]]:
        """Parse URL parameters leniently: bad values are dropped and reported, never fatal.
        (Pages read a link through :func:`conflictmap.url_params.read`.)"""
        problems: list[str] = []

        def one(key: str) -> str | None:
            return param_value(params, key)

        def many(key: str) -> tuple[str, ...]:
            return param_values(params, key)

        def day(key: str) -> date | None:
            text = one(key)
            if not text:
                return None
            try:
                return date.fromisoformat(text)
            except ValueError:
                problems.append(f"ignored '{key}={text}': not a YYYY-MM-DD date")
                return None

        date_from, date_to = day("from"), day("to")
        if date_from and date_to and date_from > date_to:
            problems.append("ignored the date range: 'from' is after 'to'")
            date_from = date_to = None
        types = many("type")
        bad_types = [t for t in types if t not in EVENT_TYPES]
        if bad_types:
            problems.append(f"ignored unknown event type(s): {', '.join(bad_types)}")
        dept, muni = one("dept"), one("muni")
        if dept and not (dept.isascii() and dept.isdigit() and len(dept) == 2):
            problems.append(f"ignored 'dept={dept}': not a 2-digit DIVIPOLA code")
            dept = None
        if muni and not (muni.isascii() and muni.isdigit() and len(muni) == 5):
            problems.append(f"ignored 'muni={muni}': not a 5-digit DIVIPOLA code")
            muni = None
        if muni:
            dept = dept_of(muni)  # a municipality is in its own department, whatever ?dept says
        count = one("count") or "events"
        if count not in COUNTS:
            problems.append(f"ignored 'count={count}': not one of {', '.join(COUNTS)}")
            count = "events"
        filters = cls(
            date_from=date_from,
            date_to=date_to,
            actors=many("actor"),
            event_types=tuple(t for t in types if t in EVENT_TYPES),
            dept=dept,
            muni=muni,
            count=count,
        )
        return filters, problems


@dataclass(frozen=True)
class ViewOptions:
    level: str = "department"
    metric: str = "incidents"
    style: str = "choropleth"  # URL ``style``, written only when not the default

    def to_params(self) -> dict[str, str]:
        params = {"level": self.level, "metric": self.metric}
        if self.style != STYLES[0]:
            params["style"] = self.style
        return params

    @classmethod
    def from_params(cls, params: Params, *, has_dept: bool) -> ViewOptions:
        level, metric = param_value(params, "level"), param_value(params, "metric")
        style = param_value(params, "style")
        default_level = "municipality" if has_dept else "department"
        return cls(
            level=level if level in LEVELS else default_level,
            metric=metric if metric in METRICS else "incidents",
            style=style if style in STYLES else STYLES[0],
        )


def latest(last: date | None = None, today: date | None = None) -> date:
    """The last day a date widget offers: today, or the newest stored day if that is later."""
    today = today or date.today()
    return max(today, last) if last else today


def clamp_dates(
    date_from: date | None,
    date_to: date | None,
    *,
    last: date | None = None,
    today: date | None = None,
) -> tuple[date | None, date | None, list[str]]:
    """A requested range (e.g. from a shared link) moved inside [EARLIEST, latest()], the
    bounds any date widget can show; the problems say what was moved. Never raises."""
    hi = latest(last, today)
    problems: list[str] = []

    def clamp(day: date | None, key: str) -> date | None:
        if day is None:
            return None
        if day < EARLIEST:
            problems.append(
                f"'{key}={day.isoformat()}' is before {day_month_year(EARLIEST)}, the earliest "
                f"date an incident can have: shown from {day_month_year(EARLIEST)}"
            )
            return EARLIEST
        if day > hi:
            problems.append(
                f"'{key}={day.isoformat()}' is after {day_month_year(hi)}, the latest date an "
                f"incident can have: shown up to {day_month_year(hi)}"
            )
            return hi
        return day

    date_from, date_to = clamp(date_from, "from"), clamp(date_to, "to")
    return date_from, date_to, problems


def widget_bounds(
    first: date | None,
    last: date | None,
    requested: Sequence[date | None] = (),
    *,
    today: date | None = None,
) -> tuple[date, date]:
    """min_value and max_value of a date widget: the stored incidents' years (1 January of the
    first one, so a whole year can be chosen, to latest()), widened to take every requested day
    (the widget's current value), so the widget never raises. Without data: [EARLIEST, today].
    Requested days should be clamped first (clamp_dates): no widget then offers a day before
    EARLIEST."""
    days = [d for d in requested if d is not None]
    lo = date(first.year, 1, 1) if first else EARLIEST
    return min([lo, *days]), max([latest(last, today), *days])


def day_month_year(day: date) -> str:
    """ "2 Sep 2022": the style of titles (portable, no platform-specific strftime flags)."""
    return f"{day.day} {day:%b %Y}"


def actor_label(value: str) -> str:
    """An actor filter value in words: a class token as "all paramilitaries"."""
    actor_class = class_of_token(value)
    return class_label(actor_class).lower() if actor_class else value


def describe(filters: Filters, place_label: str | None = None) -> str:
    """The filters in words, for subtitles and captions."""
    from conflictmap import i18n
    from conflictmap.i18n import _
    from conflictmap.text import event_type_label

    def when(d: date) -> str:  # 2 Sep 2022 / 2 sep. 2022
        return i18n.day(d) if i18n.current() == "es" else day_month_year(d)

    parts: list[str] = []
    if filters.date_from or filters.date_to:
        start = when(filters.date_from) if filters.date_from else _("the start")
        end = when(filters.date_to) if filters.date_to else _("today")
        parts.append(f"{start} – {end}")
    else:
        parts.append(_("all dates"))
    parts.append(
        ", ".join(map(event_type_label, filters.event_types))
        if filters.event_types
        else _("all event types")
    )
    parts.append(
        _("actors:") + " " + ", ".join(map(actor_label, filters.actors))
        if filters.actors
        else _("all actors")
    )
    parts.append(place_label or "Colombia")
    return " · ".join(parts)
