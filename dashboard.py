"""ConflictMap — the map page. Reads widgets, calls the conflictmap package, draws the result."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

import auth_ui
import filters_ui as ui
from conflictmap import clusters, export, export_terms, i18n, page_state, settings, text
from conflictmap.filters import LEVELS, METRICS, STYLES, Filters, ViewOptions
from conflictmap.geography import Geography, dept_of
from conflictmap.i18n import _
from conflictmap.map_model import LEVEL_LABELS, METRIC_LABELS, STYLE_LABELS
from conflictmap.mapping import BASEMAPS, MAP_HEIGHT, build_map, viewport_layer
from conflictmap.view import (
    TerritoryOptions,
    breadcrumb,
    display_table,
    incident_detail,
    load_view,
    map_spec,
    start_viewport,
    territory_table,
)

ui.apply_language()  # the link's or the session's language, before any text is shown
st.set_page_config(page_title=_(text.PAGE_TITLE), layout="wide")


def _map_page() -> None:
    """The map page: the rest of this script, run when the navigation's current page is it."""


# Pages named in words in the navigation (not by their file names); pages/ keeps the files
# (titles in the interface language; the URL paths come from the file names, the same in both)
_pages = [st.Page(_map_page, title=_("Map"), default=True)] + [
    st.Page(path, title=title)
    for path, title in (
        ("pages/1_Data.py", _("Data")),
        ("pages/2_Territories.py", _("Territories")),
        ("pages/3_Trends.py", _("Trends")),
        ("pages/5_Watchlist.py", _("Watchlist")),
    )
]
if auth_ui.admin_visible():  # the audit trail, deleted datasets and users: admins only
    _pages.append(st.Page("pages/4_Admin.py", title=_("Admin")))
_page = st.navigation(_pages)
if _page.url_path:  # another page draws itself (the map page, the default, has no path)
    _page.run()
    st.stop()
_page.run()


@st.cache_data(show_spinner=False, max_entries=64)
def view_for(
    filters: Filters,
    options: ViewOptions,
    terr: TerritoryOptions,
    db_version: str,
    lang: str,  # the view's notes are in the interface language
    _geo: Geography,  # one per process; the leading underscore: Streamlit does not hash it
):
    return load_view(filters, options, territory_options=terr, geo=_geo)


geo = ui.geography_or_stop()
db_version = ui.database_or_stop()
actor = auth_ui.gate()  # with users configured: the sign-in form until someone signs in

# ---- state: URL (or the filters set on another page) -> widgets; map clicks before widgets
url = ui.read_url(db_version)
start = ui.init_filter_state(db_version, url)
if "o_level" not in st.session_state:
    url_options = url.view_options(has_dept=bool(start.dept))
    st.session_state.update(
        o_level=url_options.level,
        o_metric=url_options.metric,
        o_style=url_options.style,
        o_basemap="none",
    )
ui.apply_pending_place()

# ---- sidebar
with st.sidebar:
    data_box = st.container()
    filters = ui.filter_widgets(geo, db_version)
    dept = filters.dept
    st.subheader(_("Map options"))
    level = st.radio(
        _("Level"),
        LEVELS,
        key="o_level",
        horizontal=True,
        disabled=bool(dept),
        format_func=lambda v: _(LEVEL_LABELS[v]),
        help=_("A chosen department always shows its municipalities."),
    )
    metric = st.radio(
        _("Colour by"),
        METRICS,
        key="o_metric",
        horizontal=True,
        format_func=lambda v: _(METRIC_LABELS[v]),
    )
    style = st.radio(
        _("Show"),
        STYLES,
        key="o_style",
        horizontal=True,
        format_func=lambda v: _(STYLE_LABELS[v]),
        help=_(
            "Areas: each department or municipality filled by its count. Hexagons: a density "
            "map of H3 cells."
        ),
    )
    basemap = st.selectbox(
        _("Basemap"), list(BASEMAPS), key="o_basemap", format_func=lambda k: _(BASEMAPS[k][0])
    )
    st.caption(_("Armed-group territories"))
    show_declared = st.checkbox(
        _("Declared territories"), value=True, key="t_declared", help=_(text.DECLARED_HELP)
    )
    show_inferred = st.checkbox(
        _("Inferred from incidents"), value=False, key="t_inferred", help=_(text.INFERRED_HELP)
    )
    min_incidents = st.slider(
        _("Inferred: at least k incidents per municipality"),
        1,
        20,
        3,
        key="t_k",
        disabled=not show_inferred,
    )

options = ViewOptions(level=level, metric=metric, style=style)
ui.sync_url(url, filters, options)

