"""Content of the bundled actor registry (conflictmap/actors.toml) for the whole conflict.

Every expected value here is written by hand from the sources cited in actors.toml (UCDP GED
actor names, CNMH spellings, founding and demobilisation dates), never computed from the
registry itself.
"""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from conflictmap.actors import DEFAULT_PATH, ActorRegistry, default_registry, normalise_actor

CLASSES = {
    "guerrilla",
    "paramilitary",
    "post_demobilisation",
    "cartel",
    "state",
    "foreign",
    "civilians",
    "unidentified",
}


@pytest.fixture(scope="module")
def reg() -> ActorRegistry:
    return default_registry()


# -- the file itself -------------------------------------------------------------------------------


def test_file_is_valid_toml_in_the_new_schema() -> None:
    """Independent of the parser: every table has a name, a known class, sources, a note, and
    no longer uses the old ``kind`` key; canonical names are unique."""
    with DEFAULT_PATH.open("rb") as fh:
        data = tomllib.load(fh)
    actors = data["actor"]
    assert len(actors) >= 100
    names = [a["name"] for a in actors]
    assert len(names) == len(set(names))
    for entry in actors:
        assert "kind" not in entry, entry["name"]
        assert entry["class"] in CLASSES, entry["name"]
        assert entry.get("sources"), entry["name"]
        assert entry.get("note"), entry["name"]
        for membership in entry.get("parents", []):
            assert membership["parent"] in names, (entry["name"], membership["parent"])
            start, end = membership.get("valid_from"), membership.get("valid_to")
            if start and end:
                assert start < end, entry["name"]
        for lineage in entry.get("predecessors", []):
            assert lineage["group"] in names, (entry["name"], lineage["group"])


def test_registry_loads() -> None:
    registry = ActorRegistry.load()
    assert "AUC" in registry
    assert "FARC-EP" in registry


def test_every_actor_has_a_valid_class_and_a_source(reg: ActorRegistry) -> None:
    for actor in reg.actors():
        assert actor.actor_class in CLASSES, actor.name
        assert actor.sources, actor.name
        assert all(s.startswith("https://") for s in actor.sources), actor.name
        for dated in actor.names:
            assert dated.source.startswith("https://"), (actor.name, dated.name)
        for lineage in actor.predecessors:
            assert lineage.source.startswith("https://"), (actor.name, lineage.group)


def test_no_spelling_is_claimed_twice_even_within_one_actor(reg: ActorRegistry) -> None:
    """Across actors the parser refuses it; within one actor a repeated spelling is just noise
    (new entries only: the older ACLED forms with qualifiers are kept on purpose)."""
    kept_on_purpose = {
        "Civilians",
        "Police",
        "National Protection Unit",
        "Unidentified armed group",
    }
    for actor in reg.actors():
        if actor.name in kept_on_purpose:
            continue
        keys = [normalise_actor(s) for s in actor.spellings()]
        assert len(keys) == len(set(keys)), actor.name


