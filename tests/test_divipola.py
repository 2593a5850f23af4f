"""Tests for the DIVIPOLA gazetteer: real DANE boundaries plus tiny hand-built tables."""

from __future__ import annotations

import difflib

import pandas as pd
import pytest

from conflictmap import geodata
from conflictmap.divipola import (
    DEPARTMENT_ALIASES,
    MUNICIPALITY_ALIASES,
    MUNICIPALITY_SPELLINGS,
    Gazetteer,
    Place,
    PlaceError,
    normalise,
    normalise_dept_code,
    normalise_muni_code,
)

# --------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    """The gazetteer over the real DANE boundaries, found as the product finds them:
    ``CONFLICTMAP_GEODATA``, else the verified copy in the boundary cache (``make boundaries``).
    Without either the tests fail and say so; they never skip (and never download)."""
    try:
        boundaries = geodata.load_boundaries(allow_download=False)
    except geodata.GeodataError as exc:
        pytest.fail(f"the gazetteer tests need the DANE boundaries: {exc}", pytrace=False)
    return Gazetteer.from_boundaries(boundaries)


def tiny_frame() -> pd.DataFrame:
    rows = [
        ("41001", "Neiva", "41", "Huila"),
        ("41206", "Colombia", "41", "Huila"),
        ("41396", "La Plata", "41", "Huila"),
        ("08573", "Puerto Colombia", "08", "Atlántico"),
        ("94884", "Puerto Colombia", "94", "Guainía"),
        ("05400", "La Unión", "05", "Antioquia"),
        ("52399", "La Unión", "52", "Nariño"),
        ("54001", "San José de Cúcuta", "54", "Norte de Santander"),
        ("05001", "Medellín", "05", "Antioquia"),
        ("52001", "Pasto", "52", "Nariño"),
        ("52835", "San Andrés de Tumaco", "52", "Nariño"),
        ("05647", "San Andrés de Cuerquía", "05", "Antioquia"),
    ]
    return pd.DataFrame(rows, columns=["muni_code", "muni_name", "dept_code", "dept_name"])


@pytest.fixture
def tiny() -> Gazetteer:
    return Gazetteer(tiny_frame())


# --------------------------------------------------------------------------------------------
# Pure helpers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("San José de Cúcuta", "san jose de cucuta"),
        ("BOGOTÁ, D.C.", "bogota d c"),
        ("  Nariño  ", "narino"),
        ("Piendamó - Tunía", "piendamo tunia"),
        (
            "Archipiélago de San Andrés, Providencia y Santa Catalina",
            "archipielago de san andres providencia y santa catalina",
        ),
        ("a_b/c(d)e", "a b c d e"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("41001", "41001"),
        ("41-001", "41001"),
        ("41.001", "41001"),
        (" 41001 ", "41001"),
        (41001, "41001"),
        ("5001", "05001"),
        (5001, "05001"),
        (5001.0, "05001"),
        ("5001.0", "05001"),
        ("5-001", "05001"),
        ("Neiva", None),
        ("41", None),
        ("410011", None),
        (999, None),
        (5001.5, None),
        (True, None),
        (None, None),
        ("", None),
    ],
)
def test_normalise_muni_code(value: object, expected: str | None) -> None:
    assert normalise_muni_code(value) == expected
    assert Gazetteer.normalise_muni_code(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("41", "41"),
        ("5", "05"),
        ("05", "05"),
        (5, "05"),
        (5.0, "05"),
        (" 8 ", "08"),
        ("Huila", None),
        ("410", None),
        (0, None),
        (100, None),
        (None, None),
    ],
)
def test_normalise_dept_code(value: object, expected: str | None) -> None:
    assert normalise_dept_code(value) == expected


def test_place_label() -> None:
    muni = Place("41001", "Neiva", "41", "Huila")
    dept = Place(None, None, "41", "Huila")
    assert muni.label == "Neiva, Huila"
    assert dept.label == "Huila"
    assert not muni.is_department and dept.is_department
    assert (muni.code, dept.code) == ("41001", "41")


# --------------------------------------------------------------------------------------------
# Hand-built table: ambiguity logic without boundaries


def test_tiny_exact_beats_partial(tiny: Gazetteer) -> None:
    # "Colombia" is also the last word of "Puerto Colombia", but the exact name wins.
    assert tiny.municipality("colombia").muni_code == "41206"


def test_tiny_shared_name_lists_every_candidate(tiny: Gazetteer) -> None:
    with pytest.raises(PlaceError) as err:
        tiny.municipality("puerto colombia")
    assert {p.muni_code for p in err.value.candidates} == {"08573", "94884"}
    message = str(err.value)
    assert "Puerto Colombia (Atlántico, 08573)" in message
    assert "Puerto Colombia (Guainía, 94884)" in message
    assert "Add the department" in message


def test_tiny_department_filter_resolves(tiny: Gazetteer) -> None:
    assert tiny.municipality("La Union", department="52").muni_code == "52399"
    assert tiny.municipality("La Union", department="antioquia").muni_code == "05400"
    with pytest.raises(PlaceError, match="in Huila"):
        tiny.municipality("La Unión", department="Huila")


def test_tiny_partial_unique_only(tiny: Gazetteer) -> None:
    # Without the alias table, "tumaco" still resolves because one name ends in "de Tumaco".
    bare = Gazetteer(tiny_frame(), aliases={}, spellings={})
    assert bare.municipality("tumaco").muni_code == "52835"
    assert bare.municipality("cucuta").muni_code == "54001"
    # "San Andrés de ..." fits two municipalities: an error with both, not a guess.
    with pytest.raises(PlaceError) as err:
        bare.municipality("San Andrés")
    assert {p.muni_code for p in err.value.candidates} == {"52835", "05647"}
    assert "matches part of the names of 2" in str(err.value)
    # ... unless the department filter leaves one.
    assert bare.municipality("San Andrés", department="Nariño").muni_code == "52835"


def test_tiny_alias_outside_department_is_ignored() -> None:
    gaz = Gazetteer(tiny_frame(), aliases={"capital": "52001"}, spellings={})
    assert gaz.municipality("capital").muni_code == "52001"
    with pytest.raises(PlaceError):
        gaz.municipality("capital", department="Huila")


def test_tiny_aliases_to_missing_codes_are_dropped() -> None:
    gaz = Gazetteer(tiny_frame())  # default table points at codes this table lacks
    with pytest.raises(PlaceError):
        gaz.municipality("cartagena")


def test_tiny_code_paths(tiny: Gazetteer) -> None:
    assert tiny.municipality(5001).muni_name == "Medellín"
    with pytest.raises(PlaceError, match="not in Huila"):
        tiny.municipality("05001", department="Huila")
    with pytest.raises(PlaceError, match="ends in 999"):
        tiny.municipality("41999")


def test_tiny_missing_columns() -> None:
    with pytest.raises(ValueError, match="muni_name"):
        Gazetteer(tiny_frame().drop(columns=["muni_name"]))


def test_tiny_accepts_unpadded_codes() -> None:
    frame = tiny_frame()
    frame["muni_code"] = frame["muni_code"].astype(int)
    frame["dept_code"] = frame["dept_code"].astype(int)
    gaz = Gazetteer(frame)
    assert gaz.municipality("Medellín").muni_code == "05001"
    assert gaz.department("5").dept_code == "05"


def test_tiny_empty_query(tiny: Gazetteer) -> None:
    with pytest.raises(PlaceError, match="No municipality given"):
        tiny.municipality("  ")
    with pytest.raises(PlaceError, match="No department given"):
        tiny.department("")


# --------------------------------------------------------------------------------------------
# Real boundaries: municipalities


def test_sizes(gaz: Gazetteer) -> None:
    assert len(gaz.municipalities) == 1122
    assert len(gaz.departments) == 33


@pytest.mark.parametrize(
    "query", ["neiva", "NEIVA", "Neiva", " Neiva ", "41001", "41-001", "41.001", 41001, 41001.0]
)
def test_neiva(gaz: Gazetteer, query: str | float) -> None:
    place = gaz.municipality(query)
    assert (place.muni_code, place.muni_name, place.dept_name) == ("41001", "Neiva", "Huila")
    assert place.label == "Neiva, Huila"


@pytest.mark.parametrize(
    "query", ["Cúcuta", "cucuta", "CÚCUTA", "San José de Cúcuta", "san jose de cucuta"]
)
def test_cucuta(gaz: Gazetteer, query: str) -> None:
    assert gaz.municipality(query).muni_code == "54001"


def test_colombia_is_a_municipality_in_huila(gaz: Gazetteer) -> None:
    place = gaz.municipality("Colombia")
    assert (place.muni_code, place.dept_name) == ("41206", "Huila")


def test_puerto_colombia_is_ambiguous(gaz: Gazetteer) -> None:
    with pytest.raises(PlaceError) as err:
        gaz.municipality("Puerto Colombia")
    message = str(err.value)
    assert "Puerto Colombia (Atlántico, 08573)" in message
    assert "Puerto Colombia (Guainía, 94884)" in message
    assert "department" in message
    assert sorted(str(p.muni_code) for p in err.value.candidates) == ["08573", "94884"]
    assert gaz.municipality("Puerto Colombia", department="Atlántico").muni_code == "08573"
    assert gaz.municipality("puerto colombia", department="atlantico").muni_code == "08573"
    assert gaz.municipality("Puerto Colombia", department="94").muni_code == "94884"


def test_la_union(gaz: Gazetteer) -> None:
    with pytest.raises(PlaceError) as err:
        gaz.municipality("La Unión")
    assert len(err.value.candidates) == 4
    assert {p.dept_name for p in err.value.candidates} == {
        "Antioquia",
        "Nariño",
        "Sucre",
        "Valle del Cauca",
    }
    for place in err.value.candidates:
        assert place.describe() in str(err.value)
    place = gaz.municipality("La Unión", department="Nariño")
    assert (place.muni_code, place.muni_name) == ("52399", "La Unión")
    assert gaz.municipality("la union", department="narino").muni_code == "52399"


def test_code_and_department_disagree(gaz: Gazetteer) -> None:
    with pytest.raises(PlaceError) as err:
        gaz.municipality("41001", department="Antioquia")
    message = str(err.value)
    assert "41001" in message and "Neiva, Huila" in message and "Antioquia" in message
    assert gaz.municipality("41001", department="Huila").muni_name == "Neiva"
    assert gaz.municipality("41001", department="41").muni_name == "Neiva"


def test_name_in_wrong_department(gaz: Gazetteer) -> None:
    with pytest.raises(PlaceError) as err:
        gaz.municipality("Neiva", department="Antioquia")
    assert "Neiva (Huila, 41001)" in str(err.value)
    assert [p.muni_code for p in err.value.suggestions] == ["41001"]


@pytest.mark.parametrize("query", ["5001", 5001, 5001.0, "05001", "Medellin", "MEDELLÍN"])
def test_medellin_leading_zero(gaz: Gazetteer, query: str | float) -> None:
    place = gaz.municipality(query)
    assert (place.muni_code, place.muni_name, place.dept_code) == ("05001", "Medellín", "05")


def test_unknown_code(gaz: Gazetteer) -> None:
    with pytest.raises(PlaceError, match="41999") as err:
        gaz.municipality("41999")
    assert "Huila" in str(err.value)
    with pytest.raises(PlaceError, match="department code"):
        gaz.municipality("41")


def test_unknown_municipality_gives_suggestions(gaz: Gazetteer) -> None:
    with pytest.raises(PlaceError) as err:
        gaz.municipality("Nieva")
    assert err.value.candidates == []
    assert "41001" in [p.muni_code for p in err.value.suggestions]
    assert "Did you mean" in str(err.value) and "Neiva (Huila, 41001)" in str(err.value)


def test_department_name_as_municipality(gaz: Gazetteer) -> None:
    with pytest.raises(PlaceError, match="is a department"):
        gaz.municipality("Huila")


def test_partial_names(gaz: Gazetteer) -> None:
    assert gaz.municipality("Carmen de Bolívar").muni_code == "13244"  # El Carmen de Bolívar
    assert gaz.municipality("Piendamó").muni_code == "19548"  # Piendamó - Tunía
    # "Cartagena" alone is Cartagena de Indias; in Caquetá it is Cartagena del Chairá.
    assert gaz.municipality("Cartagena", department="Caquetá").muni_code == "18150"
    with pytest.raises(PlaceError) as err:
        gaz.municipality("Carmen")
    assert len(err.value.candidates) > 1


def test_san_andres_needs_a_department(gaz: Gazetteer) -> None:
    with pytest.raises(PlaceError) as err:
        gaz.municipality("San Andrés")
    assert sorted(str(p.muni_code) for p in err.value.candidates) == ["68669", "88001"]
    assert gaz.municipality("San Andres", department="San Andres").muni_code == "88001"
    assert gaz.municipality("San Andrés", department="Santander").muni_code == "68669"


def test_bogota_spellings(gaz: Gazetteer) -> None:
    for query in ["Bogotá", "bogota", "Bogotá, D.C.", "Bogota DC", "BOGOTA D.C.", "11001"]:
        assert gaz.municipality(query).muni_code == "11001", query


# --------------------------------------------------------------------------------------------
# Alias tables cannot drift from the real data


@pytest.mark.parametrize(("alias", "code"), sorted(MUNICIPALITY_ALIASES.items()))
def test_municipality_alias(gaz: Gazetteer, alias: str, code: str) -> None:
    place = gaz.municipality(alias)
    assert place.muni_code == code
    name = normalise(place.muni_name or "")
    assert f" {alias} " in f" {name} ", f"{alias!r} is not a whole-word part of {name!r}"


@pytest.mark.parametrize(("spelling", "code"), sorted(MUNICIPALITY_SPELLINGS.items()))
def test_municipality_spelling(gaz: Gazetteer, spelling: str, code: str) -> None:
    place = gaz.municipality(spelling)
    assert place.muni_code == code
    name = normalise(place.muni_name or "")
    closest = max(
        difflib.SequenceMatcher(None, spelling, name[i : i + len(spelling)]).ratio()
        for i in range(max(1, len(name) - len(spelling) + 1))
    )
    assert closest >= 0.8, f"{spelling!r} is not a close spelling of {name!r}"


@pytest.mark.parametrize(("alias", "code"), sorted(DEPARTMENT_ALIASES.items()))
def test_department_alias(gaz: Gazetteer, alias: str, code: str) -> None:
    place = gaz.department(alias)
    assert place.dept_code == code
    assert set(alias.split()) <= set(normalise(place.dept_name).split())


def test_aliases_do_not_hide_exact_names(gaz: Gazetteer) -> None:
    """An alias must not be the exact name of a municipality (that would make it unreachable)."""
    names = {normalise(p.muni_name or "") for p in gaz.municipalities}
    clashes = (set(MUNICIPALITY_ALIASES) | set(MUNICIPALITY_SPELLINGS)) & names
    assert clashes == set()


@pytest.mark.parametrize(
    ("alias", "code"),
    [
        ("cucuta", "54001"),
        ("bogota", "11001"),
        ("cartagena", "13001"),
        ("tumaco", "52835"),
        ("buga", "76111"),
        ("mompox", "13468"),
        ("mompos", "13468"),
        ("tolu", "70820"),
    ],
)
def test_briefed_short_names(gaz: Gazetteer, alias: str, code: str) -> None:
    assert gaz.municipality(alias).muni_code == code


# --------------------------------------------------------------------------------------------
# Real boundaries: departments


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("41", "41"),
        ("5", "05"),
        ("05", "05"),
        (5, "05"),
        ("huila", "41"),
        ("HUILA", "41"),
        ("NORTE DE SANTANDER", "54"),
        ("norte de santander", "54"),
        ("Bogota", "11"),
        ("Bogotá D.C.", "11"),
        ("Bogotá, D.C.", "11"),
        ("bogota dc", "11"),
        ("San Andres", "88"),
        ("San Andrés y Providencia", "88"),
        ("Quindío", "63"),
        ("Quindio", "63"),
        ("Narino", "52"),
        ("Atlántico", "08"),
        ("Atlantico", "08"),
        ("Valle", "76"),
        ("Guajira", "44"),
        ("La Guajira", "44"),
        ("Santander", "68"),
    ],
)
def test_department(gaz: Gazetteer, query: str | float, code: str) -> None:
    place = gaz.department(query)
    assert place.dept_code == code
    assert place.is_department and place.muni_code is None


def test_unknown_department(gaz: Gazetteer) -> None:
    with pytest.raises(PlaceError) as err:
        gaz.department("Huilla")
    assert [p.dept_code for p in err.value.suggestions][:1] == ["41"]
    assert "Did you mean" in str(err.value) and "Huila" in str(err.value)
    with pytest.raises(PlaceError, match="'42'"):
        gaz.department("42")
    with pytest.raises(PlaceError):
        gaz.municipality("Neiva", department="Atlantis")


def test_municipalities_of(gaz: Gazetteer) -> None:
    huila = gaz.municipalities_of("41")
    assert len(huila) == 37
    assert all(p.dept_code == "41" for p in huila)
    names = [normalise(p.muni_name or "") for p in huila]
    assert names == sorted(names)
    assert len(gaz.municipalities_of("Norte de Santander")) == 40
    assert len(gaz.municipalities_of("54")) == 40
    total = sum(len(gaz.municipalities_of(d.dept_code)) for d in gaz.departments)
    assert total == 1122


# --------------------------------------------------------------------------------------------
# Search


def test_search_exact_and_prefix_first(gaz: Gazetteer) -> None:
    results = gaz.search("neiva")
    assert results[0].muni_code == "41001"
    results = gaz.search("huila")
    assert results[0] == gaz.department("Huila")
    results = gaz.search("la union")
    assert [p.muni_code for p in results[:4]] == ["05400", "52399", "70400", "76400"]


def test_search_contains_and_limit(gaz: Gazetteer) -> None:
    results = gaz.search("cucuta")
    assert "54001" in [p.muni_code for p in results]
    assert len(gaz.search("san", limit=5)) == 5
    assert gaz.search("") == []
    assert gaz.search("zzzz") == []
    everything = gaz.search("a", limit=2000)
    assert all("a" in normalise(p.name) for p in everything[:50])


def test_search_by_code(gaz: Gazetteer) -> None:
    assert gaz.search("41001")[0].muni_code == "41001"
    assert gaz.search("41")[0].dept_code == "41"


def test_default_gazetteer_is_cached(gaz: Gazetteer) -> None:
    from conflictmap.geography import load_geography

    first = load_geography().gazetteer  # the boundaries the gaz fixture found
    assert first is load_geography().gazetteer
    assert first.municipality("neiva") == gaz.municipality("neiva")
