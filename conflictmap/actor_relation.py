"""The actors of an incident, in any role: one definition for every page and query.

**The relation.** An incident names actors in three roles: ``actor1``, ``actor2`` and the list
of associated actors (``assoc``). :func:`incident_actors` is the SQL of the relation
``(incident_id, actor, role)`` over any table expression with those columns: one row per
non-empty name per role (a name listed twice among the associated actors is one row). The
database carries it as the view ``incident_actors`` over ``incidents``. Top actors, the
actor × event type matrix, inferred territories, the sidebar's actor list and the Data page's
unknown actors read the relation; the actor filter and the "Actors" key figure read its index
(below), which is computed from it. So an incident's associated actors count wherever its other
actors do.

**Its index.** At a million incidents, a join with the relation costs 5–125 ms per filtered
query depending on the actor (an umbrella such as "FARC dissidents" is a dozen names, and a
view runs several queries), an integer test on a column of ``incidents`` 2–5 ms. So every name
gets a number when it is first stored (table ``actor_ids``; never reassigned, so stored
incidents stay valid) and each incident carries the numbers of its actors as bits:
``actor_bits`` holds numbers 0–63, ``actor_bits_1`` 64–127, ``actor_bits_2`` 128–191, and so on
(a column is added when the first name needing it is stored: there is no limit on the number of
names, and every name is as fast to filter on as any other). The bits are computed at insert,
in SQL, from the relation itself (:func:`insert_source`), in the import's transaction.

- the actor filter is ``(actor_bits_k & mask) <> 0`` for each column holding a wanted name;
- the number of distinct actors of a set of incidents is the number of bits set in the OR of
  their bit columns (the key figure groups by the bit columns, see ``queries.overview``).
- an incident's rows go when it is deleted (the relation is a view; its bits are its columns);
  names keep their number.

A database written before this module (no ``actor_ids``) is upgraded by any writing connection
(:func:`upgrade`); read-only, filters and figures fall back to the relation itself (correct,
only slower).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from conflictmap import dialect

ROLES = ("actor1", "actor2", "assoc")
VIEW = "incident_actors"
WORD = 64  # names per bit column

SCHEMA = """
CREATE TABLE IF NOT EXISTS actor_ids (
    actor VARCHAR PRIMARY KEY,
    actor_id INTEGER NOT NULL UNIQUE CHECK (actor_id >= 0)
);
"""


def incident_actors(source: str, columns: Sequence[str] = ()) -> str:
    """SQL of the relation (incident_id, actor, role, *columns) over ``source`` (a table name
    or a parenthesised query with ``incident_id``, ``actor1``, ``actor2``, ``assoc_actors`` and
    ``columns``). NULL and empty names are not actors."""
    extra = "".join(f", {c}" for c in columns)
    return (
        f"SELECT incident_id, actor1 AS actor, 'actor1' AS role{extra} FROM {source} "
        "WHERE actor1 <> '' "
        f"UNION ALL SELECT incident_id, actor2 AS actor, 'actor2' AS role{extra} FROM {source} "
        "WHERE actor2 <> '' "
        f"UNION ALL SELECT incident_id, actor, 'assoc' AS role{extra} FROM ("
        f"SELECT incident_id, unnest(list_distinct(assoc_actors)) AS actor{extra} FROM {source}"
        ") WHERE actor <> ''"
    )


VIEW_SQL = f"CREATE OR REPLACE VIEW {VIEW} AS {incident_actors('incidents')}"


def column(word: int) -> str:
    """The bit column of names ``word * 64`` to ``word * 64 + 63``."""
    return "actor_bits" if word == 0 else f"actor_bits_{word}"


def _words(max_id: int | None) -> int:
    return 1 if max_id is None else int(max_id) // WORD + 1


def index_columns(con: dialect.Connection) -> list[str] | None:
    """The bit columns of this database (None: a database from before the index)."""
    try:
        (max_id,) = con.execute("SELECT max(actor_id) FROM actor_ids").fetchall()[0]
    except dialect.MissingTable:
        return None
    return [column(w) for w in range(_words(max_id))]


# --------------------------------------------------------------------------------------------
# Reading


def condition(con: dialect.Connection, names: Iterable[str]) -> tuple[str, list[object]]:
    """SQL (and parameters) on ``incidents`` true for incidents naming any of ``names`` in
    any role."""
    names = sorted(set(names))
    if not names:
        return "FALSE", []
    marks = ", ".join("?" for _ in names)
    try:
        ids = [
            i
            for (i,) in con.execute(
                f"SELECT actor_id FROM actor_ids WHERE actor IN ({marks})", names
            ).fetchall()
        ]
    except dialect.MissingTable:
        # a database from before the index, opened read-only (writing connections add it)
        return names_condition(names), list(names)
    masks: dict[int, int] = {}
    for i in ids:  # names never stored match nothing
        masks[i // WORD] = masks.get(i // WORD, 0) | (1 << (i % WORD))
    if not masks:
        return "FALSE", []
    parts = [f"({column(w)} & ?::UBIGINT) <> 0" for w in sorted(masks)]  # BIGINT: postgres.py
    return "(" + " OR ".join(parts) + ")", [masks[w] for w in sorted(masks)]


def faction_names(con: dialect.Connection) -> list[str]:
    """Stored actor names of the form "A: B" (candidates for an umbrella's unknown factions)."""
    if not _has_table(con, "actor_ids"):  # an older database opened read-only
        return []
    return [
        r[0] for r in con.execute("SELECT actor FROM actor_ids WHERE actor LIKE '%:%'").fetchall()
    ]


def names_condition(names: Sequence[str]) -> str:
    """The index-free form of :func:`condition` (``names`` bound once): incidents whose rows in
    the relation name any of ``names``."""
    marks = ", ".join("?" for _ in names)
    return (
        f"incident_id IN (SELECT incident_id FROM ({incident_actors('incidents')}) "
        f"WHERE actor IN ({marks}))"
    )


def counts(con: dialect.Connection) -> pd.DataFrame:
    """actor, incidents: every actor named in the database, in any role, with how many
    incidents name it (most first, then by name)."""
    return con.execute(
        f"""SELECT actor, count(DISTINCT incident_id) AS incidents
            FROM ({incident_actors("incidents")}) GROUP BY 1 ORDER BY 2 DESC, 1"""
    ).df()


# --------------------------------------------------------------------------------------------
# Writing (inside the caller's transaction)


def register(con: dialect.Connection, source: str) -> list[str]:
    """Number the names of ``source``'s incidents new to the database (in name order after the
    highest number in use), add the bit columns they need; return every bit column."""
    con.execute(
        f"""INSERT INTO actor_ids
            SELECT actor, (SELECT coalesce(max(actor_id), -1) FROM actor_ids)
                          + row_number() OVER (ORDER BY actor)
            FROM (SELECT DISTINCT actor FROM ({incident_actors(source)})
                  WHERE actor NOT IN (SELECT actor FROM actor_ids))"""
    ).fetchall()
    columns = index_columns(con) or [column(0)]
    present = {c for c, _type in con.execute(dialect.columns_query(con), ["incidents"]).fetchall()}
    for name in columns:
        if name not in present:
            con.execute(f"ALTER TABLE incidents ADD COLUMN {name} UBIGINT DEFAULT 0")
    return columns


def bits(con: object, source: str, columns: Sequence[str]) -> str:
    """SQL: incident_id and the bit columns of every incident of ``source`` naming an actor
    (names must be registered)."""
    words = ", ".join(
        f"bit_or(CASE WHEN k.actor_id >= {w * WORD} AND k.actor_id < {(w + 1) * WORD} "
        f"THEN {dialect.bit_word(con, f'k.actor_id % {WORD}')} ELSE 0::UBIGINT END) AS {c}"
        for w, c in enumerate(columns)
    )
    return (
        f"SELECT r.incident_id, {words} FROM ({incident_actors(source)}) r "
        "JOIN actor_ids k ON k.actor = r.actor GROUP BY r.incident_id"
    )


def insert_source(
    con: dialect.Connection, source: str, record_columns: Sequence[str]
) -> tuple[str, list[str]]:
    """Register the names of ``source`` (a parenthesised query of new incidents) and return a
    query of its records with their bit columns, and the names of all the columns it yields."""
    columns = register(con, source)
    actor_source = "(SELECT incident_id, actor1, actor2, assoc_actors FROM " + source + ")"
    selected = ", ".join(f"s.{c}" for c in record_columns)
    words = ", ".join(f"coalesce(b.{c}, 0)::UBIGINT AS {c}" for c in columns)
    sql = (
        f"SELECT {selected}, {words} FROM {source} s "
        f"LEFT JOIN ({bits(con, actor_source, columns)}) b ON b.incident_id = s.incident_id"
    )
    return sql, [*record_columns, *columns]


def is_current(con: dialect.Connection) -> bool:
    """Whether this database has the relation's view and index (older versions' do not)."""
    has_view = con.execute(dialect.view_exists_query(con), [VIEW]).fetchall()[0][0]
    return _has_table(con, "actor_ids") and bool(has_view)


def _has_table(con: dialect.Connection, table: str) -> bool:
    return bool(con.execute(dialect.table_exists_query(con), [table]).fetchall()[0][0])


def upgrade(con: dialect.Connection) -> int:
    """Bring a database written before this module up to date (in the caller's transaction):
    names numbered by the old bitmap index (``actor_keys``, at most 64) keep their number, so
    its bits stay valid; every incident's bit columns are then recomputed from the relation.
    Returns how many incidents' bits changed."""
    con.execute(SCHEMA)
    con.execute("ALTER TABLE incidents ADD COLUMN IF NOT EXISTS actor_bits UBIGINT DEFAULT 0")
    if _has_table(con, "actor_keys"):
        con.execute(
            "INSERT INTO actor_ids SELECT actor, bit FROM actor_keys WHERE bit IS NOT NULL "
            "AND actor NOT IN (SELECT actor FROM actor_ids)"
        )
        con.execute("DROP TABLE actor_keys")
    con.execute(VIEW_SQL)
    columns = register(con, "incidents")
    changed = " OR ".join(f"incidents.{c} IS DISTINCT FROM n.{c}" for c in columns)
    assigned = ", ".join(f"{c} = n.{c}" for c in columns)
    fresh = (
        "SELECT i.incident_id, "
        + ", ".join(f"coalesce(b.{c}, 0)::UBIGINT AS {c}" for c in columns)
        + f" FROM incidents i LEFT JOIN ({bits(con, 'incidents', columns)}) b "
        "ON b.incident_id = i.incident_id"
    )
    return int(
        con.execute(
            f"UPDATE incidents SET {assigned} FROM ({fresh}) n "
            f"WHERE incidents.incident_id = n.incident_id AND ({changed})"
        ).fetchall()[0][0]
    )
