"""Every incident on the map at every zoom (conflictmap/clusters.py): clusters and points per
viewport add up to the key figures; department-only incidents are counted, never points.

The fixture imports a few thousand incidents through the native importer (points inside real
municipality polygons, many on shared town points, some placed only to a department or to
Colombia). Expected values come from plain SQL written here, not from the code under test.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from dense_incidents import COLUMNS, N_COUNTRY, N_DEPT_ONLY, NEIVA, PLACES
from dense_incidents import NEIVA_VIEW as _NEIVA_VIEW

from conflictmap import clusters, ingest, mapping, queries, store
from conflictmap.filters import Filters, ViewOptions
from conflictmap.geography import load_geography
from conflictmap.view import load_view, start_viewport

NEIVA_VIEW = clusters.Bounds(*_NEIVA_VIEW)


@pytest.fixture(scope="module")
def geo(boundaries):
    return load_geography(allow_download=False)


def sql(db: Path, query: str, params: list | None = None) -> list[tuple]:
    with store.connect(db, read_only=True) as con:  # plain SQL, on either store
        return con.execute(query, params or []).fetchall()


MAPPABLE = "geo_precision <= 2 AND latitude IS NOT NULL AND longitude IS NOT NULL"


def key_figures(db: Path, filters: Filters):
    with store.connect(db, read_only=True) as con:
        return queries.overview(con, filters).figures


def test_the_fixture_has_what_the_tests_need(dense_db: Path) -> None:
    ((total, mappable, dept_only, country, neiva),) = sql(
        dense_db,
        f"""SELECT count(*), count(*) FILTER (WHERE {MAPPABLE}),
                   count(*) FILTER (WHERE geo_precision = 3), count(*) FILTER (WHERE geo_precision = 4),
                   count(*) FILTER (WHERE muni_code = '{NEIVA}')
            FROM incidents""",
    )
    assert total > 3000 and mappable > 3000  # more than the point budget: clusters nationally
    assert dept_only == sum(N_DEPT_ONLY.values()) and country == N_COUNTRY
    assert neiva >= PLACES[NEIVA]


def test_at_the_national_zoom_cluster_counts_add_up_to_the_key_figure(
    dense_db: Path, geo
) -> None:
    start = start_viewport(Filters(), geo)
    assert start.zoom <= clusters.NATIONAL_ZOOM
    layer = clusters.load(Filters(), clusters.request_for(start), db=dense_db)
    assert layer.mode == "clusters"
    ((mappable, mappable_deaths, unmapped, unmapped_deaths, total),) = sql(
        dense_db,
        f"""SELECT count(*) FILTER (WHERE {MAPPABLE}),
                   coalesce(sum(fatalities) FILTER (WHERE {MAPPABLE}), 0),
                   count(*) FILTER (WHERE NOT ({MAPPABLE})),
                   coalesce(sum(fatalities) FILTER (WHERE NOT ({MAPPABLE})), 0), count(*)
            FROM incidents""",
    )
    assert int(layer.clusters["incidents"].sum()) == mappable == layer.in_region
    assert int(layer.clusters["fatalities"].sum()) == mappable_deaths
    # the rest is counted on its area: per department, and Colombia for no department
    assert layer.area_incidents == unmapped
    assert int(layer.areas["fatalities"].sum()) == unmapped_deaths
    figures = key_figures(dense_db, Filters())
    assert mappable + unmapped == total == figures.incidents
    # San Andrés (off the mainland frame) is in a cluster too
    assert ((layer.clusters["lat"] > 12) & (layer.clusters["lon"] < -81)).any()


def test_national_area_counts_match_sql_per_department(dense_db: Path) -> None:
    layer = clusters.load(Filters(), clusters.Request(5, None), db=dense_db)
    want = dict(
        sql(
            dense_db,
            f"""SELECT coalesce(dept_code, 'CO'), count(*) FROM incidents
                WHERE NOT ({MAPPABLE}) GROUP BY 1""",
        )
    )
    got = dict(zip(layer.areas["code"], layer.areas["incidents"].astype(int), strict=True))
    assert got == want
    assert got["41"] == N_DEPT_ONLY["Huila"] and got["CO"] == N_COUNTRY


def test_zoomed_over_neiva_every_incident_in_the_bounds_is_its_own_point(
    dense_db: Path,
) -> None:
    viewport = clusters.Viewport(NEIVA_VIEW, 12)
    request = clusters.request_for(viewport)
    layer = clusters.load(Filters(), request, db=dense_db)
    assert layer.mode == "points"
    region = request.region
    assert region is not None and region.contains(NEIVA_VIEW)
    want = {
        r[0]
        for r in sql(
            dense_db,
            f"""SELECT incident_id FROM incidents WHERE {MAPPABLE}
                AND latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?""",
            [region.south, region.north, region.west, region.east],
        )
    }
    got = layer.points["incident_id"].tolist()
    assert len(got) == len(set(got)) == len(want) == layer.in_region
    assert set(got) == want
    # every Neiva incident on screen is among them, with what its popup shows
    on_screen = {
        r[0]
        for r in sql(
            dense_db,
            """SELECT incident_id FROM incidents WHERE muni_code = ?
               AND latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?""",
            [NEIVA, NEIVA_VIEW.south, NEIVA_VIEW.north, NEIVA_VIEW.west, NEIVA_VIEW.east],
        )
    }
    assert len(on_screen) > 100 and on_screen <= set(got)
    assert {"event_date", "actor1", "location", "source"} <= set(layer.points.columns)


def test_a_town_with_more_incidents_than_the_budget_still_shows_points_zoomed_in(
    dense_db: Path,
) -> None:
    viewport = clusters.Viewport(NEIVA_VIEW, clusters.POINTS_ZOOM)
    few = clusters.load(Filters(), clusters.request_for(viewport), db=dense_db, point_limit=10)
    assert few.mode == "points" and few.in_region > 10
    # below the points zoom the same budget means clusters whose counts add up
    wide = clusters.Viewport(NEIVA_VIEW, clusters.POINTS_ZOOM - 2)
    layer = clusters.load(Filters(), clusters.request_for(wide), db=dense_db, point_limit=10)
    assert layer.mode == "clusters"
    assert int(layer.clusters["incidents"].sum()) == layer.in_region
    # and more than MAX_POINTS keeps (exact) clusters, saying so
    capped = clusters.load(
        Filters(), clusters.request_for(viewport), db=dense_db, point_limit=10, max_points=20
    )
    assert capped.mode == "clusters" and capped.capped
    assert "narrow the filters" in mapping.status_text(capped)


def test_department_only_incidents_are_counted_but_never_points(dense_db: Path, geo) -> None:
    # their stored coordinates are Huila's representative point: zoom in right there
    lon, lat = geo.representative_points["41"]
    box = clusters.Bounds(lat - 0.05, lon - 0.05, lat + 0.05, lon + 0.05)
    request = clusters.request_for(clusters.Viewport(box, 14))
    layer = clusters.load(Filters(dept="41"), request, db=dense_db)
    assert layer.mode == "points"
    dept_only = {r[0] for r in sql(dense_db, "SELECT incident_id FROM incidents "
                                               "WHERE geo_precision >= 3")}
    assert not dept_only & set(layer.points["incident_id"])
    assert dict(zip(layer.areas["code"], layer.areas["incidents"], strict=True)) == {
        "41": N_DEPT_ONLY["Huila"]
    }
    # nor in any cluster, at any zoom
    for zoom in (5, 8, 11):
        start = clusters.Viewport(clusters.Bounds(-4.3, -79.1, 12.6, -66.8), zoom)
        layer = clusters.load(Filters(dept="41"), clusters.request_for(start), db=dense_db)
        shown = (
            int(layer.clusters["incidents"].sum()) if layer.mode == "clusters"
            else len(layer.points)
        )
        ((huila_mappable,),) = sql(
            dense_db,
            f"SELECT count(*) FROM incidents WHERE dept_code = '41' AND {MAPPABLE}"
            + ("" if layer.request.region is None else
               " AND latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?"),
            [] if layer.request.region is None else [
                layer.request.region.south, layer.request.region.north,
                layer.request.region.west, layer.request.region.east],
        )
        assert shown == huila_mappable
    figures = key_figures(dense_db, Filters(dept="41"))
    national = clusters.load(Filters(dept="41"), clusters.Request(5, None), db=dense_db)
    assert national.in_region + national.area_incidents == figures.incidents


def test_clusters_within_a_region_add_up_and_contain_their_incidents(dense_db: Path) -> None:
    huila = clusters.Viewport(clusters.Bounds(1.5, -76.7, 3.9, -74.3), 8)
    request = clusters.request_for(huila)
    layer = clusters.load(Filters(), request, db=dense_db, point_limit=10)
    assert layer.mode == "clusters" and request.region is not None
    r = request.region
    ((n,),) = sql(
        dense_db,
        f"""SELECT count(*) FROM incidents WHERE {MAPPABLE}
            AND latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?""",
        [r.south, r.north, r.west, r.east],
    )
    c = layer.clusters
    assert int(c["incidents"].sum()) == n == layer.in_region
    assert ((c["south"] <= c["lat"]) & (c["lat"] <= c["north"])).all()
    assert ((c["west"] <= c["lon"]) & (c["lon"] <= c["east"])).all()
    size = clusters.cell_degrees(8)
    # each cluster's incidents lie in one grid cell
    assert (np.floor(c["south"] / size) == np.floor(c["north"] / size)).all()
    assert (np.floor(c["west"] / size) == np.floor(c["east"] / size)).all()


def test_filters_apply_to_clusters_points_and_areas(dense_db: Path) -> None:
    filters = Filters(event_types=("Battles",))
    layer = clusters.load(filters, clusters.Request(5, None), db=dense_db, point_limit=10)
    ((mappable, other),) = sql(
        dense_db,
        f"""SELECT count(*) FILTER (WHERE {MAPPABLE}), count(*) FILTER (WHERE NOT ({MAPPABLE}))
            FROM incidents WHERE event_type = 'Battles'""",
    )
    assert int(layer.clusters["incidents"].sum()) == mappable
    assert layer.area_incidents == other
    assert mappable + other == key_figures(dense_db, filters).incidents


def test_a_pan_inside_the_loaded_region_asks_for_nothing_new() -> None:
    view = clusters.Viewport(NEIVA_VIEW, 10)
    first = clusters.request_for(view)
    moved = clusters.Viewport(
        clusters.Bounds(NEIVA_VIEW.south + 0.01, NEIVA_VIEW.west + 0.01,
                        NEIVA_VIEW.north + 0.01, NEIVA_VIEW.east + 0.01), 10)
    assert clusters.request_for(moved, first) is first
    far = clusters.Viewport(clusters.Bounds(6.1, -75.7, 6.4, -75.4), 10)
    assert clusters.request_for(far, first) != first
    zoomed = clusters.Viewport(NEIVA_VIEW, 11)
    assert clusters.request_for(zoomed, first).zoom == 11
    # the national zoom asks for the whole country whatever the bounds
    assert clusters.request_for(clusters.Viewport(NEIVA_VIEW, 5)).region is None


def test_the_reported_viewport_is_read_leniently() -> None:
    value = {
        "bounds": {"_southWest": {"lat": 2.8, "lng": -75.4}, "_northEast": {"lat": 3.0,
                                                                          "lng": -75.1}},
        "zoom": 12.25,
        "center": {"lat": 2.9, "lng": -75.25},
    }
    view = clusters.reported_viewport(value)
    assert view == clusters.Viewport(clusters.Bounds(2.8, -75.4, 3.0, -75.1), 12)
    assert clusters.reported_center(value) == (2.9, -75.25)
    assert clusters.reported_viewport({}) is None
    assert clusters.reported_viewport(None) is None
    assert clusters.reported_viewport({"zoom": 5, "bounds": {"_southWest": None}}) is None
    assert clusters.reported_center({"center": None}) is None
    with pytest.raises(ValueError):
        clusters.Bounds(3, -75, 2, -74)


def test_the_first_view_fits_the_mainland_or_the_department(geo) -> None:
    national = start_viewport(Filters(), geo)
    b = national.bounds
    assert b.west > -80 and b.east < -66 and b.north < 13.5 and b.south > -4.5  # no islands
    assert national.zoom == 5
    huila = start_viewport(Filters(dept="41"), geo)
    assert huila.zoom >= 7 and huila.bounds.contains(clusters.Bounds(2.9, -75.3, 2.95, -75.25))


def test_viewport_layer_escapes_popups_and_names(tmp_path: Path, geo, boundaries) -> None:
    neiva = boundaries.municipalities.set_index("muni_code").loc[NEIVA].geometry
    town = shapely.point_on_surface(neiva)
    path = tmp_path / "x.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerow(["x1", "2022-01-01", "Battles", "</script><script>alert(1)</script>",
                         "${x}`", "Civilians", "1", round(town.y, 5), round(town.x, 5), "1", "",
                         "", "<img src=x onerror=alert(2)>", "src", "", ""])
        writer.writerow(["x2", "2022-01-01", "Battles", "", "a", "b", "1", "", "", "3", "",
                         "Huila", "", "src", "", ""])
    db = tmp_path / "x.duckdb"
    assert ingest.import_file(path, fmt="native", db=db).inserted == 2
    view = clusters.Viewport(clusters.Bounds(town.y - 0.01, town.x - 0.01, town.y + 0.01,
                                             town.x + 0.01), 14)
    layer = clusters.load(Filters(), clusters.request_for(view), db=db)
    assert layer.mode == "points" and len(layer.points) == 1 and layer.area_incidents == 1
    group = mapping.viewport_layer(layer, geo)
    no_places = pd.DataFrame(columns=["code", "incidents", "fatalities"])
    fmap = mapping.build_map(
        mapping.MapSpec("department", "incidents", no_places, layer.points.iloc[0:0], 2,
                        viewport_points=True), geo)
    group.add_to(fmap)
    page = fmap.get_root().render()
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "\\u003c/script\\u003e" in page
    assert "1 more placed only to Huila (1 fatality)" in page
    assert "textContent" in page  # popups and badges are text, never HTML


def test_hexagons_count_every_mappable_incident(dense_db: Path) -> None:
    import h3

    view = load_view(Filters(), ViewOptions(style="hexagons"), db=dense_db)
    hexes = view.hexagons
    assert hexes is not None and hexes.resolution == 5
    rows = sql(dense_db, f"SELECT latitude, longitude FROM incidents WHERE {MAPPABLE}")
    want: dict[str, int] = {}
    for lat, lon in rows:  # each incident on its own, not per distinct coordinate
        cell = h3.latlng_to_cell(lat, lon, 5)
        want[cell] = want.get(cell, 0) + 1
    got = dict(zip(hexes.cells["cell"], hexes.cells["incidents"].astype(int), strict=True))
    assert got == want
    assert hexes.incidents + sum(u.incidents for u in view.unmapped) == view.figures.incidents
    huila = load_view(Filters(dept="41"), ViewOptions(style="hexagons"), db=dense_db)
    assert huila.hexagons is not None and huila.hexagons.resolution == 6
    assert ViewOptions(style="hexagons").to_params()["style"] == "hexagons"
    assert "style" not in ViewOptions().to_params()
    assert ViewOptions.from_params({"style": "voronoi"}, has_dept=False).style == "choropleth"
