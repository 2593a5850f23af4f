"""Actor registry: name resolution, umbrella expansion, dated memberships, load validation."""

from __future__ import annotations

import textwrap
from datetime import date, datetime
from pathlib import Path

import pytest

from conflictmap.actors import (
    CLASSES,
    KINDS,
    Actor,
    ActorRegistry,
    Membership,
    actor_keys,
    default_registry,
    normalise_actor,
)
from conflictmap.filters import Filters
from conflictmap.queries import actor_names

DAGOBERTO = "Dagoberto Ramos Mobile Column"
CAROLINA = "Carolina Ramírez Front"
EMC = "Estado Mayor Central"
EMBF = "Estado Mayor de Bloques y Frente"


@pytest.fixture(scope="module")
def reg() -> ActorRegistry:
    return default_registry()


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "actors.toml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


# -- normalisation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Columna Móvil Dagoberto Ramos", "columna movil dagoberto ramos"),
        ("URABEÑOS", "urabenos"),
        ("Police Forces of Colombia (2022-)", "police forces of colombia"),
        ("Police Forces of Colombia (2018-2022)", "police forces of colombia"),
        ("Civilians (Colombia)", "civilians"),
        ("  EMC   FARC-EP ", "emc farc ep"),
        ("ELN: National Liberation Army", "eln national liberation army"),
        ("Ejército de Liberación Nacional (ELN)", "ejercito de liberacion nacional"),
        ("(ELN)", "eln"),
        ("E.L.N.", "eln"),
        ("F.A.R.C.-E.P. dissidents", "farc ep dissidents"),
        ("People's Army", "peoples army"),
        ("", ""),
    ],
)
def test_normalise_actor(raw: str, expected: str) -> None:
    assert normalise_actor(raw) == expected


def test_actor_keys_try_both_sides_of_colon() -> None:
    assert actor_keys("AGC: Gaitanist Self-Defence Forces of Colombia") == (
        "agc gaitanist self defence forces of colombia",
        "agc",
        "gaitanist self defence forces of colombia",
    )
    assert actor_keys("Clan del Golfo") == ("clan del golfo",)


# -- canonical names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "AGC",
        "Urabeños",
        "urabenos",
        "Los Urabeños",
        "EGC",
        "Ejército Gaitanista de Colombia",
        "Clan del Golfo",
        "clan del golfo",
        "Gulf Clan",
        "Clan Usuga",
        "AGC: Gaitanist Self-Defence Forces of Colombia",
        "Gaitanist Self-Defense Forces of Colombia",
    ],
)
def test_clan_del_golfo_aliases(reg: ActorRegistry, raw: str) -> None:
    assert reg.canonical(raw) == "Clan del Golfo"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ELN: National Liberation Army", "ELN"),
        ("Ejército de Liberación Nacional", "ELN"),
        ("ejercito de liberacion nacional", "ELN"),
        ("Police Forces of Colombia (2022-)", "Police"),
        ("Police Forces of Colombia (2018-2022)", "Police"),
        ("Policía Nacional", "Police"),
        ("Military Forces of Colombia (2022-)", "Military"),
        # the registry separates the branches (issue 20): the Army is a member of Military
        ("Ejército Nacional", "Army"),
        ("Columna Móvil Dagoberto Ramos", DAGOBERTO),
        ("columna movil dagoberto ramos", DAGOBERTO),
        ("CMDR", DAGOBERTO),
        ("Dagoberto Ramos", DAGOBERTO),
        ("EMC FARC-EP", EMC),
        ("EMBF", EMBF),
        ("33rd Front", "Frente 33"),
        ("Second Marquetalia", "Segunda Marquetalia"),
        ("CNEB", "Coordinadora Nacional Ejército Bolivariano"),
        ("Los Pachenca", "ACSN"),
        ("Autodefensas Conquistadoras de la Sierra Nevada", "ACSN"),
        ("ex-FARC Mafia", "FARC dissidents"),
        ("Disidencias de las FARC", "FARC dissidents"),
        ("Civilians (Colombia)", "Civilians"),
        ("Unidentified Armed Group (Colombia)", "Unidentified armed group"),
        ("grupo armado no identificado", "Unidentified armed group"),
    ],
)
def test_canonical(reg: ActorRegistry, raw: str, expected: str) -> None:
    assert reg.canonical(raw) == expected


