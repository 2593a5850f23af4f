"""Alerts: places whose incidents or fatalities rise well above their own baseline, and actors
new to a municipality (issue 16; ACLED's trackers stop at the department).

**The rule.** Time is cut into whole periods (weeks of 7 days, or calendar-length months) going
back from the *as-of* day: the current period is the one ending on the as-of day (the week
``as_of - 6 … as_of``; the month from the day after the same day of the previous month to
``as_of``), and the baseline is the :data:`BASELINE_PERIODS` (6) periods before it. The as-of
day is, unless given, **the date of the last incident in view** (the filters, their date range
included) — not today, so an old dataset or a narrowed date range still has alerts. Counting
uses the other filters (event types, actors, place, events or reports), not their date range:
the periods set the dates.

A municipality or department is **flagged** when, in the chosen metric,

- its count in the current period is at least :data:`RISE_FACTOR` (2) times the mean of its
  counts in the baseline periods (periods without incidents count as 0): a rise of at least
  100 %; **and**
- its count is at least :data:`MIN_COUNT` (3 incidents, or 5 fatalities), so that a quiet place
  does not flag on one event.

With a baseline mean of 0 the rise is not a number (shown as "new"); the minimum decides.
A department counts all its incidents, those placed only to it included.

An actor is **new** in a place when an incident of the current period there names it (in any
role: :mod:`conflictmap.actor_relation`) and no incident of the baseline periods there does.
Placeholders are not actors for this (:func:`is_placeholder`): class-level actors ("Unidentified
paramilitary group", "Civilians") and the unidentified class ("Unknown perpetrator").

All SQL here runs on DuckDB and PostgreSQL alike: period boundaries are computed in Python and
bound as DATE parameters.
"""

from __future__ import annotations

import calendar
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import pandas as pd

from conflictmap import dialect, i18n, store
from conflictmap.actor_relation import incident_actors
from conflictmap.actors import ActorRegistry, default_registry, normalise_actor
from conflictmap.filters import METRICS, Filters, Params, param_value
from conflictmap.i18n import N_, _
from conflictmap.queries import Where, where

Db = str | os.PathLike[str] | None

PERIODS = ("week", "month")
BASELINE_PERIODS = 6
RISE_FACTOR = 2  # current >= 2 x baseline mean: a rise of at least 100 %
MIN_COUNT = {"incidents": 3, "fatalities": 5}
LEVELS = ("municipality", "department")

RULE = N_(
    "A place is flagged when its {metric} in the current {period} are at least double the "
    "mean of its previous {n} {periods} (a rise of at least 100 %) and at least {minimum}, so "
    "that a quiet place does not flag on one event. An actor is new when it is named there in "
    "the current {period} and in none of the previous {n} (unidentified and class-level "
    "actors are left out). Periods end on {as_of}: {as_of_source}."
)
AS_OF_LAST = N_("the date of the last incident in view, not today")
AS_OF_GIVEN = N_("the day chosen")
PERIOD_LABELS = {"week": N_("week"), "month": N_("month")}
PERIOD_PLURALS = {"week": N_("weeks"), "month": N_("months")}
METRIC_WORDS = {"incidents": N_("incidents"), "fatalities": N_("fatalities")}
LEVEL_LABELS = {"municipality": N_("Municipality"), "department": N_("Department")}

# names that stand for no one in particular, when the registry does not know the name
_PLACEHOLDER_WORDS = (
    "unidentified", "unknown", "desconocid", "no identificad", "sin identificar",
    "sin informacion", "sin atribucion",
)  # fmt: skip


# ---- periods -----------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, kept within the month (31 March - 1 month = 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _check(period: str, metric: str = "incidents") -> None:
    if period not in PERIODS:
        raise ValueError(f"unknown period '{period}' (use one of: {', '.join(PERIODS)})")
    if metric not in METRICS:
        raise ValueError(f"unknown measure '{metric}' (use one of: {', '.join(METRICS)})")


