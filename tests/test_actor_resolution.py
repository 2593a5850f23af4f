"""Actor cells as real files write them -> the actors they name (issue 20, item 3).

A small registry is written here, so each expectation follows from this file alone: the forms
(sentence case, long name + acronym, several actors in one cell, a faction after a dash,
renamings, nicknames, placeholders) are the resolver's job, whatever the bundled registry holds.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conflictmap.actor_resolution import Resolver, roles, summarise
from conflictmap.actors import ActorRegistry

REGISTRY_TOML = """
[[actor]]
name = "FARC-EP"
class = "guerrilla"
aliases = ["FARC", "Fuerzas Armadas Revolucionarias de Colombia"]

[[actor]]
name = "ELN"
class = "guerrilla"
aliases = ["Ejército de Liberación Nacional"]

[[actor]]
name = "EPL"
class = "guerrilla"

[[actor]]
name = "Los Pelusos"
class = "guerrilla"
aliases = ["EPL - Megateo"]
parents = [{ parent = "EPL", valid_from = 1991-03-01 }]

[[actor]]
name = "AUC"
class = "paramilitary"
aliases = ["Autodefensas Unidas de Colombia"]

[[actor]]
name = "ACCU"
class = "paramilitary"
aliases = ["Autodefensas Campesinas de Córdoba y Urabá"]
parents = [{ parent = "AUC", valid_from = 1997-04-18, valid_to = 2006-08-15 }]

[[actor]]
name = "Bloque Central Bolívar"
class = "paramilitary"
aliases = ["BCB"]
parents = [{ parent = "AUC", valid_from = 2000-01-01, valid_to = 2006-01-31 }]

[[actor]]
name = "ACC"
class = "paramilitary"
aliases = ["Autodefensas Campesinas del Casanare", "Buitragueños"]

[[actor]]
name = "Clan del Golfo"
class = "post_demobilisation"
aliases = ["AGC", "Autodefensas Gaitanistas de Colombia"]
names = [{ name = "Ejército Gaitanista de Colombia", valid_from = 2024-01-01 }, { name = "EGC", valid_from = 2024-01-01 }]
predecessors = [{ group = "ACCU" }]

[[actor]]
name = "State forces"
class = "state"
class_level = true
aliases = ["Agente del estado", "Government of Colombia"]

[[actor]]
name = "Unidentified paramilitary group"
class = "paramilitary"
class_level = true
aliases = ["Grupo paramilitar"]

[[actor]]
name = "Unknown perpetrator"
class = "unidentified"
class_level = true
aliases = ["Desconocido"]