def test_eln_and_ejercito_nacional_do_not_collide(reg: ActorRegistry) -> None:
    assert reg.canonical("Ejército de Liberación Nacional") == "ELN"
    assert reg.canonical("Ejército Nacional") == "Army"  # a branch of Military since issue 20
    assert reg.canonical("National Liberation Army") == "ELN"
    assert reg.canonical("Army") == "Army"
    assert "Army" in reg.expand("Military")


def test_unknown_actor(reg: ActorRegistry) -> None:
    raw = "  Los Shottas (Colombia) "
    assert reg.canonical(raw) is None
    assert reg.canonical_or_raw(raw) == "Los Shottas (Colombia)"
    assert reg.canonical_or_raw("Urabeños") == "Clan del Golfo"
    assert reg.canonical("") is None
    assert reg.canonical("   ") is None
    # An ACLED unit qualifier we do not model is not silently folded into its parent force.
    assert reg.canonical("Police Forces of Colombia (2022-) Prison Guards") is None


def test_colon_sides_naming_different_groups_is_unknown(reg: ActorRegistry) -> None:
    assert reg.canonical("ELN: Gulf Clan") is None
    # An unknown right side under a known group is kept raw, not folded into the group.
    assert reg.canonical("ELN: Somebody Unknown") is None
    assert reg.canonical_or_raw("ELN: Somebody Unknown") == "ELN: Somebody Unknown"


# -- ACLED "UMBRELLA: Faction" names -----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # FARC dissident fronts: the umbrella is two levels up (faction -> EMC -> FARC dissidents)
        ("FARC Dissidents: Dagoberto Ramos Mobile Column", "Dagoberto Ramos Mobile Column"),
        ("FARC Dissidents: Carolina Ramirez Front", "Carolina Ramírez Front"),
        ("FARC Dissidents: 33rd Front", "Frente 33"),
        ("FARC Dissidents: Jaime Martinez Mobile Column", "Jaime Martínez Front"),
        ("FARC Dissidents: Carlos Patino Front", "Carlos Patiño Front"),
        ("FARC Dissidents: Central General Staff", "Estado Mayor Central"),
        ("FARC Dissidents: Second Marquetalia", "Segunda Marquetalia"),
        # the faction written as one of its aliases
        ("FARC Dissidents: Columna Móvil Dagoberto Ramos", "Dagoberto Ramos Mobile Column"),
        ("FARC Dissidents: Dagoberto Ramos", "Dagoberto Ramos Mobile Column"),
        ("FARC Dissidents: CMDR", "Dagoberto Ramos Mobile Column"),
        ("Disidencias de las FARC: Frente Carolina Ramírez", "Carolina Ramírez Front"),
        # the umbrella written as one of its aliases, and an intermediate umbrella
        ("FARC-EP Dissidents: Dagoberto Ramos Mobile Column", "Dagoberto Ramos Mobile Column"),
        ("EMC: Dagoberto Ramos Mobile Column", "Dagoberto Ramos Mobile Column"),
        ("Segunda Marquetalia: Comandos de la Frontera", "Comandos de la Frontera"),
        # ACLED qualifiers on either side
        (
            "FARC Dissidents: Dagoberto Ramos Mobile Column (Colombia)",
            "Dagoberto Ramos Mobile Column",
        ),
        ("FARC Dissidents (Colombia): Carolina Ramirez Front", "Carolina Ramírez Front"),
        ("FARC Dissidents: 33rd Front (2022-)", "Frente 33"),
        ("  farc dissidents :  dagoberto-ramos mobile column ", "Dagoberto Ramos Mobile Column"),
        # ELN: the ACLED form of the ELN itself, and a front the registry lists as a member
        ("ELN: National Liberation Army", "ELN"),
        ("ELN: National Liberation Army (Colombia)", "ELN"),
        ("ELN: Comuneros del Sur Front", "Comuneros del Sur"),
        # Clan del Golfo: both sides name the same group
        ("AGC: Gaitanist Self-Defense Forces of Colombia", "Clan del Golfo"),
        ("AGC: Gaitanist Self-Defence Forces of Colombia (Colombia)", "Clan del Golfo"),
        ("Clan del Golfo: Gaitanist Self-Defense Forces of Colombia", "Clan del Golfo"),
        ("Clan del Golfo: Urabeños", "Clan del Golfo"),
        ("EGC: Gaitanist Army of Colombia", "Clan del Golfo"),
    ],
)
def test_umbrella_faction_resolves_to_the_member(
    reg: ActorRegistry, raw: str, expected: str
) -> None:
    assert reg.canonical(raw) == expected
    assert reg.canonical_or_raw(raw) == expected


