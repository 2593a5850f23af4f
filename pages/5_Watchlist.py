"""Watchlist: places whose incidents or fatalities rise well above their own baseline, new
actors in a municipality, and saved watchlists (conflictmap/alerts.py, conflictmap/watchlists.py)."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

import auth_ui
import filters_ui as ui
from conflictmap import alerts, i18n, text, watchlists
from conflictmap.filters import METRICS, Filters
from conflictmap.i18n import _
from conflictmap.mapping import MAP_HEIGHT, build_map

ui.apply_language()  # the link's or the session's language, before any text is shown
st.set_page_config(page_title=_("Watchlist") + " — " + _(text.PAGE_TITLE), layout="wide")

geo = ui.geography_or_stop()
db_version = ui.database_or_stop()
actor = auth_ui.gate()  # saving a watchlist is an editor's write
can_save = auth_ui.allows(actor, "save_watchlist")
url = ui.read_url(db_version)
options = alerts.read_options(url.params)
saved = watchlists.get(options.watch)
if saved is not None and st.session_state.get("wl_open") != saved.name:
    # a watch=NAME link: the watchlist's filters, places, period and measure
    url = watchlists.opened(url, saved)
    st.session_state.pop("f_dates", None)  # the filter widgets start from the watchlist's
    st.session_state.update(
        wl_open=saved.name, wl_period=saved.period, wl_metric=saved.metric,
        wl_places=list(saved.places),
    )  # fmt: skip
ui.init_filter_state(db_version, url)
if "wl_period" not in st.session_state:
    st.session_state.update(wl_period=options.period, wl_metric=options.metric, wl_places=[])

with st.sidebar:
    filters = ui.filter_widgets(geo, db_version)
    st.subheader(_("Alert options"))
    period = st.radio(
        _("Period"), alerts.PERIODS, key="wl_period", horizontal=True,
        format_func=lambda p: alerts.period_label(p).capitalize(),
    )  # fmt: skip
    metric = st.radio(
        _("Measure"), METRICS, key="wl_metric", horizontal=True,
        format_func=lambda m: alerts.metric_label(m).capitalize(),
    )  # fmt: skip
    as_of = st.date_input(
        _("As of"),
        value=None,
        key="wl_as_of",
        help=_("The last day of the current period. Empty: the date of the last incident in "
               "view (not today)."),
    )  # fmt: skip

places = st.multiselect(
    _("Watched places (empty: every place in view)"),
    geo.place_codes,
    key="wl_places",
    format_func=geo.label,
)
watching = watchlists.still_open(saved, filters, places, period, metric)
if not watching:  # the view changed: the same link opens the watchlist again
    st.session_state.wl_open = None
ui.sync_url(url, filters, alerts.AlertOptions(period, metric, watching))


@st.cache_data(show_spinner=False, max_entries=32)
def load(filters: Filters, options: alerts.AlertOptions, as_of, places: tuple, db_version: str,
         lang: str):  # fmt: skip
    return alerts.load_view(filters, options, as_of=as_of, places=places, geo=geo)


view = load(
    filters, alerts.AlertOptions(period, metric), as_of, tuple(places), db_version, i18n.current()
)
ui.show_url_problems()

st.title(_("Watchlist"))
if watching:
    st.caption(_("Watchlist: {name}").format(name=text.md_escape(watching)))
st.info(text.md_escape(view.rule), icon="ℹ️")
if view.window:
    st.caption(view.window)

if view.table.empty:
    st.info(_("No place is flagged and no actor is new in this period."))
else:
    st.dataframe(view.table.drop(columns=["code"]), hide_index=True, width="stretch")
if view.spec is not None:
    st_folium(
        build_map(view.spec, geo),
        height=MAP_HEIGHT,
        returned_objects=[],
        key="wl_map",
        use_container_width=True,
    )

st.subheader(_("Saved watchlists"))
saved_lists = watchlists.listing()
for item in saved_lists:
    st.markdown(f"[{text.md_escape(item.name)}]({item.link(i18n.current())})")
if can_save and saved_lists:
    with st.expander(_("Delete a watchlist")):
        doomed = st.selectbox(
            _("Watchlist"), [w.name for w in saved_lists], index=None, key="wl_doomed"
        )
        if st.button(_("Delete watchlist"), key="wl_delete", disabled=doomed is None):
            try:
                gone = watchlists.delete(str(doomed), actor=actor)
            except PermissionError as exc:
                st.error(text.md_escape(exc))
            else:
                if gone:
                    if st.session_state.get("wl_open") == doomed:
                        st.session_state.wl_open = None
                    st.rerun()
with st.expander(_("Save this view as a watchlist")):
    if can_save:
        name = st.text_input(_("Name"), key="wl_name", max_chars=watchlists.MAX_NAME)
        if st.button(_("Save watchlist"), key="wl_save"):
            try:
                kept = watchlists.save(
                    watchlists.from_view(name, filters, places, period, metric), actor=actor
                )
            except (ValueError, PermissionError) as exc:
                st.error(text.md_escape(exc))
            else:
                st.session_state.wl_open = kept.name
                st.success(
                    _("Saved; its link: {link}").format(
                        link=f"[{text.md_escape(kept.name)}]({kept.link(i18n.current())})"
                    )
                )
    else:
        st.caption(auth_ui.not_allowed(actor, "save_watchlist"))
