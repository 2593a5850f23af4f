"""Nothing hidden in the map exports (issue 19): above the point budget a PNG/SVG/PDF or HTML
export draws every incident in view in clusters with their counts, plus the counts placed only
to a department, never "the 3,000 newest"; below it every incident is its own point.

The fixture is tests/dense_incidents.py (a few thousand incidents, more than the point budget,
some placed only to a department or to Colombia). Expected figures come from SQL written here;
what the export draws is read back from the HTML's embedded data, its metadata, or the map
model the static renderer was given.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from dense_incidents import NEIVA

from conflictmap import clusters, export, map_model, settings, store
from conflictmap.filters import Filters, ViewOptions
from conflictmap.geography import load_geography

MAPPABLE = "geo_precision <= 2 AND latitude IS NOT NULL AND longitude IS NOT NULL"


def sql_one(db: Path, query: str) -> int:
    with store.connect(db, read_only=True) as con:
        return int(con.execute(query).fetchone()[0])


@pytest.fixture(scope="module")
def geo(boundaries):
    return load_geography(allow_download=False)


@pytest.fixture(scope="module")
def snap(dense_db: Path, geo):
    cache: dict[tuple, export.Snapshot] = {}

    def get(fmt: str, filters: Filters = Filters()) -> export.Snapshot:  # noqa: B008
        key = (fmt, filters)
        if key not in cache:
            request = export.SnapshotRequest(filters, ViewOptions())
            cache[key] = export.snapshot(request, fmt, db=dense_db, boundaries=geo)
        return cache[key]

    return get


def payloads(page: str) -> list[dict]:
    """The data every loader script of the page draws (``var d = {...};``)."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(page, m.end())[0] for m in re.finditer(r"var d = ", page)]


def cell_levels(page: str) -> list[list[list]]:
    return [d["rows"] for d in payloads(page) if "pointsZoom" in d]


def point_rows(page: str) -> list[list]:
    return [r for d in payloads(page) if "strings" in d for r in d["rows"]]


def area_badges(page: str) -> list[list]:
    return [a for d in payloads(page) if "areas" in d for a in d["areas"]]


def test_the_fixture_has_more_incidents_than_the_point_budget(dense_db: Path) -> None:
    mappable = sql_one(dense_db, f"SELECT count(*) FROM incidents WHERE {MAPPABLE}")
    assert mappable > settings.get().point_budget == 3000


def test_national_html_export_cluster_counts_add_up_at_every_zoom(snap, dense_db: Path) -> None:
    page = snap("html").content.decode()
    total = sql_one(dense_db, "SELECT count(*) FROM incidents")
    mappable = sql_one(dense_db, f"SELECT count(*) FROM incidents WHERE {MAPPABLE}")
    dept_only = sql_one(
        dense_db, f"SELECT count(*) FROM incidents WHERE NOT ({MAPPABLE}) AND dept_code IS NOT NULL"
    )
    country = sql_one(dense_db, "SELECT count(*) FROM incidents WHERE dept_code IS NULL")
    assert mappable + dept_only + country == total and dept_only and country

    levels = cell_levels(page)
    assert len(levels) >= 2  # the opening zoom and deeper ones
    for rows in levels:  # each zoom's clusters hold every incident with a place
        assert sum(r[2] for r in rows) == mappable
    assert len(levels[0]) < len(levels[-1])  # deeper: smaller clusters, more of them
    badges = area_badges(page)
    assert sum(a[2] for a in badges) == dept_only
    assert {a[3].split(" placed only to ")[1].split(" (")[0] for a in badges} == {"Huila", "Cauca"}
    # the rest is said in the legend
    assert f"{country} more incidents placed only to Colombia or a region" in page

    meta = json.loads(page.split("\n", 1)[0][len("<!-- conflictmap-snapshot "):-len(" -->")])
    drawn = meta["map_incidents"]
    assert drawn["drawn_as"] == "clusters"
    assert drawn["with_a_place"] + drawn["placed_only_to_an_area"] == meta["incidents"] == total
    assert drawn["clusters"] == len(levels[0])


