"""The Trends page's view model: everything the page shows for a Filters value and its options.

The page reads its widgets, calls these functions (caching :func:`load_trends_view` and
:func:`load_playback`) and draws what comes back: the series by event type, the place
comparison, before/after a date, the most active actors and the actor × event type matrix, the
annotations, and the map playback frames with their :class:`~conflictmap.mapping.MapSpec`.
The computations are :mod:`conflictmap.trends`' and the charts :mod:`conflictmap.charts`'.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from babel.dates import format_date
from pandas.io.formats.style import Styler

# not `annotations`: that name is the __future__ feature imported above
from conflictmap import annotations as chart_notes
from conflictmap import (
    audit,
    charts,
    i18n,
    permissions,
    queries,
    store,
    table_format,
    text,
    trends,
)
from conflictmap.classify import Classes
from conflictmap.filters import Filters, describe
from conflictmap.geography import Geography
from conflictmap.i18n import N_, _, number
from conflictmap.map_model import METRIC_LABELS
from conflictmap.mapping import MapSpec
from conflictmap.permissions import Actor
from conflictmap.url_params import TrendOptions
from conflictmap.view import demo_in, sources_in

Db = str | os.PathLike[str] | None

DEFAULT_PIVOT = date(2022, 8, 7)  # the new government took office
DEFAULT_PLACES = ("41", "54")  # Huila and Norte de Santander
PLAYBACK_LEVELS = ("department", "municipality")
MAX_LABEL = chart_notes.MAX_LABEL


def coarser_note(window: tuple[date, date], wanted: str, used: str, limit: int, what: str) -> str:
    """Why a coarser step than the one chosen is shown (``what``: text.BARS or text.FRAMES)."""
    return _(text.COARSER_NOTE).format(
        start=window[0],
        end=window[1],
        wanted=text.grain_label(wanted),
        used=text.grain_label(used),
        n=number(trends.count_periods(*window, wanted)),
        m=number(trends.count_periods(*window, used)),
        what=_(what),
        limit=number(limit),
    )


def metric_label(metric: str) -> str:
    """Incidents / Fatalities in the current language."""
    label = METRIC_LABELS.get(metric)
    return _(label) if label else metric.capitalize()


@dataclass(frozen=True)
class ChartFile:
    """One download of a chart: the button's label, the file's extension and type, and how to
    make its bytes (only when the button is clicked)."""

    label: str
    ext: str
    mime: str
    make: Callable[[], bytes]


def chart_files(
    chart: charts.ChartType,
    frame: pd.DataFrame,
    cite: Callable[[], dict[str, object]] | None = None,
) -> list[ChartFile]:
    """PNG, SVG and the chart's data as CSV, each carrying the view's citation block (``cite``,
    e.g. :meth:`TrendsView.citation`: made when a file is, in the language of the page that
    offered it) as the map page's exports do: a PNG text chunk, SVG ``<metadata>``, a CSV
    column."""
    lang = i18n.current()

    def block() -> dict[str, object] | None:
        if cite is None:
            return None
        with i18n.using(lang):  # a download runs outside the page run that set the language
            return cite()

    return [
        ChartFile("PNG", "png", "image/png", lambda: charts.to_png(chart, citation=block())),
        ChartFile("SVG", "svg", "image/svg+xml", lambda: charts.to_svg(chart, citation=block())),
        ChartFile(
            _("Data (CSV)"), "csv", "text/csv", lambda: charts.to_csv(frame, citation=block())
        ),
    ]


def citation_block(filters: Filters, label: str, db: Db = None) -> dict[str, object]:
    """The citation block of the filtered view, as every export carries it
    (:func:`conflictmap.export_terms.citation_block`): each source with its citation, terms and
    access date, the filters in words and as parameters, and what ConflictMap changed."""
    from conflictmap import actor_mappings, export_terms
    from conflictmap.actors import default_registry

    with store.connect(db, read_only=True) as con:
        policy, _counts = export_terms.policy_for(con, filters)
        changes = export_terms.changes_in(con, filters)
        w = queries.where(con, filters)
        names = actor_mappings.summary(con, default_registry(), w.sql, w.params)
    return export_terms.citation_block(
        policy,
        filters_text=describe(filters, label),
        filter_params=dict(filters.to_params()),
        changes=export_terms.change_lines(changes, names.sentence()),
    )


@dataclass(frozen=True)
class PlaceComparison:
    places: tuple[str, ...]
    names: dict[str, str]
    series: pd.DataFrame  # period, place (code), incidents, fatalities
    chart: charts.ChartType

    @property
    def totals(self) -> pd.DataFrame:
        """incidents and fatalities per place (by name), in the order chosen."""
        totals = (
            self.series.groupby("place")[["incidents", "fatalities"]].sum().reindex(self.places)
        )
        totals.index = [self.names.get(c, c) for c in totals.index]
        return totals


@dataclass(frozen=True)
class BeforeAfterView:
    """The before/after table and its sentence, or why there is none (``problem``)."""

    table: pd.DataFrame
    summary: str
    problem: str | None = None


BEFORE_AFTER_COLUMNS = [
    "window",
    "from",
    "to",
    "days",
    "incidents",
    "fatalities",
    "incidents per day",
    "fatalities per day",
]


# the tables' column headers as shown (the frames keep these English names)
COLUMN_LABELS = {
    "window": N_("window"),
    "from": N_("from"),
    "to": N_("to"),
    "days": N_("days"),
    "incidents": N_("incidents"),
    "fatalities": N_("fatalities"),
    "incidents per day": N_("incidents per day"),
    "fatalities per day": N_("fatalities per day"),
}


def shown(frame: pd.DataFrame) -> Styler | pd.DataFrame:
    """A table with its column headers in the current language, for the page, its numbers
    written the reader's way (``1.234`` and ``0,169`` in Spanish, ``1,234`` and ``0.169`` in
    English) and kept numeric underneath (:func:`conflictmap.table_format.readable`: styled up
    to :data:`~conflictmap.table_format.MAX_STYLED_ROWS` rows, these tables have a few)."""
    out = frame.rename(columns=lambda c: _(COLUMN_LABELS[c]) if c in COLUMN_LABELS else c)
    return table_format.readable(out)


def before_after_view(ba: trends.BeforeAfter) -> BeforeAfterView:
    rows = [
        {
            "window": name,
            "from": w.start,
            "to": w.end,
            "days": w.days,
            "incidents": w.incidents,
            "fatalities": w.fatalities,
            "incidents per day": round(w.incidents_per_day, 3),
            "fatalities per day": round(w.fatalities_per_day, 3),
        }
        for name, w in ((_("Before"), ba.before), (_("After"), ba.after))
    ]
    change, fchange = ba.incident_rate_change, ba.fatality_rate_change
    summary = _(text.RATE_CHANGE).format(
        incidents=f"**{change:+.0%}**" if change is not None else _(text.NO_INCIDENTS_BEFORE),
        fatalities=f"**{fchange:+.0%}**" if fchange is not None else _(text.NO_FATALITIES_BEFORE),
    ) + (_(text.UNEQUAL_WINDOWS) if ba.before.days != ba.after.days else "")
    return BeforeAfterView(pd.DataFrame(rows, columns=BEFORE_AFTER_COLUMNS), summary)


@dataclass
class TrendsView:
    """The filtered series, actors and annotations, with the texts and charts drawn from them.

    ``grain`` is the period drawn: the one chosen (``options.grain``) or, when the window would
    need more than :data:`trends.MAX_CHART_PERIODS` bars, a coarser one (``grain_note`` says so).
    """

    filters: Filters
    options: TrendOptions
    label: str  # the place, as the breadcrumb says it: "Colombia › Huila"
    window: tuple[date, date] | None
    grain: str
    series: pd.DataFrame  # period, event_type, incidents, fatalities, days
    actors: pd.DataFrame  # actor, incidents, fatalities
    matrix: pd.DataFrame  # actor, event_type, incidents
    datasets: pd.DataFrame  # queries.datasets_in_view
    annotations: pd.DataFrame  # annotation_id, day, label: those inside the date range
    db: str | None = field(default=None, repr=False)

    @property
    def metric(self) -> str:
        return self.options.metric

    @property
    def demo(self) -> bool:
        return demo_in(self.datasets)

    @property
    def sources(self) -> list[str]:
        return sources_in(self.datasets)

    @property
    def subtitle(self) -> str:
        return describe(self.filters, self.label)

    def citation(self) -> dict[str, object]:
        """The view's citation block, for the chart downloads (:func:`chart_files`)."""
        return citation_block(self.filters, self.label, self.db)

    @property
    def grain_note(self) -> str | None:
        if self.grain == self.options.grain or self.window is None:
            return None
        return coarser_note(
            self.window, self.options.grain, self.grain, trends.MAX_CHART_PERIODS, text.BARS
        )

    @property
    def series_heading(self) -> str:
        return _("{metric} per {grain}, by event type").format(
            metric=metric_label(self.metric), grain=text.grain_label(self.grain)
        )

    @property
    def per_grain(self) -> str:
        """The metric per period ("Incidents per month") in the current language."""
        return _("{metric} per {grain}").format(
            metric=metric_label(self.metric), grain=text.grain_label(self.grain)
        )

    def time_chart(self) -> charts.ChartType:
        return charts.time_chart(
            self.series,
            metric=self.metric,
            grain=self.grain,
            annotations=self.annotations,
            title=f"{self.per_grain} — {self.label}",
            subtitle=self.subtitle,
            sources=self.sources,
            demo=self.demo,
        )

    def actor_chart(self) -> charts.ChartType:
        return charts.actor_chart(
            self.actors,
            title=_("Most active actors — {place}").format(place=self.label),
            subtitle=self.subtitle,
            sources=self.sources,
            demo=self.demo,
        )

    def matrix_chart(self) -> charts.ChartType:
        return charts.matrix_chart(
            self.matrix,
            title=_("Actor × event type — {place}").format(place=self.label),
            subtitle=self.subtitle,
            sources=self.sources,
            demo=self.demo,
        )

    def brushed_range(self, selection: object) -> tuple[date, date] | None:
        """A brush on the time chart as a date range, clipped to the filtered range: the first
        bar starts on its period's first day, which may be before the range (and before the
        first stored incident)."""
        return charts.brushed_range(selection, within=self.window)

    def compare(self, places: list[str], names: dict[str, str]) -> PlaceComparison:
        """The same filters in each place (departments or municipalities), by the drawn grain."""
        with store.connect(self.db, read_only=True) as con:
            frame = trends.place_series(con, self.filters, list(places), self.grain)
        chart = charts.place_chart(
            frame,
            names,
            metric=self.metric,
            annotations=self.annotations,
            title=f"{self.per_grain}: " + _(" vs ").join(names.get(c, c) for c in places),
            subtitle=describe(self.filters.with_place(None, None), _("same filters")),
            sources=self.sources,
            demo=self.demo,
        )
        return PlaceComparison(tuple(places), dict(names), frame, chart)

    def default_pivot(self) -> date:
        """7 Aug 2022, or the middle of the filtered range when that day is not inside it."""
        return default_pivot(self.filters)

    def before_after(self, pivot: date, days: int | None = None) -> BeforeAfterView:
        """Counts and daily rates before the pivot and from it on; a pivot outside the filtered
        range is a ``problem``, not an error."""
        try:
            with store.connect(self.db, read_only=True) as con:
                ba = trends.before_after(con, self.filters, pivot, days or None)
        except ValueError as exc:
            return BeforeAfterView(
                pd.DataFrame(columns=BEFORE_AFTER_COLUMNS),
                "",
                _(text.PIVOT_OUTSIDE).format(problem=exc),
            )
        return before_after_view(ba)