# -- names as real files write them ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # UCDP GED side names
        ("Government of Colombia", "State forces"),
        ("FARC", "FARC-EP"),
        ("Civilians", "Civilians"),
        ("ELN", "ELN"),
        ("AUC", "AUC"),
        ("EPL - Megateo", "Los Pelusos"),
        ("FARC dissidents", "FARC dissidents"),
        ("Medellín Cartel", "Medellín Cartel"),
        ("Bloque Central Bolívar", "Bloque Central Bolívar"),
        ("EPL", "EPL"),
        ("MAS", "MAS"),
        ("Cali Cartel", "Cali Cartel"),
        ("PEPES", "PEPES"),
        # CNMH spellings
        ("Farc", "FARC-EP"),
        ("Eln", "ELN"),
        ("Autodefensas Unidas de Colombia", "AUC"),
        ("Ejército Nacional", "Army"),
        ("Policía Nacional", "Police"),
        ("Grupo Paramilitar", "Unidentified paramilitary group"),
        ("Guerrilla", "Unidentified guerrilla"),
        ("Agente del Estado", "State forces"),
        ("Grupo Posdesmovilización", "Unidentified post-demobilisation group"),
        ("Grupo Armado No Identificado", "Unidentified armed group"),
        ("Desconocido", "Unknown perpetrator"),
        ("Crimen Organizado", "Unidentified post-demobilisation group"),
        ("Presencia GAO sin Atribución", "Unidentified armed group"),
        ("Disidencia EPL", "Los Pelusos"),
        ("Urabeños", "Clan del Golfo"),
        ("Autodefensas Gaitanistas de Colombia", "Clan del Golfo"),
        ("Ejército Gaitanista de Colombia", "Clan del Golfo"),
        ("Águilas Negras", "Águilas Negras"),
        ("Clan Úsuga", "Clan del Golfo"),
        # nicknames and accents
        ("Los Pelusos", "Los Pelusos"),
        ("Los Pachenca", "ACSN"),
        ("buitragueños", "ACC"),
        ("Los Caparrapos", "Los Caparros"),
        ("Autodefensas Campesinas de Córdoba y Urabá", "ACCU"),
        ("autodefensas campesinas de cordoba y uraba", "ACCU"),
        ("Movimiento 19 de Abril", "M-19"),
        ("Quintín Lame", "Movimiento Armado Quintín Lame"),
        ("Perseguidos por Pablo Escobar", "PEPES"),
        ("Muerte a Secuestradores", "MAS"),
        ("Cartel de Medellín", "Medellín Cartel"),
        ("Infantería de Marina", "Navy"),
        ("Fuerza Aérea Colombiana", "Air Force"),
        ("Departamento Administrativo de Seguridad", "DAS"),
        ("Guardia Nacional Bolivariana", "Venezuelan security forces"),
        ("Columna Móvil Teófilo Forero", "Teófilo Forero Mobile Column"),
        # ACLED forms
        ("ELN: National Liberation Army", "ELN"),
        ("ELN: Domingo Lain Saenz Front", "Frente Domingo Laín Sáenz"),
        ("FARC Dissidents: 10th Front", "Frente 10"),
        ("EPL: Popular Liberation Army", "Los Pelusos"),
        ("Military Forces of Colombia (2022-)", "Military"),
        ("Military Forces of Venezuela (2013-)", "Venezuelan security forces"),
    ],
)
def test_real_spellings_resolve(reg: ActorRegistry, raw: str, expected: str) -> None:
    assert reg.canonical(raw) == expected


def test_long_name_followed_by_its_acronym() -> None:
    """CNMH writes "Autodefensas Unidas de Colombia AUC": the resolver drops the acronym; the
    registry only provides the long name and the acronym."""
    from conflictmap.actor_resolution import Resolver

    resolver = Resolver(default_registry())
    assert resolver.stored("Autodefensas Unidas de Colombia AUC") == ["AUC"]


@pytest.mark.parametrize("placeholder", ["No aplica", "No identificada", "No identificado",
                                         "Sin información"])  # fmt: skip
def test_no_value_placeholders_are_not_aliases(reg: ActorRegistry, placeholder: str) -> None:
    assert reg.canonical(placeholder) is None


# -- class-level actors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "actor_class"),
    [
        ("Unidentified guerrilla", "guerrilla"),
        ("Unidentified paramilitary group", "paramilitary"),
        ("Unidentified post-demobilisation group", "post_demobilisation"),
        ("Unidentified cartel", "cartel"),
        ("State forces", "state"),
        ("Civilians", "civilians"),
    ],
)
def test_class_level_actors(reg: ActorRegistry, name: str, actor_class: str) -> None:
    actor = reg.get(name)
    assert actor.name == name
    assert actor.actor_class == actor_class
    assert actor.class_level


def test_unidentified_actors_are_not_class_level(reg: ActorRegistry) -> None:
    for name in ("Unidentified armed group", "Unknown perpetrator"):
        actor = reg.get(name)
        assert actor.actor_class == "unidentified"
        assert not actor.class_level


def test_named_groups_are_not_class_level(reg: ActorRegistry) -> None:
    for name in ("AUC", "FARC-EP", "Police", "Clan del Golfo", "Medellín Cartel"):
        assert not reg.get(name).class_level, name


