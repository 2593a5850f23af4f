"""Geography: one object owns the place knowledge of a verified boundary source (issue 13).

Expectations are independent of the implementation: DANE codes and names as published, areas
and containment computed with shapely on the raw layers, and a Geography built from other
boundaries never answering with the pinned boundaries' artefacts.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import shapely

from conflictmap import data_admin, geography, territories
from conflictmap.divipola import PlaceError
from conflictmap.geography import ISLANDS, PROJECTED_CRS, Geography, dept_of, load_geography

HUILA = "41"
NEIVA = "41001"
MEDELLIN_POINT = (-75.57, 6.25)  # (lon, lat)
NEIVA_POINT = (-75.28, 2.93)


@pytest.fixture(scope="module")
def geo(boundaries) -> Geography:
    return load_geography(allow_download=False)


@pytest.fixture(scope="module")
def huila_only(boundaries) -> Geography:
    """A Geography over other boundaries: Huila alone, under another checksum."""
    munis = boundaries.municipalities
    depts = boundaries.departments
    keep_m = (munis["dept_code"] == HUILA).to_numpy()
    keep_d = (depts["dept_code"] == HUILA).to_numpy()
    sm, sd = boundaries.municipalities_simplified, boundaries.departments_simplified
    other = replace(
        boundaries,
        departments=depts[keep_d].reset_index(drop=True),
        municipalities=munis[keep_m].reset_index(drop=True),
        departments_simplified=sd[(sd["dept_code"] == HUILA).to_numpy()].reset_index(drop=True),
        municipalities_simplified=sm[(sm["dept_code"] == HUILA).to_numpy()].reset_index(drop=True),
        source_sha256="huila-only-test",
    )
    return Geography(other)


# ---- one object per process ---------------------------------------------------------------------


def test_one_geography_per_process(geo: Geography) -> None:
    assert load_geography() is geo
    assert load_geography(allow_download=False) is load_geography()
    # its artefacts are built once
    assert geo.gazetteer is geo.gazetteer
    assert geo.index is geo.index
    assert geo.representative_points is geo.representative_points
    assert geo.projected is geo.projected
    assert geo.geometry_json("departments") is geo.geometry_json("departments")


def test_the_layers_are_the_verified_boundaries(geo: Geography, boundaries) -> None:
    assert geo.source_sha256 == boundaries.source_sha256
    assert geo.attribution == boundaries.attribution
    for name in (
        "departments",
        "municipalities",
        "departments_simplified",
        "municipalities_simplified",
    ):
        assert list(getattr(geo, name)["geometry"].values) == list(
            getattr(boundaries, name)["geometry"].values
        ), name
    assert list(geo.department_municipalities(HUILA)["muni_code"]) == list(
        boundaries.municipalities.loc[boundaries.municipalities["dept_code"] == HUILA, "muni_code"]
    )


# ---- codes and names ----------------------------------------------------------------------------


def test_names_of_codes(geo: Geography) -> None:
    assert geo.name("05") == "Antioquia"
    assert geo.name("05001") == "Medellín"
    assert geo.name("11001") == "Bogotá, D.C."
    assert geo.name("54001") == "San José de Cúcuta"
    assert geo.name(NEIVA) == "Neiva"
    assert geo.name("99") == "Vichada"
    assert geo.name("00") == "" and geo.name("00000") == ""  # no such codes
    assert geo.name(None) == "" and geo.name("") == ""
    assert geo.label("05001") == "Medellín, Antioquia"
    assert geo.label(NEIVA) == "Neiva, Huila"
    assert geo.label(HUILA) == "Huila"
    assert geo.label(None) == ""


def test_name_tables_cover_every_code(geo: Geography, boundaries) -> None:
    assert len(geo.dept_names) == 33
    assert len(geo.muni_names) == 1122
    assert len(geo.code_names) == 33 + 1122
    m = boundaries.municipalities
    for code, name in zip(m["muni_code"], m["muni_name"], strict=True):
        assert geo.muni_names[code] == name
    # the gazetteer agrees with the name tables
    for place in geo.gazetteer.municipalities:
        assert geo.label(place.muni_code) == place.label


def test_department_of_a_municipality(geo: Geography, boundaries) -> None:
    assert dept_of("05001") == "05"
    assert dept_of("41001") == "41"
    assert dept_of("88001") == ISLANDS
    assert geo.dept_of("91001") == "91"
    m = boundaries.municipalities
    assert [dept_of(c) for c in m["muni_code"]] == list(m["dept_code"])


def test_san_andres_is_not_mainland(geo: Geography) -> None:
    assert ISLANDS == "88"
    assert geo.name("88").startswith("Archipiélago de San Andrés")
    assert not geo.is_mainland("88")
    assert geo.is_mainland("05") and geo.is_mainland("91")  # Amazonas is far, but mainland
    mainland = geo.mainland_departments()
    assert len(mainland) == 32 and "88" not in set(mainland["dept_code"])
    projected = geo.mainland_departments(projected=True)
    assert len(projected) == 32 and projected.crs == PROJECTED_CRS


def test_names_frame(geo: Geography) -> None:
    codes = pd.Series(["41001", "41", None, "05001"])
    names = geo.names_frame(codes)
    assert names["dept_name"].tolist() == ["Huila", "Huila", "", "Antioquia"]
    assert names["muni_name"].tolist() == ["Neiva", "", "", "Medellín"]


# ---- derived artefacts --------------------------------------------------------------------------


def test_point_in_polygon(geo: Geography) -> None:
    lon, lat = zip(MEDELLIN_POINT, NEIVA_POINT, (-66.88, 10.49), strict=True)  # + Caracas
    dept, muni = geo.assign_admin(list(lon), list(lat))
    assert list(dept) == ["05", "41", None]
    assert list(muni) == ["05001", "41001", None]
    _, near, km = geo.nearest_municipalities([-66.88], [10.49], 5.0)
    assert near[0] is None and np.isnan(km[0])


def test_representative_points_lie_inside_their_polygons(geo: Geography, boundaries) -> None:
    reps = geo.representative_points
    for frame, column in (
        (boundaries.municipalities, "muni_code"),
        (boundaries.departments, "dept_code"),
    ):
        xs = np.array([reps[c][0] for c in frame[column]])
        ys = np.array([reps[c][1] for c in frame[column]])
        inside = shapely.contains_xy(np.asarray(frame.geometry.values), xs, ys)
        assert inside.all(), list(frame[column][~inside])
    assert len(reps) == 1122 + 33


@pytest.mark.parametrize(
    "codes",
    [
        ["54810", "54250", "54800", "54206", "54344", "54670", "54003"],  # Catatumbo
        ["05837", "19698", "41001", "81065"],  # not touching
        "huila",
    ],
)
def test_dissolve_area_is_the_sum_of_the_municipalities(
    geo: Geography, boundaries, codes: list[str] | str
) -> None:
    munis = boundaries.municipalities.set_index("muni_code")
    if codes == "huila":
        codes = list(munis.index[munis["dept_code"] == HUILA])
        assert len(codes) == 37
    members = [munis.geometry.loc[c] for c in codes]
    total = sum(shapely.area(g) for g in members)
    merged = geo.dissolve(codes, simplified=False)
    assert merged.is_valid and merged.geom_type in ("Polygon", "MultiPolygon")
    assert abs(shapely.area(merged) - total) <= 1e-6 * total
    # in metres as well (the projected layer): the same sum
    projected = geo.projected["municipalities"].set_index("muni_code").geometry
    metric = sum(shapely.area(projected.loc[c]) for c in codes)
    merged_m = geo.projected["municipalities"][
        geo.projected["municipalities"]["muni_code"].isin(codes)
    ].union_all()
    assert abs(shapely.area(merged_m) - metric) <= 1e-6 * metric
    simplified = geo.dissolve(codes)
    assert abs(shapely.area(simplified) - total) <= 0.01 * total


def test_dissolve_is_computed_once_per_set_of_codes(
    geo: Geography, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = ["54810", "54250", "54800"]
    first = geo.dissolve(codes)
    assert geo.dissolve(list(reversed(codes)) + ["54810"]) is first  # order and repeats
    assert geo.dissolve(codes, simplified=False) is not first
    # bounded: the least recently used set goes first
    fresh = Geography(geo.boundaries)
    monkeypatch.setattr(geography, "DISSOLVE_CACHE", 2)
    a, b = fresh.dissolve(["41001"]), fresh.dissolve(["41006"])
    assert fresh.dissolve(["41001"]) is a  # now the most recent
    fresh.dissolve(["41013"])  # evicts 41006
    assert fresh.dissolve(["41001"]) is a
    assert fresh.dissolve(["41006"]) is not b


def test_projected_layers(geo: Geography, boundaries) -> None:
    layers = geo.projected
    assert set(layers) == {
        "departments",
        "municipalities",
        "departments_simplified",
        "municipalities_simplified",
    }
    for name, frame in layers.items():
        assert frame.crs == PROJECTED_CRS, name
        assert len(frame) == len(getattr(boundaries, name)), name
    # areas in m²: Huila as the sum of DANE's own municipality areas (MPIO_NAREA, km²)
    munis = boundaries.municipalities
    dane_km2 = munis.loc[munis["dept_code"] == HUILA, "area_km2"].sum()
    huila = layers["departments"].set_index("dept_code").geometry.loc[HUILA]
    assert abs(huila.area / 1e6 - dane_km2) <= 0.002 * dane_km2


def test_browser_geometry(geo: Geography) -> None:
    depts = geo.geometry_json("departments")
    assert [code for code, _ in depts] == sorted(geo.dept_names)
    assert all(g["type"] in ("Polygon", "MultiPolygon") for _, g in depts)
    huila = geo.geometry_json("dept_municipalities", HUILA)
    assert len(huila) == 37 and all(dept_of(code) == HUILA for code, _ in huila)
    assert len(geo.geometry_json("municipalities")) == 1122
    with pytest.raises(ValueError, match="unknown layer"):
        geo.geometry_json("rivers")


def _shapes(pairs: tuple[tuple[str, dict], ...]) -> dict[str, shapely.Geometry]:
    return {code: shapely.from_geojson(json.dumps(g)) for code, g in pairs}


def test_department_outlines_are_coarser_than_the_departments(boundaries) -> None:
    geo = Geography(boundaries)  # its own artefacts, built here (not the process-wide memo's)
    fine = _shapes(geo.geometry_json("departments"))
    coarse = _shapes(geo.geometry_json("dept_borders"))
    assert sorted(coarse) == sorted(fine) == sorted(geo.dept_names)
    vertices = {k: sum(int(shapely.get_num_coordinates(g)) for g in v.values())
                for k, v in (("fine", fine), ("coarse", coarse))}  # fmt: skip
    assert vertices["coarse"] < vertices["fine"] / 2
    # still Huila where Huila is: Neiva's point inside the coarse outline
    assert coarse[HUILA].contains(shapely.Point(NEIVA_POINT))


def test_one_departments_municipalities_still_tile_it(boundaries) -> None:
    """Simplified as a coverage: neighbours keep one shared border, so the drawn municipalities
    neither overlap nor leave gaps (simplifying each on its own would)."""
    geo = Geography(boundaries)  # its own artefacts, built here (not the process-wide memo's)
    huila = list(_shapes(geo.geometry_json("dept_municipalities", HUILA)).values())
    assert len(huila) == 37
    tree = shapely.STRtree(huila)
    left, right = tree.query(huila, predicate="intersects")
    overlap = sum(shapely.area(shapely.intersection(huila[i], huila[j]))
                  for i, j in zip(left, right, strict=True) if i < j)  # fmt: skip
    assert overlap < 1e-12
    total = sum(shapely.area(g) for g in huila)
    assert abs(shapely.area(shapely.union_all(huila)) - total) < 1e-9 * total


def test_a_dissolve_uses_the_simplified_or_the_full_municipalities(boundaries) -> None:
    geo = Geography(boundaries)  # its own dissolves, built here
    def geometry(frame, code: str) -> shapely.Geometry:
        return frame.set_index("muni_code").geometry.loc[code]

    simplified = geometry(boundaries.municipalities_simplified, NEIVA)
    full = geometry(boundaries.municipalities, NEIVA)
    assert shapely.get_num_coordinates(simplified) < shapely.get_num_coordinates(full)
    assert geo.dissolve([NEIVA]).equals(simplified)
    assert geo.dissolve([NEIVA], simplified=False).equals(full)


# ---- a Geography answers for its own boundaries, never the pinned ones --------------------------


def test_other_boundaries_have_their_own_artefacts(geo: Geography, huila_only: Geography) -> None:
    assert huila_only is not geo
    assert len(huila_only.municipalities) == 37
    assert set(huila_only.dept_names) == {HUILA}
    assert huila_only.name("05001") == "" and huila_only.name(NEIVA) == "Neiva"
    # spatial index: Medellín is outside these boundaries
    dept, muni = huila_only.assign_admin([MEDELLIN_POINT[0]], [MEDELLIN_POINT[1]])
    assert (dept[0], muni[0]) == (None, None)
    assert huila_only.index is not geo.index and len(huila_only.index.muni_codes) == 37
    # gazetteer, representative points, projected layers, browser GeoJSON, dissolves
    with pytest.raises(PlaceError):
        huila_only.gazetteer.municipality("Medellín")
    assert set(huila_only.representative_points) == set(huila_only.muni_names) | {HUILA}
    assert len(huila_only.projected["municipalities"]) == 37
    assert [c for c, _ in huila_only.geometry_json("departments")] == [HUILA]
    assert huila_only.dissolve(["05001"]).is_empty
    assert not geo.dissolve(["05001"]).is_empty
    # and the pinned Geography is untouched
    assert load_geography() is geo and len(geo.muni_names) == 1122


def test_callers_use_the_geography_they_are_given(huila_only: Geography) -> None:
    medellin = data_admin.locate((MEDELLIN_POINT[1], MEDELLIN_POINT[0]), huila_only)
    assert not medellin.inside
    neiva = data_admin.locate((NEIVA_POINT[1], NEIVA_POINT[0]), huila_only)
    assert neiva.muni_code == NEIVA and neiva.place == "Neiva, Huila"
    assert len(data_admin.municipality_choices(huila_only)) == 37
    claims = pd.DataFrame(
        {
            "group_name": ["ELN", "ELN"],
            "muni_code": [NEIVA, "05001"],
            "valid_from": [pd.Timestamp("2020-01-01")] * 2,
            "valid_to": [None, None],
            "level": ["recurrent", "recurrent"],
            "source": ["test", "test"],
            "dataset": ["t", "t"],
        }
    )
    view = territories.build_view(claims, geo=huila_only, simplified=False)
    [area] = view.areas
    neiva_shape = huila_only.municipalities.set_index("muni_code").geometry.loc[NEIVA]
    # Medellín is not in these boundaries: the area is Neiva's alone
    assert abs(shapely.area(area.geometry) - shapely.area(neiva_shape)) <= 1e-9


def test_place_codes_list_departments_then_municipalities_by_label(geo: Geography) -> None:
    codes = geo.place_codes
    assert len(codes) == 33 + 1122 and len(set(codes)) == len(codes)
    assert [len(c) for c in codes[:33]] == [2] * 33 and all(len(c) == 5 for c in codes[33:])
    assert codes[0] == "91"  # Amazonas sorts first; Antioquia keeps its leading zero
    assert codes.index("05") == 1 and "05001" in codes
    assert codes.index("41001") > codes.index("41") and codes[33:].index("05001") < 1122