def test_umbrella_faction_prefers_member_over_umbrella(reg: ActorRegistry) -> None:
    # Both sides are known groups; the answer is the more specific one, never the umbrella.
    raw = "FARC Dissidents: Dagoberto Ramos Mobile Column"
    assert reg.canonical(raw) == "Dagoberto Ramos Mobile Column"
    assert reg.canonical(raw) != "FARC dissidents"
    assert reg.expand(raw) == {"Dagoberto Ramos Mobile Column"}
    assert reg.umbrella_of(raw) == ["Estado Mayor Central", "FARC dissidents"]
    assert reg.get(raw).name == "Dagoberto Ramos Mobile Column"
    assert raw in reg


def test_umbrella_faction_and_typed_alias_meet(reg: ActorRegistry) -> None:
    # The stored name (from ACLED) and what a user types land on the same canonical group.
    stored = reg.canonical_or_raw("FARC Dissidents: Dagoberto Ramos Mobile Column")
    assert stored == "Dagoberto Ramos Mobile Column"
    assert reg.canonical("Dagoberto Ramos") == "Dagoberto Ramos Mobile Column"
    assert actor_names(Filters(actors=("Dagoberto Ramos",)), reg) == [
        "Dagoberto Ramos Mobile Column"
    ]
    # ...and filtering by the umbrella includes the faction.
    assert "Dagoberto Ramos Mobile Column" in actor_names(Filters(actors=("FARC dissidents",)), reg)


def test_umbrella_faction_uses_memberships_that_no_longer_hold(reg: ActorRegistry) -> None:
    # Carolina Ramírez and Frente 33 left the EMC on 2024-04-16 for the EMBF; the Comuneros del
    # Sur left the ELN on 2024-05-07. The labels still name a real (past) membership.
    assert reg.canonical("EMC: Carolina Ramirez Front") == "Carolina Ramírez Front"
    assert reg.canonical("EMBF: Carolina Ramirez Front") == "Carolina Ramírez Front"
    assert reg.canonical("Estado Mayor Central: 33rd Front") == "Frente 33"
    assert reg.canonical("ELN: Frente Comuneros del Sur") == "Comuneros del Sur"


@pytest.mark.parametrize(
    "raw",
    [
        "ELN: Gulf Clan",  # two unrelated groups
        "AGC: National Liberation Army",
        "Clan del Golfo: Dagoberto Ramos Mobile Column",
        "ELN: Dagoberto Ramos Mobile Column",
        "EMC: Segunda Marquetalia",  # siblings under the same umbrella, not umbrella and member
        "Segunda Marquetalia: Carolina Ramirez Front",
        "Estado Mayor Central: Comandos de la Frontera",
        "Police Forces of Colombia (2022-): ELN",
        # member before umbrella: not an order ACLED uses, so not guessed at
        "Dagoberto Ramos Mobile Column: FARC Dissidents",
        "Carolina Ramirez Front: EMC",
    ],
)
def test_colon_sides_not_umbrella_and_member_are_unknown(reg: ActorRegistry, raw: str) -> None:
    assert reg.canonical(raw) is None
    assert reg.canonical_or_raw(raw) == raw
    assert reg.faction_umbrella(raw) is None