def spans(as_of: date, period: str, n: int = BASELINE_PERIODS) -> tuple[tuple[date, date], ...]:
    """(first day, last day) of the current period (first) and the ``n`` before it, newest
    first: whole weeks or months back from ``as_of``."""
    _check(period)

    def end(k: int) -> date:  # the last day of the k-th period back
        return as_of - timedelta(days=7 * k) if period == "week" else add_months(as_of, -k)

    return tuple((end(k + 1) + timedelta(days=1), end(k)) for k in range(n + 1))


# ---- the rule ----------------------------------------------------------------------------------


def is_flagged(current: int, baseline_mean: float, metric: str = "incidents") -> bool:
    """The rule (see the module docstring): at least double the baseline mean and at least
    the minimum count of the metric."""
    return current >= MIN_COUNT[metric] and current >= RISE_FACTOR * baseline_mean


def rise_pct(current: int, baseline_mean: float) -> float | None:
    """The rise over the baseline mean in percent; None when the mean is 0."""
    if baseline_mean <= 0:
        return None
    return (current - baseline_mean) / baseline_mean * 100


def is_placeholder(name: str, registry: ActorRegistry | None = None) -> bool:
    """Whether an actor name stands for no particular group: a class-level actor ("Civilians",
    "Unidentified paramilitary group"), the unidentified class, or an unknown name saying so."""
    registry = registry or default_registry()
    try:
        actor = registry.get(name)
    except KeyError:
        folded = normalise_actor(name)
        return any(word in folded for word in _PLACEHOLDER_WORDS)
    return actor.class_level or actor.actor_class == "unidentified"


@dataclass(frozen=True)
class Alert:
    """One place: its counts in the window and what the rule says of them."""

    level: str  # "municipality" | "department"
    code: str
    dept_code: str
    current: int  # the metric in the current period
    baseline: tuple[int, ...]  # the metric in each baseline period, newest first
    flagged: bool
    new_actors: tuple[str, ...] = ()

    @property
    def baseline_mean(self) -> float:
        return sum(self.baseline) / len(self.baseline) if self.baseline else 0.0

    @property
    def rise_pct(self) -> float | None:
        return rise_pct(self.current, self.baseline_mean)

    def rank(self) -> tuple[object, ...]:
        rise = self.rise_pct
        return (
            not self.flagged,
            -(math.inf if rise is None else rise),
            -self.current,
            LEVELS.index(self.level),
            self.code,
        )


@dataclass(frozen=True)
class Alerts:
    """Every place with an incident in the window or a new actor, ranked: flagged first (by
    rise, a place without baseline first), then places with new actors only."""

    period: str
    metric: str
    as_of: date | None  # None: no incident in view
    as_of_is_last: bool  # the default: the last incident in view
    spans: tuple[tuple[date, date], ...]
    places: tuple[Alert, ...] = field(default_factory=tuple)

    @property
    def alerts(self) -> tuple[Alert, ...]:
        """The ranked table: places flagged, or with a new actor."""
        return tuple(a for a in self.places if a.flagged or a.new_actors)

    def rule(self) -> str:
        """The rule in words, in the interface language."""
        return rule_text(self.period, self.metric, self.as_of, self.as_of_is_last)


def rule_text(period: str, metric: str, as_of: date | None, as_of_is_last: bool = True) -> str:
    return _(RULE).format(
        metric=_(METRIC_WORDS[metric]),
        period=_(PERIOD_LABELS[period]),
        periods=_(PERIOD_PLURALS[period]),
        n=BASELINE_PERIODS,
        minimum=MIN_COUNT[metric],
        as_of=as_of.isoformat() if as_of else "—",
        as_of_source=_(AS_OF_LAST) if as_of_is_last else _(AS_OF_GIVEN),
    )


# ---- SQL ---------------------------------------------------------------------------------------


def last_day(con: dialect.Connection, filters: Filters) -> date | None:
    """The date of the last incident in view (the default as-of day)."""
    w = where(con, filters)
    (last,) = con.execute(
        f"SELECT max(event_date) FROM incidents WHERE {w.sql}", w.params
    ).fetchall()[0]
    if last is None:
        return None
    return last if isinstance(last, date) else pd.Timestamp(last).date()


