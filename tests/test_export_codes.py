"""DIVIPOLA codes keep their leading zeros in every export format (issue 22).

Huila (41) has no leading zero, so exports of Huila alone cannot tell a code written as text
from one written as a number. This file uses a hand-built database of eight incidents in the
departments whose codes start with 0 or are Bogotá's: Antioquia (05: Medellín 05001, La Pintada
05390), Atlántico (08: Barranquilla 08001, and one report known only to the department) and
Bogotá (11, municipality 11001). Dates sit on the edges of 2022 (1 January and 31 December are
in view, 31 December 2021 and 1 January 2023 are not) and on 29 February 2020.

Every expected value below is written out by hand (codes and names as in DANE's DIVIPOLA: 125
municipalities in Antioquia, 23 in Atlántico, 1 in Bogotá); files are read back as text (csv
module, json, pyogrio for the GeoPackage), never through the export code.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from test_export import (
    html_geojson_features,
    html_metadata,
    pdf_info_string,
    png_info,
    svg_metadata,
)

from conflictmap import export, ingest
from conflictmap.filters import Filters, ViewOptions

COLUMNS = [
    "incident_id", "event_date", "event_type", "actor1", "actor2", "fatalities", "latitude",
    "longitude", "municipality", "department", "source", "geo_precision",
]  # fmt: skip
ROWS = [
    # Medellín (05001) by its coordinates, on the first day of 2022
    ["t:med-1", "2022-01-01", "Battles", "ELN", "Military", "2", "6.2442", "-75.5812", "", "",
     "Hand-checked", "1"],
    # La Pintada (05390) by its code only, on the last day of 2022
    ["t:pin-1", "2022-12-31", "Violence against civilians", "AGC", "", "1", "", "", "05390", "",
     "Hand-checked", "2"],
    # Barranquilla (08001) by its coordinates
    ["t:baq-1", "2022-06-15", "Riots", "", "", "0", "10.9639", "-74.7964", "", "",
     "Hand-checked", "1"],
    # Atlántico (08), department only
    ["t:atl-dept", "2022-07-01", "Protests", "", "", "3", "", "", "", "08", "Hand-checked", "3"],
    # Bogotá (11001) by its coordinates, fatalities unknown
    ["t:bog-1", "2022-03-10", "Protests", "", "", "", "4.6097", "-74.0817", "", "",
     "Hand-checked", "1"],
    # Medellín just outside 2022 on both sides, and on a leap day
    ["t:med-old", "2021-12-31", "Battles", "ELN", "", "5", "6.2442", "-75.5812", "", "",
     "Hand-checked", "1"],
    ["t:med-new", "2023-01-01", "Battles", "ELN", "", "5", "6.2442", "-75.5812", "", "",
     "Hand-checked", "1"],
    ["t:leap", "2020-02-29", "Battles", "ELN", "", "1", "6.2442", "-75.5812", "", "",
     "Hand-checked", "1"],
]  # fmt: skip

YEAR_2022 = Filters(date_from=date(2022, 1, 1), date_to=date(2022, 12, 31))
NATIONAL = export.SnapshotRequest(YEAR_2022, ViewOptions())
ANTIOQUIA = export.SnapshotRequest(
    Filters(date_from=date(2022, 1, 1), date_to=date(2022, 12, 31), dept="05"),
    ViewOptions(level="municipality"),
)
MEDELLIN = export.SnapshotRequest(Filters(dept="05", muni="05001"), ViewOptions())
BOGOTA = export.SnapshotRequest(Filters(dept="11", muni="11001"), ViewOptions())

# (incident_id, dept_code, dept_name, muni_code, muni_name): the 2022 incidents, by date
IN_2022 = [
    ("t:med-1", "05", "Antioquia", "05001", "Medellín"),
    ("t:bog-1", "11", "Bogotá, D.C.", "11001", "Bogotá, D.C."),
    ("t:baq-1", "08", "Atlántico", "08001", "Barranquilla"),
    ("t:atl-dept", "08", "Atlántico", "", ""),
    ("t:pin-1", "05", "Antioquia", "05390", "La Pintada"),
]
# the 33 departments of DANE's MGN 2018, as text
DEPARTMENT_CODES = [
    "05", "08", "11", "13", "15", "17", "18", "19", "20", "23", "25", "27", "41", "44", "47",
    "50", "52", "54", "63", "66", "68", "70", "73", "76", "81", "85", "86", "88", "91", "94",
    "95", "97", "99",
]  # fmt: skip


@pytest.fixture(scope="module")
def codes_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:  # noqa: ARG001
    folder = tmp_path_factory.mktemp("codes")
    path = folder / "codes.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(ROWS)
    db = folder / "codes.duckdb"
    report = ingest.import_file(path, fmt="native", db=db, dataset="codes")
    assert (report.read, report.inserted, report.rejected) == (8, 8, 0), report.rejects
    return db


@pytest.fixture(scope="module")
def snap(codes_db: Path, boundaries):
    """snapshot(request, fmt), built once per request and format."""
    cache: dict[tuple, export.Snapshot] = {}

    def get(request: export.SnapshotRequest, fmt: str) -> export.Snapshot:
        key = (request, fmt)
        if key not in cache:
            cache[key] = export.snapshot(request, fmt, db=codes_db, boundaries=boundaries)
        return cache[key]

    return get


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def place(record: dict) -> tuple:
    return tuple(
        "" if record[k] is None else record[k]
        for k in ("incident_id", "dept_code", "dept_name", "muni_code", "muni_name")
    )


# --------------------------------------------------------------------------------------------
# Incidents: CSV, GeoJSON, GeoPackage


def test_incidents_csv_writes_codes_as_text(snap) -> None:
    data = snap(NATIONAL, "csv").content
    rows = csv_rows(data)
    assert [place(r) for r in rows] == IN_2022
    text = data.decode("utf-8")
    # the cells as written, not as a spreadsheet would guess them
    assert ",05,Antioquia,05001,Medellín," in text
    assert ",05,Antioquia,05390,La Pintada," in text
    assert ",08,Atlántico,08001,Barranquilla," in text
    assert ',11,"Bogotá, D.C.",11001,"Bogotá, D.C.",' in text
    # first and last day of the range are in, the days around them are not
    assert [r["event_date"] for r in rows] == [
        "2022-01-01", "2022-03-10", "2022-06-15", "2022-07-01", "2022-12-31"]


def test_incidents_csv_of_medellin_and_bogota(snap) -> None:
    medellin = csv_rows(snap(MEDELLIN, "csv").content)
    assert [(r["incident_id"], r["event_date"], r["muni_code"]) for r in medellin] == [
        ("t:leap", "2020-02-29", "05001"),
        ("t:med-old", "2021-12-31", "05001"),
        ("t:med-1", "2022-01-01", "05001"),
        ("t:med-new", "2023-01-01", "05001"),
    ]
    assert {r["dept_code"] for r in medellin} == {"05"}
    bogota = csv_rows(snap(BOGOTA, "csv").content)
    assert [place(r) for r in bogota] == [IN_2022[1]]


def test_geojson_writes_codes_as_strings(snap) -> None:
    data = json.loads(snap(NATIONAL, "geojson").content)
    features = data["features"]
    assert [place(f["properties"]) for f in features] == IN_2022
    for f in features:
        for key in ("dept_code", "muni_code"):
            value = f["properties"][key]
            assert value is None or isinstance(value, str), (key, value)
    by_id = {f["properties"]["incident_id"]: f for f in features}
    assert by_id["t:atl-dept"]["geometry"] is None  # department only: no point
    assert by_id["t:med-1"]["geometry"]["coordinates"] == pytest.approx([-75.5812, 6.2442])


def test_geopackage_keeps_codes_as_text(snap, tmp_path: Path) -> None:
    import pyogrio

    path = tmp_path / "codes.gpkg"
    path.write_bytes(snap(NATIONAL, "gpkg").content)
    info = pyogrio.read_info(path, layer="incidents")
    fields = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert fields["dept_code"] == "object" and fields["muni_code"] == "object", fields
    frame = pyogrio.read_dataframe(path, layer="incidents")
    records = frame.drop(columns="geometry").to_dict("records")
    got = [
        tuple("" if r[k] is None or r[k] != r[k] else r[k]
              for k in ("incident_id", "dept_code", "dept_name", "muni_code", "muni_name"))
        for r in records
    ]  # fmt: skip
    assert got == IN_2022


# --------------------------------------------------------------------------------------------
# The choropleth table (aggregates CSV)


def test_department_table_has_the_33_codes_as_text(snap) -> None:
    rows = csv_rows(snap(NATIONAL, "aggregates.csv").content)
    assert [r["code"] for r in rows] == DEPARTMENT_CODES
    by_code = {r["code"]: (r["name"], r["incidents"], r["fatalities"]) for r in rows}
    # Antioquia: Medellín (2 dead) + La Pintada (1); Atlántico: Barranquilla (0) + the
    # department-only report (3); Bogotá: one incident, fatalities unknown (counted as 0)
    assert by_code["05"] == ("Antioquia", "2", "3")
    assert by_code["08"] == ("Atlántico", "2", "3")
    assert by_code["11"] == ("Bogotá, D.C.", "1", "0")
    assert {c for c, (_, n, _) in by_code.items() if n != "0"} == {"05", "08", "11"}
    text = snap(NATIONAL, "aggregates.csv").content.decode("utf-8")
    assert "\n05,Antioquia,2,3," in text and "\n08,Atlántico,2,3," in text


def test_antioquia_table_has_its_125_municipalities_as_text(snap) -> None:
    rows = csv_rows(snap(ANTIOQUIA, "aggregates.csv").content)
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes)) == 125
    assert all(len(c) == 5 and c.startswith("05") and c.isdigit() for c in codes), codes[:5]
    by_code = {r["code"]: (r["name"], r["incidents"], r["fatalities"]) for r in rows}
    assert by_code["05001"] == ("Medellín", "1", "2")
    assert by_code["05390"] == ("La Pintada", "1", "1")
    assert {c for c, (_, n, _) in by_code.items() if n != "0"} == {"05001", "05390"}
    assert "\n05001,Medellín,1,2," in snap(ANTIOQUIA, "aggregates.csv").content.decode()


def test_bogota_table_is_11001(snap) -> None:
    rows = csv_rows(snap(BOGOTA, "aggregates.csv").content)
    assert [(r["code"], r["name"], r["incidents"]) for r in rows] == [
        ("11001", "Bogotá, D.C.", "1")]


# --------------------------------------------------------------------------------------------
# Metadata: HTML comment, sidecar JSON, PNG text chunk; the HTML map's features


def test_html_metadata_and_map_keep_the_codes(snap) -> None:
    page = snap(MEDELLIN, "html").content.decode("utf-8")
    meta = html_metadata(page)
    assert meta["filters"] == {"dept": "05", "muni": "05001"}
    assert "dept=05" in meta["view_url"] and "muni=05001" in meta["view_url"]
    assert meta["incidents"] == 4  # every Medellín incident, any date
    features = html_geojson_features(page)
    munis = {f["properties"]["code"] for f in features
             if f.get("properties", {}).get("level") == "municipality"}
    assert len(munis) == 125 and "05001" in munis and "05390" in munis
    national = html_geojson_features(snap(NATIONAL, "html").content.decode("utf-8"))
    depts = {f["properties"]["code"]: f["properties"]["incidents"] for f in national
             if f.get("properties", {}).get("level") == "department"
             and "incidents" in f["properties"]}
    assert sorted(depts) == DEPARTMENT_CODES
    assert (depts["05"], depts["08"], depts["11"]) == ("2", "2", "1")


def test_sidecar_json_keeps_the_codes(snap, tmp_path: Path) -> None:
    written = export.write(snap(ANTIOQUIA, "csv"), tmp_path / "antioquia.csv", sidecar=True)
    side = json.loads(written[1].read_text(encoding="utf-8"))
    assert side["filters"] == {"from": "2022-01-01", "to": "2022-12-31", "dept": "05"}
    assert "dept=05" in side["view_url"]
    assert side["incidents"] == 2  # Medellín and La Pintada in 2022
    assert export.filename_for(ANTIOQUIA, "csv") == "conflictmap-05-2022-01-01_2022-12-31.csv"


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_image_metadata_keeps_the_codes(snap, fmt: str) -> None:
    content = snap(ANTIOQUIA, fmt).content
    if fmt == "png":
        meta = json.loads(png_info(content)[2]["conflictmap"])
    elif fmt == "svg":
        meta = svg_metadata(ET.fromstring(content))
    else:
        meta = json.loads(pdf_info_string(content, "Subject"))
    assert meta["filters"] == {"from": "2022-01-01", "to": "2022-12-31", "dept": "05"}
    assert "dept=05" in meta["view_url"]
    assert meta["incidents"] == 2


def test_cli_snapshot_by_names_writes_codes(codes_db: Path, tmp_path: Path, capsys) -> None:
    from conflictmap import cli

    out = tmp_path / "medellin.csv"
    code = cli.main(["snapshot", "--dept", "Antioquia", "--muni", "Medellín", "--from",
                     "2022-01-01", "--to", "2022-12-31", "--out", str(out), "--sidecar",
                     "--db", str(codes_db)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert [place(r) for r in csv_rows(out.read_bytes())] == [IN_2022[0]]
    side = json.loads((tmp_path / "medellin.csv.json").read_text(encoding="utf-8"))
    assert side["filters"] == {"from": "2022-01-01", "to": "2022-12-31", "dept": "05",
                               "muni": "05001"}
