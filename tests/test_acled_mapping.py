"""ACLED export rows -> candidates (conflictmap/importers/acled.py), without a database.

Small files in ACLED's export columns, read as ingest reads them (csvfile) and mapped by
``acled.parse``, whose column-wise path must give what the per-row ``_row`` gives. Expected values
are written out from the rows (ACLED codebook: time_precision 1/2/3, geo_precision 1/2/3).
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from conflictmap.importers import acled, csvfile
from conflictmap.importers.candidates import Candidates, parse_rows

COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
    "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "tags", "timestamp",
]  # fmt: skip

NEIVA = {
    "event_id_cnty": "COL20001", "event_date": "2022-09-02", "year": "2022",
    "time_precision": "1", "disorder_type": "Political violence", "event_type": "Battles",
    "sub_event_type": "Armed clash", "actor1": "ELN: National Liberation Army",
    "actor2": "Military Forces of Colombia (2022-)", "country": "Colombia",
    "admin1": "Huila", "admin2": "Neiva", "location": "Neiva", "latitude": "2.9300",
    "longitude": "-75.2800", "geo_precision": "1", "source": "El Tiempo",
    "notes": "On 2 September 2022, ELN militants clashed with the military near Neiva.",
    "fatalities": "2",
}  # fmt: skip


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for cells in rows:
            writer.writerow([cells.get(c, "") for c in COLUMNS])
    return path


def parse(tmp_path: Path, *rows: dict[str, str]) -> Candidates:
    table = csvfile.open_table(write(tmp_path / "acled.csv", list(rows)))
    assert acled.looks_like(table.columns)
    (frame,) = table.chunks(1000)
    found = acled.parse(frame, 2)
    per_row = parse_rows(frame, 2, acled._row)  # the column-wise path gives the same
    pd.testing.assert_frame_equal(found.frame, per_row.frame)
    assert found.rejects == per_row.rejects
    return found


def row(**cells: str) -> dict[str, str]:
    return {**NEIVA, **cells}


def simple_ids(value: object) -> str | None:
    """Test ids from the cells' column names only: a reason with quotes and brackets in a test id
    is not selectable by node id (mutmut selects tests that way)."""
    return "+".join(value) if isinstance(value, dict) else "reason"


def records(found: Candidates, *columns: str) -> list[tuple]:
    return [tuple(r) for r in found.frame[list(columns)].itertuples(index=False)]


def test_one_record_every_field(tmp_path: Path) -> None:
    found = parse(tmp_path, NEIVA)
    assert found.rejects == []
    (got,) = found.frame.to_dict("records")
    assert got == {
        "date_precision": "day", "sub_event_type": "Armed clash", "event_type_original": "Battles",
        "actor1_raw": "ELN: National Liberation Army",
        "actor2_raw": "Military Forces of Colombia (2022-)", "assoc_actors_raw": "",
        "fatalities": 2, "fatalities_low": None, "fatalities_high": None, "victims": None,
        "latitude": 2.93, "longitude": -75.28, "geo_precision": 1, "place_muni": "",
        "place_dept": "", "location": "Neiva", "notes": NEIVA["notes"], "source_url": "",
        "admin1": "Huila", "admin2": "Neiva", "in_country": True, "place_note": "",
        "original": got["original"], "row": 2, "incident_id": "acled:COL20001",
        "event_date": date(2022, 9, 2), "event_type": "Battles", "source": "ACLED (El Tiempo)",
    }  # fmt: skip
    assert json.loads(got["original"])["event_id_cnty"] == "COL20001"
    assert list(found.frame.columns)[-5:] == [
        "row", "incident_id", "event_date", "event_type", "source",
    ]  # fmt: skip


def test_precisions_dates_and_associated_actors(tmp_path: Path) -> None:
    found = parse(
        tmp_path,
        row(event_id_cnty="COL1", time_precision="2", geo_precision="2",
            assoc_actor_1="Guardia Indígena", assoc_actor_2="Civilians (Colombia)"),
        row(event_id_cnty="COL2", time_precision="3", geo_precision="3", assoc_actor_2="ELN"),
        row(event_id_cnty="COL3", time_precision="", geo_precision="", assoc_actor_1="FARC"),
        row(event_id_cnty="COL4", event_date="29 February 2024", event_type=" battles ",
            country="COLOMBIA", fatalities="0"),
        row(event_id_cnty="COL5", latitude="2,93", longitude="-75,28", fatalities="3.0"),
    )  # fmt: skip
    assert found.rejects == []
    assert records(
        found, "incident_id", "date_precision", "geo_precision", "assoc_actors_raw",
        "event_date", "event_type", "event_type_original", "fatalities", "latitude",
    ) == [
        ("acled:COL1", "week", 2, "Guardia Indígena; Civilians (Colombia)", date(2022, 9, 2),
         "Battles", "Battles", 2, 2.93),
        ("acled:COL2", "month", 3, "ELN", date(2022, 9, 2), "Battles", "Battles", 2, 2.93),
        ("acled:COL3", "day", 1, "FARC", date(2022, 9, 2), "Battles", "Battles", 2, 2.93),
        ("acled:COL4", "day", 1, "", date(2024, 2, 29), "Battles", "battles", 0, 2.93),
        ("acled:COL5", "day", 1, "", date(2022, 9, 2), "Battles", "Battles", 3, 2.93),
    ]  # fmt: skip


def test_border_points_and_the_ends_of_the_ranges(tmp_path: Path) -> None:
    found = parse(
        tmp_path,
        row(event_id_cnty="COL1", latitude="-4.2150", longitude="-69.9400"),  # Leticia
        row(event_id_cnty="COL2", latitude="90", longitude="180"),
        row(event_id_cnty="COL3", latitude="-90", longitude="-180"),
        row(event_id_cnty="COL4", latitude="12.4580", longitude="-71.6700"),  # La Guajira
    )
    assert found.rejects == []
    assert records(found, "latitude", "longitude") == [
        (-4.215, -69.94), (90.0, 180.0), (-90.0, -180.0), (12.458, -71.67),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"event_id_cnty": ""}, "event_id_cnty is empty"),
        ({"country": "Venezuela"}, "outside scope: country is 'Venezuela', not Colombia"),
        ({"country": ""}, "outside scope: country is '', not Colombia"),
        ({"event_date": "2022-13-45"}, "bad event_date '2022-13-45'"),
        ({"event_date": ""}, "event_date is empty"),
        ({"event_type": "Picnic"}, "unknown event_type 'Picnic'"),
        ({"time_precision": "4"}, "time_precision '4' is not 1, 2 or 3"),
        ({"geo_precision": "0"}, "geo_precision '0' is not 1, 2 or 3"),
        ({"latitude": "", "longitude": ""},
         "latitude/longitude missing (ACLED rows always carry a point)"),
        ({"latitude": "2.93", "longitude": ""},
         "latitude/longitude missing (ACLED rows always carry a point)"),
        ({"latitude": "", "longitude": "-75.28"},
         "latitude/longitude missing (ACLED rows always carry a point)"),
        ({"latitude": "95"}, "latitude '95' is out of range [-90, 90]"),
        ({"latitude": "90.5"}, "latitude '90.5' is out of range [-90, 90]"),
        ({"latitude": "-90.5"}, "latitude '-90.5' is out of range [-90, 90]"),
        ({"longitude": "180.5"}, "longitude '180.5' is out of range [-180, 180]"),
        ({"longitude": "inf"}, "longitude 'inf' is out of range [-180, 180]"),
        ({"longitude": "-180.5"}, "longitude '-180.5' is out of range [-180, 180]"),
        ({"latitude": "nan"}, "latitude 'nan' is out of range [-90, 90]"),
        ({"longitude": "x"}, "longitude 'x' is not a number"),
        ({"fatalities": ""}, "fatalities is empty (ACLED codes 0 when none were reported)"),
        ({"fatalities": "-1"}, "fatalities '-1' is negative"),
        ({"fatalities": "1.5"}, "fatalities '1.5' is not a whole number"),
        ({"source": ""}, "source is empty (every incident needs its source)"),
    ],
    ids=simple_ids,
)  # fmt: skip
def test_each_reject_reason(tmp_path: Path, cells: dict[str, str], reason: str) -> None:
    found = parse(tmp_path, row(event_id_cnty="COLOK"), row(**{"event_id_cnty": "COLBAD", **cells}))
    assert [(r.row, str(r.reason).split(" (expected")[0]) for r in found.rejects] == [(3, reason)]
    assert found.rejects[0].raw == {
        c: {**NEIVA, "event_id_cnty": "COLBAD", **cells}.get(c, "") for c in COLUMNS
    }
    assert records(found, "incident_id", "row") == [("acled:COLOK", 2)]


def test_rows_stay_in_file_order_with_their_numbers(tmp_path: Path) -> None:
    found = parse(
        tmp_path,
        row(event_id_cnty="A", latitude="2,93"),  # the per-row path
        row(event_id_cnty="B"),
        row(event_id_cnty="C", fatalities="x"),
        row(event_id_cnty="D", geo_precision=""),
    )
    assert records(found, "incident_id", "row") == [("acled:A", 2), ("acled:B", 3), ("acled:D", 5)]
    # whole row numbers on both paths, shown as spreadsheet rows ("3", not "3.0")
    assert [str(r) for r in found.frame["row"]] == ["2", "3", "5"]
    assert [r.row for r in found.rejects] == [4]


def test_a_chunk_numbers_its_rows_from_its_start(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", [row(event_id_cnty=f"C{i}") for i in range(3)])
    (frame,) = csvfile.open_table(path).chunks(10)
    found = acled.parse(frame.iloc[1:].reset_index(drop=True), 101)
    assert records(found, "incident_id", "row") == [("acled:C1", 101), ("acled:C2", 102)]


def test_an_empty_chunk() -> None:
    found = acled.parse(pd.DataFrame(columns=COLUMNS, dtype=object))
    assert found.frame.empty and found.rejects == []


def test_a_header_is_acled_when_it_has_the_signature_columns() -> None:
    signature = ["event_id_cnty", "event_type", "actor1", "fatalities"]
    assert acled.looks_like(signature)  # exactly those: a minimal export
    assert acled.looks_like(COLUMNS)
    assert not acled.looks_like(["event_id", "event_type", "actor1", "fatalities"])
