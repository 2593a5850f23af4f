"""ConflictMap — the map page. Reads widgets, calls the conflictmap package, draws the result."""

from __future__ import annotations

from datetime import date

import streamlit as st
from streamlit_folium import st_folium

from conflictmap import assets, export, geodata, queries, store, text
from conflictmap.divipola import Gazetteer
from conflictmap.filters import LEVELS, METRICS, Filters, ViewOptions
from conflictmap.mapping import BASEMAPS, MAP_HEIGHT, build_map
from conflictmap.schema import EVENT_TYPES
from conflictmap.view import (
    TerritoryOptions,
    breadcrumb,
    display_table,
    load_view,
    map_spec,
    territory_table,
)

st.set_page_config(page_title=text.PAGE_TITLE, layout="wide")


@st.cache_resource(show_spinner="Loading boundaries…")
def boundaries() -> geodata.Boundaries:
    return geodata.load_boundaries()


@st.cache_resource
def static_assets() -> list[str]:
    return [str(p) for p in assets.install_static()]


@st.cache_resource
def gazetteer(sha: str) -> Gazetteer:
    return Gazetteer.from_boundaries(boundaries())


@st.cache_data(show_spinner=False, max_entries=64)
def view_for(filters: Filters, options: ViewOptions, terr: TerritoryOptions, db_version: str):
    return load_view(filters, options, territory_options=terr)


@st.cache_data(show_spinner=False)
def actor_options(db_version: str) -> list[tuple[str, int]]:
    with store.connect(read_only=True) as con:
        frame = queries.actor_counts(con)
    return list(zip(frame["actor"], frame["incidents"].astype(int), strict=True))


@st.cache_data(show_spinner=False)
def date_bounds(db_version: str) -> tuple[date, date]:
    with store.connect(read_only=True) as con:
        first, last = queries.date_bounds(con)
    return (first or date(2018, 1, 1), last or date.today())


try:
    b = boundaries()
except geodata.GeodataError as exc:
    st.error(f"{text.NO_BOUNDARIES}\n\n{exc}")
    st.stop()
static_assets()
gaz = gazetteer(b.source_sha256)
db_version = store.version()

# ---- state: URL -> widgets once per session; pending map clicks applied before widgets exist
params = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
if "initialised" not in st.session_state:
    url_filters, problems = Filters.from_params(params)
    url_options = ViewOptions.from_params(params, has_dept=bool(url_filters.dept))
    first, last = date_bounds(db_version)
    st.session_state.update(
        f_dates=(url_filters.date_from or first, url_filters.date_to or last),
        f_types=list(url_filters.event_types),
        f_actors=list(url_filters.actors),
        f_dept=url_filters.dept or "",
        f_muni=url_filters.muni or "",
        o_level=url_options.level,
        o_metric=url_options.metric,
        o_basemap="none",
        url_problems=problems,
        initialised=True,
    )
if "pending_place" in st.session_state:
    dept, muni = st.session_state.pop("pending_place")
    st.session_state.f_dept, st.session_state.f_muni = dept, muni


def clear_muni() -> None:
    st.session_state.f_muni = ""


def go_to(dept: str, muni: str) -> None:
    st.session_state.f_dept, st.session_state.f_muni = dept, muni


# ---- sidebar
first, last = date_bounds(db_version)
with st.sidebar:
    data_box = st.container()
    dates = st.date_input(
        "Date range", key="f_dates", min_value=date(1990, 1, 1), max_value=date.today(),
        format="YYYY-MM-DD",
    )
    types = st.multiselect("Event types", list(EVENT_TYPES), key="f_types",
                           placeholder="All event types")
    actor_counts = dict(actor_options(db_version))
    actor_choices = sorted(set(actor_counts) | set(st.session_state.f_actors))
    actors = st.multiselect(
        "Actors", actor_choices, key="f_actors", placeholder="All actors (type to search)",
        format_func=lambda a: f"{a} ({actor_counts.get(a, 0):,})",
        help=text.ACTOR_HELP,
    )
    depts = [""] + [p.dept_code for p in sorted(gaz.departments, key=lambda p: p.dept_name)]
    dept_names = {p.dept_code: p.dept_name for p in gaz.departments}
    if st.session_state.f_dept not in depts:
        st.session_state.f_dept = ""
    dept = st.selectbox("Department", depts, key="f_dept", on_change=clear_muni,
                        format_func=lambda c: dept_names.get(c, "All of Colombia"))
    munis = [""] + ([p.muni_code for p in gaz.municipalities_of(dept)] if dept else [])
    muni_names = {p.muni_code: p.muni_name for p in gaz.municipalities_of(dept)} if dept else {}
    if st.session_state.f_muni not in munis:
        st.session_state.f_muni = ""
    muni = st.selectbox("Municipality", munis, key="f_muni", disabled=not dept,
                        format_func=lambda c: muni_names.get(c, "All municipalities"))
    st.subheader("Map options")
    level = st.radio("Level", LEVELS, key="o_level", horizontal=True, disabled=bool(dept),
                     format_func=str.capitalize,
                     help="A chosen department always shows its municipalities.")
    metric = st.radio("Colour by", METRICS, key="o_metric", horizontal=True,
                      format_func=str.capitalize)
    basemap = st.selectbox("Basemap", list(BASEMAPS), key="o_basemap",
                           format_func=lambda k: BASEMAPS[k][0])
    st.caption("Armed-group territories")
    show_declared = st.checkbox("Declared territories", value=True, key="t_declared",
                                help=text.DECLARED_HELP)
    show_inferred = st.checkbox("Inferred from incidents", value=False, key="t_inferred",
                                help=text.INFERRED_HELP)
    min_incidents = st.slider("Inferred: at least k incidents per municipality", 1, 20, 3,
                              key="t_k", disabled=not show_inferred)

