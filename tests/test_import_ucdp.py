"""UCDP GED import: every codebook mapping (dates, violence types, where_prec), actors, rejects."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
import store_access

from conflictmap import ingest

UCDP_COLUMNS = [
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_new_id",
    "conflict_name",
    "dyad_new_id",
    "dyad_name",
    "side_a_new_id",
    "side_a",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
]


def ucdp_row(**values: str) -> dict[str, str]:
    """A valid, made-up GED record: Government of Colombia vs ELN near Neiva; override any cell."""
    base = {
        "id": "451234",
        "relid": "COL-2022-1-289-12",
        "year": "2022",
        "active_year": "1",
        "code_status": "Clear",
        "type_of_violence": "1",
        "conflict_new_id": "289",
        "conflict_name": "Colombia: Government",
        "dyad_new_id": "634",
        "dyad_name": "Government of Colombia - ELN",
        "side_a_new_id": "123",
        "side_a": "Government of Colombia",
        "side_b_new_id": "466",
        "side_b": "ELN",
        "number_of_sources": "2",
        "source_article": "El Tiempo, 2022-09-03, 'Combates en zona rural de Neiva'",
        "source_office": "El Tiempo",
        "source_date": "2022-09-03",
        "source_headline": "Combates en zona rural de Neiva",
        "source_original": "Ejército Nacional",
        "where_prec": "1",
        "where_coordinates": "Neiva town",
        "where_description": "rural area of Neiva",
        "adm_1": "Huila department",
        "adm_2": "Neiva municipality",
        "latitude": "2.93",
        "longitude": "-75.28",
        "geom_wkt": "POINT (-75.28 2.93)",
        "priogrid_gid": "186526",
        "country": "Colombia",
        "country_id": "100",
        "region": "Americas",
        "event_clarity": "1",
        "date_prec": "1",
        "date_start": "2022-09-02",
        "date_end": "2022-09-02",
        "deaths_a": "1",
        "deaths_b": "2",
        "deaths_civilians": "0",
        "deaths_unknown": "0",
        "best": "3",
        "high": "5",
        "low": "2",
    }
    base.update(values)
    return base


TIBU = {
    "latitude": "8.64",
    "longitude": "-72.73",
    "geom_wkt": "POINT (-72.73 8.64)",
    "where_coordinates": "Tibú town",
    "adm_1": "Norte de Santander department",
    "adm_2": "Tibú municipality",
}
MEDELLIN = {
    "latitude": "6.25",
    "longitude": "-75.57",
    "geom_wkt": "POINT (-75.57 6.25)",
    "where_coordinates": "Medellín city",
    "adm_1": "Antioquia department",
    "adm_2": "Medellín municipality",
}
CARACAS = {
    "latitude": "10.49",
    "longitude": "-66.88",
    "geom_wkt": "POINT (-66.88 10.49)",
    "where_coordinates": "Caracas city",
    "adm_1": "Distrito Capital state",
    "adm_2": "Libertador municipality",
    "country": "Venezuela",
    "country_id": "101",
}


def write_ucdp(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    columns = columns or UCDP_COLUMNS
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for r in rows:
            writer.writerow([r.get(c, "") for c in columns])
    return path


def fetch(db: Path) -> pd.DataFrame:
    with store_access.read(db) as con:
        return con.execute("SELECT * FROM incidents ORDER BY incident_id").df()


def one(db: Path) -> pd.Series:
    frame = fetch(db)
    assert len(frame) == 1, f"expected one stored incident, found {len(frame)}"
    return frame.iloc[0]


def imp(path: Path, db: Path, **kw) -> ingest.ImportReport:
    return ingest.import_file(path, db=db, **kw)


def counts(report: ingest.ImportReport) -> tuple[int, int, int, int]:
    return report.read, report.inserted, report.duplicates, report.rejected


def is_null(value: object) -> bool:
    return value is None or pd.isna(value)


# --------------------------------------------------------------------------------------------
# Mapping of one record


def test_full_record_mapping(tmp_path: Path, empty_db: Path) -> None:
    report = imp(write_ucdp(tmp_path / "ged.csv", [ucdp_row()]), empty_db)
    assert counts(report) == (1, 1, 0, 0)
    assert report.format == "ucdp"
    assert report.warnings == {}
    rec = one(empty_db)
    assert rec["incident_id"] == "ucdp:451234"
    assert str(rec["event_date"])[:10] == "2022-09-02"
    assert rec["date_precision"] == "day"
    assert rec["event_type"] == "Battles"
    assert rec["sub_event_type"] == "State-based conflict"
    assert "type_of_violence 1" in rec["event_type_original"]
    assert rec["actor1"] == "State forces"
    assert rec["actor1_raw"] == "Government of Colombia"
    assert rec["actor2"] == "ELN"
    assert rec["actor2_raw"] == "ELN"
    assert rec["fatalities"] == 3
    assert rec["geo_precision"] == 1
    assert (rec["dept_code"], rec["muni_code"]) == ("41", "41001")
    assert rec["latitude"] == pytest.approx(2.93)
    assert rec["longitude"] == pytest.approx(-75.28)
    assert rec["location"] == "Neiva town"
    assert rec["source"] == "UCDP GED (El Tiempo)"
    assert "low 2" in rec["notes"] and "high 5" in rec["notes"] and "best 3" in rec["notes"]
    assert "Government of Colombia - ELN" in rec["notes"]
    original = json.loads(rec["original"])
    assert (original["low"], original["best"], original["high"]) == ("2", "3", "5")
    assert original["relid"] == "COL-2022-1-289-12"
    assert list(rec["assoc_actors"]) == []


def test_incident_id_is_prefixed_id(tmp_path: Path, empty_db: Path) -> None:
    rows = [ucdp_row(id="1"), ucdp_row(id="999001", **TIBU)]
    imp(write_ucdp(tmp_path / "ids.csv", rows), empty_db)
    assert fetch(empty_db)["incident_id"].tolist() == ["ucdp:1", "ucdp:999001"]


@pytest.mark.parametrize("text", ["2022-09-02", "2022-09-02 00:00:00.000", "2022-09-02 00:00:00"])
def test_date_start_formats(tmp_path: Path, empty_db: Path, text: str) -> None:
    report = imp(write_ucdp(tmp_path / "d.csv", [ucdp_row(date_start=text)]), empty_db)
    assert report.inserted == 1
    assert str(one(empty_db)["event_date"])[:10] == "2022-09-02"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("1", "day"), ("2", "week"), ("3", "month"), ("4", "year"), ("5", "year")],
)
def test_date_prec(tmp_path: Path, empty_db: Path, code: str, expected: str) -> None:
    imp(write_ucdp(tmp_path / "dp.csv", [ucdp_row(date_prec=code)]), empty_db)
    assert one(empty_db)["date_precision"] == expected


@pytest.mark.parametrize(
    ("code", "event_type", "category", "side_b", "actor2"),
    [
        ("1", "Battles", "State-based conflict", "ELN", "ELN"),
        ("2", "Battles", "Non-state conflict", "Clan del Golfo", "Clan del Golfo"),
        ("3", "Violence against civilians", "One-sided violence", "Civilians", "Civilians"),
    ],
)
def test_type_of_violence(
    tmp_path: Path,
    empty_db: Path,
    code: str,
    event_type: str,
    category: str,
    side_b: str,
    actor2: str,
) -> None:
    side_a = (
        "ELN" if code == "2" else ("Clan del Golfo" if code == "3" else "Government of Colombia")
    )
    row = ucdp_row(type_of_violence=code, side_a=side_a, side_b=side_b)
    imp(write_ucdp(tmp_path / "v.csv", [row]), empty_db)
    rec = one(empty_db)
    assert rec["event_type"] == event_type
    assert rec["sub_event_type"] == category
    assert f"type_of_violence {code}" in rec["event_type_original"]
    assert category.lower() in rec["event_type_original"]
    assert rec["actor2"] == actor2


def test_best_low_high(tmp_path: Path, empty_db: Path) -> None:
    row = ucdp_row(best="12", low="9", high="20", deaths_a="4", deaths_b="6", deaths_civilians="2")
    imp(write_ucdp(tmp_path / "b.csv", [row]), empty_db)
    rec = one(empty_db)
    assert rec["fatalities"] == 12
    assert "low 9" in rec["notes"]
    assert "high 20" in rec["notes"]


def test_best_zero_is_zero(tmp_path: Path, empty_db: Path) -> None:
    imp(write_ucdp(tmp_path / "b0.csv", [ucdp_row(best="0", low="0", high="0")]), empty_db)
    assert one(empty_db)["fatalities"] == 0


@pytest.mark.parametrize(
    ("where_prec", "geo", "muni"),
    [("1", 1, "41001"), ("2", 2, "41001"), ("3", 2, "41001"), ("4", 3, None)],
)
def test_where_prec(
    tmp_path: Path, empty_db: Path, where_prec: str, geo: int, muni: str | None
) -> None:
    imp(write_ucdp(tmp_path / "w.csv", [ucdp_row(where_prec=where_prec)]), empty_db)
    rec = one(empty_db)
    assert rec["geo_precision"] == geo
    assert rec["dept_code"] == "41"
    if muni is None:
        assert is_null(rec["muni_code"])
    else:
        assert rec["muni_code"] == muni


def test_where_prec_4_department_only_elsewhere(tmp_path: Path, empty_db: Path) -> None:
    rows = [
        ucdp_row(id="1", where_prec="4", **{**TIBU, "adm_2": ""}),
        ucdp_row(id="2", where_prec="3", **MEDELLIN),
    ]
    imp(write_ucdp(tmp_path / "w4.csv", rows), empty_db)
    got = fetch(empty_db)
    assert got["dept_code"].tolist() == ["54", "05"]
    assert [None if is_null(m) else m for m in got["muni_code"]] == [None, "05001"]
    assert got["geo_precision"].tolist() == [3, 2]


@pytest.mark.parametrize("where_prec", ["5", "6", "7"])
def test_where_prec_5_to_7_kept_without_a_place(
    tmp_path: Path, empty_db: Path, where_prec: str
) -> None:
    """A region or the whole country: a real event with real deaths, kept at precision 4 with no
    point and no municipality (never drawn at the country's centre)."""
    rows = [
        ucdp_row(id="1"),
        ucdp_row(id="2", where_prec=where_prec, adm_1="", adm_2="", best="11"),
    ]
    report = imp(write_ucdp(tmp_path / "w5.csv", rows), empty_db)
    assert counts(report) == (2, 2, 0, 0)
    rec = fetch(empty_db).set_index("incident_id").loc["ucdp:2"]
    assert rec["geo_precision"] == 4
    assert pd.isna(rec["latitude"]) and pd.isna(rec["longitude"])
    assert pd.isna(rec["dept_code"]) and pd.isna(rec["muni_code"])
    assert rec["fatalities"] == 11


def test_where_prec_5_keeps_the_department_it_names(tmp_path: Path, empty_db: Path) -> None:
    rows = [ucdp_row(id="2", where_prec="5", adm_1="Valle del Cauca  department", adm_2="")]
    report = imp(write_ucdp(tmp_path / "w5d.csv", rows), empty_db)
    assert counts(report) == (1, 1, 0, 0)
    rec = fetch(empty_db).iloc[0]
    assert (rec["geo_precision"], rec["dept_code"], rec["muni_code"]) == (4, "76", None)
    assert pd.isna(rec["latitude"])


def test_other_country_rejected(tmp_path: Path, empty_db: Path) -> None:
    rows = [ucdp_row(id="1"), ucdp_row(id="2", **CARACAS)]
    report = imp(write_ucdp(tmp_path / "ven.csv", rows), empty_db)
    assert counts(report) == (2, 1, 0, 1)
    assert report.rejects[0].row == 3
    assert "outside scope" in report.rejects[0].reason
    assert "Venezuela" in report.rejects[0].reason
    with open(report.rejects_file, newline="", encoding="utf-8") as fh:
        listed = list(csv.DictReader(fh))
    assert [(r["row"], r["id"], r["country"]) for r in listed] == [("3", "2", "Venezuela")]


def test_colombia_row_with_venezuelan_point_and_no_known_names_kept_unplaced(
    tmp_path: Path, empty_db: Path
) -> None:
    """UCDP says Colombia, the point is in Caracas and the names are Venezuelan: the event is
    kept as known only to be in Colombia, with a note on the incident and a warning."""
    point = {k: v for k, v in CARACAS.items() if k not in ("country", "country_id")}
    report = imp(write_ucdp(tmp_path / "pt.csv", [ucdp_row(**point)]), empty_db)
    assert counts(report) == (1, 1, 0, 0)
    assert report.warnings.get("unplaced_outside") == 1
    rec = fetch(empty_db).iloc[0]
    assert (rec["geo_precision"], rec["dept_code"], rec["muni_code"]) == (4, None, None)
    assert rec["place_note"].startswith("unplaced: the point (10.49000, -66.88000)")


def test_point_far_outside_placed_by_the_source_names(tmp_path: Path, empty_db: Path) -> None:
    """The real GED row 118928: "Teorama town" placed at (8.43833, -72.29), 14 km inside
    Venezuela; adm_1/adm_2 name Teorama, Norte de Santander (DANE 54800)."""
    row = ucdp_row(
        latitude="8.43833",
        longitude="-72.29",
        adm_1="Norte de Santander department",
        adm_2="Teorama municipality",
    )
    report = imp(write_ucdp(tmp_path / "teorama.csv", [row]), empty_db)
    assert counts(report) == (1, 1, 0, 0)
    assert report.warnings.get("placed_by_name") == 1
    rec = fetch(empty_db).iloc[0]
    assert (rec["dept_code"], rec["muni_code"], rec["geo_precision"]) == ("54", "54800", 2)
    assert rec["place_note"].startswith("placed by name")
    assert "Teorama (54800)" in rec["place_note"]
    # the stored point is inside Teorama now (its representative point), not in Venezuela
    assert rec["longitude"] < -72.9


def test_point_just_off_the_coast_snapped(tmp_path: Path, empty_db: Path) -> None:
    """The real GED row 220568: a bridge over the Toribio river, 0.13 km off DANE's coastline
    of Santa Marta (47001); the point is kept, the municipality assigned, a warning given."""
    row = ucdp_row(
        latitude="11.3312",
        longitude="-74.13796",
        adm_1="Magdalena department",
        adm_2="",
    )
    report = imp(write_ucdp(tmp_path / "coast.csv", [row]), empty_db)
    assert counts(report) == (1, 1, 0, 0)
    assert report.warnings.get("snapped") == 1
    rec = fetch(empty_db).iloc[0]
    assert (rec["dept_code"], rec["muni_code"], rec["geo_precision"]) == ("47", "47001", 1)
    assert (rec["latitude"], rec["longitude"]) == (11.3312, -74.13796)
    assert "0.1 km outside Santa Marta (47001)" in rec["place_note"]


def test_snap_refused_when_the_names_say_otherwise(tmp_path: Path, empty_db: Path) -> None:
    """Just outside Santa Marta, but the source names Cesar: the names win (department only)."""
    row = ucdp_row(latitude="11.3312", longitude="-74.13796", adm_1="Cesar department", adm_2="")
    report = imp(write_ucdp(tmp_path / "coast2.csv", [row]), empty_db)
    assert report.warnings.get("placed_by_name") == 1 and "snapped" not in report.warnings
    rec = fetch(empty_db).iloc[0]
    assert (rec["dept_code"], rec["muni_code"], rec["geo_precision"]) == ("20", None, 3)


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"type_of_violence": "4"}, "type_of_violence"),
        ({"where_prec": "9"}, "where_prec"),
        ({"date_prec": "6"}, "date_prec"),
        ({"date_start": "02/09/2022"}, "date_start"),
        ({"date_start": ""}, "date_start is empty"),
        ({"best": "-1"}, "best"),
        ({"best": ""}, "best"),
        ({"latitude": "", "longitude": ""}, "latitude/longitude missing"),
        ({"id": ""}, "id is empty"),
    ],
)
def test_each_reject_reason(
    tmp_path: Path, empty_db: Path, cells: dict[str, str], reason: str
) -> None:
    rows = [ucdp_row(id="1"), ucdp_row(**{"id": "2", **cells})]
    report = imp(write_ucdp(tmp_path / "r.csv", rows), empty_db)
    assert counts(report) == (2, 1, 0, 1)
    assert report.rejects[0].row == 3
    assert reason in report.rejects[0].reason


