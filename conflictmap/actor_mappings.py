"""Actor names mapped by hand: an analyst decides that a name the registry does not know
("Frente Ficticio", "Los del Sur") names a registry group or class.

The decision is stored in the database (table ``actor_mappings``, keyed by the name's matching
key, :func:`conflictmap.actors.normalise_actor`), so it applies

- to incidents already stored: their actors are resolved again from the cells as the source
  wrote them (``actor1_raw``, ``actor2_raw``, ``assoc_actors_raw``, kept for every incident),
  and the actor index is brought up to date, in one transaction;
- to every later import (:class:`conflictmap.actor_resolution.Resolver` consults the mappings
  before the registry).

A name the registry already resolves cannot be mapped (the registry is the place to change it);
a target must be a registry group or class-level actor (any of its spellings, or a class token
such as ``class:paramilitary``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from conflictmap import actor_relation, dialect
from conflictmap.actor_resolution import Resolver, Summary, roles, summarise
from conflictmap.actors import ActorRegistry, class_of_token, normalise_actor


class MappingError(ValueError):
    """A mapping that cannot be stored; the message says why."""


@dataclass(frozen=True)
class Mapped:
    written: str
    target: str
    incidents: int  # stored incidents whose actors changed


def load(con: dialect.Connection) -> dict[str, str]:
    """Every hand mapping: name key -> canonical target (empty for a database without the
    table, e.g. an older one opened read-only)."""
    try:
        rows = con.execute("SELECT name_key, target FROM actor_mappings").fetchall()
    except dialect.MissingTable:
        return {}
    return {key: target for key, target in rows}


def listing(con: dialect.Connection) -> pd.DataFrame:
    """written, target, mapped_at: the mappings, newest first."""
    try:
        return con.execute(
            "SELECT written, target, mapped_at FROM actor_mappings ORDER BY mapped_at DESC, written"
        ).df()
    except dialect.MissingTable:
        return pd.DataFrame(columns=["written", "target", "mapped_at"])


def resolver(con: dialect.Connection, registry: ActorRegistry) -> Resolver:
    """A resolver with the registry and this database's hand mappings."""
    return Resolver(registry, load(con))


def target_name(target: str, registry: ActorRegistry) -> str:
    """The canonical actor a mapping points to: a registry spelling, or a class token (its
    class-level actor). MappingError otherwise."""
    actor_class = class_of_token(target)
    if actor_class is not None:
        level = registry.class_level(actor_class)
        if level is None:
            raise MappingError(f"the class {actor_class!r} has no class-level actor to map to")
        return level
    canonical = registry.canonical(target)
    if canonical is None:
        raise MappingError(
            f"{target!r} is not a group or class in the actor registry "
            "(see `conflictmap actors list`)"
        )
    return canonical


def add(
    con: dialect.Connection, written: str, target: str, registry: ActorRegistry
) -> Mapped:
    """Store the mapping ``written`` -> ``target`` (replacing an earlier one for the same name)
    and resolve the stored incidents again. Call inside a transaction."""
    written = " ".join(str(written).split())
    key = normalise_actor(written)
    if not key:
        raise MappingError("the name to map is empty")
    known = registry.canonical(written)
    if known is not None:
        raise MappingError(
            f"{written!r} already resolves to {known!r} through the actor registry; "
            "only names it does not know can be mapped by hand"
        )
    canonical = target_name(target, registry)
    con.execute(
        "INSERT INTO actor_mappings (name_key, written, target, mapped_at) "
        "VALUES (?, ?, ?, current_timestamp) ON CONFLICT (name_key) DO UPDATE SET "
        "written = excluded.written, target = excluded.target, mapped_at = excluded.mapped_at",
        [key, written, canonical],
    )
    changed = reresolve(con, registry)
    return Mapped(written, canonical, changed)


