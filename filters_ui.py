"""The sidebar filters shared by every page (Streamlit UI only: logic lives in conflictmap).

Filter state moves with the user: a page first takes it from the URL (a shared link), else from
the filters the user last set on another page, else the defaults; each page writes it back to
the URL so the address bar always reproduces the view.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from conflictmap import assets, geodata, i18n, page_state, text, url_params
from conflictmap.filters import Filters, ViewOptions, clamp_dates, widget_bounds
from conflictmap.geography import Geography, load_geography
from conflictmap.i18n import _
from conflictmap.schema import EVENT_TYPES
from conflictmap.url_params import TrendOptions, UrlState

LANGUAGE_LABEL = "Idioma · Language"  # both languages: whoever reads one finds the selector


def apply_language() -> str:
    """Set this run's interface language and return it: the session's choice (the sidebar's
    selector), first taken from the link's ``lang`` (else ``CONFLICTMAP_LANG``, else the
    browser's language: i18n.initial_language).
    Every page run calls it before it shows any text (``read_url`` does); a fragment's rerun
    calls it again (its thread starts with no language)."""
    if "cm_lang" not in st.session_state:
        st.session_state.cm_lang = i18n.initial_language(
            st.query_params.get("lang"), st.context.locale
        )
    return i18n.set_language(st.session_state.cm_lang)


def _language_chosen() -> None:
    st.session_state.cm_lang = st.session_state.ui_lang


def language_selector() -> str:
    """The sidebar's language selector (the choice stays with the session and the link)."""
    st.session_state.ui_lang = apply_language()
    st.selectbox(
        LANGUAGE_LABEL,
        i18n.LANGUAGES,
        key="ui_lang",
        format_func=i18n.LANGUAGE_NAMES.__getitem__,
        on_change=_language_chosen,
    )
    return st.session_state.cm_lang


@st.cache_resource(show_spinner="Loading boundaries…")
def geography() -> Geography:
    """The one Geography of this server process (boundaries, names, spatial index...)."""
    return load_geography()


@st.cache_resource
def static_assets() -> list[str]:
    return [str(p) for p in assets.install_static()]


@st.cache_data(show_spinner=False)
def actor_options(db_version: str) -> list[tuple[str, int]]:
    return page_state.actor_options()


@st.cache_data(show_spinner=False)
def matched_reports(db_version: str) -> int:
    return page_state.matched_reports()


@st.cache_data(show_spinner=False)
def actor_names_note(db_version: str, params: dict) -> str:
    """How the actor names in view were resolved (cached per database version and filters)."""
    return page_state.actor_names_note_for(params)


@st.cache_data(show_spinner=False)
def data_span(db_version: str) -> tuple[date | None, date | None]:
    """The first and last stored incident dates (None, None for an empty database)."""
    return page_state.data_span()


def date_bounds(db_version: str) -> tuple[date, date]:
    """The default date range: every stored incident, whatever its year; without data, every
    day an incident can have (so a first import is in view)."""
    return page_state.default_dates(data_span(db_version))


def read_url(db_version: str) -> UrlState:
    """What the address bar asks for (dates kept within what the date widget can show)."""
    apply_language()
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    return url_params.read(params, last=data_span(db_version)[1])


def geography_or_stop() -> Geography:
    """The Geography every page passes down; without boundaries, a message and the page stops."""
    try:
        geo = geography()
    except geodata.GeodataError as exc:
        st.error(f"{_(text.NO_BOUNDARIES)}\n\n{text.md_escape(exc)}")
        st.stop()
    static_assets()
    return geo


def database_or_stop() -> str:
    """The database's version token; while another program writes to the file, a message and
    the page stops (DuckDB lets no one read a file that is being written by another process)."""
    try:
        return page_state.database_version()
    except page_state.DatabaseBusy as exc:
        st.warning(f"{_(text.DB_BUSY)}\n\n{text.md_escape(exc)}")
        st.stop()


def init_filter_state(db_version: str, url: UrlState) -> Filters:
    """Set the filter widgets' state when this page's widgets have none yet; return the start."""
    if "f_dates" in st.session_state:
        # widgets on another page are other widgets: hand the values over explicitly (Streamlit
        # would otherwise start this page's widgets from their defaults)
        for key in ("f_dates", "f_types", "f_actors", "f_dept", "f_muni", "f_count"):
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
        return st.session_state.get("cm_filters", Filters())
    if url.has_filters or "cm_filters" not in st.session_state:
        start = url.filters
        st.session_state.url_problems = list(url.problems)
    else:
        start = st.session_state.cm_filters
    first, last = date_bounds(db_version)
    st.session_state.update(
        f_dates=(start.date_from or first, start.date_to or last),
        f_types=list(start.event_types),
        f_actors=list(start.actors),
        f_dept=start.dept or "",
        f_muni=start.muni or "",
        f_count=start.count == "reports",
    )
    return start