[[actor]]
name = "Civilians"
class = "civilians"
class_level = true
aliases = ["Civiles"]
"""


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> ActorRegistry:
    path: Path = tmp_path_factory.mktemp("registry") / "actors.toml"
    path.write_text(REGISTRY_TOML, encoding="utf-8")
    return ActorRegistry.load(path)


def stored(registry: ActorRegistry, cell: str, hand: dict[str, str] | None = None) -> list[str]:
    return Resolver(registry, hand).stored(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        # Spanish sentence case, as the memory centre types names
        ("Farc", ["FARC-EP"]),
        ("Eln", ["ELN"]),
        ("ejército de liberación nacional", ["ELN"]),
        # a long name followed by its acronym, bare or in parentheses
        ("Autodefensas unidas de colombia auc", ["AUC"]),
        ("Autodefensas Campesinas de Córdoba y Urabá (accu)", ["ACCU"]),
        ("Autodefensas campesinas de cordoba y uraba ACCU", ["ACCU"]),
        # a nickname in parentheses
        ("Autodefensas Campesinas del Casanare (buitragueños)", ["ACC"]),
        ("Grupo de Martín Llanos (buitragueños)", ["ACC"]),
        # several actors in one cell
        ("Farc/eln", ["FARC-EP", "ELN"]),
        ("ELN, FARC", ["ELN", "FARC-EP"]),
        ("FARC; ELN", ["FARC-EP", "ELN"]),
        ("Farc y Eln", ["FARC-EP", "ELN"]),
        (
            "Agente del estado - grupo paramilitar",
            ["State forces", "Unidentified paramilitary group"],
        ),
        # a conjunction inside one group's name is not a list
        ("Autodefensas Campesinas de Córdoba y Urabá", ["ACCU"]),
        # a faction after a dash: a known faction is the faction
        ("EPL - Megateo", ["Los Pelusos"]),
        # a member and its umbrella in one cell: the member
        ("Bloque Central Bolívar - AUC", ["Bloque Central Bolívar"]),
        ("AUC/BCB", ["Bloque Central Bolívar"]),
        # renamings: one group, whichever side the registry knows
        ("AGC ahora EGC", ["Clan del Golfo"]),
        ("Clan del Golfo (antes AGC)", ["Clan del Golfo"]),
        ("EGC (antes Autodefensas Gaitanistas de Colombia)", ["Clan del Golfo"]),
        ("Los Nuevos (antes AGC)", ["Clan del Golfo"]),
        # the same actor twice in a cell is one actor
        ("FARC/Farc", ["FARC-EP"]),
        # class-level actors
        ("Grupo Paramilitar", ["Unidentified paramilitary group"]),
        ("Desconocido", ["Unknown perpetrator"]),
    ],
)
def test_cells_resolve_as_written_forms_say(
    registry: ActorRegistry, cell: str, expected: list[str]
) -> None:
    assert stored(registry, cell) == expected


@pytest.mark.parametrize(
    "cell", ["No aplica", "No Identificada", "no identificado", "N/A", "", " "]
)
def test_placeholders_name_no_actor(registry: ActorRegistry, cell: str) -> None:
    assert stored(registry, cell) == []


@pytest.mark.parametrize(
    "cell",
    [
        "AUC Nuevos",  # a known name with a word added is another name
        "Autodefensas Unidas de Colombia Nueva",
        "Farc eln",  # two names side by side without a separator: not guessed
    ],
)
def test_a_known_name_with_more_words_is_not_that_group(registry: ActorRegistry, cell: str) -> None:
    assert [(n.written, n.canonical) for n in Resolver(registry).resolve(cell)] == [(cell, None)]


def test_an_unknown_name_stays_as_written_and_is_not_split(registry: ActorRegistry) -> None:
    names = Resolver(registry).resolve("Los  Invisibles del Norte / Grupo X")
    assert [(n.written, n.canonical) for n in names] == [
        ("Los Invisibles del Norte / Grupo X", None)
    ]


def test_an_unknown_faction_after_a_dash_links_the_group_and_keeps_the_faction(
    registry: ActorRegistry,
) -> None:
    names = Resolver(registry).resolve("ELN - Frente Ficticio de Prueba")
    assert [(n.written, n.canonical) for n in names] == [
        ("ELN", "ELN"),
        ("Frente Ficticio de Prueba", None),
    ]


def test_a_cell_with_a_known_and_an_unknown_part_keeps_both(registry: ActorRegistry) -> None:
    assert stored(registry, "Farc/Los Invisibles") == ["FARC-EP", "Los Invisibles"]


def test_a_hand_mapping_resolves_a_name_and_a_part(registry: ActorRegistry) -> None:
    hand = {"Los Invisibles": "Clan del Golfo"}
    assert stored(registry, "los invisibles", hand) == ["Clan del Golfo"]
    assert stored(registry, "Farc/Los Invisibles", hand) == ["FARC-EP", "Clan del Golfo"]
    names = Resolver(registry, hand).resolve("Los Invisibles")
    assert names[0].how == "hand"
    assert Resolver(registry, hand).resolve("Farc")[0].how == "registry"


def resolved(
    registry: ActorRegistry, cell: str, hand: dict[str, str] | None = None
) -> list[tuple[str, str | None, str | None]]:
    """(written, canonical, how) of each name in ``cell``."""
    return [(n.written, n.canonical, n.how) for n in Resolver(registry, hand).resolve(cell)]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        # rule 2, the registry on the whole text
        ("Farc", [("Farc", "FARC-EP", "registry")]),
        # rule 3, a renaming: both sides name the group, or only one is known
        ("AGC ahora EGC", [("AGC ahora EGC", "Clan del Golfo", "registry")]),
        ("Los Nuevos (antes AGC)", [("Los Nuevos (antes AGC)", "Clan del Golfo", "registry")]),
        # rule 4, a parenthetical: the nickname inside is known
        (
            "Grupo de Martín Llanos (buitragueños)",
            [("Grupo de Martín Llanos (buitragueños)", "ACC", "registry")],
        ),
        # a renaming inside a parenthetical with more text after it: the text around the
        # parenthetical and the name after "antes"
        (
            "Los Nuevos (antes AGC) del Bajo Cauca",
            [("Los Nuevos (antes AGC) del Bajo Cauca", "Clan del Golfo", "registry")],
        ),
        # rule 5, a trailing acronym naming the same group
        (
            "Autodefensas unidas de colombia auc",
            [("Autodefensas unidas de colombia auc", "AUC", "registry")],
        ),
        # ... or a member and its umbrella, in either order: the member
        ("Los Pelusos EPL", [("Los Pelusos EPL", "Los Pelusos", "registry")]),
        (
            "Autodefensas Unidas de Colombia BCB",
            [("Autodefensas Unidas de Colombia BCB", "Bloque Central Bolívar", "registry")],
        ),
        # several actors: each part as written
        ("Farc/eln", [("Farc", "FARC-EP", "registry"), ("eln", "ELN", "registry")]),
        # a placeholder among the parts is skipped, and the parts after it are kept
        (
            "Farc, no aplica, Eln",
            [("Farc", "FARC-EP", "registry"), ("Eln", "ELN", "registry")],
        ),
        # a renaming between two different groups is a contradiction: neither is trusted
        ("ELN ahora FARC", [("ELN ahora FARC", None, None)]),
        # an umbrella and one of its members on the two sides: the member
        ("AUC ahora BCB", [("AUC ahora BCB", "Bloque Central Bolívar", "registry")]),
        # nothing known on either side, or in and around a parenthetical: one unresolved name
        ("Los Nuevos ahora Los Otros", [("Los Nuevos ahora Los Otros", None, None)]),
        ("Grupo Z (los tales)", [("Grupo Z (los tales)", None, None)]),
    ],
)
def test_names_keep_the_text_as_written_and_how_they_resolved(
    registry: ActorRegistry, cell: str, expected: list[tuple[str, str | None, str | None]]
) -> None:
    assert resolved(registry, cell) == expected


def test_a_renaming_known_by_hand_on_one_side_and_by_the_registry_on_the_other(
    registry: ActorRegistry,
) -> None:
    hand = {"Los Nuevos": "Clan del Golfo"}
    # one group either way; a hand mapping took part in the decision, so it is "hand"
    assert resolved(registry, "AGC ahora Los Nuevos", hand) == [
        ("AGC ahora Los Nuevos", "Clan del Golfo", "hand")
    ]
    assert resolved(registry, "Los Nuevos ahora AGC", hand) == [
        ("Los Nuevos ahora AGC", "Clan del Golfo", "hand")
    ]
    # a hand mapping alone: hand; the registry on both sides: registry
    assert resolved(registry, "Los Nuevos (antes Grupo Z)", hand) == [
        ("Los Nuevos (antes Grupo Z)", "Clan del Golfo", "hand")
    ]
    assert resolved(registry, "AGC ahora EGC", hand) == [
        ("AGC ahora EGC", "Clan del Golfo", "registry")
    ]


def test_roles_put_a_cells_further_actors_among_the_associated(registry: ActorRegistry) -> None:
    result = roles(Resolver(registry), "Farc/eln", "Civiles", "Grupo paramilitar;ELN")
    assert result.actor1 == "FARC-EP"
    assert result.actor2 == "Civilians"
    assert result.assoc == ["ELN", "Unidentified paramilitary group"]


def test_roles_with_several_actors_in_actor2_and_several_associated(
    registry: ActorRegistry,
) -> None:
    result = roles(Resolver(registry), "Farc/eln", "Civiles/Grupo paramilitar", "Grupo X;Grupo Y")
    assert result.actor1 == "FARC-EP"
    assert result.actor2 == "Civilians"
    # actor 1's further actors, then actor 2's, then each associated item (each its own cell:
    # two unknown items stay two names)
    assert result.assoc == ["ELN", "Unidentified paramilitary group", "Grupo X", "Grupo Y"]


def test_roles_of_empty_cells(registry: ActorRegistry) -> None:
    result = roles(Resolver(registry), "", None, "")
    assert (result.actor1, result.actor2, result.assoc) == (None, None, [])
    result = roles(Resolver(registry), "No aplica", "Desconocido", None)
    assert (result.actor1, result.actor2, result.assoc) == (None, "Unknown perpetrator", [])


def test_summary_counts_names_by_how_they_resolved(registry: ActorRegistry) -> None:
    resolver = Resolver(registry, {"Los Invisibles": "AUC"})
    summary = summarise(
        resolver,
        [("Farc/eln", 4), ("Los Invisibles", 2), ("Grupo Z", 3), ("Grupo Z", 1), ("ELN", 1)],
    )
    # distinct names: farc, eln (registry); los invisibles (hand); grupo z (unresolved)
    assert (summary.registry, summary.hand) == (2, 1)
    assert summary.unresolved == {"Grupo Z": 4}
    assert "2 resolved by the actor registry, 1 by hand mappings, 1 unresolved" in (
        summary.sentence()
    )


def test_summary_orders_unresolved_names_by_incidents_then_name(registry: ActorRegistry) -> None:
    resolver = Resolver(registry, {"Los Invisibles": "AUC"})
    summary = summarise(
        resolver,
        [
            ("Farc/eln", 4),
            ("Los Invisibles", 2),
            ("Grupo C", 2),
            ("Grupo A;Grupo B", 2),  # associated actors: each item a cell
            ("Grupo B", 3),
            (None, 7),  # an empty cell names nobody
            ("ELN", 1),
        ],
    )
    # distinct names: farc, eln (registry); los invisibles (hand); grupo a, b, c (unresolved)
    assert (summary.registry, summary.hand) == (2, 1)
    assert list(summary.unresolved.items()) == [("Grupo B", 5), ("Grupo A", 2), ("Grupo C", 2)]
    assert summary.as_json() == {
        "resolved_by_registry": 2,
        "resolved_by_hand": 1,
        "unresolved": 3,
        "unresolved_names": {"Grupo B": 5, "Grupo A": 2, "Grupo C": 2},
    }
    assert summary.sentence() == (
        "6 distinct actor names: 2 resolved by the actor registry, 1 by hand mappings, "
        "3 unresolved (kept as written)."
    )


def test_summary_of_no_cells(registry: ActorRegistry) -> None:
    summary = summarise(Resolver(registry), [])
    assert summary.sentence() == "No actor names."
    assert summary.as_json() == {
        "resolved_by_registry": 0,
        "resolved_by_hand": 0,
        "unresolved": 0,
        "unresolved_names": {},
    }


def test_dated_membership_expands_with_its_dates(registry: ActorRegistry) -> None:
    spans = registry.expand_dated("AUC")
    assert spans["AUC"] == ((None, None),)
    assert spans["ACCU"] == ((date(1997, 4, 18), date(2006, 8, 15)),)
    assert spans["Bloque Central Bolívar"] == ((date(2000, 1, 1), date(2006, 1, 31)),)
    # lineage is not membership: Clan del Golfo descends from the ACCU but is not under the AUC
    assert "Clan del Golfo" not in spans
    assert registry.expand_dated("ACCU") == {"ACCU": ((None, None),)}


def test_class_members_and_class_level_actor(registry: ActorRegistry) -> None:
    assert set(registry.by_class("paramilitary")) == {
        "AUC",
        "ACCU",
        "Bloque Central Bolívar",
        "ACC",
        "Unidentified paramilitary group",
    }
    assert registry.class_level("paramilitary") == "Unidentified paramilitary group"
    assert registry.class_level("cartel") is None
    assert [a.name for a in registry.successors("ACCU")] == ["Clan del Golfo"]


def test_dated_names_match_like_aliases(registry: ActorRegistry) -> None:
    assert registry.canonical("Ejército Gaitanista de Colombia") == "Clan del Golfo"
    assert registry.canonical("egc") == "Clan del Golfo"
