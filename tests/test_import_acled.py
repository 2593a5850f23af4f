"""ACLED export import: every codebook mapping, actors, rejects, admin mismatches, idempotence.

Fixture files are written here following ACLED's export columns (codebook, 2023+ export) and an
older export that lacks disorder_type, civilian_targeting, tags and timestamp.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import store_access

from conflictmap import ingest, store
from conflictmap.importers.csvfile import FileError

ROOT = Path(__file__).resolve().parents[1]

ACLED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
OLDER_EXPORT_DROPS = {"disorder_type", "civilian_targeting", "tags", "timestamp"}
OLDER_COLUMNS = [c for c in ACLED_COLUMNS if c not in OLDER_EXPORT_DROPS]


def acled_row(**values: str) -> dict[str, str]:
    """A valid, made-up ACLED record dated 2 Sept 2022 near Neiva (Huila); override any cell."""
    base = {
        "event_id_cnty": "COL20001",
        "event_date": "2022-09-02",
        "year": "2022",
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actor1": "ELN: National Liberation Army",
        "assoc_actor_1": "",
        "inter1": "2",
        "actor2": "Military Forces of Colombia (2022-)",
        "assoc_actor_2": "",
        "inter2": "1",
        "interaction": "12",
        "civilian_targeting": "",
        "iso": "170",
        "region": "South America",
        "country": "Colombia",
        "admin1": "Huila",
        "admin2": "Neiva",
        "admin3": "",
        "location": "Neiva",
        "latitude": "2.9300",
        "longitude": "-75.2800",
        "geo_precision": "1",
        "source": "El Tiempo",
        "source_scale": "National",
        "notes": "On 2 September 2022, ELN militants clashed with the military near Neiva.",
        "fatalities": "2",
        "tags": "",
        "timestamp": "1662508800",
    }
    base.update(values)
    return base


TIBU = {
    "latitude": "8.6400",
    "longitude": "-72.7300",
    "admin1": "Norte de Santander",
    "admin2": "Tibu",
    "location": "Tibu",
}
MEDELLIN = {
    "latitude": "6.2500",
    "longitude": "-75.5700",
    "admin1": "Antioquia",
    "admin2": "Medellin",
    "location": "Medellin",
}
CARACAS = {
    "latitude": "10.4900",
    "longitude": "-66.8800",
    "admin1": "Capital District",
    "admin2": "Libertador",
    "location": "Caracas",
}


def write_acled(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    columns = columns or ACLED_COLUMNS
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for r in rows:
            writer.writerow([r.get(c, "") for c in columns])
    return path


def fetch(
    db: Path, sql: str = "SELECT * FROM incidents ORDER BY incident_id", params=None
) -> pd.DataFrame:
    with store_access.read(db) as con:
        return con.execute(sql, params or []).df()


def one(db: Path) -> pd.Series:
    frame = fetch(db)
    assert len(frame) == 1, f"expected one stored incident, found {len(frame)}"
    return frame.iloc[0]


def count(db: Path) -> int:
    if not store_access.exists(db):
        return 0
    with store_access.read(db) as con:
        return con.execute("SELECT count(*) FROM incidents").fetchone()[0]


def imp(path: Path, db: Path, **kw) -> ingest.ImportReport:
    return ingest.import_file(path, db=db, **kw)


def counts(report: ingest.ImportReport) -> tuple[int, int, int, int]:
    return report.read, report.inserted, report.duplicates, report.rejected


def is_null(value: object) -> bool:
    return value is None or (not isinstance(value, (list, tuple)) and pd.isna(value))


# --------------------------------------------------------------------------------------------
# Mapping of one record


def test_full_record_mapping(tmp_path: Path, empty_db: Path) -> None:
    report = imp(write_acled(tmp_path / "acled.csv", [acled_row()]), empty_db)
    assert counts(report) == (1, 1, 0, 0)
    assert report.format == "acled"
    assert report.dataset == "acled"
    assert report.warnings == {}
    rec = one(empty_db)
    assert rec["incident_id"] == "acled:COL20001"
    assert str(rec["event_date"])[:10] == "2022-09-02"
    assert rec["date_precision"] == "day"
    assert rec["event_type"] == "Battles"
    assert rec["sub_event_type"] == "Armed clash"
    assert rec["event_type_original"] == "Battles"
    assert rec["actor1"] == "ELN"
    assert rec["actor1_raw"] == "ELN: National Liberation Army"
    assert rec["actor2"] == "Military"
    assert rec["actor2_raw"] == "Military Forces of Colombia (2022-)"
    assert rec["fatalities"] == 2
    assert rec["latitude"] == pytest.approx(2.93)
    assert rec["longitude"] == pytest.approx(-75.28)
    assert rec["geo_precision"] == 1
    assert (rec["dept_code"], rec["muni_code"]) == ("41", "41001")
    assert rec["location"] == "Neiva"
    assert (
        rec["notes"] == "On 2 September 2022, ELN militants clashed with the military near Neiva."
    )
    assert rec["source"] == "ACLED (El Tiempo)"
    assert rec["dataset"] == "acled"
    original = json.loads(rec["original"])
    assert original["event_id_cnty"] == "COL20001"
    assert original["interaction"] == "12"
    assert original["timestamp"] == "1662508800"


def test_incident_id_is_prefixed_event_id_cnty(tmp_path: Path, empty_db: Path) -> None:
    rows = [acled_row(event_id_cnty="COL12345"), acled_row(event_id_cnty="COL7", **TIBU)]
    imp(write_acled(tmp_path / "ids.csv", rows), empty_db)
    assert fetch(empty_db)["incident_id"].tolist() == ["acled:COL12345", "acled:COL7"]


@pytest.mark.parametrize("text", ["2022-09-02", "02 September 2022", "2 September 2022"])
def test_event_date_formats(tmp_path: Path, empty_db: Path, text: str) -> None:
    report = imp(write_acled(tmp_path / "d.csv", [acled_row(event_date=text)]), empty_db)
    assert report.inserted == 1
    assert str(one(empty_db)["event_date"])[:10] == "2022-09-02"


@pytest.mark.parametrize(("code", "expected"), [("1", "day"), ("2", "week"), ("3", "month")])
def test_time_precision(tmp_path: Path, empty_db: Path, code: str, expected: str) -> None:
    imp(write_acled(tmp_path / "t.csv", [acled_row(time_precision=code)]), empty_db)
    assert one(empty_db)["date_precision"] == expected


@pytest.mark.parametrize(
    ("code", "geo", "muni"),
    [("1", 1, "41001"), ("2", 2, "41001"), ("3", 3, None)],
)
def test_geo_precision(
    tmp_path: Path, empty_db: Path, code: str, geo: int, muni: str | None
) -> None:
    imp(write_acled(tmp_path / "g.csv", [acled_row(geo_precision=code)]), empty_db)
    rec = one(empty_db)
    assert rec["geo_precision"] == geo
    assert rec["dept_code"] == "41"
    if muni is None:
        assert is_null(rec["muni_code"])
    else:
        assert rec["muni_code"] == muni
    # the point itself is kept as ACLED gave it
    assert (rec["latitude"], rec["longitude"]) == (pytest.approx(2.93), pytest.approx(-75.28))


def test_geo_precision_3_department_only_in_other_departments(
    tmp_path: Path, empty_db: Path
) -> None:
    rows = [
        acled_row(event_id_cnty="COL1", geo_precision="3", **TIBU),
        acled_row(event_id_cnty="COL2", geo_precision="3", **MEDELLIN),
        acled_row(event_id_cnty="COL3", geo_precision="1", **MEDELLIN),
    ]
    imp(write_acled(tmp_path / "g3.csv", rows), empty_db)
    got = fetch(empty_db)
    assert got["dept_code"].tolist() == ["54", "05", "05"]
    assert [None if is_null(m) else m for m in got["muni_code"]] == [None, None, "05001"]
    assert got["geo_precision"].tolist() == [3, 3, 1]


@pytest.mark.parametrize(
    ("event_type", "sub_event_type"),
    [
        ("Battles", "Armed clash"),
        ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
        ("Violence against civilians", "Attack"),
        ("Protests", "Peaceful protest"),
        ("Riots", "Violent demonstration"),
        ("Strategic developments", "Looting/property destruction"),
    ],
)
def test_event_and_sub_event_type_kept(
    tmp_path: Path, empty_db: Path, event_type: str, sub_event_type: str
) -> None:
    imp(
        write_acled(
            tmp_path / "e.csv", [acled_row(event_type=event_type, sub_event_type=sub_event_type)]
        ),
        empty_db,
    )
    rec = one(empty_db)
    assert rec["event_type"] == event_type
    assert rec["event_type_original"] == event_type
    assert rec["sub_event_type"] == sub_event_type


# --------------------------------------------------------------------------------------------
# Actors


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("ELN: National Liberation Army", "ELN"),
        ("Police Forces of Colombia (2022-)", "Police"),
        ("Police Forces of Colombia (2018-2022)", "Police"),
        ("AGC: Gaitanist Self-Defence Forces of Colombia", "Clan del Golfo"),
        ("Military Forces of Colombia (2022-)", "Military"),
        ("Civilians (Colombia)", "Civilians"),
        ("Unidentified Armed Group (Colombia)", "Unidentified armed group"),
        ("EMC: Central General Staff", "Estado Mayor Central"),
        ("Some Local Militia (Colombia)", "Some Local Militia (Colombia)"),  # unknown: verbatim
    ],
)
def test_actor1_canonical_and_raw(tmp_path: Path, empty_db: Path, raw: str, canonical: str) -> None:
    imp(write_acled(tmp_path / "a.csv", [acled_row(actor1=raw)]), empty_db)
    rec = one(empty_db)
    assert rec["actor1"] == canonical
    assert rec["actor1_raw"] == raw


def test_empty_actor2_is_null(tmp_path: Path, empty_db: Path) -> None:
    imp(
        write_acled(tmp_path / "a2.csv", [acled_row(actor2="", inter2="", interaction="20")]),
        empty_db,
    )
    rec = one(empty_db)
    assert is_null(rec["actor2"])
    assert rec["actor2_raw"] in ("", None)


def test_associated_actors(tmp_path: Path, empty_db: Path) -> None:
    row = acled_row(
        assoc_actor_1="Frente Carlos Patiño; Indigenous Group (Colombia)",
        assoc_actor_2="Civilians (Colombia)",
    )
    imp(write_acled(tmp_path / "assoc.csv", [row]), empty_db)
    rec = one(empty_db)
    assert list(rec["assoc_actors"]) == [
        "Carlos Patiño Front",
        "Indigenous Group (Colombia)",
        "Civilians",
    ]
    assert rec["assoc_actors_raw"] == (
        "Frente Carlos Patiño; Indigenous Group (Colombia); Civilians (Colombia)"
    )


def test_no_associated_actors_is_empty_list(tmp_path: Path, empty_db: Path) -> None:
    imp(write_acled(tmp_path / "noassoc.csv", [acled_row()]), empty_db)
    assert list(one(empty_db)["assoc_actors"]) == []


def test_associated_actor_filter_matches(tmp_path: Path, empty_db: Path) -> None:
    from conflictmap import queries
    from conflictmap.filters import Filters

    rows = [
        acled_row(
            event_id_cnty="COL1",
            actor1="Unidentified Armed Group (Colombia)",
            assoc_actor_2="AGC: Gaitanist Self-Defence Forces of Colombia",
        ),
        acled_row(event_id_cnty="COL2", actor1="ELN: National Liberation Army"),
    ]
    imp(write_acled(tmp_path / "af.csv", rows), empty_db)
    with store_access.read(empty_db) as con:
        got = queries.newest(con, Filters(actors=("Clan del Golfo",)), 5000)
    assert got["incident_id"].tolist() == ["acled:COL1"]


# --------------------------------------------------------------------------------------------
# Rejects


def test_other_country_rejected_outside_scope(tmp_path: Path, empty_db: Path) -> None:
    rows = [
        acled_row(event_id_cnty="COL1"),
        acled_row(event_id_cnty="VEN1", country="Venezuela", iso="862", **CARACAS),
    ]
    report = imp(write_acled(tmp_path / "ven.csv", rows), empty_db)
    assert counts(report) == (2, 1, 0, 1)
    assert len(report.rejects) == 1
    rej = report.rejects[0]
    assert rej.row == 3
    assert "outside scope" in rej.reason
    assert "Venezuela" in rej.reason
    assert fetch(empty_db)["incident_id"].tolist() == ["acled:COL1"]
    with open(report.rejects_file, newline="", encoding="utf-8") as fh:
        listed = list(csv.DictReader(fh))
    assert [(r["row"], r["event_id_cnty"], r["country"]) for r in listed] == [
        ("3", "VEN1", "Venezuela")
    ]
    assert "outside scope" in listed[0]["reason"]


def test_colombia_row_with_point_outside_colombia_placed_by_admin1(
    tmp_path: Path, empty_db: Path
) -> None:
    """ACLED says Colombia and admin1 Huila; the point is in Caracas and admin2 names no
    municipality of Huila: kept in Huila, department only (never drawn), with a note."""
    report = imp(
        write_acled(tmp_path / "pt.csv", [acled_row(**{**CARACAS, "admin1": "Huila"})]), empty_db
    )
    assert counts(report) == (1, 1, 0, 0)
    assert report.warnings.get("placed_by_name") == 1
    rec = one(empty_db)
    assert (rec["dept_code"], rec["geo_precision"]) == ("41", 3)
    assert pd.isna(rec["muni_code"])
    assert "(10.49000, -66.88000)" in rec["place_note"] and "Huila (41)" in rec["place_note"]


def test_colombia_row_with_point_outside_colombia_and_no_names_kept_unplaced(
    tmp_path: Path, empty_db: Path
) -> None:
    row = acled_row(**{**CARACAS, "admin1": "", "admin2": ""})
    report = imp(write_acled(tmp_path / "pt2.csv", [row]), empty_db)
    assert counts(report) == (1, 1, 0, 0)
    rec = one(empty_db)
    assert rec["geo_precision"] == 4 and pd.isna(rec["dept_code"]) and pd.isna(rec["latitude"])


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"fatalities": "-1"}, "negative"),
        ({"fatalities": ""}, "fatalities is empty"),
        ({"fatalities": "two"}, "not a number"),
        ({"fatalities": "1.5"}, "not a whole number"),
        ({"event_date": "2022-13-45"}, "bad event_date"),
        ({"event_date": ""}, "event_date is empty"),
        ({"event_date": "02 September 2999"}, "future"),
        ({"event_type": "Picnic"}, "unknown event_type"),
        ({"time_precision": "4"}, "time_precision"),
        ({"geo_precision": "4"}, "geo_precision"),
        ({"latitude": "", "longitude": ""}, "latitude/longitude missing"),
        ({"latitude": "95"}, "latitude"),
        ({"source": ""}, "source is empty"),
        ({"event_id_cnty": ""}, "event_id_cnty is empty"),
        ({"country": "Venezuela"}, "outside scope"),
    ],
)
def test_each_reject_reason(
    tmp_path: Path, empty_db: Path, cells: dict[str, str], reason: str
) -> None:
    rows = [acled_row(event_id_cnty="COLOK"), acled_row(**{"event_id_cnty": "COLBAD", **cells})]
    report = imp(write_acled(tmp_path / "r.csv", rows), empty_db)
    assert counts(report) == (2, 1, 0, 1)
    assert report.rejects[0].row == 3
    assert reason in report.rejects[0].reason
    assert fetch(empty_db)["incident_id"].tolist() == ["acled:COLOK"]


def test_zero_fatalities_is_kept_as_zero(tmp_path: Path, empty_db: Path) -> None:
    imp(write_acled(tmp_path / "z.csv", [acled_row(fatalities="0")]), empty_db)
    assert one(empty_db)["fatalities"] == 0


# --------------------------------------------------------------------------------------------
# admin1 / admin2 compared with our point-in-polygon result


def test_admin_disagreement_keeps_ours_and_warns(tmp_path: Path, empty_db: Path) -> None:
    report = imp(
        write_acled(tmp_path / "m.csv", [acled_row(admin1="Cauca", admin2="Neiva")]), empty_db
    )
    assert counts(report) == (1, 1, 0, 0)
    assert report.warnings["admin_mismatch"] == 1
    rec = one(empty_db)
    assert (rec["dept_code"], rec["muni_code"]) == ("41", "41001")


def test_admin2_disagreement_warns(tmp_path: Path, empty_db: Path) -> None:
    report = imp(write_acled(tmp_path / "m2.csv", [acled_row(admin2="Pitalito")]), empty_db)
    assert report.warnings.get("admin_mismatch") == 1
    assert one(empty_db)["muni_code"] == "41001"


def test_accent_case_and_official_name_differences_are_not_mismatches(
    tmp_path: Path, empty_db: Path
) -> None:
    rows = [
        acled_row(event_id_cnty="COL1", **TIBU),  # "Tibu" vs DANE "Tibú"
        acled_row(
            event_id_cnty="COL2", **{**TIBU, "admin2": "TIBÚ", "admin1": "norte de santander"}
        ),
        acled_row(event_id_cnty="COL3", admin1="HUILA", admin2="neiva"),
        acled_row(event_id_cnty="COL4", **MEDELLIN),  # "Medellin" vs "Medellín"
        acled_row(
            event_id_cnty="COL5",
            latitude="7.89",
            longitude="-72.50",
            admin1="Norte de Santander",
            admin2="Cucuta",
        ),
    ]
    report = imp(write_acled(tmp_path / "ok.csv", rows), empty_db)
    assert counts(report) == (5, 5, 0, 0)
    assert report.warnings.get("admin_mismatch", 0) == 0
    assert fetch(empty_db)["muni_code"].tolist() == ["54810", "54810", "41001", "05001", "54001"]


def test_mixed_file_counts_only_the_real_mismatch(tmp_path: Path, empty_db: Path) -> None:
    rows = [
        acled_row(event_id_cnty="COL1", admin1="Cauca"),  # Neiva point, wrong department
        acled_row(event_id_cnty="COL2", **TIBU),
        acled_row(event_id_cnty="COL3", admin1="", admin2=""),  # nothing to compare
    ]
    report = imp(write_acled(tmp_path / "mix.csv", rows), empty_db)
    assert report.warnings == {"admin_mismatch": 1}
    assert fetch(empty_db)["muni_code"].tolist() == ["41001", "54810", "41001"]


# Regression: a substring comparison once let 'Santander' pass for 'Norte de Santander' and
# 'Cauca' for 'Valle del Cauca' (different departments).
@pytest.mark.parametrize(
    ("point", "admin1", "admin2"),
    [
        ((8.64, -72.73), "Santander", "Tibu"),  # point in Norte de Santander (54)
        ((3.45, -76.53), "Cauca", "Cali"),  # point in Valle del Cauca (76)
    ],
)
def test_admin1_naming_a_different_department_with_shared_words_is_a_mismatch(
    tmp_path: Path, empty_db: Path, point: tuple[float, float], admin1: str, admin2: str
) -> None:
    row = acled_row(latitude=str(point[0]), longitude=str(point[1]), admin1=admin1, admin2=admin2)
    report = imp(write_acled(tmp_path / "sub.csv", [row]), empty_db)
    assert report.inserted == 1
    assert report.warnings.get("admin_mismatch") == 1


# --------------------------------------------------------------------------------------------
# Format detection, older exports, idempotence


def test_format_auto_detected(tmp_path: Path, empty_db: Path) -> None:
    report = ingest.import_file(
        write_acled(tmp_path / "auto.csv", [acled_row()]), db=empty_db, fmt="auto"
    )
    assert report.format == "acled"
    assert ingest.detect_format(ACLED_COLUMNS, "x") == "acled"
    assert ingest.detect_format(OLDER_COLUMNS, "x") == "acled"
    with store_access.read(empty_db) as con:
        logged = con.execute(
            "SELECT dataset, format, read, inserted, duplicates, rejected FROM imports"
        ).fetchall()
    assert logged == [("auto", "acled", 1, 1, 0, 0)]


def test_older_export_without_newer_columns(tmp_path: Path, empty_db: Path) -> None:
    rows = [
        acled_row(event_id_cnty="COL1", event_date="02 September 2022"),
        acled_row(event_id_cnty="COL2", time_precision="2", geo_precision="2", **TIBU),
    ]
    report = imp(write_acled(tmp_path / "old.csv", rows, OLDER_COLUMNS), empty_db)
    assert report.format == "acled"
    assert counts(report) == (2, 2, 0, 0)
    got = fetch(empty_db)
    assert got["incident_id"].tolist() == ["acled:COL1", "acled:COL2"]
    assert got["muni_code"].tolist() == ["41001", "54810"]
    assert got["date_precision"].tolist() == ["day", "week"]
    assert "disorder_type" not in json.loads(got.iloc[0]["original"])


def test_minimal_export_with_only_required_columns(tmp_path: Path, empty_db: Path) -> None:
    from conflictmap.importers import acled

    report = imp(write_acled(tmp_path / "min.csv", [acled_row()], list(acled.REQUIRED)), empty_db)
    assert counts(report) == (1, 1, 0, 0)
    rec = one(empty_db)
    assert (rec["date_precision"], rec["geo_precision"], rec["muni_code"]) == ("day", 1, "41001")


def test_reimport_inserts_nothing(tmp_path: Path, empty_db: Path) -> None:
    rows = [
        acled_row(event_id_cnty="COL1"),
        acled_row(event_id_cnty="COL2", **TIBU),
        acled_row(event_id_cnty="COL3", **MEDELLIN),
        acled_row(event_id_cnty="VEN1", country="Venezuela", **CARACAS),
    ]
    path = write_acled(tmp_path / "again.csv", rows)
    first = imp(path, empty_db)
    assert counts(first) == (4, 3, 0, 1)
    before = fetch(empty_db)
    second = imp(path, empty_db)
    assert counts(second) == (4, 0, 3, 1)
    after = fetch(empty_db)
    assert len(after) == 3
    pd.testing.assert_frame_equal(before, after)
    with store_access.read(empty_db) as con:
        logged = con.execute(
            "SELECT inserted, duplicates, rejected FROM imports ORDER BY imported_at"
        ).fetchall()
    assert logged == [(3, 0, 1), (0, 3, 1)]


# Regression: an ACLED export lacking a signature column (fatalities, event_id_cnty) once passed
# as the native format and imported silently (native ids, fatalities NULL).
@pytest.mark.parametrize("missing", ["fatalities", "event_id_cnty"])
def test_acled_export_missing_signature_column_names_it(
    tmp_path: Path, empty_db: Path, missing: str
) -> None:
    columns = [c for c in ACLED_COLUMNS if c != missing]
    path = write_acled(tmp_path / "nosig.csv", [acled_row()], columns)
    with pytest.raises(FileError, match=missing):
        imp(path, empty_db)
    assert count(empty_db) == 0


# --------------------------------------------------------------------------------------------
# CLI: aliases in --actor


def _cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONFLICTMAP_DB": str(store.resolve_db(db)), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "conflictmap.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_cli_summary_actor_alias_equals_canonical(tmp_path: Path, empty_db: Path) -> None:
    rows = [
        acled_row(
            event_id_cnty="COL1",
            actor1="AGC: Gaitanist Self-Defence Forces of Colombia",
            fatalities="3",
        ),
        acled_row(
            event_id_cnty="COL2",
            actor2="Gulf Clan",
            actor1="Police Forces of Colombia (2022-)",
            fatalities="1",
            **TIBU,
        ),
        acled_row(
            event_id_cnty="COL3",
            actor1="Unidentified Armed Group (Colombia)",
            assoc_actor_1="Urabeños",
            fatalities="0",
            **MEDELLIN,
        ),
        acled_row(event_id_cnty="COL4", actor1="ELN: National Liberation Army", fatalities="5"),
    ]
    path = write_acled(tmp_path / "agc.csv", rows)
    imported = _cli("import", str(path), db=empty_db)
    assert imported.returncode == 0, imported.stderr
    report = json.loads(imported.stdout)
    assert (report["format"], report["inserted"]) == ("acled", 4)

    by_alias = _cli("summary", "--actor", "AGC", db=empty_db)
    by_name = _cli("summary", "--actor", "Clan del Golfo", db=empty_db)
    assert by_alias.returncode == 0, by_alias.stderr
    assert by_name.returncode == 0, by_name.stderr
    alias_json, name_json = json.loads(by_alias.stdout), json.loads(by_name.stdout)
    alias_json.pop("filters")
    name_json.pop("filters")
    assert alias_json == name_json
    assert alias_json["incidents"] == 3
    assert alias_json["fatalities"] == 4
    assert alias_json["datasets"] == {"agc": 3}
    assert set(alias_json["by_municipality"]) == {"41001", "54810", "05001"}


def test_column_wise_parse_equals_the_per_row_mapping(tmp_path: Path) -> None:
    """acled.parse maps most rows column-wise; it must give exactly what _row gives row by row:
    the same records in file order, the same rejects with the same rows and reasons."""
    from conflictmap.importers import acled, candidates, csvfile

    quirks = [
        {"latitude": "2,93", "longitude": "-75,28"},  # decimal commas: left to _row, accepted
        {"time_precision": "", "geo_precision": ""},  # empty precisions default to 1
        {"event_date": "02 September 2022", "event_type": " battles "},
        {"assoc_actor_1": "Guardia Indígena", "assoc_actor_2": "Civilians (Colombia)"},
        {"assoc_actor_2": "Civilians (Colombia)"},
        {"actor2": "", "notes": '<b>"quoted"</b>, ü/ñ'},
        {"country": "COLOMBIA", "fatalities": "0", "geo_precision": "3"},
        {"latitude": "nan"},
        {"longitude": "-inf"},
        {"fatalities": "3.0"},
    ]
    bad = [
        {"fatalities": "-1"}, {"fatalities": ""}, {"fatalities": "two"}, {"fatalities": "1.5"},
        {"event_date": "2022-13-45"}, {"event_date": ""}, {"event_date": "02 September 2999"},
        {"event_type": "Picnic"}, {"event_type": ""}, {"time_precision": "4"},
        {"geo_precision": "4"}, {"latitude": "", "longitude": ""}, {"latitude": "95"},
        {"longitude": "x"}, {"source": ""}, {"event_id_cnty": ""}, {"country": "Venezuela"},
    ]  # fmt: skip
    rows = []
    for i, cells in enumerate([*quirks, *bad] * 3):
        rows.append(acled_row(**{"event_id_cnty": f"COLQ{i}", **cells}))
        rows.append(acled_row(event_id_cnty=f"COLOK{i}", fatalities=str(i % 4)))
    rows.append(acled_row(event_id_cnty="COLOK0"))  # a repeated id stays for ingest to skip
    table = csvfile.open_table(write_acled(tmp_path / "mix.csv", rows))
    start = 2
    for chunk in table.chunks(40):
        fast = acled.parse(chunk, start_row=start)
        slow = candidates.parse_rows(chunk, start, acled._row)
        pd.testing.assert_frame_equal(fast.frame, slow.frame)
        assert fast.rejects == slow.rejects
        start += len(chunk)
    assert start == len(rows) + 2
    whole = acled.parse(next(table.chunks(len(rows))))
    assert len(whole.frame) + len(whole.rejects) == len(rows)
    assert whole.frame["row"].tolist() == sorted(whole.frame["row"].tolist())
    assert {r.row for r in whole.rejects}.isdisjoint(whole.frame["row"])
    comma = whole.frame.set_index("incident_id").loc["acled:COLQ0"]
    assert (comma["latitude"], comma["longitude"]) == (2.93, -75.28)
    assert whole.frame.set_index("incident_id").loc["acled:COLQ9", "fatalities"] == 3
    assert len(whole.rejects) == 3 * (len(bad) + 2)  # the bad rows, "nan" and "-inf"


def test_original_rows_encode_every_cell_as_read() -> None:
    """The fast (DuckDB) encoding of the original rows gives the values pandas' JSON gives."""
    from conflictmap.importers.candidates import originals

    frame = pd.DataFrame(
        {
            "event_id_cnty": ["COL1", "COL2", "COL3", "COL4"],
            "notes": ['say "hi"', "línea\nnueva\t/ñ", "\u2028 😀", "\x00\\"],
            'odd "name"': ["", " ", "<b>x</b>", "{}"],
        },
        dtype=object,
    )
    fast = originals(frame)
    assert [json.loads(r) for r in fast] == frame.to_dict("records")
    assert [list(json.loads(r)) for r in fast] == [list(frame.columns)] * 4  # column order kept
    mixed = frame.assign(fatalities=[1, None, 2.5, "3"])  # not all text: pandas' path
    slow = originals(mixed)
    assert len(slow) == 4  # U+2028 in a cell does not split a record
    assert [json.loads(r)["notes"] for r in slow] == list(frame["notes"])
    assert [json.loads(r)["fatalities"] for r in slow] == [1, None, 2.5, "3"]
    assert originals(frame.iloc[:0]) == []