# --------------------------------------------------------------------------------------------
# Actors, detection, idempotence


@pytest.mark.parametrize(
    ("side_a", "side_b", "actor1", "actor2"),
    [
        ("Government of Colombia", "ELN", "State forces", "ELN"),
        ("Government of Colombia", "FARC dissidents", "State forces", "FARC dissidents"),
        ("Clan del Golfo", "ELN", "Clan del Golfo", "ELN"),
        ("Frente 33", "ELN", "Frente 33", "ELN"),
        # unknown: verbatim (a fictitious name: Los Rastrojos are in the registry since issue 20)
        ("Grupo Ficticio de Prueba", "Civilians", "Grupo Ficticio de Prueba", "Civilians"),
    ],
)
def test_sides_through_actor_registry(
    tmp_path: Path, empty_db: Path, side_a: str, side_b: str, actor1: str, actor2: str
) -> None:
    imp(write_ucdp(tmp_path / "s.csv", [ucdp_row(side_a=side_a, side_b=side_b)]), empty_db)
    rec = one(empty_db)
    assert (rec["actor1"], rec["actor2"]) == (actor1, actor2)
    assert (rec["actor1_raw"], rec["actor2_raw"]) == (side_a, side_b)


def test_format_auto_detected(tmp_path: Path, empty_db: Path) -> None:
    assert ingest.detect_format(UCDP_COLUMNS, "x") == "ucdp"
    report = ingest.import_file(
        write_ucdp(tmp_path / "ged251.csv", [ucdp_row()]), db=empty_db, fmt="auto"
    )
    assert report.format == "ucdp"
    assert report.dataset == "ged251"
    with store_access.read(empty_db) as con:
        assert con.execute("SELECT format, inserted FROM imports").fetchall() == [("ucdp", 1)]


