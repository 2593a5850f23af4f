"""Time series, comparisons and playback frames for the Trends page, driven by the same Filters.

All aggregation happens in DuckDB on the stored codes and dates. Periods are calendar weeks
(starting Monday), months, quarters or years; a window that only partly covers its first or last
period is reported with the days it covers, so rates stay comparable.

Any year works (memory-centre data goes back to 1958, the importer to 1900): periods are plain
calendar arithmetic on ``date`` values, never on timestamps. A window of many decades at a fine
grain would be thousands of bars or frames: :func:`fit_grain` picks the finest grain that fits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

from conflictmap import dialect
from conflictmap.actor_relation import incident_actors
from conflictmap.classify import Classes, classify
from conflictmap.filters import Filters, day_month_year
from conflictmap.geography import dept_of
from conflictmap.queries import where

GRAINS = ("week", "month", "quarter", "year")
PLAYBACK_STEPS = GRAINS
MAX_CHART_PERIODS = 1000  # bars per series: 83 years by month, 19 years by week
MAX_FRAMES = 300  # map playback frames: 5 years by week, 25 by month, 75 by quarter
_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def _check(grain: str) -> str:
    if grain not in GRAINS:
        raise ValueError(f"unknown period '{grain}' (use one of: {', '.join(GRAINS)})")
    return grain


def period_start(day: date, grain: str) -> date:
    _check(grain)
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "year":
        return date(day.year, 1, 1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_period(start: date, grain: str) -> date:
    if grain == "week":
        return start + timedelta(days=7)
    month = start.month - 1 + _MONTHS[grain]
    return date(start.year + month // 12, month % 12 + 1, 1)


def count_periods(date_from: date, date_to: date, grain: str) -> int:
    """len(periods(date_from, date_to, grain)), without listing them."""
    _check(grain)
    if date_to < date_from:
        return 0
    first, last = period_start(date_from, grain), period_start(date_to, grain)
    if grain == "week":
        return (last - first).days // 7 + 1
    months = (last.year - first.year) * 12 + last.month - first.month
    return months // _MONTHS[grain] + 1


def fit_grain(
    date_from: date,
    date_to: date,
    wanted: str,
    max_periods: int,
    choices: tuple[str, ...] = GRAINS,
) -> str:
    """``wanted``, or the finest coarser grain of ``choices`` that cuts the window into at most
    ``max_periods`` periods (the coarsest if none does): 1958 to today by week would be
    thousands of bars or map frames, by quarter a few hundred."""
    _check(wanted)
    if wanted not in choices:
        raise ValueError(f"'{wanted}' is not one of: {', '.join(choices)}")
    coarser = choices[choices.index(wanted) :]
    for grain in coarser:
        if count_periods(date_from, date_to, grain) <= max_periods:
            return grain
    return coarser[-1]


def periods(date_from: date, date_to: date, grain: str) -> list[tuple[date, date]]:
    """Every period touching [date_from, date_to], clipped to it: (first day, last day)."""
    _check(grain)
    if date_to < date_from:
        return []
    out = []
    start = period_start(date_from, grain)
    while start <= date_to:
        end = next_period(start, grain) - timedelta(days=1)
        out.append((max(start, date_from), min(end, date_to)))
        start = next_period(start, grain)
    return out


def series(con: dialect.Connection, filters: Filters, grain: str) -> pd.DataFrame:
    """period, event_type, incidents, fatalities — every period of the window, zeros included."""
    _check(grain)
    w = where(con, filters)
    frame = con.execute(
        f"""SELECT date_trunc('{grain}', event_date)::DATE AS period, event_type,
                   count(*) AS incidents, coalesce(sum(fatalities), 0)::BIGINT AS fatalities
            FROM incidents WHERE {w.sql} GROUP BY 1, 2 ORDER BY 1, 2""",
        w.params,
    ).df()
    return _complete(frame, filters, grain, "event_type", con)


def window(con: dialect.Connection, filters: Filters) -> tuple[date, date] | None:
    """The filters' date range; an open end is the first or last matching incident's date.
    None when no incident matches an open range."""
    return _window(con, filters)


def _window(con: dialect.Connection, filters: Filters) -> tuple[date, date] | None:
    if filters.date_from and filters.date_to:
        return filters.date_from, filters.date_to
    w = where(con, filters)
    first, last = con.execute(
        f"SELECT min(event_date), max(event_date) FROM incidents WHERE {w.sql}", w.params
    ).fetchall()[0]
    if first is None:
        return None
    return filters.date_from or first, filters.date_to or last


def _complete(
    frame: pd.DataFrame, filters: Filters, grain: str, key: str, con: dialect.Connection
) -> pd.DataFrame:
    """Add the periods (and keys) with no incidents as zeros, so gaps show as gaps."""
    window = _window(con, filters)
    if window is None:
        return frame.assign(days=pd.Series(dtype=int))
    spans = periods(window[0], window[1], grain)
    starts = [period_start(s, grain) for s, _ in spans]
    keys = sorted(frame[key].unique()) if len(frame) else []
    full = pd.MultiIndex.from_product([starts, keys], names=["period", key]).to_frame(index=False)
    frame = frame.assign(period=pd.to_datetime(frame["period"]).dt.date)
    out = full.merge(frame, on=["period", key], how="left").fillna(
        {"incidents": 0, "fatalities": 0}
    )
    out[["incidents", "fatalities"]] = out[["incidents", "fatalities"]].astype(int)
    days = {period_start(s, grain): (e - s).days + 1 for s, e in spans}
    out["days"] = out["period"].map(days)
    return out


def place_series(
    con: dialect.Connection, filters: Filters, places: list[str], grain: str
) -> pd.DataFrame:
    """period, place (code), incidents, fatalities for each department (2 digits) or
    municipality (5 digits) under the same filters (the filters' own place is ignored)."""
    _check(grain)
    base = filters.with_place(None, None)
    parts = []
    for code in places:
        f = base.with_place(dept_of(code), code if len(code) == 5 else None)
        w = where(con, f)
        part = con.execute(
            f"""SELECT date_trunc('{grain}', event_date)::DATE AS period, ? AS place,
                       count(*) AS incidents, coalesce(sum(fatalities), 0)::BIGINT AS fatalities
                FROM incidents WHERE {w.sql} GROUP BY 1 ORDER BY 1""",
            [code, *w.params],
        ).df()
        parts.append(part)
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["period", "place", "incidents", "fatalities"])
    )
    # complete every place over the common window
    window = _window(con, base)
    if window is None:
        return frame
    spans = periods(window[0], window[1], grain)
    starts = [period_start(s, grain) for s, _ in spans]
    full = pd.MultiIndex.from_product([starts, places], names=["period", "place"]).to_frame(
        index=False
    )
    frame = frame.assign(period=pd.to_datetime(frame["period"]).dt.date)
    out = full.merge(frame, on=["period", "place"], how="left").fillna(
        {"incidents": 0, "fatalities": 0}
    )
    out[["incidents", "fatalities"]] = out[["incidents", "fatalities"]].astype(int)
    return out