def remove(con: dialect.Connection, written: str, registry: ActorRegistry) -> int:
    """Forget the mapping of ``written``; stored incidents are resolved again (their name goes
    back to unresolved). Returns how many incidents changed; MappingError when there was none."""
    key = normalise_actor(written)
    deleted = con.execute(
        "DELETE FROM actor_mappings WHERE name_key = ? RETURNING name_key", [key]
    ).fetchall()
    if not deleted:
        raise MappingError(f"no hand mapping for {written!r}")
    return reresolve(con, registry)


def reresolve(con: dialect.Connection, registry: ActorRegistry) -> int:
    """Resolve every stored incident's actors again from its cells as written, with the
    registry and the hand mappings; update those that changed and the actor index. Returns how
    many incidents changed.

    Works on the distinct combinations of cells (a few thousand even at a million incidents),
    not on each incident."""
    combos = con.execute(
        "SELECT actor1_raw, actor2_raw, assoc_actors_raw, actor1, actor2, assoc_actors, "
        "count(*) FROM incidents GROUP BY 1, 2, 3, 4, 5, 6"
    ).fetchall()
    resolve = resolver(con, registry)
    changed: list[tuple[object, ...]] = []
    total = 0
    for a1_raw, a2_raw, assoc_raw, a1, a2, assoc, n in combos:
        fresh = roles(resolve, a1_raw, a2_raw, assoc_raw)
        if (fresh.actor1, fresh.actor2, fresh.assoc) != (a1, a2, list(assoc or [])):
            changed.append((a1_raw, a2_raw, assoc_raw, fresh.actor1, fresh.actor2, fresh.assoc))
            total += int(n)
    if not changed:
        return 0
    frame = pd.DataFrame(
        changed, columns=["a1_raw", "a2_raw", "assoc_raw", "actor1", "actor2", "assoc_actors"]
    )
    frame["assoc_actors"] = frame["assoc_actors"].astype(object)
    con.register("reresolved_actors", frame)
    try:
        con.execute(
            "UPDATE incidents SET actor1 = r.actor1, actor2 = r.actor2, "
            "assoc_actors = r.assoc_actors::VARCHAR[] FROM reresolved_actors r "
            "WHERE incidents.actor1_raw IS NOT DISTINCT FROM r.a1_raw "
            "AND incidents.actor2_raw IS NOT DISTINCT FROM r.a2_raw "
            "AND incidents.assoc_actors_raw IS NOT DISTINCT FROM r.assoc_raw"
        )
    finally:
        con.unregister("reresolved_actors")
    actor_relation.upgrade(con)
    return total


def summary(
    con: dialect.Connection,
    registry: ActorRegistry,
    where: str = "TRUE",
    params: list[object] | None = None,
) -> Summary:
    """How the actor names of the stored incidents (those matching ``where``, a condition on
    ``incidents`` with ``params``) resolve today: registry, hand mappings, unresolved."""
    picked = f"(SELECT * FROM incidents WHERE {where})"
    rows = con.execute(
        f"""SELECT cell, count(*) FROM (
               SELECT actor1_raw AS cell FROM {picked}
               UNION ALL SELECT actor2_raw FROM {picked}
               UNION ALL SELECT assoc_actors_raw FROM {picked}
           ) WHERE cell IS NOT NULL AND trim(cell) <> '' GROUP BY cell""",
        (params or []) * 3,
    ).fetchall()
    return summarise(resolver(con, registry), [(cell, int(n)) for cell, n in rows])


def unresolved(con: dialect.Connection, registry: ActorRegistry) -> pd.DataFrame:
    """actor, incidents, filed_under: every stored actor name that resolves to no registry
    group or class, most incidents first (``filed_under``: the umbrella an "ELN: Frente …"
    faction is written under, else empty)."""
    frame = actor_relation.counts(con)
    known = set(registry.names())
    frame = frame[~frame["actor"].isin(known)].reset_index(drop=True)
    frame["filed_under"] = [registry.faction_umbrella(a) or "" for a in frame["actor"]]
    return frame.loc[:, ["actor", "incidents", "filed_under"]]