def test_national_html_export_embeds_every_incident_as_a_point_zoomed_in(
    snap, dense_db: Path
) -> None:
    page = snap("html").content.decode()
    mappable = sql_one(dense_db, f"SELECT count(*) FROM incidents WHERE {MAPPABLE}")
    rows = point_rows(page)
    assert len(rows) == mappable  # every one, not the 3,000 newest
    # department-precision incidents have no point (their place would say "department only")
    assert not any("department only" in s for d in payloads(page) if "strings" in d
                   for s in d["strings"])
    # shown only from the zoom after the deepest clusters: the legend says from which
    (deepest,) = re.findall(r'"pointsZoom":(\d+)', page)[:1]
    assert f"from zoom level {deepest} on, each incident is its own point" in page
    assert "most recent" not in page


def test_static_national_export_draws_clusters_that_add_up(
    dense_db: Path, geo, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[map_model.MapModel] = []
    render = export._render_static

    def spy(model, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append(model)
        return render(model, *args, **kwargs)

    monkeypatch.setattr(export, "_render_static", spy)
    request = export.SnapshotRequest(Filters(), ViewOptions())
    snap = export.snapshot(request, "svg", db=dense_db, boundaries=geo)
    (model,) = seen
    total = sql_one(dense_db, "SELECT count(*) FROM incidents")
    mappable = sql_one(dense_db, f"SELECT count(*) FROM incidents WHERE {MAPPABLE}")
    layer = model.incidents
    assert layer is not None and layer.mode == "clusters"
    assert model.points.empty  # no "3,000 newest" subset
    assert int(layer.clusters["incidents"].sum()) == mappable
    assert int(layer.clusters["incidents"].sum()) + layer.area_incidents == total
    # the legend states what is drawn
    svg = snap.content.decode()
    assert f"Incidents ({total:,}), in clusters" in svg
    assert f"All {mappable:,} incidents with a place on the map, in {len(layer.clusters)}" in svg
    assert "most recent" not in svg


def test_department_precision_incidents_have_no_point_in_a_points_export(
    snap, dense_db: Path, geo
) -> None:
    huila = Filters(dept="41")
    mappable = sql_one(
        dense_db, f"SELECT count(*) FROM incidents WHERE dept_code = '41' AND {MAPPABLE}"
    )
    dept_only = sql_one(
        dense_db, f"SELECT count(*) FROM incidents WHERE dept_code = '41' AND NOT ({MAPPABLE})"
    )
    assert 0 < mappable <= settings.get().point_budget and dept_only > 0
    page = snap("html", huila).content.decode()
    assert cell_levels(page) == []  # below the budget: every incident its own point
    assert len(point_rows(page)) == mappable
    assert [a[2] for a in area_badges(page)] == [dept_only]
    assert f"Points: all {mappable:,} incidents with a place on the map" in page


def test_a_municipality_below_the_budget_is_all_points_in_every_format(
    snap, dense_db: Path
) -> None:
    neiva = Filters(dept="41", muni=NEIVA)
    n = sql_one(dense_db, f"SELECT count(*) FROM incidents WHERE muni_code = '{NEIVA}'")
    assert len(point_rows(snap("html", neiva).content.decode())) == n
    meta = snap("png", neiva).metadata
    assert meta["map_incidents"]["drawn_as"] == "points"
    assert meta["map_incidents"]["with_a_place"] == n == meta["incidents"]


def test_an_html_export_stays_bounded(dense_db: Path) -> None:
    with store.connect(dense_db, read_only=True) as con:
        layer = clusters.export_layer(
            con, Filters(), 5, interactive=True, max_cells=400, max_points=1000
        )
    cells = len(layer.clusters) + sum(len(c) for _, c in layer.levels)
    assert cells <= 400 and layer.levels  # as many deeper zooms as fit
    assert layer.points.empty and layer.points_zoom is None  # too many to embed one by one
    for _, c in layer.levels:
        assert int(c["incidents"].sum()) == layer.in_region
    note = map_model.incidents_note(layer, layer.in_region + layer.area_incidents)
    deepest = layer.levels[-1][0]
    assert f"down to those of zoom level {deepest}" in note
    assert "narrow the filters" in note


def test_export_layer_points_are_every_mappable_incident(dense_db: Path) -> None:
    with store.connect(dense_db, read_only=True) as con:
        layer = clusters.export_layer(con, Filters(dept="41"), 8)
        want = [r[0] for r in con.execute(
            f"SELECT incident_id FROM incidents WHERE dept_code = '41' AND {MAPPABLE}"
        ).fetchall()]
    assert layer.mode == "points"
    assert sorted(layer.points["incident_id"]) == sorted(want)
    assert set(layer.points["geo_precision"]) <= {1, 2}