def _in_view(w_sql: str, column: str) -> str:
    """The incidents in view with the relation's columns and ``column``, as a CTE body."""
    return f"SELECT incident_id, actor1, actor2, assoc_actors, {column} FROM incidents WHERE {w_sql}"


def top_actors(con: dialect.Connection, filters: Filters, n: int = 15) -> pd.DataFrame:
    """actor, incidents (naming it in any role: actor 1, actor 2 or associated), fatalities (of
    those incidents) — the n most active."""
    w = where(con, filters)
    return con.execute(
        f"""WITH f AS ({_in_view(w.sql, "fatalities")}),
            a AS (SELECT DISTINCT incident_id, actor, fatalities
                  FROM ({incident_actors("f", ["fatalities"])}))
            SELECT actor, count(*) AS incidents,
                   coalesce(sum(fatalities), 0)::BIGINT AS fatalities
            FROM a GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?""",
        [*w.params, n],
    ).df()


def actor_matrix(con: dialect.Connection, filters: Filters, n: int = 15) -> pd.DataFrame:
    """actor × event_type incident counts (any role) for the n most active actors."""
    actors = top_actors(con, filters, n)["actor"].tolist()
    w = where(con, filters)
    return con.execute(
        f"""WITH f AS ({_in_view(w.sql, "event_type")}),
            a AS ({incident_actors("f", ["event_type"])})
            SELECT actor, event_type, count(DISTINCT incident_id) AS incidents
            FROM a WHERE list_contains(?::VARCHAR[], actor)
            GROUP BY 1, 2 ORDER BY 1, 2""",
        [*w.params, actors],
    ).df()


@dataclass(frozen=True)
class Window:
    start: date
    end: date
    incidents: int
    fatalities: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def incidents_per_day(self) -> float:
        return self.incidents / self.days

    @property
    def fatalities_per_day(self) -> float:
        return self.fatalities / self.days


@dataclass(frozen=True)
class BeforeAfter:
    pivot: date
    before: Window
    after: Window

    @property
    def incident_rate_change(self) -> float | None:
        """Relative change of the daily incident rate (after vs before); None if before is 0."""
        if self.before.incidents_per_day == 0:
            return None
        return self.after.incidents_per_day / self.before.incidents_per_day - 1

    @property
    def fatality_rate_change(self) -> float | None:
        if self.before.fatalities_per_day == 0:
            return None
        return self.after.fatalities_per_day / self.before.fatalities_per_day - 1


