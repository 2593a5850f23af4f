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


# --------------------------------------------------------------------------------------------
# Small hand-built tables, one per rule: exact messages, orders and limits (each of these kills
# a one-line change of conflictmap/divipola.py: docs/mutation/conflictmap.divipola.md). Each
# test builds its own Gazetteer: a module-scoped one is built once, by the first test only.


def towns(*rows: tuple[str, str, str, str], **tables: dict[str, str]) -> Gazetteer:
    frame = pd.DataFrame(list(rows), columns=["muni_code", "muni_name", "dept_code", "dept_name"])
    return Gazetteer(frame, **tables)


NEIVA = ("41001", "Neiva", "41", "Huila")
COLOMBIA = ("41206", "Colombia", "41", "Huila")
LA_PLATA = ("41396", "La Plata", "41", "Huila")
PASTO = ("52001", "Pasto", "52", "Nariño")
TUMACO = ("52835", "San Andrés de Tumaco", "52", "Nariño")
MEDELLIN = ("05001", "Medellín", "05", "Antioquia")
HINT = "Check the spelling, add the department, or use the 5-digit DANE code."


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, "01"), (99, "99"), (0, None), (100, None), ("1", "01"), ("99", "99")],
)
def test_department_code_edges(value: object, expected: str | None) -> None:
    assert normalise_dept_code(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1000, "01000"), (99999, "99999"), (999, None), (100000, None), (1001, "01001")],
)
def test_municipality_code_edges(value: object, expected: str | None) -> None:
    assert normalise_muni_code(value) == expected


def test_missing_columns_message() -> None:
    frame = tiny_frame().drop(columns=["muni_name", "dept_name"])
    with pytest.raises(ValueError) as err:
        Gazetteer(frame)
    assert str(err.value) == (
        "Cannot build a gazetteer: the municipality table lacks the column(s) muni_name, "
        "dept_name; it needs muni_code, muni_name, dept_code, dept_name."
    )


def test_municipalities_of_sorted_by_name() -> None:
    gaz = towns(NEIVA, COLOMBIA, LA_PLATA, PASTO)
    assert [p.muni_code for p in gaz.municipalities_of("41")] == ["41206", "41396", "41001"]
    assert [p.muni_code for p in gaz.municipalities_of("Nariño")] == ["52001"]
    assert [p.muni_code for p in gaz.municipalities] == ["41001", "41206", "41396", "52001"]
    assert [p.dept_code for p in gaz.departments] == ["41", "52"]


def test_an_exact_name_wins_over_one_without_spaces() -> None:
    gaz = towns(LA_PLATA, ("41397", "Laplata", "41", "Huila"))
    assert gaz.municipality("La Plata").muni_code == "41396"
    assert gaz.municipality("LAPLATA").muni_code == "41397"


def test_a_name_without_its_spaces_or_punctuation() -> None:
    gaz = towns(NEIVA, ("54001", "San José de Cúcuta", "54", "Norte de Santander"),
                aliases={}, spellings={})
    assert gaz.municipality("SanJosé deCúcuta").muni_code == "54001"


def test_tables_given_replace_the_defaults() -> None:
    gaz = towns(NEIVA, PASTO, aliases={"capital": "52001"}, spellings={"neyva": "41001"},
                department_aliases={"opita": "41"})
    assert gaz.municipality("Capital").muni_code == "52001"
    assert gaz.municipality("Neyva").muni_code == "41001"
    assert gaz.department("Opita").dept_code == "41"
    default = towns(("11001", "Bogotá, D.C.", "11", "Bogotá, D.C."))
    assert default.department("Bogota").dept_code == "11"  # DEPARTMENT_ALIASES
    assert default.municipality("Bogota").muni_code == "11001"  # MUNICIPALITY_ALIASES