def default_pivot(filters: Filters) -> date:
    pivot = DEFAULT_PIVOT
    if filters.date_from and filters.date_to and not (
        filters.date_from < pivot <= filters.date_to
    ):
        pivot = filters.date_from + (filters.date_to - filters.date_from) / 2
    return pivot


def load_trends_view(
    filters: Filters,
    options: TrendOptions | None = None,
    *,
    label: str = "Colombia",
    db: Db = None,
) -> TrendsView:
    """Everything the Trends page draws for these filters (cache it by its arguments and the
    database version). ``label`` names the filtered place in titles (view.place_label)."""
    options = options or TrendOptions()
    with store.connect(db, read_only=True) as con:
        window = trends.window(con, filters)
        # decades of weeks would be thousands of bars: the finest grain that fits is drawn
        grain = (
            trends.fit_grain(*window, options.grain, trends.MAX_CHART_PERIODS)
            if window
            else options.grain
        )
        series = trends.series(con, filters, grain)
        actors = trends.top_actors(con, filters)
        matrix = trends.actor_matrix(con, filters)
        datasets = queries.datasets_in_view(con, filters)
        notes = chart_notes.in_window(con, filters.date_from, filters.date_to)
    return TrendsView(
        filters=filters,
        options=options,
        label=label,
        window=window,
        grain=grain,
        series=series,
        actors=actors,
        matrix=matrix,
        datasets=datasets,
        annotations=notes,
        db=None if db is None else str(db),
    )


