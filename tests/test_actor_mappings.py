"""Hand mappings of actor names (issue 20): stored, listed, applied to the stored incidents and
removed, on a database in memory with a registry written here.

tests/test_actor_workflow.py runs the same workflow through the CLI and the pages with the real
registry; here each function's result is checked directly, and every expectation follows from
the incidents and the registry below.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from conflictmap import actor_mappings, actor_relation, store
from conflictmap.actor_mappings import Mapped, MappingError
from conflictmap.actor_resolution import Resolver, roles
from conflictmap.actors import ActorRegistry

REGISTRY_TOML = """
[[actor]]
name = "FARC-EP"
class = "guerrilla"
aliases = ["FARC"]

[[actor]]
name = "ELN"
class = "guerrilla"

[[actor]]
name = "AUC"
class = "paramilitary"

[[actor]]
name = "Clan del Golfo"
class = "post_demobilisation"
aliases = ["AGC", "Urabeños"]

[[actor]]
name = "Unidentified paramilitary group"
class = "paramilitary"
class_level = true
aliases = ["Grupo paramilitar"]

[[actor]]
name = "Civilians"
class = "civilians"
class_level = true
aliases = ["Civiles"]
"""

# incident, dataset, actor1 cell, actor2 cell, associated actors cell (as the source wrote them)
INCIDENTS = [
    ("i1", "a", "Los Invisibles", "Civiles", None),
    ("i2", "a", "Los Invisibles", "Civiles", None),
    ("i3", "a", "Farc", "Los Invisibles", "ELN;Los Invisibles"),
    ("i4", "b", "ELN: Frente Ficticio", "Civiles", None),  # an unknown faction under the ELN
    ("i5", "b", "Grupo Z", None, ""),
]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ActorRegistry:
    path: Path = tmp_path_factory.mktemp("registry") / "actors.toml"
    path.write_text(REGISTRY_TOML, encoding="utf-8")
    return ActorRegistry.load(path)


@pytest.fixture()
def con(registry: ActorRegistry) -> Iterator[duckdb.DuckDBPyConnection]:
    """The incidents above stored as an import without hand mappings stores them."""
    con = duckdb.connect(":memory:")
    con.execute(store.SCHEMA)
    con.execute(actor_relation.SCHEMA)
    con.execute(actor_relation.VIEW_SQL)
    resolve = Resolver(registry)
    for incident, dataset, a1, a2, assoc in INCIDENTS:
        stored = roles(resolve, a1, a2, assoc)
        con.execute(
            "INSERT INTO incidents (incident_id, event_date, date_precision, event_type, "
            "actor1, actor2, assoc_actors, actor1_raw, actor2_raw, assoc_actors_raw, "
            "geo_precision, source, dataset, imported_at) VALUES "
            "(?, DATE '2020-01-01', 'day', 'Battles', ?, ?, ?, ?, ?, ?, 2, 'Test', ?, "
            "TIMESTAMP '2020-02-01 00:00:00')",
            [incident, stored.actor1, stored.actor2, stored.assoc, a1, a2, assoc, dataset],
        )
    actor_relation.upgrade(con)
    yield con
    con.close()


def actors_of(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[object, ...]]:
    rows = con.execute(
        "SELECT incident_id, actor1, actor2, assoc_actors FROM incidents ORDER BY incident_id"
    ).fetchall()
    return {incident: tuple(rest) for incident, *rest in rows}


def naming(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    """The incidents the actor index says name ``name`` (what the actor filter reads)."""
    sql, params = actor_relation.condition(con, [name])
    return [
        i for (i,) in con.execute(
            f"SELECT incident_id FROM incidents WHERE {sql} ORDER BY incident_id", params
        ).fetchall()
    ]


STORED = {
    "i1": ("Los Invisibles", "Civilians", []),
    "i2": ("Los Invisibles", "Civilians", []),
    "i3": ("FARC-EP", "Los Invisibles", ["ELN", "Los Invisibles"]),
    "i4": ("ELN: Frente Ficticio", "Civilians", []),
    "i5": ("Grupo Z", None, []),
}


def test_the_fixture_stores_the_cells_as_an_import_does(con: duckdb.DuckDBPyConnection) -> None:
    assert actors_of(con) == STORED
    assert naming(con, "Los Invisibles") == ["i1", "i2", "i3"]


def test_a_database_without_the_table_has_no_mappings() -> None:
    with duckdb.connect(":memory:") as bare:
        assert actor_mappings.load(bare) == {}
        frame = actor_mappings.listing(bare)
        assert frame.empty
        assert list(frame.columns) == ["written", "target", "mapped_at"]


def test_target_name_is_a_registry_spelling_or_a_class(registry: ActorRegistry) -> None:
    assert actor_mappings.target_name("urabeños", registry) == "Clan del Golfo"
    assert actor_mappings.target_name("Clan del Golfo", registry) == "Clan del Golfo"
    assert actor_mappings.target_name("class:paramilitary", registry) == (
        "Unidentified paramilitary group"
    )
    with pytest.raises(MappingError) as no_level:
        actor_mappings.target_name("class:cartel", registry)
    assert str(no_level.value) == "the class 'cartel' has no class-level actor to map to"
    with pytest.raises(MappingError) as unknown:
        actor_mappings.target_name("Los Nadie", registry)
    assert str(unknown.value) == (
        "'Los Nadie' is not a group or class in the actor registry "
        "(see `conflictmap actors list`)"
    )


def test_add_stores_the_mapping_and_resolves_the_stored_incidents_again(
    con: duckdb.DuckDBPyConnection, registry: ActorRegistry
) -> None:
    # written with stray spaces: stored as one line; the target is any spelling of the group
    mapped = actor_mappings.add(con, "  Los   Invisibles ", "Urabeños", registry)
    # i1 and i2 (one combination of cells, two incidents) and i3 changed
    assert mapped == Mapped("Los Invisibles", "Clan del Golfo", 3)
    assert actor_mappings.load(con) == {"los invisibles": "Clan del Golfo"}
    listed = actor_mappings.listing(con)
    assert listed[["written", "target"]].values.tolist() == [["Los Invisibles", "Clan del Golfo"]]
    assert actors_of(con) == {
        **STORED,
        "i1": ("Clan del Golfo", "Civilians", []),
        "i2": ("Clan del Golfo", "Civilians", []),
        "i3": ("FARC-EP", "Clan del Golfo", ["ELN", "Clan del Golfo"]),
    }
    # the actor index follows
    assert naming(con, "Clan del Golfo") == ["i1", "i2", "i3"]
    assert naming(con, "Los Invisibles") == []
    assert naming(con, "ELN") == ["i3"]
    # the incidents' new actors were handed to DuckDB under a name that is gone again
    with pytest.raises(duckdb.CatalogException):
        con.execute("SELECT * FROM reresolved_actors")
    # the resolver of later imports knows the mapping, in any case
    assert actor_mappings.resolver(con, registry).stored("LOS INVISIBLES") == ["Clan del Golfo"]
    assert actor_mappings.resolver(con, registry).resolve("los invisibles")[0].how == "hand"


def test_a_new_mapping_of_the_same_name_replaces_the_old(
    con: duckdb.DuckDBPyConnection, registry: ActorRegistry
) -> None:
    actor_mappings.add(con, "Los Invisibles", "AGC", registry)
    mapped = actor_mappings.add(con, "los invisibles", "class:paramilitary", registry)
    assert mapped == Mapped("los invisibles", "Unidentified paramilitary group", 3)
    assert actor_mappings.load(con) == {"los invisibles": "Unidentified paramilitary group"}
    assert actor_mappings.listing(con)[["written", "target"]].values.tolist() == [
        ["los invisibles", "Unidentified paramilitary group"]
    ]
    assert naming(con, "Unidentified paramilitary group") == ["i1", "i2", "i3"]
    assert naming(con, "Clan del Golfo") == []


def test_listing_is_newest_first_then_by_name(
    con: duckdb.DuckDBPyConnection, registry: ActorRegistry
) -> None:
    for name in ("Grupo Z", "Los Invisibles", "Grupo Y"):
        actor_mappings.add(con, name, "AUC", registry)
    con.execute("UPDATE actor_mappings SET mapped_at = TIMESTAMP '2024-01-01 10:00:00'")
    con.execute(
        "UPDATE actor_mappings SET mapped_at = TIMESTAMP '2024-03-01 10:00:00' "
        "WHERE written = 'Los Invisibles'"
    )
    assert actor_mappings.listing(con)["written"].tolist() == [
        "Los Invisibles", "Grupo Y", "Grupo Z",
    ]


def test_remove_forgets_the_mapping_and_restores_the_names_as_written(
    con: duckdb.DuckDBPyConnection, registry: ActorRegistry
) -> None:
    actor_mappings.add(con, "Los Invisibles", "AUC", registry)
    actor_mappings.add(con, "Grupo Z", "AUC", registry)
    # any spelling of the name finds its mapping; 3 incidents name it
    assert actor_mappings.remove(con, "LOS INVISIBLES", registry) == 3
    assert actor_mappings.load(con) == {"grupo z": "AUC"}
    assert actors_of(con) == {**STORED, "i5": ("AUC", None, [])}
    assert naming(con, "Los Invisibles") == ["i1", "i2", "i3"]
    assert naming(con, "AUC") == ["i5"]
    with pytest.raises(MappingError) as none:
        actor_mappings.remove(con, "Los Invisibles", registry)
    assert str(none.value) == "no hand mapping for 'Los Invisibles'"


@pytest.mark.parametrize(
    ("written", "target", "message"),
    [
        ("  ", "AUC", "the name to map is empty"),
        ("(...)", "AUC", "the name to map is empty"),
        (
            "farc",
            "ELN",
            "'farc' already resolves to 'FARC-EP' through the actor registry; only names it "
            "does not know can be mapped by hand",
        ),
        ("Los Invisibles", "Los Nadie", "'Los Nadie' is not a group or class"),
        ("Los Invisibles", "class:cartel", "the class 'cartel' has no class-level actor"),
    ],
)
def test_add_refuses_and_stores_nothing(
    con: duckdb.DuckDBPyConnection,
    registry: ActorRegistry,
    written: str,
    target: str,
    message: str,
) -> None:
    with pytest.raises(MappingError) as refused:
        actor_mappings.add(con, written, target, registry)
    assert str(refused.value).startswith(message)
    assert actor_mappings.load(con) == {}
    assert actors_of(con) == STORED


def test_reresolve_changes_nothing_when_nothing_changed(
    con: duckdb.DuckDBPyConnection, registry: ActorRegistry
) -> None:
    assert actor_mappings.reresolve(con, registry) == 0
    # a mapping of a name no incident carries changes no incident
    assert actor_mappings.add(con, "Los Ausentes", "AUC", registry).incidents == 0
    assert actors_of(con) == STORED


def test_reresolve_counts_every_incident_of_a_changed_combination(
    con: duckdb.DuckDBPyConnection, registry: ActorRegistry
) -> None:
    # stored by an older registry that did not know "Farc": i3 stored its cell as written
    con.execute("UPDATE incidents SET actor1 = 'Farc' WHERE incident_id = 'i3'")
    actor_relation.upgrade(con)
    assert naming(con, "Farc") == ["i3"]
    con.execute("INSERT INTO actor_mappings (name_key, written, target) "
                "VALUES ('grupo z', 'Grupo Z', 'AUC')")
    assert actor_mappings.reresolve(con, registry) == 2  # i3 and i5
    assert actors_of(con) == {**STORED, "i5": ("AUC", None, [])}
    assert naming(con, "AUC") == ["i5"]
    assert naming(con, "Farc") == []


def test_summary_counts_the_names_of_every_role(
    con: duckdb.DuckDBPyConnection, registry: ActorRegistry
) -> None:
    summary = actor_mappings.summary(con, registry)
    # cells: "Los Invisibles" (i1, i2 actor 1; i3 actor 2; i3 associated), "Farc", "ELN"
    # (associated), "ELN: Frente Ficticio", "Grupo Z", "Civiles" (i1, i2, i4); NULL and empty
    # cells name nobody
    assert (summary.registry, summary.hand) == (3, 0)
    assert list(summary.unresolved.items()) == [
        ("Los Invisibles", 4), ("ELN: Frente Ficticio", 1), ("Grupo Z", 1),
    ]
    actor_mappings.add(con, "Los Invisibles", "AUC", registry)
    summary = actor_mappings.summary(con, registry)
    assert (summary.registry, summary.hand) == (3, 1)
    assert summary.unresolved == {"ELN: Frente Ficticio": 1, "Grupo Z": 1}


def test_summary_of_the_incidents_a_condition_picks(
    con: duckdb.DuckDBPyConnection, registry: ActorRegistry
) -> None:
    # dataset b: i4 ("ELN: Frente Ficticio", "Civiles") and i5 ("Grupo Z")
    summary = actor_mappings.summary(con, registry, "dataset = ?", ["b"])
    assert (summary.registry, summary.hand) == (1, 0)
    assert list(summary.unresolved.items()) == [("ELN: Frente Ficticio", 1), ("Grupo Z", 1)]
    summary = actor_mappings.summary(con, registry, "incident_id IN (?, ?)", ["i1", "i5"])
    assert (summary.registry, summary.hand) == (1, 0)
    assert list(summary.unresolved.items()) == [("Grupo Z", 1), ("Los Invisibles", 1)]


def test_unresolved_lists_stored_names_no_group_claims(
    con: duckdb.DuckDBPyConnection, registry: ActorRegistry
) -> None:
    frame = actor_mappings.unresolved(con, registry)
    assert list(frame.columns) == ["actor", "incidents", "filed_under"]
    assert frame.index.tolist() == [0, 1, 2]
    # most incidents first, then by name; an unknown faction says which umbrella it is under
    assert frame.values.tolist() == [
        ["Los Invisibles", 3, ""],
        ["ELN: Frente Ficticio", 1, "ELN"],
        ["Grupo Z", 1, ""],
    ]
    actor_mappings.add(con, "Los Invisibles", "AUC", registry)
    assert actor_mappings.unresolved(con, registry)["actor"].tolist() == [
        "ELN: Frente Ficticio", "Grupo Z",
    ]
