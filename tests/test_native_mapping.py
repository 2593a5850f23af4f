"""ConflictMap's own CSV rows -> candidates (conflictmap/importers/native.py), without a database.

Small native files written in the test, read as ingest reads them (csvfile) and mapped by
``native.parse``; expected values are written out from the rows.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from conflictmap.importers import csvfile, native
from conflictmap.importers.candidates import Candidates

COLUMNS = [
    "incident_id", "event_date", "date_precision", "event_type", "sub_event_type", "actor1",
    "actor2", "assoc_actors", "fatalities", "latitude", "longitude", "geo_precision",
    "municipality", "department", "location", "source", "source_url", "notes",
]  # fmt: skip
MEDELLIN = {
    "event_date": "2022-09-02", "event_type": "Battles", "sub_event_type": "Armed clash",
    "actor1": "Clan del Golfo", "actor2": "Policía Nacional", "fatalities": "2",
    "latitude": "6.2518", "longitude": "-75.5636", "municipality": "05001",
    "department": "05", "location": "Comuna 13", "source": "El Colombiano",
    "source_url": "https://www.elcolombiano.com/a", "notes": "Enfrentamiento en la comuna 13.",
}  # fmt: skip


def write(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for cells in rows:
            writer.writerow([cells.get(c, "") for c in columns])
    return path


def parse(tmp_path: Path, *rows: dict[str, str], columns: list[str] = COLUMNS) -> Candidates:
    table = csvfile.open_table(write(tmp_path / "native.csv", list(rows), columns))
    assert native.looks_like(table.columns)
    (frame,) = table.chunks(1000)
    return native.parse(frame, 2)


def row(**cells: str) -> dict[str, str]:
    return {**MEDELLIN, **cells}


def simple_ids(value: object) -> str | None:
    """Test ids from the cells' column names only: a reason with quotes and brackets in a test id
    is not selectable by node id (mutmut selects tests that way)."""
    return "+".join(value) if isinstance(value, dict) else "reason"


def records(found: Candidates, *columns: str) -> list[tuple]:
    return [tuple(r) for r in found.frame[list(columns)].itertuples(index=False)]


def reasons(found: Candidates) -> list[tuple[int, str]]:
    return [(r.row, str(r.reason)) for r in found.rejects]


def content_id(cells: dict[str, str]) -> str:
    """The documented id of a row without incident_id: sha1 of the JSON object of the 14 base
    columns (keys sorted, cells stripped, absent ones empty), 16 hex digits. Ids must not change
    between versions, or a re-import stores every row again."""
    base = (
        "event_date event_type sub_event_type actor1 actor2 fatalities latitude longitude "
        "municipality department location source source_url notes"
    ).split()
    obj = {k: cells.get(k, "").strip() for k in sorted(base)}
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True)
    return "native:" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def test_one_row_every_field(tmp_path: Path) -> None:
    found = parse(
        tmp_path,
        row(incident_id="med-1", date_precision="Month", geo_precision="1",
            assoc_actors="Guardia Indígena; Ejército"),
    )  # fmt: skip
    assert found.rejects == []
    (got,) = found.frame.to_dict("records")
    assert got == {
        "row": 2, "incident_id": "native:med-1", "event_date": date(2022, 9, 2),
        "date_precision": "month", "event_type": "Battles", "sub_event_type": "Armed clash",
        "event_type_original": "Battles", "actor1_raw": "Clan del Golfo",
        "actor2_raw": "Policía Nacional", "assoc_actors_raw": "Guardia Indígena; Ejército",
        "fatalities": 2, "fatalities_low": None, "fatalities_high": None, "victims": None,
        "latitude": 6.2518, "longitude": -75.5636, "geo_precision": 1, "place_muni": "05001",
        "place_dept": "05", "location": "Comuna 13", "notes": "Enfrentamiento en la comuna 13.",
        "source": "El Colombiano", "source_url": "https://www.elcolombiano.com/a",
        "admin1": "", "admin2": "", "in_country": False, "place_note": "",
        "original": got["original"],
    }  # fmt: skip
    assert json.loads(got["original"])["municipality"] == "05001"


def test_ids_given_prefixed_or_made_from_the_content(tmp_path: Path) -> None:
    accented = row(municipality="Medellín ", department="Antioquia", fatalities="")
    found = parse(
        tmp_path,
        row(incident_id="acled:COL1"),
        row(incident_id="0042"),
        accented,
        row(),
    )
    assert records(found, "incident_id") == [
        ("acled:COL1",), ("native:0042",), (content_id(accented),), (content_id(MEDELLIN),),
    ]  # fmt: skip
    assert records(found, "place_muni", "place_dept", "fatalities")[2] == (
        "Medellín", "Antioquia", None,
    )  # fmt: skip


def test_the_content_id_ignores_optional_columns(tmp_path: Path) -> None:
    found = parse(tmp_path, row(date_precision="day", geo_precision="1", assoc_actors="x"), row())
    ids = [r[0] for r in records(found, "incident_id")]
    assert ids == [content_id(MEDELLIN)] * 2


def test_precisions_and_places(tmp_path: Path) -> None:
    found = parse(
        tmp_path,
        row(geo_precision="4"),  # the country or a region: never drawn
        row(geo_precision="4", latitude="", longitude="", municipality="", department=""),
        row(latitude="", longitude="", municipality="", department="08"),
        row(latitude="", longitude="", municipality="11001", department=""),
        row(municipality="", department="", date_precision="year", geo_precision="2"),
        row(event_date="2024-02-29", latitude="4,6", longitude="-74,08"),
    )
    assert found.rejects == []
    assert records(
        found, "latitude", "longitude", "geo_precision", "place_dept", "place_muni",
        "date_precision", "event_date",
    ) == [
        (None, None, 4, "05", "05001", "day", date(2022, 9, 2)),
        (None, None, 4, "", "", "day", date(2022, 9, 2)),
        (None, None, None, "08", "", "day", date(2022, 9, 2)),
        (None, None, None, "", "11001", "day", date(2022, 9, 2)),
        (6.2518, -75.5636, 2, "", "", "year", date(2022, 9, 2)),
        (4.6, -74.08, None, "05", "05001", "day", date(2024, 2, 29)),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"event_date": ""}, "event_date is empty"),
        ({"event_date": "2022-02-30"}, "bad event_date '2022-02-30'"),
        ({"event_type": "Paro"}, "unknown event_type 'Paro'"),
        ({"source": ""}, "source is empty (every incident needs its source)"),
        ({"latitude": ""}, "latitude and longitude must be given together"),
        ({"longitude": ""}, "latitude and longitude must be given together"),
        ({"latitude": "-91"}, "latitude '-91' is out of range [-90, 90]"),
        ({"longitude": "-180.5"}, "longitude '-180.5' is out of range [-180, 180]"),
        ({"longitude": "180.5"}, "longitude '180.5' is out of range [-180, 180]"),
        ({"latitude": "", "longitude": "", "municipality": "", "department": ""},
         "no coordinates and no municipality or department to place it (geo_precision 4 keeps "
         "an event known only to be in Colombia)"),
        ({"geo_precision": "5"}, "geo_precision '5' is not 1, 2, 3 or 4"),
        ({"date_precision": "decade"}, "date_precision 'decade' is not one of "),
        ({"fatalities": "-3"}, "fatalities '-3' is negative"),
        ({"source_url": "javascript:alert(1)"},
         "source_url 'javascript:alert(1)' is not an http(s) link"),
    ],
    ids=simple_ids,
)  # fmt: skip
def test_each_reject_reason(tmp_path: Path, cells: dict[str, str], reason: str) -> None:
    found = parse(tmp_path, row(incident_id="ok"), row(incident_id="bad", **cells))
    assert len(found.rejects) == 1
    got = found.rejects[0]
    assert got.row == 3
    assert str(got.reason).split(" (expected")[0].startswith(reason)
    assert got.raw["incident_id"] == "bad"
    assert records(found, "incident_id") == [("native:ok",)]


def test_a_file_placed_by_municipality_only(tmp_path: Path) -> None:
    columns = ["event_date", "event_type", "municipality", "source"]
    found = parse(
        tmp_path,
        {"event_date": "2022-01-01", "event_type": "Battles", "municipality": "05001",
         "source": "S"},
        {"event_date": "2022-01-01", "event_type": "Battles", "municipality": "", "source": "S"},
        columns=columns,
    )  # fmt: skip
    assert records(found, "place_muni", "latitude", "date_precision") == [("05001", None, "day")]
    # the absent base columns count as empty cells in the id
    assert records(found, "incident_id") == [
        (content_id({"event_date": "2022-01-01", "event_type": "Battles",
                     "municipality": "05001", "source": "S"}),),
    ]  # fmt: skip
    assert reasons(found)[0][1].startswith("no coordinates and no municipality or department")


def test_a_file_without_place_columns_is_refused() -> None:
    frame = pd.DataFrame(
        {"event_date": ["2022-01-01"], "event_type": ["Battles"], "source": ["S"]}, dtype=object
    )
    assert not native.looks_like(list(frame.columns))
    assert not native.looks_like(["event_date", "event_type", "source", "latitude"])
    assert native.looks_like(["event_date", "event_type", "source", "latitude", "longitude"])
    assert not native.looks_like(["event_date", "event_type", "municipality"])
    refusal = "^a native file needs latitude\\+longitude or municipality columns$"
    with pytest.raises(ValueError, match=refusal):
        native.parse(frame)
    with pytest.raises(ValueError, match=refusal):
        native.parse(frame.assign(latitude=["4.6"]))
    with pytest.raises(ValueError, match=refusal):
        native.parse(frame.assign(longitude=["-74.1"]))
    point = native.parse(frame.assign(latitude=["4.6"], longitude=["-74.1"]))
    assert records(point, "latitude", "longitude") == [(4.6, -74.1)]
    # only the two point columns: rows are read (and rejected for their missing cells)
    bare = native.parse(pd.DataFrame({"latitude": ["4.6"], "longitude": ["-74.1"]}, dtype=object))
    assert reasons(bare) == [(2, "event_date is empty")]
    assert native.parse(frame.assign(municipality=["05001"])).frame["place_muni"].tolist() == [
        "05001"
    ]


def test_header_problem() -> None:
    assert native.header_problem(["event_date", "latitude", "longitude"]) is None
    assert native.header_problem(["latitude", "longitude"]) is None
    assert native.header_problem(["municipality"]) is None
    assert native.header_problem(["event_date", "municipality"]) is None
    assert native.header_problem(["event_date", "latitude", "department"]) == (
        "the native format needs latitude+longitude or municipality columns to place incidents"
    )