@pytest.mark.parametrize(
    ("name", "actor_class"),
    [
        ("FARC-EP", "guerrilla"),
        ("Los Pelusos", "guerrilla"),
        ("Estado Mayor Central", "guerrilla"),
        ("AUC", "paramilitary"),
        ("ACC", "paramilitary"),
        ("MAS", "paramilitary"),
        ("Clan del Golfo", "post_demobilisation"),
        ("ACSN", "post_demobilisation"),
        ("Norte del Valle Cartel", "cartel"),
        ("Oficina de Envigado", "cartel"),
        ("Army", "state"),
        ("DAS", "state"),
        ("Tren de Aragua", "foreign"),
        ("Venezuelan security forces", "foreign"),
    ],
)
def test_classes(reg: ActorRegistry, name: str, actor_class: str) -> None:
    assert reg.get(name).actor_class == actor_class


# -- dated memberships -----------------------------------------------------------------------------


def test_accu_is_auc_only_from_the_auc_founding(reg: ActorRegistry) -> None:
    assert "ACCU" not in reg.expand("AUC", on=date(1995, 6, 1))
    assert "ACCU" not in reg.expand("AUC", on=date(1997, 4, 17))
    assert "ACCU" in reg.expand("AUC", on=date(1997, 4, 18))
    assert "ACCU" in reg.expand("AUC", on=date(1999, 6, 1))
    assert "ACCU" not in reg.expand("AUC", on=date(2007, 1, 1))


def test_no_group_is_auc_before_the_auc_existed(reg: ActorRegistry) -> None:
    assert reg.expand("AUC", on=date(1995, 6, 1)) == {"AUC"}


def test_auc_blocs(reg: ActorRegistry) -> None:
    auc = reg.expand("AUC")
    for bloc in ("Bloque Central Bolívar", "Bloque Norte", "Bloque Metro", "Bloque Cacique Nutibara",
                 "Bloque Calima", "Bloque Catatumbo", "Bloque Centauros", "Bloque Elmer Cárdenas",
                 "Bloque Héroes de Granada", "Bloque Vencedores de Arauca",
                 "Bloque Libertadores del Sur", "Bloque Tolima", "Bloque Mineros",
                 "Bloque Bananero", "Bloque Resistencia Tayrona",
                 "Frente Héroes de los Andaquíes"):  # fmt: skip
        assert bloc in auc, bloc
    # Bloque Central Bolívar: from its creation until its demobilisation (2005-2006)
    assert "Bloque Central Bolívar" in reg.expand("AUC", on=date(2003, 1, 1))
    assert "Bloque Central Bolívar" not in reg.expand("AUC", on=date(2007, 1, 1))
    # Libertadores del Sur is AUC through the BCB, until it demobilised (July 2005)
    assert "Bloque Libertadores del Sur" in reg.expand("AUC", on=date(2004, 1, 1))
    assert "Bloque Libertadores del Sur" not in reg.expand("AUC", on=date(2005, 9, 1))
    # Cacique Nutibara demobilised on 25 November 2003, the Elmer Cárdenas bloc last (15 August 2006)
    assert "Bloque Cacique Nutibara" in reg.expand("AUC", on=date(2003, 11, 24))
    assert "Bloque Cacique Nutibara" not in reg.expand("AUC", on=date(2003, 11, 25))
    assert "Bloque Elmer Cárdenas" in reg.expand("AUC", on=date(2006, 8, 14))
    assert "Bloque Elmer Cárdenas" not in reg.expand("AUC", on=date(2006, 8, 15))


def test_bloque_metro_left_the_auc_in_2002(reg: ActorRegistry) -> None:
    assert "Bloque Metro" in reg.expand("AUC", on=date(2000, 6, 1))
    assert "Bloque Metro" not in reg.expand("AUC", on=date(2003, 6, 1))


def test_hernan_giraldo_group_joined_the_auc_only_in_2002(reg: ActorRegistry) -> None:
    assert "Bloque Resistencia Tayrona" not in reg.expand("AUC", on=date(1999, 1, 1))
    assert "Bloque Resistencia Tayrona" in reg.expand("AUC", on=date(2004, 1, 1))
    assert reg.canonical("Autodefensas Campesinas del Magdalena y La Guajira") == (
        "Bloque Resistencia Tayrona"
    )