@pytest.mark.parametrize(
    ("raw", "umbrella"),
    [
        # Clearly fictitious factions: the registry now lists the real Domingo Laín front, the
        # ELN war fronts and the FARC-EP / dissident Front 57 (issue 20), so they resolve.
        ("ELN: Frente Ficticio de Prueba", "ELN"),
        ("ELN: Frente de Guerra Ficticio", "ELN"),
        ("FARC Dissidents: Acacio Medina Front", "FARC dissidents"),
        ("FARC Dissidents (Colombia): Frente 99 Ficticio de Prueba", "FARC dissidents"),
        ("Clan del Golfo: Bloque Central Urabá", "Clan del Golfo"),
    ],
)
def test_unknown_faction_under_known_umbrella_keeps_raw_name(
    reg: ActorRegistry, raw: str, umbrella: str
) -> None:
    # The faction is not folded into its umbrella (it would vanish from names and from the
    # unknown-actors list): the raw name is kept and the umbrella can still be found.
    assert reg.canonical(raw) is None
    assert reg.canonical_or_raw(f"  {raw} ") == raw
    assert reg.faction_umbrella(raw) == umbrella
    assert reg.expand(raw) == {raw}
    assert actor_names(Filters(actors=(raw,)), reg) == [raw]


def test_faction_umbrella_is_none_for_resolved_and_plain_names(reg: ActorRegistry) -> None:
    assert reg.faction_umbrella("FARC Dissidents: Dagoberto Ramos Mobile Column") is None
    assert reg.faction_umbrella("ELN: National Liberation Army") is None
    assert reg.faction_umbrella("ELN") is None
    # "Unknown" is an alias of "Unknown perpetrator" (CNMH "Desconocido"): fictitious names here
    assert reg.faction_umbrella("Somebody: Fictitious Test Faction") is None
    assert reg.faction_umbrella("Los Shottas") is None


def test_known_faction_after_unknown_prefix(reg: ActorRegistry) -> None:
    # An acronym the registry lacks in front of a known name: the known, specific side.
    assert reg.canonical("CMDR-FARC: Dagoberto Ramos Mobile Column") == (
        "Dagoberto Ramos Mobile Column"
    )
    # "Unknown" is an alias of "Unknown perpetrator" (CNMH "Desconocido"): fictitious names here
    assert reg.canonical("Somebody: Fictitious Test Faction") is None