def test_adm_names_with_codebook_suffixes_are_not_mismatches(
    tmp_path: Path, empty_db: Path
) -> None:
    rows = [ucdp_row(id="1"), ucdp_row(id="2", **TIBU), ucdp_row(id="3", **MEDELLIN)]
    report = imp(write_ucdp(tmp_path / "adm.csv", rows), empty_db)
    assert counts(report) == (3, 3, 0, 0)
    assert report.warnings.get("admin_mismatch", 0) == 0
    assert fetch(empty_db)["muni_code"].tolist() == ["41001", "54810", "05001"]


def test_adm_disagreement_keeps_ours_and_warns(tmp_path: Path, empty_db: Path) -> None:
    row = ucdp_row(adm_1="Cauca department", adm_2="Popayán municipality")
    report = imp(write_ucdp(tmp_path / "adm2.csv", [row]), empty_db)
    assert report.inserted == 1
    assert report.warnings == {"admin_mismatch": 1}
    assert one(empty_db)["muni_code"] == "41001"


def test_reimport_inserts_nothing(tmp_path: Path, empty_db: Path) -> None:
    rows = [ucdp_row(id="1"), ucdp_row(id="2", **TIBU), ucdp_row(id="3", where_prec="9")]
    path = write_ucdp(tmp_path / "again.csv", rows)
    assert counts(imp(path, empty_db)) == (3, 2, 0, 1)
    assert counts(imp(path, empty_db)) == (3, 0, 2, 1)
    assert fetch(empty_db)["incident_id"].tolist() == ["ucdp:1", "ucdp:2"]
