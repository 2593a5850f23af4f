"""The data files of an export (conflictmap/export_data.py): incident CSV, GeoJSON, GeoPackage and
the choropleth table, on a four-row database over the synthetic square boundaries
(tests/fixtures/make_mini_boundaries.py: Neiva 41001 is the box -75.5..-75 x 2.5..3). Expected
values are literals worked out by hand."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from conflictmap import export_data, store
from conflictmap.export import SnapshotRequest
from conflictmap.export_terms import ExportPolicy
from conflictmap.filters import Filters, ViewOptions
from conflictmap.source_terms import Terms
from conflictmap.sources import UCDP
from conflictmap.view import load_view

INSERT = (
    "INSERT INTO incidents (incident_id, event_date, date_precision, event_type, actor1, "
    "assoc_actors, fatalities, latitude, longitude, geo_precision, dept_code, muni_code, notes, "
    "source, dataset, imported_at, actor_bits) "
    "VALUES (?, ?, 'day', 'Battles', 'ELN', ?, ?, ?, ?, ?, ?, ?, ?, 'test', ?, "
    "TIMESTAMP '2024-03-01 08:30:00', 0)"
)
# id, date, assoc actors, fatalities, lat, lon, precision, dept, muni, notes, dataset
ROWS = [
    ("ucdp:7", "2022-09-02", ["AGC", "Police"], 3, 2.75, -75.25, 1, "41", "41001", "=HYPERLINK(1)", "ged"),
    ("own:1", "2024-02-29", None, 1, 6.5, -75.75, 2, "05", "05001", "Medellín", "own"),
    ("own:2", "2022-10-05", [], 0, 2.4, -75.9, 3, "41", None, "department only", "own"),
    ("acl:1", "2022-09-20", None, 5, 2.6, -75.3, 1, "41", "41001", "", "acled"),
]
ACLED = Terms("acled", "ACLED Terms of Use", None, "aggregates", "ACLED cite.", None)
TODAY = date.today().isoformat()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "data.duckdb"
    with store.connect(path) as con:
        for row in ROWS:
            con.execute(INSERT, list(row))
    return path


REQUEST = SnapshotRequest(filters=Filters(), options=ViewOptions(level="municipality"))


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_after_is_the_next_position() -> None:
    frame = pd.DataFrame(columns=["a", "b", "c"])
    assert export_data._after(frame, "a") == 1
    assert export_data._after(frame, "c") == 3


def test_incidents_frame_names_the_places_next_to_their_codes(db: Path, mini_geography) -> None:
    frame = export_data.incidents_frame(REQUEST, db, mini_geography)
    columns = list(frame.columns)
    assert columns[columns.index("dept_code") + 1] == "dept_name"
    assert columns[columns.index("muni_code") + 1] == "muni_name"
    assert columns.index("muni_code") == columns.index("dept_code") + 2
    assert frame["incident_id"].tolist() == ["ucdp:7", "acl:1", "own:2", "own:1"]
    assert frame["dept_name"].tolist() == [mini_geography.dept_names[c] for c in ["41", "41", "41", "05"]]
    assert frame["muni_name"].tolist()[0] == mini_geography.muni_names["41001"]
    assert pd.isna(frame["muni_name"].tolist()[2])
    only = export_data.incidents_frame(
        SnapshotRequest(filters=Filters(dept="05"), options=ViewOptions()), db, mini_geography
    )
    assert only["incident_id"].tolist() == ["own:1"]


def test_with_citation_column_by_incident_id() -> None:
    frame = pd.DataFrame({"incident_id": ["ucdp:1", "own:ucdp:2", None], "x": [1, 2, 3]})
    out = export_data.with_citation_column(frame)
    assert list(out.columns) == ["incident_id", "x", "citation"]
    assert out["citation"].tolist() == [UCDP.attribution, "", ""]
    assert out["citation"].dtype == object


def test_gpkg_description_names_the_citations_and_the_terms_note() -> None:
    frame = pd.DataFrame({"citation": ["B cite", "", None, "A cite", "B cite"]})
    assert export_data._gpkg_options(frame) == {"DESCRIPTION": "Incidents: A cite; B cite"}
    assert export_data._gpkg_options(frame.assign(citation="")) == {}
    with_note = pd.DataFrame({
        "citation": ["A cite", "", ""],
        "row_kind": ["incident", "aggregate", "note"],
        "notes": ["row note", "agg note", "The terms note."],
    })
    assert export_data._gpkg_options(with_note) == {
        "DESCRIPTION": "Incidents: A cite; The terms note."
    }
    note_only = with_note.assign(citation="")
    assert export_data._gpkg_options(note_only) == {"DESCRIPTION": "Incidents: The terms note."}
    empty_note = note_only.assign(notes="")
    assert export_data._gpkg_options(empty_note) == {}


def test_incident_points_only_to_the_municipality_or_finer() -> None:
    frame = pd.DataFrame(
        {
            # half a point (a latitude, no longitude, or the reverse) is no point, never 0
            "latitude": [2.75, 6.5, 2.4, None, 4.0, 2.9, None],
            "longitude": [-75.25, -75.75, -75.9, None, -74.0, None, -75.3],
            "geo_precision": [1, 2, 3, 1, 4, 1, 1],
        },
        index=[3, 4, 5, 6, 7, 8, 9],
    )
    points = export_data._incident_points(frame)
    assert points.crs.to_epsg() == 4326
    assert points.index.tolist() == [3, 4, 5, 6, 7, 8, 9]
    assert [None if p is None else (p.x, p.y) for p in points] == [
        (-75.25, 2.75), (-75.75, 6.5), None, None, None, None, None
    ]


def test_geometry_puts_aggregate_rows_at_their_municipality(mini_geography) -> None:
    frame = pd.DataFrame(
        {
            "latitude": [2.75, None, None],
            "longitude": [-75.25, None, None],
            "geo_precision": [1, None, None],
            "row_kind": ["incident", "aggregate", "note"],
            "muni_code": ["41001", "05001", None],
            "dept_code": ["41", "05", None],
        }
    )
    geometry = export_data._geometry(frame, mini_geography)
    medellin = mini_geography.representative_points["05001"]
    assert [None if p is None else (p.x, p.y) for p in geometry] == [(-75.25, 2.75), medellin, None]
    assert geometry.crs.to_epsg() == 4326
    plain = export_data._geometry(frame.drop(columns=["row_kind"]), mini_geography)
    assert [None if p is None else (p.x, p.y) for p in plain] == [(-75.25, 2.75), None, None]


def test_csv_keeps_codes_as_text_cites_and_neutralises(db: Path, mini_geography) -> None:
    rows = csv_rows(export_data.data_bytes("csv", REQUEST, None, db, mini_geography))
    assert [r["incident_id"] for r in rows] == ["ucdp:7", "acl:1", "own:2", "own:1"]
    assert [(r["dept_code"], r["muni_code"]) for r in rows] == [
        ("41", "41001"), ("41", "41001"), ("41", ""), ("05", "05001")
    ]
    assert rows[0]["notes"] == "'=HYPERLINK(1)"
    assert [r["citation"] for r in rows] == [UCDP.attribution, "", "", ""]
    assert "row_kind" not in rows[0]
    assert rows[0]["muni_name"] == mini_geography.muni_names["41001"]


def test_csv_under_terms_gives_aggregates_and_a_note(db: Path, mini_geography) -> None:
    policy = ExportPolicy({"acled": ACLED, "ged": Terms("ged", "CC BY", None, "yes", None, None)})
    rows = csv_rows(export_data.data_bytes("csv", REQUEST, None, db, mini_geography, policy=policy))
    assert [(r["row_kind"], r["incident_id"], r["muni_code"], r["month"], r["incidents"]) for r in rows] == [
        ("incident", "ucdp:7", "41001", "", "1"),
        ("incident", "own:2", "", "", "1"),
        ("incident", "own:1", "05001", "", "1"),
        ("aggregate", "", "41001", "2022-09", "1"),
        ("note", "", "", "", ""),
    ]
    assert rows[3]["fatalities"] == "5"


def test_geojson_points_and_attributes(db: Path, mini_geography) -> None:
    data = export_data.data_bytes("geojson", REQUEST, None, db, mini_geography)
    assert "Medellín" in data.decode("utf-8")  # not \u-escaped
    features = json.loads(data)["features"]
    assert [f["properties"]["incident_id"] for f in features] == ["ucdp:7", "acl:1", "own:2", "own:1"]
    assert "id" not in features[0]
    assert [f["geometry"] and f["geometry"]["coordinates"] for f in features] == [
        [-75.25, 2.75], [-75.3, 2.6], None, [-75.75, 6.5]
    ]
    props = features[0]["properties"]
    assert props["assoc_actors"] == "AGC; Police"
    assert [f["properties"]["assoc_actors"] for f in features[1:]] == ["", "", ""]
    assert props["event_date"] == "2022-09-02"
    assert props["imported_at"] == "2024-03-01 08:30:00"
    assert props["muni_code"] == "41001" and props["citation"] == UCDP.attribution


def test_geojson_aggregates_at_the_municipality_point(db: Path, mini_geography) -> None:
    policy = ExportPolicy({"acled": ACLED})
    features = json.loads(
        export_data.data_bytes("geojson", REQUEST, None, db, mini_geography, policy=policy)
    )["features"]
    aggregate = [f for f in features if f["properties"]["row_kind"] == "aggregate"]
    assert [f["geometry"]["coordinates"] for f in aggregate] == [
        list(mini_geography.representative_points["41001"])
    ]


def test_geopackage_layer_description_and_pinned_date(db: Path, mini_geography, tmp_path: Path) -> None:
    import geopandas as gpd
    import pyogrio

    data = export_data.data_bytes("gpkg", REQUEST, None, db, mini_geography)
    path = tmp_path / "x.gpkg"
    path.write_bytes(data)
    layer = gpd.read_file(path, layer="incidents")
    assert layer["incident_id"].tolist() == ["ucdp:7", "acl:1", "own:2", "own:1"]
    assert layer["muni_code"].tolist()[0] == "41001"
    with sqlite3.connect(path) as con:
        (description, changed), = con.execute(
            "SELECT description, last_change FROM gpkg_contents WHERE table_name = 'incidents'"
        ).fetchall()
    assert description == f"Incidents: {UCDP.attribution}"
    assert changed == f"{TODAY}T00:00:00.000Z"
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None  # reset after writing
    assert export_data.data_bytes("gpkg", REQUEST, None, db, mini_geography) == data


def test_choropleth_table(db: Path, mini_geography) -> None:
    view = load_view(Filters(), ViewOptions(level="municipality"), db=db, geo=mini_geography)
    data = export_data.data_bytes("aggregates.csv", REQUEST, view, db, mini_geography)
    assert data.decode("utf-8").splitlines()[0] == "code,name,incidents,fatalities,class_colour"
    rows = csv_rows(data)
    assert [r["code"] for r in rows] == ["05001", "05002", "41001", "41006", "41013", "54001", "88001"]
    by_code = {r["code"]: r for r in rows}
    assert (by_code["41001"]["incidents"], by_code["41001"]["fatalities"]) == ("2", "8")
    assert (by_code["05001"]["incidents"], by_code["05001"]["fatalities"]) == ("1", "1")
    assert by_code["05002"]["incidents"] == "0"
    assert by_code["41001"]["name"] == mini_geography.name("41001")
    assert by_code["41001"]["class_colour"].startswith("#")
    assert by_code["41001"]["class_colour"] != by_code["05002"]["class_colour"]


def test_unknown_data_format(db: Path, mini_geography) -> None:
    with pytest.raises(ValueError, match="^xlsx$"):
        export_data.data_bytes("xlsx", REQUEST, None, db, mini_geography)


def test_the_geography_given_is_used_and_the_pinned_one_never_read(
    db: Path, mini_geography, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictmap import geography

    def pinned(**_kw):
        raise AssertionError("the pinned boundaries were read although a Geography was given")

    monkeypatch.setattr(geography, "load_geography", pinned)
    frame = export_data.incidents_frame(REQUEST, db, mini_geography)
    assert frame["muni_name"].tolist()[0] == mini_geography.muni_names["41001"]
    for fmt in ("csv", "geojson"):
        assert export_data.data_bytes(fmt, REQUEST, None, db, mini_geography)


def test_public_view_rows_sit_at_the_given_geographys_municipality_points(
    db: Path, mini_geography, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conflictmap import public_view

    def pinned(**_kw):
        raise AssertionError("the pinned boundaries were read although a Geography was given")

    monkeypatch.setattr(public_view, "load_geography", pinned)
    monkeypatch.setenv("CONFLICTMAP_PUBLIC_VIEW", "1")
    rows = csv_rows(export_data.data_bytes("csv", REQUEST, None, db, mini_geography))
    lon, lat = mini_geography.representative_points["41001"]
    first = rows[0]
    assert (first["muni_code"], float(first["longitude"]), float(first["latitude"])) == ("41001", lon, lat)
    assert [r["notes"] for r in rows] == ["", "", "", ""]


def test_exporting_from_a_missing_database_creates_no_file(tmp_path: Path, mini_geography) -> None:
    missing = tmp_path / "missing.duckdb"
    rows = export_data.data_bytes("csv", REQUEST, None, missing, mini_geography).decode().splitlines()
    assert rows[0].startswith("incident_id,event_date,") and len(rows) == 1
    assert not missing.exists()
