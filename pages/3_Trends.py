"""Trends: time series, place comparison, before/after, actors, annotations, map playback."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import filters_ui as ui
from conflictmap import annotations, charts, queries, store, text, trends
from conflictmap.filters import EARLIEST, METRICS, describe, latest
from conflictmap.mapping import MAP_HEIGHT, MapSpec, build_map
from conflictmap.view import demo_in, place_label, sources_in

st.set_page_config(page_title=f"Trends — {text.PAGE_TITLE}", layout="wide")

b, gaz = ui.load_boundaries_or_stop()
db_version = ui.database_or_stop()
params = ui.url_params()
ui.init_filter_state(db_version, params)
if "tr_grain" not in st.session_state:
    st.session_state.tr_grain = (
        params.get("grain", ["month"])[-1]
        if params.get("grain", [""])[-1] in trends.GRAINS
        else "month"
    )
    st.session_state.tr_metric = (
        params.get("metric", ["incidents"])[-1]
        if params.get("metric", [""])[-1] in METRICS
        else "incidents"
    )

with st.sidebar:
    data_box = st.container()
    filters = ui.filter_widgets(gaz, db_version)
    st.subheader("Chart options")
    grain = st.radio(
        "Period", trends.GRAINS, key="tr_grain", horizontal=True, format_func=str.capitalize
    )
    metric = st.radio(
        "Measure", METRICS, key="tr_metric", horizontal=True, format_func=str.capitalize
    )
ui.sync_url(params, {**filters.to_params(), "grain": grain, "metric": metric})


@st.cache_data(show_spinner=False, max_entries=64)
def load(filters, grain: str, db_version: str):
    with store.connect(read_only=True) as con:
        window = trends.window(con, filters)
        # decades of weeks would be thousands of bars: the finest grain that fits is drawn
        used = (
            trends.fit_grain(*window, grain, trends.MAX_CHART_PERIODS) if window else grain
        )
        return {
            "window": window,
            "grain": used,
            "series": trends.series(con, filters, used),
            "actors": trends.top_actors(con, filters),
            "matrix": trends.actor_matrix(con, filters),
            "datasets": queries.datasets_in_view(con, filters),
            "annotations": annotations.in_window(con, filters.date_from, filters.date_to),
        }


def coarser_note(window, wanted: str, used: str, limit: int, what: str) -> str:
    """Why a coarser step than the one chosen is shown."""
    n = trends.count_periods(*window, wanted)
    m = trends.count_periods(*window, used)
    return (
        f"From {window[0]:%Y-%m-%d} to {window[1]:%Y-%m-%d} by {wanted} would be {n:,} {what}: "
        f"shown by {used} instead ({m:,} {what}; at most {limit:,}). "
        f"Narrow the date range to see {wanted}s."
    )


data = load(filters, grain, db_version)
chosen_grain, grain = grain, data["grain"]
datasets = data["datasets"]
demo = demo_in(datasets)
sources = sources_in(datasets)
with data_box:
    ui.datasets_box(datasets, demo)
ui.show_url_problems()

label = place_label(filters, gaz)
subtitle = describe(filters, label)
st.title("Trends")
st.caption(subtitle)
if demo:
    st.caption(text.DEMO_CAPTION)


def downloads(key: str, chart, frame) -> None:
    """PNG, SVG and CSV buttons; the files are made only when a button is clicked."""
    files = (
        ("PNG", "png", "image/png", lambda: charts.to_png(chart)),
        ("SVG", "svg", "image/svg+xml", lambda: charts.to_svg(chart)),
        ("Data (CSV)", "csv", "text/csv", lambda: charts.to_csv(frame)),
    )
    for column, (label, ext, mime, make) in zip(st.columns(3), files, strict=True):
        column.download_button(label, make, file_name=f"conflictmap-{key}.{ext}", mime=mime,
                               key=f"dl_{key}_{ext}", width="stretch")


# ---- over time -----------------------------------------------------------------------------
st.subheader(f"{metric.capitalize()} per {grain}, by event type")
series = data["series"]
if grain != chosen_grain:
    st.info(
        coarser_note(data["window"], chosen_grain, grain, trends.MAX_CHART_PERIODS, "bars"),
        icon="ℹ️",
    )
if series.empty:
    st.info(text.NO_DATA)
else:
    chart = charts.time_chart(
        series,
        metric=metric,
        grain=grain,
        annotations=data["annotations"],
        title=f"{metric.capitalize()} per {grain} — {label}",
        subtitle=subtitle,
        sources=sources,
        demo=demo,
    )
    event = st.altair_chart(chart, on_select="rerun", key="time_chart", width="stretch")
    # clipped to the filtered range: the first bar starts on its period's first day, which
    # may be before the range (and before the first stored incident)
    brushed = charts.brushed_range(event, within=data["window"])
    if brushed:
        st.button(
            f"Filter to the brushed range {brushed[0]} – {brushed[1]}",
            key="apply_brush",
            on_click=lambda: st.session_state.update(f_dates=brushed),
        )
    downloads("time", chart, series)

# ---- compare places --------------------------------------------------------------------------
st.subheader("Compare places")
place_options = [p.dept_code for p in sorted(gaz.departments, key=lambda p: p.dept_name)]
place_names = {p.dept_code: p.dept_name for p in gaz.departments}
if filters.dept:
    for p in gaz.municipalities_of(filters.dept):
        place_options.append(p.muni_code)
        place_names[p.muni_code] = f"{p.muni_name} ({p.dept_name})"
if "tr_places" not in st.session_state:
    st.session_state.tr_places = [c for c in ("41", "54") if c in place_options]
places = st.multiselect(
    "Departments or municipalities (of the chosen department)",
    place_options,
    key="tr_places",
    format_func=lambda c: place_names.get(c, c),
)
if places:
    with store.connect(read_only=True) as con:
        compared = trends.place_series(con, filters, places, grain)
    pchart = charts.place_chart(
        compared,
        place_names,
        metric=metric,
        annotations=data["annotations"],
        title=f"{metric.capitalize()} per {grain}: "
        + " vs ".join(place_names.get(c, c) for c in places),
        subtitle=describe(filters.with_place(None, None), "same filters"),
        sources=sources,
        demo=demo,
    )
    st.altair_chart(pchart, width="stretch", key="place_chart")
    totals = compared.groupby("place")[["incidents", "fatalities"]].sum().reindex(places)
    totals.index = [place_names.get(c, c) for c in totals.index]
    st.dataframe(totals, width="content")
    downloads("places", pchart, compared)

# ---- before / after --------------------------------------------------------------------------
st.subheader("Before and after a date")
c1, c2 = st.columns(2)
default_pivot = date(2022, 8, 7)
if (
    filters.date_from
    and filters.date_to
    and not (filters.date_from < default_pivot <= filters.date_to)
):
    default_pivot = filters.date_from + (filters.date_to - filters.date_from) / 2
pivot = c1.date_input(
    "Date",
    value=default_pivot,
    key="ba_pivot",
    # any day an incident can have (Streamlit's default is 10 years either side of the value);
    # a pivot outside the filtered range is explained below, not refused here
    min_value=min(EARLIEST, default_pivot),
    max_value=max(latest(), default_pivot),
    format="YYYY-MM-DD",
    help="e.g. 2022-08-07, when the new government took office",
)
span = c2.number_input(
    "Days on each side (0: the whole filtered range)", min_value=0, value=0, step=30, key="ba_days"
)
try:
    with store.connect(read_only=True) as con:
        ba = trends.before_after(con, filters, pivot, int(span) or None)
except ValueError as exc:
    st.warning(f"{exc}. Choose a date inside the filtered range.")
else:
    rows = []
    for name, w in (("Before", ba.before), ("After", ba.after)):
        rows.append(
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
        )
    st.dataframe(rows, hide_index=True)
    change = ba.incident_rate_change
    fchange = ba.fatality_rate_change
    st.write(
        "Daily incident rate after vs before: "
        + (f"**{change:+.0%}**" if change is not None else "n/a (no incidents before)")
        + " · daily fatality rate: "
        + (f"**{fchange:+.0%}**" if fchange is not None else "n/a (no fatalities before)")
        + (
            " · the windows differ in length: compare the rates, not the counts."
            if ba.before.days != ba.after.days
            else ""
        )
    )

# ---- actors ----------------------------------------------------------------------------------
st.subheader("Actors")
if data["actors"].empty:
    st.write(text.NO_DATA)
else:
    achart = charts.actor_chart(
        data["actors"],
        title=f"Most active actors — {label}",
        subtitle=subtitle,
        sources=sources,
        demo=demo,
    )
    st.altair_chart(achart, width="stretch", key="actor_chart")
    downloads("actors", achart, data["actors"])
if not data["matrix"].empty:
    mchart = charts.matrix_chart(
        data["matrix"],
        title=f"Actor × event type — {label}",
        subtitle=subtitle,
        sources=sources,
        demo=demo,
    )
    st.altair_chart(mchart, width="stretch", key="matrix_chart")
    downloads("matrix", mchart, data["matrix"])

# ---- annotations -----------------------------------------------------------------------------
st.subheader("Annotations")
with store.connect(read_only=True) as con:
    notes = annotations.all_annotations(con)
for row in notes.itertuples(index=False):
    c1, c2 = st.columns([6, 1])
    c1.write(f"{row.day:%Y-%m-%d} — {text.md_escape(row.label)}")
    if c2.button("Delete", key=f"ann_del_{row.annotation_id}"):
        with store.connect() as con:
            annotations.delete(con, row.annotation_id)
        st.rerun()
with st.form("add_annotation", clear_on_submit=True):
    c1, c2 = st.columns([1, 3])
    ann_day = c1.date_input(
        "Date", value=None, key="ann_day", format="YYYY-MM-DD", min_value=EARLIEST
    )
    ann_label = c2.text_input(
        "Label",
        key="ann_label",
        max_chars=annotations.MAX_LABEL,
        placeholder="New government takes office",
    )
    if st.form_submit_button("Add annotation"):
        try:
            with store.connect() as con:
                annotations.add(con, ann_day, ann_label)
        except ValueError as exc:
            st.error(f"Not added: {exc}.")
        else:
            st.rerun()

# ---- playback --------------------------------------------------------------------------------
st.subheader("Play the map over time")
c1, c2, c3 = st.columns(3)
step = c1.radio(
    "Step", trends.PLAYBACK_STEPS, index=1, key="pb_step", horizontal=True,
    format_func=str.capitalize,
)  # fmt: skip
level = (
    "municipality"
    if filters.dept
    else c2.radio("Level", ("department", "municipality"), key="pb_level", horizontal=True)
)
playing = c3.toggle("Play", key="pb_play")


@st.cache_data(show_spinner=False, max_entries=16)
def frames_for(filters, level: str, step: str, metric: str, db_version: str):
    with store.connect(read_only=True) as con:
        return trends.playback_frames(con, filters, level, step, metric)


# at most MAX_FRAMES frames: 1958 to today by week would be 3,500 frames (90 minutes of play)
with store.connect(read_only=True) as con:
    used_step, window = trends.playback_step(con, filters, step)
if used_step != step:
    st.info(coarser_note(window, step, used_step, trends.MAX_FRAMES, "frames"), icon="ℹ️")
frames, classes = frames_for(filters, level, used_step, metric, db_version)
if not frames:
    st.info(text.NO_DATA)
else:
    labels = [f.label for f in frames]
    if st.session_state.get("pb_frame") not in labels:
        st.session_state.pb_frame = labels[0]

    @st.fragment(run_every=1.5 if playing else None)
    def playback() -> None:
        if playing:
            i = labels.index(st.session_state.pb_frame)
            st.session_state.pb_frame = labels[(i + 1) % len(labels)]
        chosen = st.select_slider("Period", labels, key="pb_frame")
        frame = frames[labels.index(chosen)]
        spec = MapSpec(
            level=level,
            metric=metric,
            aggregates=frame.aggregates,
            points=pd.DataFrame(),
            total_incidents=int(frame.aggregates["incidents"].sum()),
            dept=filters.dept,
            demo_in_view=demo,
            sources=sources,
            classes=classes,
            caption=f"{chosen} — {metric}",
            point_budget=0,
        )
        st_folium(
            build_map(spec, b),
            key="playback_map",
            height=MAP_HEIGHT,
            use_container_width=True,
            returned_objects=[],
        )
        st.caption(
            f"{len(frames):,} frames; colour classes fixed across frames "
            f"({', '.join(classes.labels()) or 'no data'})."
        )

    playback()