date_from, date_to = (list(dates) + [None, None])[:2] if isinstance(dates, (list, tuple)) else (
    dates, None)
filters = Filters(
    date_from=date_from, date_to=date_to or date_from, actors=tuple(actors),
    event_types=tuple(types), dept=dept or None, muni=muni or None,
)
options = ViewOptions(level=level, metric=metric)
wanted = {**filters.to_params(), **options.to_params()}
if params != {k: v if isinstance(v, list) else [v] for k, v in wanted.items()}:
    st.query_params.from_dict(wanted)

terr_options = TerritoryOptions(show_declared, show_inferred, int(min_incidents))
view = view_for(filters, options, terr_options, db_version)

with data_box:
    st.caption(text.DATA_IN_VIEW)
    if view.datasets.empty:
        st.write(text.NO_DATA)
    for row in view.datasets.itertuples(index=False):
        n = int(row.incidents)
        st.write(f"**{text.md_escape(row.dataset)}** — {n:,} incident{'s' if n != 1 else ''}")
    if view.demo_in_view:
        st.warning(text.DEMO_NOTICE, icon="⚠️")
for problem in st.session_state.get("url_problems", []):
    st.warning(f"Link: {problem}")

# ---- main area
st.title(text.PAGE_TITLE)
crumbs = breadcrumb(filters, gaz)
widths = [max(len(label), 8) for label, _ in crumbs]
cols = st.columns(widths + [max(100 - sum(widths), 10)])
for i, (label, target) in enumerate(crumbs):
    last_crumb = i == len(crumbs) - 1
    cols[i].button(
        ("› " if i else "") + label, key=f"crumb_{i}", disabled=last_crumb,
        on_click=go_to, args=(target.dept or "", target.muni or ""),
        type="tertiary",
    )

fig = view.figures
m1, m2, m3, m4 = st.columns(4)
m1.metric("Incidents", f"{fig.incidents:,}")
m2.metric("Fatalities", f"{fig.fatalities:,}",
          help=f"{fig.fatalities_unknown:,} incidents with unknown fatalities are not counted"
          if fig.fatalities_unknown else "Reported fatalities, as recorded by the sources")
m3.metric("Actors", f"{fig.actors:,}")
m4.metric("Municipalities affected", f"{fig.municipalities:,}")
if view.demo_in_view:
    st.caption(text.DEMO_CAPTION)

fmap = build_map(map_spec(view, basemap), b)
result = st_folium(
    fmap, key="map", height=MAP_HEIGHT, use_container_width=True,
    returned_objects=["last_active_drawing"],
)
clicked = (result or {}).get("last_active_drawing") or {}
props = clicked.get("properties") or {}
click_id = (props.get("level"), props.get("code"))
if props.get("code") and click_id != st.session_state.get("last_click"):
    st.session_state.last_click = click_id
    code = str(props["code"])
    if props.get("level") == "department" and code != filters.dept:
        st.session_state.pending_place = (code, "")
        st.rerun()
    elif props.get("level") == "municipality" and code != filters.muni:
        st.session_state.pending_place = (code[:2], code)
        st.rerun()

tab_table, tab_terr, tab_about = st.tabs(
    ["Incidents", "Territory legend", "Sources and attribution"])
with tab_table:
    shown = len(view.table)
    st.caption(f"{shown:,} of {fig.incidents:,} incidents, newest first" if shown < fig.incidents
               else f"{fig.incidents:,} incidents, newest first")
    st.dataframe(
        display_table(view.table, b), hide_index=True, width="stretch",
        column_config={"source_url": st.column_config.LinkColumn("source_url")},
    )
with st.sidebar:
    st.subheader("Export")
    choice = st.selectbox("Format", list(export.UI_CHOICES), key="x_format")
    title = st.text_input("Title (optional)", key="x_title", placeholder="Metric — place")
    fmt, dpi, inline = export.UI_CHOICES[choice]
    request = export.SnapshotRequest(filters, options, terr_options, title=title.strip() or None,
                                     dpi=dpi, inline_assets=inline, basemap=basemap)
    wanted_key = (request, fmt, db_version)
    if st.button("Prepare export", key="x_prepare", width="stretch"):
        with st.spinner(f"Preparing {choice}…"):
            st.session_state.x_ready = (wanted_key, export.snapshot(request, fmt, view=view, boundaries=b,
                                                                    gazetteer=gaz))
    ready = st.session_state.get("x_ready")
    if ready and ready[0] == wanted_key:
        snap = ready[1]
        if fmt == "png":
            st.image(snap.content, caption="Preview", width="stretch")
        st.download_button(
            f"Download {choice}", snap.content, file_name=export.filename_for(request, fmt),
            mime=export.MIME[fmt], key="x_download", type="primary", width="stretch",
        )
        st.download_button(
            "Download metadata (JSON)", snap.sidecar,
            file_name=export.filename_for(request, fmt) + ".json", mime="application/json",
            key="x_sidecar", width="stretch",
        )
    elif ready:
        st.caption("The view changed since the last export: prepare it again.")

with tab_terr:
    terr_rows = territory_table(view)
    if terr_rows.empty:
        st.write(text.NO_TERRITORIES)
    else:
        st.dataframe(terr_rows, hide_index=True, width="stretch")
with tab_about:
    st.markdown(text.about(b.attribution, view.sources))
