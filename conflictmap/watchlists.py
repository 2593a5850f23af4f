"""Saved watchlists: places and actors a person follows, with the alert period (table
``watchlists``).

A watchlist has a name, places (DIVIPOLA codes: municipalities and departments), actors (actor
filter values, classes included), the period (week or month) and measure of its alerts, and the
other filters in view when it was saved (event types, events or reports), kept as URL
parameters (:meth:`conflictmap.filters.Filters.to_params`). It has no date range: its alerts
always end on the last incident in view (:mod:`conflictmap.alerts`).

**Its link** is the Watchlist page with ``watch=NAME`` in the URL: opening it restores the
watchlist's filters, places, period and measure (:func:`opened`); the page keeps ``watch`` in
the address bar while the view is still the watchlist's (:func:`still_open`).

The table is created by the first save (:data:`SCHEMA`); reading a database without it shows no
watchlists (its existence is checked first: on PostgreSQL a failed query would abort the
transaction). Saving and deleting need the editor role (action ``save_watchlist``) and are
recorded in the audit trail.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from conflictmap import alerts, audit, dialect, permissions, store
from conflictmap.filters import METRICS, Filters, Params, param_value
from conflictmap.i18n import _
from conflictmap.permissions import Actor
from conflictmap.url_params import UrlState

Db = str | os.PathLike[str] | None
TABLE = "watchlists"
MAX_NAME = 80
PAGE_PATH = "Watchlist"  # the page's URL path (pages/5_Watchlist.py)

SCHEMA = """
CREATE TABLE IF NOT EXISTS watchlists (
    name VARCHAR PRIMARY KEY,
    places VARCHAR NOT NULL,  -- JSON list of DIVIPOLA codes (municipalities and departments)
    actors VARCHAR NOT NULL,  -- JSON list of actor filter values
    period VARCHAR NOT NULL CHECK (period IN ('week', 'month')),
    metric VARCHAR NOT NULL CHECK (metric IN ('incidents', 'fatalities')),
    filters VARCHAR NOT NULL,  -- JSON: the other filters as URL parameters (type, count)
    saved_by VARCHAR,
    saved_at TIMESTAMP NOT NULL
);
"""


@dataclass(frozen=True)
class Watchlist:
    name: str
    places: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    period: str = "month"
    metric: str = "incidents"
    event_types: tuple[str, ...] = ()
    count: str = "events"
    saved_by: str | None = None

    def filters(self) -> Filters:
        """The filters its view opens with (no dates, no single place: its places are a list)."""
        return Filters(actors=self.actors, event_types=self.event_types, count=self.count)

    def link(self, lang: str | None = None) -> str:
        """The page's relative link: ``Watchlist?watch=NAME``."""
        params = {"watch": self.name}
        if lang:
            params["lang"] = lang
        return f"{PAGE_PATH}?{urllib.parse.urlencode(params)}"


def from_view(
    name: str, filters: Filters, places: Iterable[str], period: str, metric: str = "incidents"
) -> Watchlist:
    """The watchlist of what a page shows (its dates and single place are not kept)."""
    return Watchlist(
        name=" ".join(str(name or "").split()),
        places=tuple(dict.fromkeys(places)),
        actors=filters.actors,
        period=period,
        metric=metric,
        event_types=filters.event_types,
        count=filters.count,
    )


def check(watchlist: Watchlist) -> None:
    """ValueError (a sentence) for a watchlist that cannot be saved."""
    if not watchlist.name.strip():
        raise ValueError(_("the watchlist needs a name"))
    if len(watchlist.name) > MAX_NAME:
        raise ValueError(
            _("the name is {n} characters; at most {max} fit").format(
                n=len(watchlist.name), max=MAX_NAME
            )
        )
    if not watchlist.places and not watchlist.actors:
        raise ValueError(_("a watchlist needs at least one place or actor"))
    bad = [p for p in watchlist.places if not (p.isascii() and p.isdigit() and len(p) in (2, 5))]
    if bad:
        raise ValueError(
            _("not DIVIPOLA codes: {codes}").format(codes=", ".join(map(repr, bad)))
        )
    if watchlist.period not in alerts.PERIODS:
        raise ValueError(_("unknown period {period}").format(period=repr(watchlist.period)))
    if watchlist.metric not in METRICS:
        raise ValueError(_("unknown measure {metric}").format(metric=repr(watchlist.metric)))
    watchlist.filters()  # event types and count are checked by Filters


