"""Trends: time series, place comparison, before/after, actors, annotations, map playback."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

import auth_ui
import filters_ui as ui
from conflictmap import animation, text, trends, trends_view
from conflictmap.filters import EARLIEST, METRICS, Filters, latest
from conflictmap.i18n import _, number
from conflictmap.map_model import LEVEL_LABELS
from conflictmap.mapping import MAP_HEIGHT, build_map
from conflictmap.url_params import TrendOptions
from conflictmap.view import place_label

ui.apply_language()  # the link's or the session's language, before any text is shown
st.set_page_config(page_title=_("Trends") + " — " + _(text.PAGE_TITLE), layout="wide")

geo = ui.geography_or_stop()
db_version = ui.database_or_stop()
actor = auth_ui.gate()  # annotations are written with it (editors and admins)
can_annotate = auth_ui.allows(actor, "annotate")
url = ui.read_url(db_version)
ui.init_filter_state(db_version, url)
if "tr_grain" not in st.session_state:
    st.session_state.update(tr_grain=url.trend.grain, tr_metric=url.trend.metric)

with st.sidebar:
    data_box = st.container()
    filters = ui.filter_widgets(geo, db_version)
    st.subheader(_("Chart options"))
    grain = st.radio(
        _("Period"), trends.GRAINS, key="tr_grain", horizontal=True,
        format_func=lambda g: text.grain_label(g).capitalize(),
    )  # fmt: skip
    metric = st.radio(
        _("Measure"), METRICS, key="tr_metric", horizontal=True,
        format_func=trends_view.metric_label,
    )  # fmt: skip
options = TrendOptions(grain, metric)
ui.sync_url(url, filters, options)


@st.cache_data(show_spinner=False, max_entries=64)
def load(filters: Filters, options: TrendOptions, label: str, db_version: str):
    return trends_view.load_trends_view(filters, options, label=label)


@st.cache_data(show_spinner=False, max_entries=16)
def playback_for(filters: Filters, level: str, step: str, metric: str, db_version: str):
    return trends_view.load_playback(filters, level, step, metric)


view = load(filters, options, place_label(filters, geo), db_version)
with data_box:
    ui.datasets_box(view.datasets, view.demo)
ui.show_url_problems()

st.title(_("Trends"))
st.caption(text.md_escape(view.subtitle))  # actors named in the URL
if view.demo:
    st.caption(_(text.DEMO_CAPTION))


def downloads(key: str, chart, frame) -> None:
    """PNG, SVG and CSV buttons, each file with the view's citation block (as the map page's
    exports); the files are made only when a button is clicked."""
    files = trends_view.chart_files(chart, frame, cite=view.citation)  # the citation block
    for column, f in zip(st.columns(len(files)), files, strict=True):
        column.download_button(f.label, f.make, file_name=f"conflictmap-{key}.{f.ext}",
                               mime=f.mime, key=f"dl_{key}_{f.ext}", width="stretch")


# ---- over time -----------------------------------------------------------------------------
st.subheader(view.series_heading)
if view.grain_note:
    st.info(view.grain_note, icon="ℹ️")
if view.series.empty:
    st.info(_(text.NO_DATA))
else:
    chart = view.time_chart()
    event = st.altair_chart(chart, on_select="rerun", key="time_chart", width="stretch")
    brushed = view.brushed_range(event)
    if brushed:
        st.button(
            _("Filter to the brushed range {start} – {end}").format(
                start=brushed[0], end=brushed[1]
            ),
            key="apply_brush",
            on_click=lambda: st.session_state.update(f_dates=brushed),
        )
    downloads("time", chart, view.series)

# ---- compare places --------------------------------------------------------------------------
st.subheader(_("Compare places"))
place_options, place_names = trends_view.place_choices(filters, geo)
if "tr_places" not in st.session_state:
    st.session_state.tr_places = trends_view.default_places(place_options)
places = st.multiselect(
    _("Departments or municipalities (of the chosen department)"),
    place_options,
    key="tr_places",
    format_func=lambda c: place_names.get(c, c),
)
if places:
    compared = view.compare(places, place_names)
    st.altair_chart(compared.chart, width="stretch", key="place_chart")
    st.dataframe(trends_view.shown(compared.totals), width="content")
    downloads("places", compared.chart, compared.series)

# ---- before / after --------------------------------------------------------------------------
st.subheader(_("Before and after a date"))
c1, c2 = st.columns(2)
default_pivot = view.default_pivot()
pivot = c1.date_input(
    _("Date"),
    value=default_pivot,
    key="ba_pivot",
    # any day an incident can have (Streamlit's default is 10 years either side of the value);
    # a pivot outside the filtered range is explained below, not refused here
    min_value=min(EARLIEST, default_pivot),
    max_value=max(latest(), default_pivot),
    format="YYYY-MM-DD",
    help=_("e.g. 2022-08-07, when the new government took office"),
)
span = c2.number_input(
    _("Days on each side (0: the whole filtered range)"), min_value=0, value=0, step=30, key="ba_days"
)
ba = view.before_after(pivot, int(span))
if ba.problem:
    st.warning(text.md_escape(ba.problem))
else:
    st.dataframe(trends_view.shown(ba.table), hide_index=True)
    st.write(ba.summary)

# ---- actors ----------------------------------------------------------------------------------
st.subheader(_("Actors"))
if view.actors.empty:
    st.write(_(text.NO_DATA))
else:
    achart = view.actor_chart()
    st.altair_chart(achart, width="stretch", key="actor_chart")
    downloads("actors", achart, view.actors)
if not view.matrix.empty:
    mchart = view.matrix_chart()
    st.altair_chart(mchart, width="stretch", key="matrix_chart")
    downloads("matrix", mchart, view.matrix)

# ---- annotations -----------------------------------------------------------------------------
st.subheader(_("Annotations"))
for row in trends_view.list_annotations().itertuples(index=False):
    c1, c2 = st.columns([6, 1])
    c1.write(f"{row.day:%Y-%m-%d} — {text.md_escape(row.label)}")
    if can_annotate and c2.button(_("Delete"), key=f"ann_del_{row.annotation_id}"):
        trends_view.delete_annotation(row.annotation_id, actor=actor)
        st.rerun()
if can_annotate:
    with st.form("add_annotation", clear_on_submit=True):
        c1, c2 = st.columns([1, 3])
        ann_day = c1.date_input(
            _("Date"), value=None, key="ann_day", format="YYYY-MM-DD", min_value=EARLIEST
        )
        ann_label = c2.text_input(
            _("Label"),
            key="ann_label",
            max_chars=trends_view.MAX_LABEL,
            placeholder=_("New government takes office"),
        )
        if st.form_submit_button(_("Add annotation")):
            try:
                trends_view.add_annotation(ann_day, ann_label, actor=actor)
            except ValueError as exc:
                st.error(_("Not added: {reason}.").format(reason=text.md_escape(exc)))
            else:
                st.rerun()

# ---- playback --------------------------------------------------------------------------------
st.subheader(_("Play the map over time"))
c1, c2, c3 = st.columns(3)
step = c1.radio(
    _("Step"), trends.PLAYBACK_STEPS, index=1, key="pb_step", horizontal=True,
    format_func=lambda g: text.grain_label(g).capitalize(),
)  # fmt: skip
level = None if filters.dept else c2.radio(
    _("Level"), trends_view.PLAYBACK_LEVELS, key="pb_level", horizontal=True,
    format_func=lambda v: _(LEVEL_LABELS[v]),
)
playing = c3.toggle(_("Play"), key="pb_play")

playback = playback_for(filters, trends_view.playback_level(filters, level), step, metric,
                        db_version)
if playback.note:
    st.info(playback.note, icon="ℹ️")
if not playback.frames:
    st.info(_(text.NO_DATA))
else:
    if st.session_state.get("pb_frame") not in playback.labels:
        st.session_state.pb_frame = playback.labels[0]

    @st.fragment(run_every=1.5 if playing else None)
    def play() -> None:
        ui.apply_language()  # a fragment's rerun starts with no language
        if playing:
            st.session_state.pb_frame = playback.next_label(st.session_state.pb_frame)
        chosen = st.select_slider(
            _("Period"), playback.labels, key="pb_frame", format_func=playback.frame_label
        )
        st_folium(
            build_map(playback.map_spec(chosen, demo=view.demo, sources=view.sources), geo),
            key="playback_map",
            height=MAP_HEIGHT,
            use_container_width=True,
            returned_objects=[],
        )
        st.caption(playback.caption)

    play()
    # the playback as a file, each frame drawn and encoded only when a button is clicked
    st.caption(_("Download the playback: {n} frames, one a second, with the legend, "
                 "attribution and citation of the static map. The file is made when you click "
                 "(about 20 seconds for 120 frames).").format(n=number(len(playback.frames))))
    anim_files = animation.playback_files(
        playback, label=place_label(filters, geo), geo=geo, sources=view.sources, demo=view.demo
    )
    for column, f in zip(st.columns(len(anim_files)), anim_files, strict=True):
        column.download_button(f.label, f.make, file_name=f"conflictmap-playback.{f.ext}",
                               mime=f.mime, key=f"dl_playback_{f.ext}", width="stretch")