terr_options = TerritoryOptions(show_declared, show_inferred, int(min_incidents))
view = view_for(filters, options, terr_options, db_version, i18n.current(), geo)

with data_box:
    ui.datasets_box(view.datasets, view.demo_in_view)
ui.show_url_problems()

# ---- main area
st.title(_(text.PAGE_TITLE))
crumbs = breadcrumb(filters, geo)
widths = [max(len(label), 8) for label, _ in crumbs]
cols = st.columns(widths + [max(100 - sum(widths), 10)])
for i, (label, target) in enumerate(crumbs):
    last_crumb = i == len(crumbs) - 1
    cols[i].button(
        ("› " if i else "") + text.md_escape(label),
        key=f"crumb_{i}",
        disabled=last_crumb,
        on_click=ui.go_to,
        args=(target.dept or "", target.muni or ""),
        type="tertiary",
    )

fig = view.figures
m1, m2, m3, m4 = st.columns(4)
m1.metric(_("Incidents"), i18n.number(fig.incidents))
m2.metric(
    _("Fatalities"),
    i18n.number(fig.fatalities),
    help=i18n.ngettext(
        "{n} incident with unknown fatalities is not counted",
        "{n} incidents with unknown fatalities are not counted",
        fig.fatalities_unknown,
    ).format(n=i18n.number(fig.fatalities_unknown))
    if fig.fatalities_unknown
    else _("Reported fatalities, as recorded by the sources"),
)
m3.metric(_("Actors"), i18n.number(fig.actors))
m4.metric(_("Municipalities affected"), i18n.number(fig.municipalities))
if view.demo_in_view:
    st.caption(_(text.DEMO_CAPTION))
if view.unmapped_note:
    st.caption(text.md_escape(view.unmapped_note))
for about in page_state.actor_details(filters):
    with st.expander(_("About {name}").format(name=text.md_escape(about.heading))):
        st.markdown("\n".join(f"- {text.md_escape(line)}" for line in about.lines))
        if about.sources:
            st.caption(_("Sources:") + " " + " · ".join(text.md_escape(s) for s in about.sources))


@st.cache_data(show_spinner=False, max_entries=256)
def incidents_in_view(filters: Filters, request: clusters.Request, db_version: str):
    """Clusters or points of one viewport request (every incident in it is counted)."""
    return clusters.load(filters, request)