def test_umbrella_faction_in_a_small_registry(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[actor]]
        name = "Umbrella"
        class = "guerrilla"
        aliases = ["UMB"]

        [[actor]]
        name = "Bloc"
        class = "guerrilla"
        parents = [{ parent = "Umbrella" }]

        [[actor]]
        name = "Front One"
        class = "guerrilla"
        aliases = ["F1"]
        parents = [{ parent = "Bloc", valid_to = 2020-01-01 }]

        [[actor]]
        name = "Other"
        class = "guerrilla"
        """,
    )
    small = ActorRegistry.load(path)
    assert small.canonical("UMB: F1") == "Front One"
    assert small.canonical("Umbrella: Front One") == "Front One"
    assert small.canonical("Bloc: Front One") == "Front One"
    assert small.canonical("UMB: Bloc") == "Bloc"
    assert small.canonical("Bloc: Umbrella") is None
    assert small.canonical("Other: Front One") is None
    assert small.canonical("UMB: Front Two") is None
    assert small.faction_umbrella("UMB: Front Two") == "Umbrella"


def test_get_and_names(reg: ActorRegistry) -> None:
    actor = reg.get("urabeños")
    assert isinstance(actor, Actor)
    assert actor.name == "Clan del Golfo"
    assert "AGC" in actor.aliases
    with pytest.raises(KeyError):
        reg.get("nobody at all")
    names = reg.names()
    assert names == sorted(names)
    for required in [
        "ELN",
        "Comuneros del Sur",
        "Clan del Golfo",
        "FARC dissidents",
        EMC,
        DAGOBERTO,
        "Carlos Patiño Front",
        "Jaime Martínez Front",
        CAROLINA,
        "Ismael Ruiz Front",
        EMBF,
        "Frente 33",
        "Segunda Marquetalia",
        "Coordinadora Nacional Ejército Bolivariano",
        "ACSN",
        "State forces",
        "Police",
        "Military",
        "Civilians",
        "Unidentified armed group",
    ]:
        assert required in names
    assert "Urabeños" in reg
    assert "nobody" not in reg


# -- expansion and memberships -------------------------------------------------------------------


def test_expand_umbrella_includes_factions(reg: ActorRegistry) -> None:
    expanded = reg.expand("FARC dissidents")
    assert {
        "FARC dissidents",
        EMC,
        DAGOBERTO,
        "Frente 33",
        "Segunda Marquetalia",
        EMBF,
        CAROLINA,
        "Coordinadora Nacional Ejército Bolivariano",
    } <= expanded
    assert "ELN" not in expanded
    assert "Clan del Golfo" not in expanded


def test_expand_faction_is_only_itself(reg: ActorRegistry) -> None:
    assert reg.expand(DAGOBERTO) == {DAGOBERTO}
    assert reg.expand("Columna Móvil Dagoberto Ramos") == {DAGOBERTO}
    assert reg.expand("AGC") == {"Clan del Golfo"}


def test_expand_unknown_name_is_itself(reg: ActorRegistry) -> None:
    assert reg.expand(" Some Local Gang ") == {"Some Local Gang"}


def test_expand_state_forces(reg: ActorRegistry) -> None:
    assert reg.expand("State forces") == {
        # branches and the DAS added with issue 20
        "State forces",
        "Police",
        "Military",
        "Army",
        "Navy",
        "Air Force",
        "DAS",
        "National Protection Unit",
    }
    assert reg.expand("Police Forces of Colombia (2022-)") == {"Police"}


def test_carolina_ramirez_moves_from_emc_to_embf(reg: ActorRegistry) -> None:
    assert CAROLINA in reg.expand(EMC, on=date(2023, 1, 1))
    assert CAROLINA not in reg.expand(EMC, on=date(2025, 1, 1))
    assert CAROLINA in reg.expand(EMBF, on=date(2025, 1, 1))
    assert CAROLINA not in reg.expand(EMBF, on=date(2023, 1, 1))
    # Undated: any membership ever held.
    assert CAROLINA in reg.expand(EMC)
    assert CAROLINA in reg.expand(EMBF)
    # Either way it stays under the umbrella.
    for day in (date(2023, 1, 1), date(2025, 1, 1)):
        assert CAROLINA in reg.expand("FARC dissidents", on=day)


def test_dated_membership_boundary_is_half_open(reg: ActorRegistry) -> None:
    split = reg.get(CAROLINA).parents
    emc = next(m for m in split if m.parent == EMC)
    embf = next(m for m in split if m.parent == EMBF)
    assert emc.valid_to == embf.valid_from
    day = emc.valid_to
    assert day is not None
    assert CAROLINA not in reg.expand(EMC, on=day)
    assert CAROLINA in reg.expand(EMBF, on=day)
    assert CAROLINA in reg.expand(EMC, on=date.fromordinal(day.toordinal() - 1))


def test_expand_accepts_datetime(reg: ActorRegistry) -> None:
    assert CAROLINA in reg.expand(EMC, on=datetime(2023, 1, 1, 12, 30))


def test_comuneros_del_sur_left_eln(reg: ActorRegistry) -> None:
    assert "Comuneros del Sur" in reg.expand("ELN", on=date(2023, 6, 1))
    assert "Comuneros del Sur" not in reg.expand("ELN", on=date(2024, 6, 1))
    assert reg.umbrella_of("Comuneros del Sur", on=date(2024, 6, 1)) == []
    assert reg.expand("Comuneros del Sur") == {"Comuneros del Sur"}


def test_cneb_left_segunda_marquetalia(reg: ActorRegistry) -> None:
    cneb = "Coordinadora Nacional Ejército Bolivariano"
    assert cneb in reg.expand("Segunda Marquetalia", on=date(2024, 1, 1))
    assert cneb not in reg.expand("Segunda Marquetalia", on=date(2025, 1, 1))
    assert cneb in reg.expand("FARC dissidents", on=date(2024, 1, 1))
    assert cneb in reg.expand("FARC dissidents", on=date(2025, 1, 1))


def test_umbrella_of(reg: ActorRegistry) -> None:
    assert reg.umbrella_of(DAGOBERTO) == [EMC, "FARC dissidents"]
    assert reg.umbrella_of("Police") == ["State forces"]
    assert reg.umbrella_of("Clan del Golfo") == []
    assert reg.umbrella_of("unknown group") == []
    assert reg.umbrella_of(CAROLINA, on=date(2023, 1, 1)) == [EMC, "FARC dissidents"]
    assert reg.umbrella_of(CAROLINA, on=date(2025, 1, 1)) == [EMBF, "FARC dissidents"]
    assert reg.umbrella_of(CAROLINA) == [EMC, EMBF, "FARC dissidents"]


# -- data quality ------------------------------------------------------------------------------


def test_every_group_has_sources_kind_and_note(reg: ActorRegistry) -> None:
    for actor in reg.actors():
        assert actor.sources, f"{actor.name} has no source"
        assert all(s.startswith("https://") for s in actor.sources), actor.name
        assert actor.kind in KINDS, actor.name
        assert actor.actor_class in CLASSES, actor.name
        assert actor.note, f"{actor.name} has no note"


def test_dated_memberships_cite_a_source(reg: ActorRegistry) -> None:
    for actor in reg.actors():
        for membership in actor.parents:
            if membership.valid_from or membership.valid_to:
                assert membership.source.startswith("https://"), (
                    f"{actor.name} -> {membership.parent} is dated but cites no source"
                )


def test_kinds(reg: ActorRegistry) -> None:
    assert reg.get("Police").kind == "state"
    assert reg.get("Civilians").kind == "civilians"
    assert reg.get("Unidentified armed group").kind == "unidentified"
    assert reg.get("ELN").kind == "armed_group"
    assert reg.get("ELN").actor_class == "guerrilla"
    assert reg.get("Police").actor_class == "state"


def test_default_registry_is_cached() -> None:
    assert default_registry() is default_registry()


def test_membership_valid_on() -> None:
    m = Membership("X", valid_from=date(2024, 1, 1), valid_to=date(2024, 6, 1))
    assert not m.valid_on(date(2023, 12, 31))
    assert m.valid_on(date(2024, 1, 1))
    assert m.valid_on(date(2024, 5, 31))
    assert not m.valid_on(date(2024, 6, 1))
    assert m.valid_on(None)
    assert Membership("X").valid_on(date(1900, 1, 1))


# -- load validation ---------------------------------------------------------------------------


def test_load_small_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[actor]]
        name = "Umbrella"
        class = "guerrilla"
        aliases = ["Paraguas"]
        sources = ["https://example.org/a"]

        [[actor]]
        name = "Faction"
        class = "guerrilla"
        parents = [{ parent = "Umbrella", valid_from = "2020-01-01", valid_to = 2021-01-01 }]
        sources = ["https://example.org/b"]
        """,
    )
    reg = ActorRegistry.load(path)
    assert reg.names() == ["Faction", "Umbrella"]
    assert reg.canonical("paraguas") == "Umbrella"
    assert reg.get("Faction").parents == (
        Membership("Umbrella", date(2020, 1, 1), date(2021, 1, 1)),
    )
    assert reg.expand("Umbrella", on=date(2020, 6, 1)) == {"Umbrella", "Faction"}
    assert reg.expand("Umbrella", on=date(2021, 6, 1)) == {"Umbrella"}


