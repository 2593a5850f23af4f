"""AppTest of the map page's viewport loop: the page reads the viewport the map reported
(streamlit-folium's value, kept under the key "map") and sends the incidents in it as the map
component's feature group; a filter change reopens the map where it was, a new place frames it.

Expected counts come from plain SQL on the database, not from the code under test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conflictmap import store

ROOT = Path(__file__).resolve().parents[1]
MAPPABLE = "geo_precision <= 2 AND latitude IS NOT NULL AND longitude IS NOT NULL"
NEIVA = {"south": 2.86, "west": -75.36, "north": 3.00, "east": -75.20}


def reported(box: dict[str, float], zoom: float, center: tuple[float, float]) -> dict:
    """A value as streamlit-folium's component reports it after a pan or zoom."""
    return {
        "bounds": {"_southWest": {"lat": box["south"], "lng": box["west"]},
                   "_northEast": {"lat": box["north"], "lng": box["east"]}},
        "zoom": zoom,
        "center": {"lat": center[0], "lng": center[1]},
        "last_active_drawing": None,
    }


@pytest.fixture()
def app(dense_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("CONFLICTMAP_DB", str(dense_db))
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)


def count(db: Path, where: str, params: list | None = None) -> int:
    with store.connect(db, read_only=True) as con:  # either store
        return int(con.execute(f"SELECT count(*) FROM incidents WHERE {where}",
                               params or []).fetchone()[0])


def map_args(at: AppTest) -> dict:
    maps = [e for e in at.main if type(e).__name__ == "UnknownElement"]
    assert len(maps) == 1, "one map component"
    return json.loads(maps[0].proto.json_args)


def payloads(feature_group: str) -> list[dict]:
    """The JSON payloads (``var d = {...}``) of the feature group's loaders."""
    decoder = json.JSONDecoder()
    out, start = [], 0
    while (i := feature_group.find("var d = ", start)) >= 0:
        value, end = decoder.raw_decode(feature_group, i + len("var d = "))
        out.append(value)
        start = end
    return out


def test_national_view_sends_clusters_adding_up_to_every_incident(
    app: AppTest, dense_db: Path
) -> None:
    app.run()
    assert not app.exception
    args = map_args(app)
    assert set(args["returned_objects"]) >= {"bounds", "zoom", "center", "last_active_drawing"}
    assert args["center"] is None and args["zoom"] is None  # the map frames itself
    found = payloads(args["feature_group"])
    cells = next(p for p in found if "pointsZoom" in p)
    areas = next(p for p in found if "status" in p)
    mappable = count(dense_db, MAPPABLE)
    assert sum(row[2] for row in cells["rows"]) == mappable
    dept_only = count(dense_db, f"NOT ({MAPPABLE}) AND dept_code IS NOT NULL")
    assert sum(a[2] for a in areas["areas"]) == dept_only
    assert areas["status"].startswith(f"{mappable:,} incidents with a place on the map")
    assert {m.label: m.value for m in app.metric}["Incidents"] == f"{count(dense_db, 'TRUE'):,}"


def test_a_reported_viewport_over_neiva_gets_every_incident_there_as_a_point(
    app: AppTest, dense_db: Path
) -> None:
    app.run()
    app.session_state["map"] = reported(NEIVA, 13, (2.93, -75.28))
    app.run()
    assert not app.exception
    found = payloads(map_args(app)["feature_group"])
    points = next(p for p in found if "rows" in p and "types" in p)
    inside = [r for r in points["rows"]
              if NEIVA["south"] <= r[0] <= NEIVA["north"] and NEIVA["west"] <= r[1] <= NEIVA["east"]]
    want = count(dense_db, f"{MAPPABLE} AND latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?",
                 [NEIVA["south"], NEIVA["north"], NEIVA["west"], NEIVA["east"]])
    assert want > 100 and len(inside) == want
    status = next(p for p in found if "status" in p)["status"]
    assert status.startswith(f"Each of the {len(points['rows']):,} incidents")


def test_a_filter_change_reopens_the_map_where_it_was_and_a_place_frames_it(
    app: AppTest, dense_db: Path
) -> None:
    app.run()
    app.session_state["map"] = reported(NEIVA, 12, (2.93, -75.28))
    app.run()
    assert map_args(app)["center"] is None  # the same map: it stays where it is by itself
    app.multiselect(key="f_types").set_value(["Battles"]).run()
    args = map_args(app)
    assert args["zoom"] == 12 and args["center"] == [2.93, -75.28]  # a new map, same place
    # a new place: the map frames it (no restored view, the old report forgotten)
    app.selectbox(key="f_dept").set_value("19").run()
    args = map_args(app)
    assert args["zoom"] is None and args["center"] is None
    assert "map" not in app.session_state


def test_hexagons_replace_the_clusters(app: AppTest) -> None:
    app.query_params["style"] = "hexagons"
    app.run()
    assert not app.exception
    args = map_args(app)
    assert args["feature_group"] is None
    assert "per hexagon" in args["script"]
    assert app.radio(key="o_style").value == "hexagons"


def test_a_pan_sends_no_boundaries(app: AppTest) -> None:
    """The component's arguments after a pan: the viewport's layer and the base map's script
    with the per-view properties, not the ~0.7 MB of boundary geometry (the map fetches it once
    from the app's static files, conflictmap/boundary_files.py)."""
    app.run()
    app.session_state["map"] = reported(NEIVA, 12, (2.93, -75.28))
    app.run()
    assert not app.exception
    args = map_args(app)
    assert len(json.dumps(args).encode()) < 100_000
    assert '"coordinates"' not in args["script"]
    urls = re.findall(r'url: "/app/static/geo/([^"]+)"', args["script"])
    assert urls and all((ROOT / "static" / "geo" / name).is_file() for name in urls)
