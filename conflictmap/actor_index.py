"""A bitmap index of the actors each incident names, so actor filters cost one integer test.

Filtering on an umbrella ("FARC dissidents" = a dozen factions) means testing actor1, actor2
and the list of associated actors of every incident against a dozen names: at a million
incidents that string work dominated every page view (~50 ms per query, several queries per
view). Instead each actor name gets a bit (``actor_keys`` table) when it is first stored, and
each incident carries ``actor_bits``: the OR of the bits of every actor it names, in any role.
An actor filter is then ``actor_bits & mask <> 0`` (about 2 ms at 1M incidents).

Bits are never reassigned: a name keeps its bit for the life of the database, so stored
incidents stay valid. There are 64 bits; a name first seen once they are all taken is recorded
without one, and filters on it fall back to comparing names (correct, only slower). Every name
ever stored is in ``actor_keys``, which is what makes that rule safe: a name gets a bit only
when it is new to the database, so no stored incident can lack a bit its name has.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd

BITS = 64

SCHEMA = """
CREATE TABLE IF NOT EXISTS actor_keys (
    actor VARCHAR PRIMARY KEY,
    bit SMALLINT UNIQUE CHECK (bit BETWEEN 0 AND 63)
);
"""


def _names_in(records: pd.DataFrame) -> set[str]:
    names = {a for col in ("actor1", "actor2") for a in records[col].dropna().unique() if a}
    for values in records["assoc_actors"]:
        if values is not None and len(values):
            names.update(a for a in values if a)
    return names


def register(con: duckdb.DuckDBPyConnection, names: Iterable[str]) -> dict[str, int | None]:
    """Record names new to the database (with a free bit while any is left); return the bits.

    Runs in the caller's transaction, so a failed import leaves no names behind.
    """
    wanted = sorted(set(names))
    if not wanted:
        return {}
    known = dict(
        con.execute(
            f"SELECT actor, bit FROM actor_keys WHERE actor IN ({', '.join('?' for _ in wanted)})",
            wanted,
        ).fetchall()
    )
    new = [n for n in wanted if n not in known]
    if new:
        used = {b for (b,) in con.execute("SELECT bit FROM actor_keys WHERE bit IS NOT NULL").fetchall()}
        free = [b for b in range(BITS) if b not in used]
        rows = [(name, free[i] if i < len(free) else None) for i, name in enumerate(new)]
        con.executemany("INSERT INTO actor_keys VALUES (?, ?)", rows)
        known.update(rows)
    return {n: known[n] for n in wanted}


def bits_for(con: duckdb.DuckDBPyConnection, records: pd.DataFrame) -> np.ndarray:
    """The ``actor_bits`` value of every record (registering names the database has not seen)."""
    keys = register(con, _names_in(records))
    masks = {n: 1 << b for n, b in keys.items() if b is not None}
    n = len(records)

    def column(values: Iterable[object]) -> np.ndarray:
        return np.fromiter((masks.get(v, 0) for v in values), dtype=np.uint64, count=n)

    def combined(values: object) -> int:
        m = 0
        if values is not None:
            for a in values:  # type: ignore[attr-defined]
                m |= masks.get(a, 0)
        return m

    out = column(records["actor1"]) | column(records["actor2"])
    assoc = np.fromiter((combined(v) for v in records["assoc_actors"]), dtype=np.uint64, count=n)
    return out | assoc


def condition(con: duckdb.DuckDBPyConnection, names: list[str]) -> tuple[str, list[object]]:
    """SQL (and parameters) true for incidents naming any of ``names`` in any role."""
    if not names:
        return "FALSE", []
    try:
        keys = dict(
            con.execute(
                f"SELECT actor, bit FROM actor_keys WHERE actor IN ({', '.join('?' for _ in names)})",
                names,
            ).fetchall()
        )
    except duckdb.CatalogException:
        # a database from before the index, opened read-only (writing connections add it)
        return names_condition(names), [*names, *names, *names]
    # names never stored match nothing; names without a bit are compared as strings
    mask = sum(1 << int(b) for n, b in keys.items() if b is not None)
    slow = sorted(n for n, b in keys.items() if b is None)
    parts: list[str] = []
    params: list[object] = []
    if mask:
        parts.append("(actor_bits & ?::UBIGINT) <> 0")
        params.append(mask)
    if slow:
        parts.append(names_condition(slow))
        params.extend([*slow, *slow, *slow])
    if not parts:
        return "FALSE", []
    return "(" + " OR ".join(parts) + ")", params


def names_condition(names: list[str]) -> str:
    """Compare names in every role (needs ``names`` bound three times): the index-free form."""
    marks = ", ".join("?" for _ in names)
    # IN lists of bound values: DuckDB turns them into a hash lookup
    return (
        f"(actor1 IN ({marks}) OR actor2 IN ({marks}) OR (len(assoc_actors) > 0 AND "
        f"len(list_filter(assoc_actors, lambda a: a IN ({marks}))) > 0))"
    )


def has_index(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this database carries the index (databases written by older versions do not)."""
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'incidents' "
            "AND column_name = 'actor_bits' AND database_name = current_database()"
        ).fetchone()[0]
    )


def build(con: duckdb.DuckDBPyConnection) -> int:
    """Add the index to a database written before it existed (one pass; in a transaction)."""
    con.execute(SCHEMA)
    con.execute("ALTER TABLE incidents ADD COLUMN IF NOT EXISTS actor_bits UBIGINT DEFAULT 0")
    rows = con.execute(
        "SELECT incident_id, actor1, actor2, assoc_actors FROM incidents"
    ).df()
    if rows.empty:
        return 0
    rows["actor_bits"] = bits_for(con, rows)
    con.register("new_bits", rows[["incident_id", "actor_bits"]])
    try:
        con.execute(
            "UPDATE incidents SET actor_bits = n.actor_bits FROM new_bits n "
            "WHERE incidents.incident_id = n.incident_id"
        )
    finally:
        con.unregister("new_bits")
    return len(rows)