def test_listing_names_twelve_then_counts_the_rest() -> None:
    def same_name(n: int) -> Gazetteer:
        return towns(*[(f"05{i:03d}", "San Pedro", "05", "Antioquia") for i in range(1, n + 1)])

    with pytest.raises(PlaceError) as err:
        same_name(12).municipality("San Pedro")
    listed = "; ".join(f"San Pedro (Antioquia, 05{i:03d})" for i in range(1, 13))
    assert str(err.value) == (
        f"'San Pedro' is the name of 12 municipalities: {listed}. Add the department to choose "
        f"one, or use the 5-digit DANE code."
    )
    assert err.value.message == str(err.value)
    with pytest.raises(PlaceError) as err:
        same_name(15).municipality("San Pedro", department="05")
    assert str(err.value) == (
        f"'San Pedro' in Antioquia is the name of 15 municipalities: {listed}; and 3 more. Add "
        f"the department to choose one, or use the 5-digit DANE code."
    )
    assert len(err.value.candidates) == 15


def test_messages_of_bad_queries() -> None:
    gaz = towns(NEIVA, PASTO)
    cases = [
        (lambda: gaz.department(None), "No department given: type a department name or its "
         "DANE code."),
        (lambda: gaz.department("!!!"), "'!!!' is not a department name or code."),
        (lambda: gaz.department("Zzz"), "No department is called 'Zzz'. Check the spelling, or "
         "use the two-digit DANE department code."),
        (lambda: gaz.municipality(None), "No municipality given: type a municipality name or "
         "its 5-digit DANE code."),
        (lambda: gaz.municipality("!!!"), "'!!!' is not a municipality name or code."),
        (lambda: gaz.municipality("41999"), "No municipality has the DANE code 41999 (from "
         "'41999'). The department part 41 is Huila, but none of its 1 municipalities ends in "
         "999; check the last three digits."),
        (lambda: gaz.municipality(99001), "No municipality has the DANE code 99001 (from "
         "'99001'). No department has the code 99 either; check the code."),
        (lambda: gaz.municipality("Zzz"), f"No municipality is called 'Zzz'. {HINT}"),
        (lambda: gaz.municipality("Zzz", department="52"),
         f"No municipality is called 'Zzz' in Nariño. {HINT}"),
        (lambda: gaz.municipality("Neiba", department="52"),
         f"No municipality is called 'Neiba' in Nariño. {HINT}"),
        (lambda: gaz.municipality("Neiba", department="41"),
         f"No municipality is called 'Neiba' in Huila. Did you mean: Neiva (Huila, 41001)? {HINT}"),
        (lambda: gaz.municipality("Huila"), "No municipality is called 'Huila'. Huila is a "
         f"department, not a municipality. {HINT}"),
        (lambda: gaz.department("42"), "No department has the DANE code '42' (from '42'). "
         "Department codes are two digits, for example 05 for Antioquia or 41 for Huila; check "
         "the code or type the department name."),
        (lambda: gaz.municipality(" 41 "), "'41' looks like a department code, not a "
         "municipality: municipality codes have 5 digits (department + 3), for example 41001 for "
         "Neiva, Huila."),
    ]
    for call, message in cases:
        with pytest.raises(PlaceError) as err:
            call()
        assert str(err.value) == message


def test_code_in_another_department_names_the_place() -> None:
    gaz = towns(NEIVA, PASTO)
    with pytest.raises(PlaceError) as err:
        gaz.municipality("52001", department="Huila")
    assert str(err.value) == (
        "Municipality code 52001 is Pasto, Nariño, not in Huila (department 41). Check the code "
        "or the department."
    )
    assert err.value.candidates == [Place(*PASTO)]


def test_departments_matching_part_of_a_name() -> None:
    two = towns(("20001", "A", "20", "Andrés Norte"), ("88001", "B", "88", "San Andrés"),
                department_aliases={})
    with pytest.raises(PlaceError) as err:
        two.department("Andres")
    assert str(err.value) == (
        "'Andres' matches part of the names of 2 departments: Andrés Norte (department 20); "
        "San Andrés (department 88). Type the full department name or its DANE code."
    )
    assert [p.dept_code for p in err.value.candidates] == ["20", "88"]
    three = towns(("88001", "B", "88", "San Andrés"), ("20001", "A", "20", "Andrés Norte"),
                  ("30001", "C", "30", "Andrés Sur"), ("10001", "D", "10", "Alto Andrés"),
                  department_aliases={})
    with pytest.raises(PlaceError) as err:
        three.department("andres")
    assert [p.dept_code for p in err.value.candidates] == ["10", "20", "30", "88"]
    assert three.department("andres sur").dept_code == "30"