def apply_pending_place() -> None:
    """A place chosen by clicking the map (set before the widgets exist in this run)."""
    if "pending_place" in st.session_state:
        dept, muni = st.session_state.pop("pending_place")
        st.session_state.f_dept, st.session_state.f_muni = dept, muni


def clear_muni() -> None:
    st.session_state.f_muni = ""


def go_to(dept: str, muni: str) -> None:
    st.session_state.f_dept, st.session_state.f_muni = dept, muni


def _state_days() -> list[date]:
    value = st.session_state.get("f_dates")
    if isinstance(value, date):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, date)]
    return []


def date_widget_bounds(db_version: str) -> tuple[date, date]:
    """min_value, max_value of the date filter: the stored incidents' span (any year) widened
    to the widget's current value, which is first kept within [EARLIEST, today] — a range set
    by a link, another page, a brushed chart or a database that changed never makes it raise."""
    first, last = data_span(db_version)
    days = _state_days()
    if days:
        lo, hi, _ = clamp_dates(min(days), max(days), last=last)
        if (lo, hi) != (min(days), max(days)):
            st.session_state.f_dates = (lo, hi)
            days = [lo, hi]
    return widget_bounds(first, last, days)


def filter_widgets(geo: Geography, db_version: str) -> Filters:
    """Language, date range, event types, actors, department -> municipality (call inside the
    sidebar)."""
    language_selector()
    min_day, max_day = date_widget_bounds(db_version)
    dates = st.date_input(
        _("Date range"),
        key="f_dates",
        min_value=min_day,
        max_value=max_day,
        format="DD/MM/YYYY" if i18n.current() == "es" else "YYYY-MM-DD",
    )
    types = st.multiselect(
        _("Event types"),
        list(EVENT_TYPES),
        key="f_types",
        placeholder=_("All event types"),
        format_func=text.event_type_label,
    )
    actor_counts = dict(actor_options(db_version))
    actor_choices = page_state.actor_choices(actor_counts, st.session_state.f_actors)
    actors = st.multiselect(
        _("Actors"),
        actor_choices,
        key="f_actors",
        placeholder=_("All actors (type to search)"),
        format_func=lambda a: page_state.actor_label(a, actor_counts),
        help=_(text.ACTOR_HELP),
    )
    depts = [""] + sorted(geo.dept_names, key=geo.name)
    if st.session_state.f_dept not in depts:
        st.session_state.f_dept = ""
    dept = st.selectbox(
        _("Department"),
        depts,
        key="f_dept",
        on_change=clear_muni,
        format_func=lambda c: geo.name(c) or _("All of Colombia"),
    )
    munis = [""] + ([p.muni_code for p in geo.gazetteer.municipalities_of(dept)] if dept else [])
    if st.session_state.f_muni not in munis:
        st.session_state.f_muni = ""
    muni = st.selectbox(
        _("Municipality"),
        munis,
        key="f_muni",
        disabled=not dept,
        format_func=lambda c: geo.name(c) or _("All municipalities"),
    )
    matched = matched_reports(db_version)
    every_report = False
    if matched or st.session_state.get("f_count"):
        every_report = st.toggle(
            _("Count every report"),
            key="f_count",
            help=_(
                "{n} reports describe an event another dataset also reports (same day or days, "
                "place, type, actors and fatalities: see the README's matching rules). By "
                "default each such event counts once; switch on to count every report."
            ).format(n=i18n.number(matched)),
        )
    if isinstance(dates, (list, tuple)):
        date_from, date_to = (list(dates) + [None, None])[:2]
    else:
        date_from, date_to = dates, None
    filters = Filters(
        date_from=date_from,
        date_to=date_to or date_from,
        actors=tuple(actors),
        event_types=tuple(types),
        dept=dept or None,
        muni=muni or None,
        count="reports" if every_report else "events",
    )
    st.session_state.cm_filters = filters
    return filters


def sync_url(url: UrlState, filters: Filters, *options: ViewOptions | TrendOptions) -> None:
    """Write the view to the address bar (only when it changed: no needless reruns)."""
    wanted = url_params.write(filters, *options, lang=st.session_state.get("cm_lang"))
    if not url_params.same(url.params, wanted):
        st.query_params.from_dict(wanted)


def show_url_problems() -> None:
    for problem in st.session_state.get("url_problems", []):
        st.warning(_("Link: {problem}").format(problem=text.md_escape(problem)))  # the URL


def datasets_box(datasets, demo_in_view: bool) -> None:
    st.caption(_(text.DATA_IN_VIEW))
    if datasets.empty:
        st.write(_(text.NO_DATA))
    for row in datasets.itertuples(index=False):
        n = int(row.incidents)
        st.write(
            f"**{text.md_escape(row.dataset)}** — "
            + i18n.ngettext("{n} incident", "{n} incidents", n).format(n=i18n.number(n))
        )
    if demo_in_view:
        st.warning(_(text.DEMO_NOTICE), icon="⚠️")