def save(watchlist: Watchlist, db: Db = None, *, actor: Actor | None = None) -> Watchlist:
    """Store a watchlist under its name (replacing one of the same name); editors and admins
    (PermissionError otherwise). Recorded in the audit trail in the same transaction."""
    who = permissions.require(actor, "save_watchlist", db)
    check(watchlist)
    stored = replace(watchlist, name=" ".join(watchlist.name.split()), saved_by=who.name)
    other = {k: v for k, v in watchlist.filters().to_params().items() if k != "actor"}
    with store.connect(db) as con:
        con.execute(SCHEMA)
        with store.transaction(con):
            con.execute("DELETE FROM watchlists WHERE name = ?", [stored.name]).fetchall()
            con.execute(
                "INSERT INTO watchlists (name, places, actors, period, metric, filters, "
                "saved_by, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    stored.name,
                    json.dumps(list(stored.places)),
                    json.dumps(list(stored.actors), ensure_ascii=False),
                    stored.period,
                    stored.metric,
                    json.dumps(other, ensure_ascii=False),
                    stored.saved_by,
                    audit.now(),
                ],
            ).fetchall()
            audit.record(
                con,
                who,
                "watchlist_save",
                detail={
                    "name": stored.name,
                    "places": list(stored.places),
                    "actors": list(stored.actors),
                    "period": stored.period,
                    "metric": stored.metric,
                },
            )
    return stored


def delete(name: str, db: Db = None, *, actor: Actor | None = None) -> bool:
    """Forget a watchlist; False when none has the name."""
    who = permissions.require(actor, "save_watchlist", db)
    with store.connect(db) as con:
        if not _has_table(con):
            return False
        with store.transaction(con):
            (n,) = con.execute(
                "SELECT count(*) FROM watchlists WHERE name = ?", [name]
            ).fetchall()[0]
            if n:
                con.execute("DELETE FROM watchlists WHERE name = ?", [name]).fetchall()
                audit.record(con, who, "watchlist_delete", detail={"name": name})
    return bool(n)


def _has_table(con: dialect.Connection) -> bool:
    return bool(con.execute(dialect.table_exists_query(con), [TABLE]).fetchall()[0][0])


_COLUMNS = "name, places, actors, period, metric, filters, saved_by"


def _from_row(row: Sequence[object]) -> Watchlist:
    name, places, actors, period, metric, other, saved_by = row
    kept, _problems = Filters.from_params(json.loads(str(other or "{}")))
    return Watchlist(
        name=str(name),
        places=tuple(json.loads(str(places or "[]"))),
        actors=tuple(json.loads(str(actors or "[]"))),
        period=str(period),
        metric=str(metric),
        event_types=kept.event_types,
        count=kept.count,
        saved_by=None if saved_by is None else str(saved_by),
    )


def listing(db: Db = None) -> list[Watchlist]:
    """Every saved watchlist, by name (none on a database that never saved one)."""
    with store.connect(db, read_only=True) as con:
        if not _has_table(con):
            return []
        rows = con.execute(f"SELECT {_COLUMNS} FROM watchlists ORDER BY name").fetchall()
    return [_from_row(r) for r in rows]


def get(name: str | None, db: Db = None) -> Watchlist | None:
    if not name:
        return None
    with store.connect(db, read_only=True) as con:
        if not _has_table(con):
            return None
        rows = con.execute(
            f"SELECT {_COLUMNS} FROM watchlists WHERE name = ?", [name]
        ).fetchall()
    return _from_row(rows[0]) if rows else None


# ---- links -------------------------------------------------------------------------------------


def requested(params: Params) -> str | None:
    """The watchlist a link names (``watch=NAME``)."""
    return param_value(params, "watch")


def opened(url: UrlState, watchlist: Watchlist) -> UrlState:
    """What a ``watch=NAME`` link asks for: the watchlist's filters, as if the link named them."""
    return replace(url, filters=watchlist.filters(), has_filters=True)


def still_open(
    watchlist: Watchlist | None,
    filters: Filters,
    places: Iterable[str],
    period: str,
    metric: str,
) -> str | None:
    """The watchlist's name while the page still shows its view (then ``watch`` stays in the
    address bar), None once the filters, places, period or measure differ."""
    if watchlist is None:
        return None
    same = (
        tuple(filters.actors) == watchlist.actors
        and tuple(filters.event_types) == watchlist.event_types
        and filters.count == watchlist.count
        and not filters.dept
        and tuple(places) == watchlist.places
        and period == watchlist.period
        and metric == watchlist.metric
    )
    return watchlist.name if same else None