def test_department_suggestions_at_most_five() -> None:
    gaz = towns(*[(f"{c}001", "X", c, name) for c, name in
                  [("10", "Meta"), ("11", "Mete"), ("12", "Meti"), ("13", "Meto"),
                   ("14", "Metu"), ("15", "Mety"), ("16", "Metz")]], department_aliases={})
    with pytest.raises(PlaceError) as err:
        gaz.department("Metx")
    # seven names as close: the five difflib ranks first (ties: the later name first)
    assert [p.dept_name for p in err.value.suggestions] == ["Metz", "Mety", "Metu", "Meto", "Meti"]


def test_a_partial_name_of_several_municipalities() -> None:
    gaz = towns(TUMACO, ("52836", "San Andrés de Sotavento", "52", "Nariño"),
                ("05647", "San Andrés de Cuerquía", "05", "Antioquia"), aliases={}, spellings={})
    listed = "San Andrés de Sotavento (Nariño, 52836); San Andrés de Tumaco (Nariño, 52835)"
    with pytest.raises(PlaceError) as err:
        gaz.municipality("San Andres", department="Nariño")
    assert str(err.value) == (
        f"'San Andres' in Nariño is not the full name of a municipality and matches part of the "
        f"names of 2: {listed}. Type the full name, add the department, or use the 5-digit DANE "
        f"code."
    )
    with pytest.raises(PlaceError) as err:
        gaz.municipality("San Andres")
    assert str(err.value).startswith(
        "'San Andres' is not the full name of a municipality and matches part of the names of 3: "
        "San Andrés de Cuerquía (Antioquia, 05647); "
    )


def test_partial_names_articles_and_halves() -> None:
    gaz = towns(("05001", "San Pedro", "05", "Antioquia"),
                ("05002", "Villa Rica - Santa Ana", "05", "Antioquia"),
                ("13244", "El Carmen de Bolívar", "13", "Bolívar"), aliases={}, spellings={})
    assert gaz.municipality("Villa Rica").muni_code == "05002"
    assert gaz.municipality("Santa Ana").muni_code == "05002"
    assert gaz.municipality("Carmen de Bolivar").muni_code == "13244"
    with pytest.raises(PlaceError, match="No municipality is called 'Pedro'"):
        gaz.municipality("Pedro")  # only a leading article is dropped


def test_a_name_found_in_another_department() -> None:
    gaz = towns(NEIVA, PASTO, TUMACO, ("05001", "San Pedro", "05", "Antioquia"),
                ("05002", "San Pedro de Urabá", "05", "Antioquia"),
                aliases={"capital": "52001"}, spellings={})
    elsewhere = "Check the department, or use the 5-digit DANE code."
    cases = [
        ("Capital", "Pasto (Nariño, 52001)", [PASTO]),  # an alias
        ("Tumaco", "San Andrés de Tumaco (Nariño, 52835)", [TUMACO]),  # a partial name
        ("San Pedro", "San Pedro (Antioquia, 05001)", [("05001", "San Pedro", "05", "Antioquia")]),
    ]
    for query, listed, places in cases:
        with pytest.raises(PlaceError) as err:
            gaz.municipality(query, department="41")
        assert str(err.value) == (
            f"No municipality called {query!r} in Huila; that name is in another department: "
            f"{listed}. {elsewhere}"
        )
        assert err.value.suggestions == [Place(*p) for p in places]