@st.fragment
def map_panel(base_key: tuple) -> None:
    """The map. Panning and zooming rerun only this: the app reads the viewport back from the
    map and asks for the incidents in it; the map itself stays where the user put it."""
    ui.apply_language()  # a fragment's rerun starts with no language
    # served: the boundaries are fetched once by the browser, not re-sent with each pan
    fmap = build_map(map_spec(view, basemap, viewport_points=True), geo, served=True)
    place = (filters.dept, filters.muni)
    if st.session_state.get("map_place") != place:  # a new place: the map frames it
        st.session_state.map_place = place
        st.session_state.pop("map", None)
        st.session_state.pop("map_request", None)
    report = st.session_state.get("map")  # the last viewport the map reported
    seen = clusters.reported_viewport(report)
    request = clusters.request_for(
        seen or start_viewport(filters, geo), st.session_state.get("map_request")
    )
    st.session_state.map_request = request
    # a new map for the same place (other filters): open it where the user left the last one
    restore = seen is not None and st.session_state.get("map_base") not in (None, base_key)
    st.session_state.map_base = base_key
    layer = None if view.hexagons is not None else incidents_in_view(filters, request, db_version)
    result = st_folium(
        fmap,
        key="map",
        height=MAP_HEIGHT,
        use_container_width=True,
        returned_objects=["last_active_drawing", "bounds", "zoom", "center"],
        feature_group_to_add=viewport_layer(layer, geo) if layer is not None else None,
        center=clusters.reported_center(report) if restore else None,
        zoom=seen.zoom if restore and seen is not None else None,
        render=False,  # the map renders itself for the component anyway: not twice per pan
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
            st.session_state.pending_place = (dept_of(code), code)
            st.rerun()


map_panel((filters, options, terr_options, basemap, db_version, i18n.current()))

tab_table, tab_terr, tab_about = st.tabs(
    [_("Incidents"), _("Territory legend"), _("Sources and attribution")]
)
with tab_table:
    shown = len(view.table)
    st.caption(
        _("{shown} of {n} incidents, newest first").format(
            shown=i18n.number(shown), n=i18n.number(fig.incidents)
        )
        if shown < fig.incidents
        else i18n.ngettext(
            "{n} incident, newest first", "{n} incidents, newest first", fig.incidents
        ).format(n=i18n.number(fig.incidents))
    )
    picked = st.dataframe(
        display_table(view.table, geo),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="incident_table",
        column_config={
            "event_date": st.column_config.DateColumn(
                _("date"), format="DD/MM/YYYY" if i18n.current() == "es" else "YYYY-MM-DD"
            ),
            "event_type": _("event type"),
            "sub_event_type": _("sub-type"),
            "actor1": _("actor 1"),
            "actor2": _("actor 2"),
            "source_url": st.column_config.LinkColumn(_("source link")),
        },
    )
    rows = picked.selection.rows if picked else []
    if rows and rows[0] < len(view.table):
        chosen = str(view.table["incident_id"].iloc[rows[0]])
        detail = incident_detail(chosen, geo)
        if detail is None:
            st.warning(_(text.DETAIL_GONE))
        else:
            st.markdown(f"**{_(text.DETAIL_TITLE)}** {text.md_escape(detail.incident_id)}")
            st.dataframe(detail.fields, hide_index=True, width="stretch")
            if detail.reports_note:  # the same event in other datasets (matching.py)
                st.markdown(text.md_escape(detail.reports_note))
                st.dataframe(detail.reports, hide_index=True, width="stretch")
            with st.expander(_(text.DETAIL_ORIGINAL)):
                st.json(detail.original)
    else:
        st.caption(_(text.DETAIL_HINT))
with st.sidebar:
    st.subheader(_("Export"))
    choice = st.selectbox(_("Format"), list(export.UI_CHOICES), key="x_format", format_func=_)
    title = st.text_input(_("Title (optional)"), key="x_title", placeholder=_("Metric — place"))
    fmt, dpi, inline = export.UI_CHOICES[choice]
    choice_label = _(choice)  # the format as the selectbox shows it
    # each source's terms: restricted datasets (ACLED) leave as aggregates, unless own use
    terms_note = export_terms.view_policy(filters)[1]  # (`_` is the translation function)
    own_use = False
    if terms_note:
        st.info(text.md_escape(terms_note))
        if not settings.get().public_view and not settings.get().read_only:
            own_use = st.checkbox(
                _("Include restricted incident rows, for my own use"),
                key="x_own_use",
                help=_(
                    "Incident rows of datasets whose terms allow sharing only aggregates (or "
                    "nothing). Recorded in the file's metadata and the audit trail; do not share "
                    "the file."
                ),
            )
            if own_use:  # what the file will say instead (rows kept, not to be shared)
                st.warning(text.md_escape(export_terms.view_policy(filters, own_use=True)[1]))
    request = export.SnapshotRequest(
        filters,
        options,
        terr_options,
        title=title.strip() or None,
        dpi=dpi,
        inline_assets=inline,
        basemap=basemap,
        own_use=own_use,
    )
    wanted_key = (request, fmt, db_version)
    if st.button(_("Prepare export"), key="x_prepare", width="stretch"):
        with st.spinner(_("Preparing {format}…").format(format=choice_label)):
            st.session_state.x_ready = (
                wanted_key,
                export.snapshot(request, fmt, view=view, boundaries=geo, actor=actor),
            )
    ready = st.session_state.get("x_ready")
    if ready and ready[0] == wanted_key:
        snap = ready[1]
        if fmt == "png":
            st.image(snap.content, caption=_("Preview"), width="stretch")
        st.download_button(
            _("Download {format}").format(format=choice_label),
            snap.content,
            file_name=export.filename_for(request, fmt),
            mime=export.MIME[fmt],
            key="x_download",
            type="primary",
            width="stretch",
        )
        st.download_button(
            _("Download metadata (JSON)"),
            snap.sidecar,
            file_name=export.filename_for(request, fmt) + ".json",
            mime="application/json",
            key="x_sidecar",
            width="stretch",
        )
    elif ready:
        st.caption(_("The view changed since the last export: prepare it again."))

with tab_terr:
    terr_rows = territory_table(view)
    if terr_rows.empty:
        st.write(_(text.NO_TERRITORIES))
    else:
        st.dataframe(terr_rows, hide_index=True, width="stretch")
with tab_about:
    st.markdown(text.about(geo.attribution, view.sources))
    st.markdown(
        _("**Actor names.**") + " " + text.md_escape(ui.actor_names_note(db_version, filters.to_params()))
    )
    with st.expander(_("Cite this view")):
        # plain text (st.code: a copy button, nothing read as Markdown)
        st.code(export_terms.cite_view(filters, geo), language=None, wrap_lines=True)