def before_after(
    con: dialect.Connection, filters: Filters, pivot: date, days: int | None = None
) -> BeforeAfter:
    """Counts and daily rates before the pivot day and from it on.

    Without ``days`` the windows run from the filter's start to the day before the pivot and
    from the pivot to the filter's end (usually of unequal length: compare the rates). With
    ``days`` each window is that many days (clipped to the filter's range).
    """
    window = _window(con, filters) or (pivot, pivot)
    lo, hi = window
    before_start = max(lo, pivot - timedelta(days=days)) if days else lo
    after_end = min(hi, pivot + timedelta(days=days - 1)) if days else hi
    before_end = pivot - timedelta(days=1)
    if before_start > before_end or pivot > after_end:
        raise ValueError(
            f"the pivot {pivot} must fall after the start ({lo}) and on or before the end ({hi})"
        )

    def count(start: date, end: date) -> Window:
        w = where(con, replace(filters, date_from=start, date_to=end))
        n, fat = con.execute(
            f"SELECT count(*), coalesce(sum(fatalities), 0) FROM incidents WHERE {w.sql}", w.params
        ).fetchall()[0]
        return Window(start, end, int(n), int(fat))

    return BeforeAfter(pivot, count(before_start, before_end), count(pivot, after_end))


@dataclass(frozen=True)
class Frame:
    start: date
    end: date
    aggregates: pd.DataFrame  # code, incidents, fatalities
    grain: str = "month"

    @property
    def label(self) -> str:
        """The frame's name: "Aug 2022", "Q3 2022", "2022" for a whole period; its days
        otherwise (weeks, and periods clipped by the date range). Unique within a playback."""
        whole = self.grain != "week" and (
            period_start(self.start, self.grain) == self.start
            and next_period(self.start, self.grain) == self.end + timedelta(days=1)
        )
        if whole and self.grain == "month":
            return f"{self.start:%b} {self.start.year}"
        if whole and self.grain == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        if whole and self.grain == "year":
            return str(self.start.year)
        return f"{day_month_year(self.start)} – {day_month_year(self.end)}"


def playback_step(
    con: dialect.Connection, filters: Filters, wanted: str, max_frames: int = MAX_FRAMES
) -> tuple[str, tuple[date, date] | None]:
    """The step playback_frames should use for ``wanted`` (a coarser one when the window would
    need more than ``max_frames`` frames) and the window it plays over."""
    if wanted not in PLAYBACK_STEPS:
        raise ValueError(f"playback steps by {', '.join(PLAYBACK_STEPS)}")
    window = _window(con, filters.with_place(filters.dept, None))
    if window is None:
        return wanted, None
    return fit_grain(*window, wanted, max_frames, PLAYBACK_STEPS), window


def playback_frames(
    con: dialect.Connection, filters: Filters, level: str, grain: str, metric: str
) -> tuple[list[Frame], Classes]:
    """One choropleth frame per period and one set of classes for all frames, so colours
    compare from frame to frame. Choose the step with :func:`playback_step` (at most
    MAX_FRAMES frames): every period of the window is a frame, however many there are."""
    if grain not in PLAYBACK_STEPS:
        raise ValueError(f"playback steps by {', '.join(PLAYBACK_STEPS)}")
    if level not in ("department", "municipality"):
        raise ValueError(f"unknown level '{level}' (department or municipality)")
    column = {"department": "dept_code", "municipality": "muni_code"}[level]
    window = _window(con, filters.with_place(filters.dept, None))
    if window is None:
        return [], classify([])
    context = filters.with_place(filters.dept, None)
    w = where(con, context)
    data = con.execute(
        f"""SELECT date_trunc('{grain}', event_date)::DATE AS period, {column} AS code,
                   count(*) AS incidents, coalesce(sum(fatalities), 0)::BIGINT AS fatalities
            FROM incidents WHERE {w.sql} AND {column} IS NOT NULL GROUP BY 1, 2""",
        w.params,
    ).df()
    data["period"] = pd.to_datetime(data["period"]).dt.date
    columns = ["code", "incidents", "fatalities"]
    by_period = {p: part[columns] for p, part in data.groupby("period", sort=False)}
    empty = data[columns].iloc[0:0]
    frames = []
    for start, end in periods(window[0], window[1], grain):
        part = by_period.get(period_start(start, grain), empty)
        frames.append(Frame(start, end, part.reset_index(drop=True), grain))
    classes = classify(data[metric].tolist())
    return frames, classes