def _period_case(starts: list[date]) -> tuple[str, list[object]]:
    """SQL: the period index (0 current … n) of ``event_date``, from each period's first day."""
    whens = " ".join(f"WHEN event_date >= ? THEN {k}" for k in range(len(starts)))
    return f"CASE {whens} ELSE {len(starts)} END", list(starts)


def compute(
    con: dialect.Connection,
    filters: Filters,
    period: str = "month",
    *,
    metric: str = "incidents",
    as_of: date | None = None,
    registry: ActorRegistry | None = None,
) -> Alerts:
    """The alerts of the incidents in view (see the module docstring for the rule)."""
    _check(period, metric)
    given = as_of is not None
    as_of = as_of or last_day(con, filters)
    if as_of is None:
        return Alerts(period, metric, None, not given, ())
    windows = spans(as_of, period)
    first, last = windows[-1][0], windows[0][1]
    counting = replace(filters, date_from=None, date_to=None)  # the periods set the dates
    w = where(con, counting)
    case, case_params = _period_case([s for s, _e in windows])
    column = "count(*)" if metric == "incidents" else "coalesce(sum(fatalities), 0)"
    rows = con.execute(
        f"""SELECT dept_code, muni_code, {case} AS k, CAST({column} AS BIGINT) AS n
            FROM incidents
            WHERE {w.sql} AND event_date >= ? AND event_date <= ? AND dept_code IS NOT NULL
            GROUP BY 1, 2, 3""",
        [*case_params, *w.params, first, last],
    ).fetchall()
    periods = len(windows)
    munis: dict[str, list[int]] = {}
    depts: dict[str, list[int]] = {}
    for dept, muni, k, n in rows:
        depts.setdefault(str(dept), [0] * periods)[int(k)] += int(n)
        if muni:
            munis.setdefault(str(muni), [0] * periods)[int(k)] += int(n)
    new_muni, new_dept = _new_actors(con, w, windows, registry or default_registry())
    places: list[Alert] = []
    for level, counts, new in (
        ("municipality", munis, new_muni),
        ("department", {} if filters.muni else depts, {} if filters.muni else new_dept),
    ):
        for code in sorted(set(counts) | set(new)):
            values = counts.get(code, [0] * periods)
            baseline = tuple(values[1:])
            mean = sum(baseline) / len(baseline)
            places.append(
                Alert(
                    level=level,
                    code=code,
                    dept_code=code[:2],
                    current=values[0],
                    baseline=baseline,
                    flagged=is_flagged(values[0], mean, metric),
                    new_actors=tuple(sorted(new.get(code, ()))),
                )
            )
    places.sort(key=Alert.rank)
    return Alerts(period, metric, as_of, not given, windows, tuple(places))