def test_groups_that_were_never_auc(reg: ActorRegistry) -> None:
    auc = reg.expand("AUC")
    for name in ("ACC", "MAS", "PEPES", "Clan del Golfo", "Águilas Negras", "ERPAC", "ACSN"):
        assert name not in auc, name


def test_pelusos_are_the_epl_after_1991(reg: ActorRegistry) -> None:
    assert "Los Pelusos" in reg.expand("EPL")
    assert "Los Pelusos" not in reg.expand("EPL", on=date(1990, 1, 1))
    assert "Los Pelusos" in reg.expand("EPL", on=date(2012, 1, 1))


def test_farc_ep_never_includes_the_dissident_organisations(reg: ActorRegistry) -> None:
    dissident = {
        "FARC dissidents",
        "Estado Mayor Central",
        "Estado Mayor de Bloques y Frente",
        "Segunda Marquetalia",
        "Coordinadora Nacional Ejército Bolivariano",
        "Comandos de la Frontera",
        "Coordinadora Guerrillera del Pacífico",
        "Dagoberto Ramos Mobile Column",
        "Carolina Ramírez Front",
    }
    assert not dissident & reg.expand("FARC-EP")
    # a front that continued as a dissident structure is FARC-EP only until the disarmament
    assert reg.expand("FARC-EP", on=date(2020, 1, 1)) & {
        "Frente 1", "Frente 7", "Frente 10", "Frente 18", "Frente 33", "Frente 36", "Frente 57",
        "Teófilo Forero Mobile Column",
    } == set()  # fmt: skip


def test_front_33_is_farc_ep_then_emc_then_embf(reg: ActorRegistry) -> None:
    assert "Frente 33" in reg.expand("FARC-EP", on=date(2010, 1, 1))
    assert "Frente 33" in reg.expand("Bloque Magdalena Medio", on=date(2010, 1, 1))
    assert "Frente 33" not in reg.expand("FARC dissidents", on=date(2010, 1, 1))
    assert "Frente 33" in reg.expand("Estado Mayor Central", on=date(2020, 1, 1))
    assert "Frente 33" in reg.expand("Estado Mayor de Bloques y Frente", on=date(2025, 1, 1))
    assert "Frente 33" not in reg.expand("FARC-EP", on=date(2020, 1, 1))


def test_first_front_became_a_dissident_in_july_2016(reg: ActorRegistry) -> None:
    assert "Frente 1" in reg.expand("FARC-EP", on=date(2016, 7, 5))
    assert "Frente 1" not in reg.expand("FARC-EP", on=date(2016, 7, 6))
    assert "Frente 1" in reg.expand("Estado Mayor Central", on=date(2016, 7, 6))


def test_farc_ep_blocs_and_fronts(reg: ActorRegistry) -> None:
    farc = reg.expand("FARC-EP")
    for name in ("Bloque Oriental", "Bloque Sur", "Bloque Occidental", "Bloque Noroccidental",
                 "Bloque Magdalena Medio", "Bloque Caribe", "Comando Conjunto Central",
                 "Teófilo Forero Mobile Column", "Jacobo Arenas Mobile Column"):  # fmt: skip
        assert name in farc, name
    fronts = {a for a in farc if a.startswith("Frente ")}
    assert len(fronts) >= 15
    assert "Frente 6" in reg.expand("Bloque Occidental")
    assert "Frente 10" in reg.expand("Bloque Oriental")
    assert reg.canonical("Bloque Comandante Jorge Briceño") == "Bloque Oriental"
    assert reg.canonical("Bloque Iván Ríos") == "Bloque Noroccidental"
    assert reg.canonical("Bloque Martín Caballero") == "Bloque Caribe"


