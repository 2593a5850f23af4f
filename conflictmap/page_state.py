"""What every page reads from the database before it draws: whether the database can be read
(and a version token that changes with the file, for the pages' caches), the span of stored
dates, and the actors the filter offers. The pages never open the database themselves.
"""

from __future__ import annotations

import os
from datetime import date

from conflictmap import actor_detail, actor_mappings, i18n, matching, queries, store
from conflictmap.actor_detail import ActorDetail
from conflictmap.actors import class_label, class_of_token, default_registry
from conflictmap.filters import EARLIEST, Filters
from conflictmap.i18n import _
from conflictmap.shared_reader import StoreBusyError

# another program is writing the file: the message says which and what to do
DatabaseBusy = StoreBusyError

Db = str | os.PathLike[str] | None


def database_version(db: Db = None) -> str:
    """The database's version token, after making sure it can be read: an older database is
    upgraded first; while another program writes to the file, :data:`DatabaseBusy` (DuckDB lets
    no one read a file that another process is writing)."""
    store.ensure_current(db)
    with store.connect(db, read_only=True) as con:
        store.count_incidents(con)
    return store.version(db)


def matched_reports(db: Db = None) -> int:
    """Reports counted under another dataset's report of the same event (0 without matches):
    the sidebar offers "count every report" only when there are some."""
    with store.connect(db, read_only=True) as con:
        if not matching.has_matches(con):
            return 0
        return int(
            con.execute(
                f"SELECT count(*) FROM incidents WHERE {matching.secondary_condition()}"
            ).fetchall()[0][0]
        )


def actor_options(db: Db = None) -> list[tuple[str, int]]:
    """What the actor filter offers, with incident counts: each class some incident names
    (``class:paramilitary``, shown by :func:`actor_label`), then every actor named in the
    database, most active first."""
    with store.connect(db, read_only=True) as con:
        classes = queries.class_counts(con)
        frame = queries.actor_counts(con)
    return classes + list(zip(frame["actor"], frame["incidents"].astype(int), strict=True))


def actor_names_note(filters: Filters, db: Db = None) -> str:
    """How the actor names of the incidents in view were resolved: by the registry, by hand
    mappings, or not at all (for the sources and citation text)."""
    with store.connect(db, read_only=True) as con:
        in_view = queries.where(con, filters)
        return actor_mappings.summary(
            con, default_registry(), in_view.sql, in_view.params
        ).sentence()


def actor_names_note_for(params: dict, db: Db = None) -> str:
    """:func:`actor_names_note` of the filters in URL-parameter form (what a page caches by)."""
    return actor_names_note(Filters.from_params(params)[0], db)


def actor_details(filters: Filters) -> list[ActorDetail]:
    """What the dashboard says about each registry group or class the actor filter selects."""
    registry = default_registry()
    found = (actor_detail.detail(value, registry) for value in filters.actors)
    return [d for d in found if d is not None]


def actor_choices(counts: dict[str, int], selected: list[str]) -> list[str]:
    """The actor filter's options in order: classes (registry order), then every name stored or
    already selected (a shared link may name one this database lacks), alphabetically."""
    classes = [a for a in counts if class_of_token(a)]
    selected_classes = [a for a in selected if class_of_token(a) and a not in classes]
    names = sorted((set(counts) | set(selected)) - set(classes) - set(selected_classes))
    return classes + selected_classes + names


def actor_label(value: str, counts: dict[str, int]) -> str:
    """An actor filter option as shown: ``"All paramilitaries (class) (1,234)"`` or
    ``"ELN (767)"``."""
    actor_class = class_of_token(value)
    name = _("{name} (class)").format(name=class_label(actor_class)) if actor_class else value
    return f"{name} ({i18n.number(counts.get(value, 0))})"


def data_span(db: Db = None) -> tuple[date | None, date | None]:
    """The first and last stored incident dates (None, None for an empty database)."""
    with store.connect(db, read_only=True) as con:
        first, last = queries.date_bounds(con)
    return _day(first), _day(last)


def default_dates(
    span: tuple[date | None, date | None], today: date | None = None
) -> tuple[date, date]:
    """The default date range: every stored incident, whatever its year; without data, every
    day an incident can have (so a first import is in view)."""
    first, last = span
    return first or EARLIEST, last or (today or date.today())


def _day(value: object) -> date | None:
    if value is None:
        return None
    if hasattr(value, "date") and callable(value.date):  # a Timestamp or datetime
        return value.date()
    return value  # type: ignore[return-value]