def _new_actors(
    con: dialect.Connection,
    w: Where,
    windows: tuple[tuple[date, date], ...],
    registry: ActorRegistry,
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Actors named in the current period and in no baseline period: by municipality, and by
    department."""
    sql, params = w.sql, list(w.params)
    current_start = windows[0][0]
    first, last = windows[-1][0], windows[0][1]
    relation = incident_actors("f", ["dept_code", "muni_code", "event_date"])
    rows = con.execute(
        f"""WITH f AS (SELECT incident_id, actor1, actor2, assoc_actors, dept_code, muni_code,
                              event_date FROM incidents
                       WHERE {sql} AND event_date >= ? AND event_date <= ?
                             AND dept_code IS NOT NULL)
            SELECT dept_code, muni_code, actor,
                   max(CASE WHEN event_date >= ? THEN 1 ELSE 0 END) AS now_seen,
                   max(CASE WHEN event_date < ? THEN 1 ELSE 0 END) AS before_seen
            FROM ({relation}) r GROUP BY 1, 2, 3""",
        [*params, first, last, current_start, current_start],
    ).fetchall()
    munis: dict[str, set[str]] = {}
    dept_now: dict[str, set[str]] = {}
    dept_before: dict[str, set[str]] = {}
    for dept, muni, actor, now_seen, before_seen in rows:
        if is_placeholder(actor, registry):
            continue
        if now_seen:
            dept_now.setdefault(str(dept), set()).add(actor)
        if before_seen:
            dept_before.setdefault(str(dept), set()).add(actor)
        if muni and now_seen and not before_seen:
            munis.setdefault(str(muni), set()).add(actor)
    # in a municipality, an actor seen before in a baseline row of the same municipality was
    # grouped with it above (one row per place and actor): only the department needs merging
    depts = {
        d: names - dept_before.get(d, set())
        for d, names in dept_now.items()
        if names - dept_before.get(d, set())
    }
    return munis, depts


# ---- JSON (the command line) -------------------------------------------------------------------


def as_json(result: Alerts, names: Mapping[str, str] | None = None) -> dict[str, object]:
    """The alerts as the ``alerts`` command prints them (English keys in every language)."""
    names = names or {}
    return {
        "period": result.period,
        "metric": result.metric,
        "as_of": result.as_of.isoformat() if result.as_of else None,
        "as_of_is_last_incident": result.as_of_is_last,
        "baseline_periods": BASELINE_PERIODS,
        "rule": {
            "rise_factor": RISE_FACTOR,
            "min_count": MIN_COUNT[result.metric],
            "text": result.rule(),
        },
        "current_period": _span_json(result.spans[0]) if result.spans else None,
        "baseline": [_span_json(s) for s in result.spans[1:]],
        "alerts": [
            {
                "level": a.level,
                "code": a.code,
                "place": names.get(a.code, a.code),
                "department": names.get(a.dept_code, a.dept_code),
                "current": a.current,
                "baseline": list(a.baseline),
                "baseline_mean": round(a.baseline_mean, 2),
                "rise_pct": None if a.rise_pct is None else round(a.rise_pct, 1),
                "flagged": a.flagged,
                "new_actors": list(a.new_actors),
            }
            for a in result.alerts
        ],
    }


def _span_json(span: tuple[date, date]) -> dict[str, str]:
    return {"from": span[0].isoformat(), "to": span[1].isoformat()}


# ---- the page's view model ---------------------------------------------------------------------


@dataclass(frozen=True)
class AlertOptions:
    """The Watchlist page's options in the URL: ``period``, ``metric`` and, while the view is a
    saved watchlist's, ``watch`` (its name)."""

    period: str = "month"
    metric: str = "incidents"
    watch: str | None = None

    def __post_init__(self) -> None:
        _check(self.period, self.metric)

    def to_params(self) -> dict[str, str]:
        params = {"period": self.period, "metric": self.metric}
        if self.watch:
            params["watch"] = self.watch
        return params


def read_options(params: Params) -> AlertOptions:
    """The page's options from a link (lenient: a bad value is the default)."""
    period, metric = param_value(params, "period"), param_value(params, "metric")
    return AlertOptions(
        period=period if period in PERIODS else "month",
        metric=metric if metric in METRICS else "incidents",
        watch=param_value(params, "watch"),
    )


@dataclass(frozen=True)
class AlertView:
    """What the Watchlist page shows: the rule, the ranked table and the map."""

    result: Alerts
    table: pd.DataFrame  # the ranked rows, columns named in the interface language
    rule: str
    window: str  # "current: … · baseline: …"
    spec: object  # a map_model.MapSpec (None: nothing in view)
    flagged: int


def period_label(period: str) -> str:
    return _(PERIOD_LABELS[period])


def metric_label(metric: str) -> str:
    return _(METRIC_WORDS[metric])


def _rise_text(alert: Alert) -> str:
    rise = alert.rise_pct
    if rise is None:
        return _("new") if alert.current else "—"
    return f"{i18n.number(round(rise, 1), decimals=1)} %"


def table_rows(
    result: Alerts, names: Mapping[str, str], places: Iterable[str] = ()
) -> pd.DataFrame:
    """The ranked table: place, department, current, baseline mean, rise, new actors. With
    ``places`` (a watchlist's codes), every watched place (a department's municipalities
    included), flagged or not; otherwise the places flagged or with a new actor."""
    watched = set(places)
    if watched:
        chosen = [
            a for a in result.places
            if a.code in watched or (a.level == "municipality" and a.dept_code in watched)
        ]  # fmt: skip
        present = {a.code for a in chosen}
        chosen += [_quiet(code, result) for code in sorted(watched - present)]
    else:
        chosen = list(result.alerts)
    return pd.DataFrame(
        {
            _("Place"): [names.get(a.code, a.code) for a in chosen],
            _("Level"): [_(LEVEL_LABELS[a.level]) for a in chosen],
            _("Department"): [names.get(a.dept_code, a.dept_code) for a in chosen],
            _("Current"): [a.current for a in chosen],
            _("Baseline mean"): [round(a.baseline_mean, 2) for a in chosen],
            _("Rise"): [_rise_text(a) for a in chosen],
            _("Flagged"): [a.flagged for a in chosen],
            _("New actors"): [", ".join(a.new_actors) for a in chosen],
            "code": [a.code for a in chosen],
        }
    )


def _quiet(code: str, result: Alerts) -> Alert:
    """A watched place without any incident in the window."""
    level = "department" if len(code) == 2 else "municipality"
    return Alert(level, code, code[:2], 0, (0,) * max(len(result.spans) - 1, 0), False)


def load_view(
    filters: Filters,
    options: AlertOptions,
    *,
    as_of: date | None = None,
    places: Iterable[str] = (),
    geo: object = None,
    db: Db = None,
) -> AlertView:
    """Everything the Watchlist page draws. ``geo``: the Geography (names and the map)."""
    from conflictmap.map_model import FlaggedPlace, MapSpec

    with store.connect(db, read_only=True) as con:
        result = compute(con, filters, options.period, metric=options.metric, as_of=as_of)
    names: Mapping[str, str] = getattr(geo, "code_names", {}) if geo is not None else {}
    watched = tuple(places)
    table = table_rows(result, names, watched)
    window = ""
    if result.spans:
        (cur_from, cur_to), (base_from, base_to) = result.spans[0], (
            result.spans[-1][0],
            result.spans[1][1],
        )
        window = _("Current {period}: {start} – {end} · baseline: {base_start} – {base_end}").format(
            period=period_label(options.period),
            start=i18n.day(cur_from),
            end=i18n.day(cur_to),
            base_start=i18n.day(base_from),
            base_end=i18n.day(base_to),
        )
    spec = None
    if result.spans:
        level = "municipality" if filters.dept else "department"
        current = [a for a in result.places if a.level == level]
        aggregates = pd.DataFrame(
            {
                "code": [a.code for a in current],
                "incidents": [a.current for a in current],
                "fatalities": [a.current for a in current],
            }
        )
        marked = [
            a for a in result.places
            if (a.flagged or a.new_actors) and (not watched or a.code in set(table["code"]))
        ]  # fmt: skip
        spec = MapSpec(
            level=level,
            metric=options.metric,
            aggregates=aggregates,
            points=pd.DataFrame(),
            total_incidents=int(sum(a.current for a in current)),
            dept=filters.dept,
            muni=filters.muni,
            point_budget=0,
            caption=window,
            flagged=tuple(
                FlaggedPlace(
                    code=a.code,
                    level=a.level,
                    tooltip=_flag_tooltip(a, names),
                    strong=a.flagged,
                )
                for a in marked
            ),
        )
    return AlertView(
        result=result,
        table=table,
        rule=result.rule(),
        window=window,
        spec=spec,
        flagged=sum(1 for a in result.places if a.flagged),
    )


def _flag_tooltip(alert: Alert, names: Mapping[str, str]) -> str:
    """Plain text (the map escapes it)."""
    text = _("{place}: {current} now, baseline mean {mean}, rise {rise}").format(
        place=names.get(alert.code, alert.code),
        current=i18n.number(alert.current),
        mean=i18n.number(round(alert.baseline_mean, 2), decimals=2),
        rise=_rise_text(alert),
    )
    if alert.new_actors:
        text += " · " + _("new actors: {names}").format(names=", ".join(alert.new_actors))
    return text