def place_choices(filters: Filters, geo: Geography) -> tuple[list[str], dict[str, str]]:
    """The places to compare: every department (by name), and the municipalities of the chosen
    department; with their names ("Neiva (Huila)" for a municipality)."""
    options = sorted(geo.dept_names, key=geo.name)
    names = dict(geo.dept_names)  # a copy: the municipalities are added below
    if filters.dept:
        for p in geo.gazetteer.municipalities_of(filters.dept):
            if p.muni_code is None:  # never: these are municipalities (a Place types both)
                continue
            options.append(p.muni_code)
            names[p.muni_code] = f"{p.muni_name} ({p.dept_name})"
    return options, names


def default_places(options: list[str]) -> list[str]:
    return [c for c in DEFAULT_PLACES if c in options]


# ---- annotations -------------------------------------------------------------------------------


def list_annotations(db: Db = None) -> pd.DataFrame:
    """annotation_id, day, label: every annotation, oldest first."""
    with store.connect(db, read_only=True) as con:
        return chart_notes.all_annotations(con)


def add_annotation(
    day: date | None, label: str, db: Db = None, *, actor: Actor | None = None
) -> int:
    """Store an annotation; ValueError (a sentence) for a missing date or label. Editors and
    admins (PermissionError otherwise)."""
    who = permissions.require(actor, "annotate", db)
    # refused before the database is opened for writing (annotations.add says the same)
    if not " ".join(str(label or "").split()):
        raise ValueError(_("the annotation needs a label"))
    if not isinstance(day, date):
        raise ValueError(_("the annotation needs a date"))
    with store.connect(db) as con:
        added = chart_notes.add(con, day, label)
        with store.transaction(con):
            audit.record(
                con, who, "annotation_add", detail={"id": added, "day": day, "label": label}
            )
        return added


