"""Place logic on made-up square boundaries (tests/fixtures/mini_colombia.topojson): runs
without the DANE file, and every expected value follows from the squares chosen in
tests/fixtures/make_mini_boundaries.py (Neiva -75.5..-75.0 E, 2.5..3.0 N; Acevedo west of it;
Agrado south of both; Medellín and Abejorral side by side in Antioquia; Cúcuta alone; San
Andrés offshore).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from conflictmap.geography import Geography


def test_codes_keep_leading_zeros_and_names_their_accents(mini_geography: Geography) -> None:
    geo = mini_geography
    assert geo.dept_names == {
        "05": "Antioquia",
        "41": "Huila",
        "54": "Norte de Santander",
        "88": "Archipiélago de San Andrés, Providencia y Santa Catalina",
    }
    assert geo.name("05001") == "Medellín"
    assert geo.label("54001") == "San José de Cúcuta, Norte de Santander"
    assert geo.label("05") == "Antioquia" and geo.name("5") == "" and geo.name(None) == ""
    assert geo.dept_of("05002") == "05"
    # pickers: departments by name, then municipalities by label
    assert geo.place_codes == (
        "05", "88", "41", "54", "05002", "41006", "41013", "05001", "41001", "88001", "54001",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (-75.28, 2.93, ("41", "41001")),  # inside Neiva
        (-75.75, 6.25, ("05", "05001")),  # inside Medellín: code with a leading zero
        (-75.5, 2.7, ("41", "41001")),  # on the Neiva/Acevedo border: the lower code
        (-75.5, 2.5, ("41", "41001")),  # the corner of Neiva, Acevedo and Agrado
        (-75.8, 2.5, ("41", "41006")),  # the Acevedo/Agrado border
        (-75.5, 6.5, ("05", "05001")),  # Medellín/Abejorral
        (-75.0, 3.0, ("41", "41001")),  # Neiva's outer corner: borders count as inside
        (-74.999, 2.7, (None, None)),  # just outside Huila
        (-81.7, 12.5, ("88", "88001")),  # offshore, San Andrés
    ],
)
def test_points_take_the_municipality_they_fall_in(
    mini_geography: Geography, lon: float, lat: float, expected: tuple
) -> None:
    dept, muni = mini_geography.assign_admin([lon], [lat])
    assert (dept[0], muni[0]) == expected


def test_unplaceable_points_are_none_not_errors(mini_geography: Geography) -> None:
    dept, muni = mini_geography.assign_admin([np.nan, -75.28, 200.0], [2.93, np.inf, 2.93])
    assert list(dept) == [None, None, None] and list(muni) == [None, None, None]


def test_a_point_just_outside_snaps_to_the_nearest_within_the_distance(
    mini_geography: Geography,
) -> None:
    # 0.02 degrees east of Neiva's east edge at 2.7 N, and 0.1 degrees east of it
    dept, muni, km = mini_geography.nearest_municipalities([-74.98, -74.9], [2.7, 2.7], 5.0)
    expected_km = 0.02 * 111.32 * math.cos(math.radians(2.7))
    assert (dept[0], muni[0]) == ("41", "41001")
    assert km[0] == pytest.approx(expected_km, rel=0.01)
    assert (dept[1], muni[1]) == (None, None) and math.isnan(km[1])


def test_neighbours_share_a_border(mini_geography: Geography) -> None:
    n = mini_geography.neighbours
    assert n["41001"] == {"41006", "41013"}
    assert n["41006"] == {"41001", "41013"}
    assert n["05001"] == {"05002"}
    assert n["54001"] == frozenset() and n["88001"] == frozenset()


def test_dissolve_and_representative_points(mini_geography: Geography) -> None:
    north_huila = mini_geography.dissolve(["41001", "41006"])
    assert north_huila.equals(shapely.box(-76.0, 2.5, -75.0, 3.0))
    huila = mini_geography.dissolve(["41013", "41001", "41006", "41001"])  # order, repeats
    assert huila.area == pytest.approx(1.0)
    for code, box in (("41001", (-75.5, 2.5, -75.0, 3.0)), ("41", (-76.0, 2.0, -75.0, 3.0))):
        x, y = mini_geography.representative_points[code]
        assert shapely.box(*box).contains(shapely.Point(x, y))


def test_the_islands_are_not_mainland(mini_geography: Geography) -> None:
    mainland = mini_geography.mainland_departments()
    assert sorted(mainland["dept_code"]) == ["05", "41", "54"]
    assert not mini_geography.is_mainland("88") and mini_geography.is_mainland("05")


def test_the_mainland_is_in_degrees_unless_asked_projected(mini_geography: Geography) -> None:
    plain = mini_geography.mainland_departments()
    assert plain.crs == mini_geography.departments.crs
    assert plain.total_bounds.tolist() == [-76.0, 2.0, -72.0, 8.5]  # the three mainland boxes
    projected = mini_geography.mainland_departments(projected=True)
    assert projected.crs == "EPSG:3116" and sorted(projected["dept_code"]) == ["05", "41", "54"]


def _rings(geometry: dict) -> list[list[tuple[float, float]]]:
    return [[(x, y) for x, y in ring] for ring in geometry["coordinates"]]


def test_browser_geometry_keeps_four_decimals(mini_geography: Geography) -> None:
    depts = dict(mini_geography.geometry_json("departments"))
    islands = _rings(depts["88"])
    # the box (-81.8, 12.4, -81.6, 12.6) exactly: no coordinate rounded to whole degrees
    assert len(islands) == 1
    assert set(islands[0]) == {(-81.8, 12.4), (-81.6, 12.4), (-81.6, 12.6), (-81.8, 12.6)}
    # the coarse department outlines: the same four departments, squares stay squares
    borders = dict(mini_geography.geometry_json("dept_borders"))
    assert sorted(borders) == ["05", "41", "54", "88"]
    assert set(_rings(borders["41"])[0]) == {(-76.0, 2.0), (-75.0, 2.0), (-75.0, 3.0), (-76.0, 3.0)}


def test_browser_geometry_is_built_once_per_layer_and_department(mini_geography: Geography) -> None:
    geo = Geography(mini_geography.boundaries)
    huila = geo.geometry_json("dept_municipalities", "41")
    antioquia = geo.geometry_json("dept_municipalities", "05")
    assert [code for code, _ in huila] == ["41001", "41006", "41013"]
    assert [code for code, _ in antioquia] == ["05001", "05002"]
    assert geo.geometry_json("dept_municipalities", "41") is huila
    # the department matters only to the one department's layer
    assert geo.geometry_json("departments", "41") is geo.geometry_json("departments")


def test_a_department_that_is_no_clean_coverage_is_simplified_polygon_by_polygon(
    mini_geography: Geography,
) -> None:
    from dataclasses import replace

    tolerance = 0.002 / 3  # DETAIL_SIMPLIFY / 3
    # Neiva's box with a vertex every 0.01 degrees on its south edge, two bumps on its north
    # edge (0.001 high: above the tolerance, kept; 0.0006: below, dropped) and a hole 0.0004
    # wide (smaller than the tolerance: kept, as a triangle, because topology is preserved)
    south = [(round(-75.5 + i / 100, 4), 2.5) for i in range(50)] + [(-75.0, 2.5)]
    north = [(-75.0, 3.0), (-75.1, 3.0), (-75.1005, 3.001), (-75.101, 3.0), (-75.3, 3.0),
             (-75.3005, 3.0006), (-75.301, 3.0), (-75.5, 3.0), (-75.5, 2.5)]  # fmt: skip
    hole = [(-75.2, 2.7), (-75.2, 2.7004), (-75.1996, 2.7004), (-75.1996, 2.7), (-75.2, 2.7)]
    neiva = shapely.Polygon(south + north, [hole])
    assert neiva.is_valid and 0.0006 < tolerance < 0.001
    # as a geometry collection (a repaired boundary), which coverage simplification refuses
    munis = mini_geography.municipalities.copy()
    munis.loc[munis["muni_code"] == "41001", "geometry"] = shapely.GeometryCollection([neiva])
    geo = Geography(replace(mini_geography.boundaries, municipalities=munis))
    shapes = dict(geo.geometry_json("dept_municipalities", "41"))
    assert shapes["41001"]["type"] == "GeometryCollection"
    (polygon,) = shapes["41001"]["geometries"]
    outer, inner = _rings(polygon)
    assert outer == [(-75.5, 2.5), (-75.0, 2.5), (-75.0, 3.0), (-75.1, 3.0), (-75.1005, 3.001),
                     (-75.101, 3.0), (-75.5, 3.0), (-75.5, 2.5)]  # fmt: skip
    assert len(inner) == 4 and inner[0] == inner[-1] and set(inner) < set(hole)
    # the other municipalities, simplified one by one too, keep their boxes
    assert set(_rings(shapes["41013"])[0]) == {(-76.0, 2.0), (-75.0, 2.0), (-75.0, 2.5),
                                               (-76.0, 2.5)}  # fmt: skip


def test_load_geography_passes_its_options_to_the_boundaries(
    mini_geography: Geography, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictmap import geodata, geography

    asked: list[dict] = []

    def load_boundaries(**kw):
        asked.append(kw)
        return mini_geography.boundaries

    monkeypatch.setattr(geodata, "load_boundaries", load_boundaries)
    assert geography.load_geography() is geography.load_geography()  # one per source
    assert asked[0] == {"allow_download": True, "source": None, "progress": None}

    def progress(done: int, total: int | None) -> None:
        return None

    geography.load_geography(allow_download=False, source="/data/colombia.topojson",
                             progress=progress)  # fmt: skip
    assert asked[-1] == {"allow_download": False, "source": "/data/colombia.topojson",
                         "progress": progress}  # fmt: skip