def test_load_undefined_parent(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[actor]]
        name = "Orphan Front"
        class = "guerrilla"
        parents = [{ parent = "Nonexistent Bloc" }]
        """,
    )
    with pytest.raises(ValueError, match=r"'Orphan Front'.*parent 'Nonexistent Bloc' is not def"):
        ActorRegistry.load(path)


def test_load_duplicate_alias(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[actor]]
        name = "First Group"
        class = "guerrilla"
        aliases = ["Los Primos"]

        [[actor]]
        name = "Second Group"
        class = "guerrilla"
        aliases = ["los primos"]
        """,
    )
    with pytest.raises(ValueError, match=r"'Second Group'.*'los primos'.*'First Group'"):
        ActorRegistry.load(path)


def test_load_alias_equal_to_other_group_name(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[actor]]
        name = "ELN"
        class = "guerrilla"

        [[actor]]
        name = "Other"
        class = "guerrilla"
        aliases = ["E.L.N."]
        """,
    )
    with pytest.raises(ValueError, match=r"'Other'.*also claimed by group 'ELN'"):
        ActorRegistry.load(path)


def test_load_cycle(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[actor]]
        name = "A"
        class = "guerrilla"
        parents = [{ parent = "B" }]

        [[actor]]
        name = "B"
        class = "guerrilla"
        parents = [{ parent = "C" }]

        [[actor]]
        name = "C"
        class = "guerrilla"
        parents = [{ parent = "A", valid_from = 2024-01-01 }]
        """,
    )
    with pytest.raises(ValueError, match=r"cycle A -> B -> C -> A"):
        ActorRegistry.load(path)