def test_eln_war_fronts_and_fronts(reg: ActorRegistry) -> None:
    eln = reg.expand("ELN")
    for name in ("Frente de Guerra Oriental", "Frente de Guerra Nororiental",
                 "Frente de Guerra Occidental", "Frente de Guerra Noroccidental",
                 "Frente de Guerra Suroccidental", "Frente de Guerra Darío Ramírez Castro",
                 "Frente de Guerra Urbano Nacional", "Frente Domingo Laín Sáenz",
                 "Frente Carlos Germán Velasco Villamizar", "Frente Manuel Hernández El Boche",
                 "Frente Ernesto Che Guevara", "Frente Compañero Tomás",
                 "Frente Camilo Torres Restrepo", "Frente José Antonio Galán"):  # fmt: skip
        assert name in eln, name
    assert "Frente Domingo Laín Sáenz" in reg.expand("Frente de Guerra Oriental")
    # splits are lineage, not members
    for name in ("Corriente de Renovación Socialista", "ERG", "ERP"):
        assert name not in eln, name


def test_guerrilla_coordinators(reg: ActorRegistry) -> None:
    cgsb = "Coordinadora Guerrillera Simón Bolívar"
    assert "M-19" in reg.expand(cgsb, on=date(1988, 6, 1))
    assert "M-19" not in reg.expand(cgsb, on=date(1990, 6, 1))  # disarmed 9 March 1990
    assert "EPL" not in reg.expand(cgsb, on=date(1991, 6, 1))  # demobilised 1 March 1991
    assert {"FARC-EP", "ELN"} <= reg.expand(cgsb, on=date(1992, 1, 1))
    assert "ELN" not in reg.expand(cgsb, on=date(2020, 1, 1))
    assert "FARC-EP" not in reg.expand("Coordinadora Nacional Guerrillera")


def test_state_forces_by_branch(reg: ActorRegistry) -> None:
    assert reg.expand("Military") == {"Military", "Army", "Navy", "Air Force"}
    assert {"Army", "Navy", "Air Force", "Police", "DAS"} <= reg.expand("State forces")
    assert "DAS" in reg.expand("State forces", on=date(2000, 1, 1))
    assert "DAS" not in reg.expand("State forces", on=date(2012, 1, 1))  # dissolved 2011
    assert "Venezuelan security forces" not in reg.expand("State forces")


# -- names and lineage ---------------------------------------------------------------------------


def test_clan_del_golfo_dated_names(reg: ActorRegistry) -> None:
    names = {n.name: n for n in reg.get("Clan del Golfo").names}
    assert names["Ejército Gaitanista de Colombia"].valid_from == date(2024, 11, 7)
    assert names["Autodefensas Gaitanistas de Colombia"].valid_to == date(2024, 11, 7)


def test_auc_and_farc_dated_names(reg: ActorRegistry) -> None:
    auc = {n.name: n for n in reg.get("AUC").names}
    assert auc["Autodefensas Unidas de Colombia"].valid_from == date(1997, 4, 18)
    assert auc["Autodefensas Unidas de Colombia"].valid_to == date(2006, 8, 15)
    farc = {n.name: n for n in reg.get("FARC-EP").names}
    assert farc["Fuerzas Armadas Revolucionarias de Colombia - Ejército del Pueblo"].valid_to == (
        date(2017, 6, 27)
    )


@pytest.mark.parametrize(
    ("successor", "predecessor"),
    [
        ("FARC dissidents", "FARC-EP"),
        ("Estado Mayor Central", "FARC-EP"),
        ("Segunda Marquetalia", "FARC-EP"),
        ("Clan del Golfo", "Bloque Elmer Cárdenas"),
        ("Clan del Golfo", "ACCU"),
        ("Los Rastrojos", "Norte del Valle Cartel"),
        ("ERPAC", "Bloque Centauros"),
        ("ACSN", "Bloque Resistencia Tayrona"),
        ("Los Pelusos", "EPL"),
        ("Oficina de Envigado", "Medellín Cartel"),
    ],
)
def test_lineage(reg: ActorRegistry, successor: str, predecessor: str) -> None:
    assert predecessor in {p.group for p in reg.get(successor).predecessors}
    if successor != "Los Pelusos":  # the one successor that is also a (dated) member
        assert successor not in reg.expand(predecessor)  # lineage never merges into filters