def delete_annotation(annotation_id: int, db: Db = None, *, actor: Actor | None = None) -> bool:
    who = permissions.require(actor, "annotate", db)
    with store.connect(db) as con:
        deleted = chart_notes.delete(con, annotation_id)
        if deleted:
            with store.transaction(con):
                audit.record(con, who, "annotation_delete", detail={"id": annotation_id})
        return deleted


# ---- map playback ------------------------------------------------------------------------------


def playback_level(filters: Filters, chosen: str | None) -> str:
    """A chosen department plays by municipality; otherwise the level chosen."""
    return "municipality" if filters.dept else (chosen or "department")


@dataclass(frozen=True)
class Playback:
    """One choropleth frame per period, with one set of colour classes for all of them.

    ``step`` is the step played: the one chosen (``wanted``) or, when the window would need more
    than :data:`trends.MAX_FRAMES` frames, a coarser one (``note`` says so)."""

    filters: Filters
    level: str
    metric: str
    wanted: str
    step: str
    window: tuple[date, date] | None
    frames: tuple[trends.Frame, ...]
    classes: Classes

    @property
    def labels(self) -> list[str]:
        return [f.label for f in self.frames]

    @property
    def note(self) -> str | None:
        if self.step == self.wanted or self.window is None:
            return None
        return coarser_note(self.window, self.wanted, self.step, trends.MAX_FRAMES, text.FRAMES)

    @property
    def caption(self) -> str:
        return _(text.PLAYBACK_CAPTION).format(
            n=number(len(self.frames)), classes=", ".join(self.classes.labels()) or _("no data")
        )

    def frame_label(self, label: str) -> str:
        """The frame called ``label`` as shown in the current language ("ago 2022", "T3 2022",
        "2 sep. 2022 – 8 sep. 2022"); ``label`` itself (English) stays the frame's key."""
        labels = self.labels
        if label not in labels or i18n.current() == "en":
            return label
        frame = self.frames[labels.index(label)]
        start = frame.start
        if label == str(start.year):
            return label
        if label == f"Q{(start.month - 1) // 3 + 1} {start.year}":
            return _("Q{quarter} {year}").format(quarter=(start.month - 1) // 3 + 1, year=start.year)
        if label == f"{start:%b} {start.year}":
            month = format_date(start, "MMM", locale=i18n.babel_locale()).rstrip(".")
            return f"{month} {start.year}"
        return f"{i18n.day(start)} – {i18n.day(frame.end)}"

    def next_label(self, label: str) -> str:
        """The frame after ``label`` (the first after the last one, or for an unknown label)."""
        labels = self.labels
        if label not in labels:
            return labels[0]
        return labels[(labels.index(label) + 1) % len(labels)]

    def map_spec(
        self, label: str, *, demo: bool = False, sources: list[str] | None = None
    ) -> MapSpec:
        """The map of the frame called ``label``: no points, the fixed classes."""
        labels = self.labels
        frame = self.frames[labels.index(label) if label in labels else 0]
        return MapSpec(
            level=self.level,
            metric=self.metric,
            aggregates=frame.aggregates,
            points=pd.DataFrame(),
            total_incidents=int(frame.aggregates["incidents"].sum()),
            dept=self.filters.dept,
            demo_in_view=demo,
            sources=list(sources or []),
            classes=self.classes,
            caption=f"{self.frame_label(frame.label)} — {metric_label(self.metric).lower()}",
            point_budget=0,
        )


def load_playback(
    filters: Filters, level: str, step: str, metric: str, *, db: Db = None
) -> Playback:
    """The playback frames (at most :data:`trends.MAX_FRAMES`: 1958 to today by week would be
    3,500 frames, 90 minutes of play). Cache it by its arguments and the database version."""
    level = playback_level(filters, level)
    with store.connect(db, read_only=True) as con:
        used, window = trends.playback_step(con, filters, step)
        frames, classes = trends.playback_frames(con, filters, level, used, metric)
    return Playback(
        filters=filters,
        level=level,
        metric=metric,
        wanted=step,
        step=used,
        window=window,
        frames=tuple(frames),
        classes=classes,
    )