def test_suggestions_in_a_department_include_its_short_names() -> None:
    gaz = towns(NEIVA, PASTO, aliases={"neivita": "41001", "pastico": "52001"}, spellings={})
    with pytest.raises(PlaceError) as err:
        gaz.municipality("Neivit", department="41")
    assert str(err.value) == (
        f"No municipality is called 'Neivit' in Huila. Did you mean: Neiva (Huila, 41001)? {HINT}"
    )
    with pytest.raises(PlaceError) as err:
        gaz.municipality("Pastic", department="41")
    assert err.value.suggestions == []


def test_municipality_suggestions_at_most_five_and_close() -> None:
    gaz = towns(*[(f"41{i:03d}", name, "41", "Huila") for i, name in
                  enumerate(["Pitala", "Pitale", "Pitali", "Pitalo", "Pitalu", "Pitaly"], 1)],
                aliases={}, spellings={})
    with pytest.raises(PlaceError) as err:
        gaz.municipality("Pitalx")
    assert [p.muni_name for p in err.value.suggestions] == [
        "Pitaly", "Pitalu", "Pitalo", "Pitali", "Pitale"
    ]
    # "pitxxa" is 0.67 like "pitala" (2*4/12): below the 0.75 asked of municipalities
    with pytest.raises(PlaceError) as err:
        gaz.municipality("Pitxxa")
    assert err.value.suggestions == []


def test_search_ranks() -> None:
    gaz = towns(PASTO, ("52002", "Pastales", "52", "Nariño"),
                ("52003", "Alto Pasaje", "52", "Nariño"), ("52004", "Acapasa", "52", "Nariño"),
                aliases={"pastos": "52001"}, spellings={})
    names = [p.name for p in gaz.search("pasto")]
    assert names == ["Pasto"]  # "pastos" (an alias) starts with it, but the exact name ranks
    assert [p.name for p in gaz.search("pasta")] == ["Pastales"]
    # exact 0, starts with 1, a word starts with 2, contains 3
    assert [p.name for p in gaz.search("pas")] == ["Pastales", "Pasto", "Alto Pasaje", "Acapasa"]
    assert [p.name for p in gaz.search("pas", limit=1)] == ["Pastales"]
    assert gaz.search("pas", limit=0) == []
    assert [p.name for p in gaz.search("Pasto")] == ["Pasto"]


def test_search_exact_name_before_a_longer_one() -> None:
    gaz = towns(PASTO, ("52002", "Pastoa", "52", "Nariño"), ("52003", "Pastaa", "52", "Nariño"),
                ("99001", "Zeta", "99", "Pastoria"), aliases={"pastoaa": "52001"}, spellings={})
    # Pasto is exact (0) though the alias "pastoaa" also starts with "pasto" (1); then the
    # names starting with it (1), the department first
    assert [p.name for p in gaz.search("pasto")] == ["Pasto", "Pastoria", "Pastoa"]


def test_search_codes_and_short_names() -> None:
    gaz = towns(MEDELLIN, ("05002", "5001 Villa", "05", "Antioquia"), PASTO,
                ("52002", "Capitalia", "52", "Nariño"), ("52003", "Alto Capi", "52", "Nariño"),
                aliases={"capital": "52001"}, spellings={})
    assert [p.name for p in gaz.search("5001")] == ["Medellín", "5001 Villa"]  # the code first
    assert [p.name for p in gaz.search("capital")] == ["Pasto", "Capitalia"]  # alias exact: 0
    assert [p.name for p in gaz.search("capi")] == ["Capitalia", "Pasto", "Alto Capi"]


def test_search_departments_before_municipalities() -> None:
    gaz = towns(("63212", "Córdoba", "63", "Quindío"), ("23001", "Montería", "23", "Córdoba"))
    assert [(p.name, p.is_department) for p in gaz.search("cordoba")] == [
        ("Córdoba", True), ("Córdoba", False)
    ]


def test_search_default_limit_is_ten() -> None:
    gaz = towns(*[(f"41{i:03d}", f"Pueblo {i}", "41", "Huila") for i in range(1, 13)])
    assert len(gaz.search("pueblo")) == 10