def test_load_self_parent_is_a_cycle(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[actor]]
        name = "Loop"
        class = "guerrilla"
        parents = [{ parent = "Loop" }]
        """,
    )
    with pytest.raises(ValueError, match=r"'Loop': membership cycle Loop -> Loop"):
        ActorRegistry.load(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('name = "X"\nclass = "gang"\n', r"'X': unknown class 'gang'"),
        ('name = "X"\nkind = "armed_group"\n', r"'X': 'kind' is replaced by 'class'"),
        ('name = "X"\nclass = "guerrilla"\nclass_level = "yes"\n', r"'X': 'class_level' must be"),
        (
            'name = "X"\nclass = "guerrilla"\npredecessors = [{ group = "Nobody" }]\n',
            r"'X': predecessor 'Nobody' is not defined",
        ),
        (
            'name = "X"\nclass = "guerrilla"\nnames = [{ name = "Y", valid_from = 2000-01-01, '
            'valid_to = 1999-01-01 }]\n',
            r"'X': name 'Y' has valid_from 2000-01-01 not before valid_to 1999-01-01",
        ),
        ('name = "X"\nclass = "guerrilla"\nalias = ["Y"]\n', r"'X': unknown field"),
        (
            'name = "X"\nclass = "guerrilla"\nparents = [{ parent = "X", valid_to = "soon" }]\n',
            r"'X'.*valid_to.*not a date",
        ),
        ('name = "X"\nclass = "guerrilla"\naliases = "Y"\n', r"'X'.*list of strings"),
    ],
)
def test_load_rejects_malformed_entries(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, "[[actor]]\n" + body)
    with pytest.raises(ValueError, match=message):
        ActorRegistry.load(path)


def test_load_rejects_reversed_dates(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [[actor]]
        name = "P"
        class = "guerrilla"

        [[actor]]
        name = "Q"
        class = "guerrilla"
        parents = [{ parent = "P", valid_from = 2025-01-01, valid_to = 2024-01-01 }]
        """,
    )
    with pytest.raises(ValueError, match=r"'Q'.*not before valid_to"):
        ActorRegistry.load(path)


def test_load_rejects_invalid_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "[[actor]\nname = \n")
    with pytest.raises(ValueError, match="not valid TOML"):
        ActorRegistry.load(path)


def test_registry_from_actors_validates_too() -> None:
    with pytest.raises(ValueError, match=r"'B': parent 'Z' is not defined"):
        ActorRegistry(
            [Actor("A", "guerrilla"), Actor("B", "guerrilla", parents=(Membership("Z"),))]
        )
