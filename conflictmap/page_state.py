"""What every page reads from the database before it draws: whether the database can be read
(and a version token that changes with the file, for the pages' caches), the span of stored
dates, and the actors the filter offers. The pages never open the database themselves.
"""

from __future__ import annotations

import os
from datetime import date

from conflictmap import queries, store
from conflictmap.filters import EARLIEST
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


def actor_options(db: Db = None) -> list[tuple[str, int]]:
    """Every actor named in the database with its incident count, most active first."""
    with store.connect(db, read_only=True) as con:
        frame = queries.actor_counts(con)
    return list(zip(frame["actor"], frame["incidents"].astype(int), strict=True))


def data_span(db: Db = None) -> tuple[date | None, date | None]:
    """The first and last stored incident dates (None, None for an empty database)."""
    with store.connect(db, read_only=True) as con:
        first, last = queries.date_bounds(con)
    return _day(first), _day(last)


def default_dates(span: tuple[date | None, date | None], today: date | None = None) -> tuple[
    date, date
]:
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
