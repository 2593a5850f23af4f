"""The import pipeline's own logic (conflictmap/ingest.py): placement of candidate rows on the
made-up square boundaries of tests/fixtures/mini_colombia.topojson (containment, distances and
representative points known by hand), place-name resolution, the report, the limits, uploads."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import store_access

from conflictmap import ingest, settings
from conflictmap.actors import default_registry
from conflictmap.geography import Geography, load_geography
from conflictmap.importers.candidates import Candidates, candidate
from conflictmap.importers.csvfile import FileError
from conflictmap.importers.layout import LayoutError
from conflictmap.schema import RECORD_COLUMNS

# The DANE geography and what an import derives from it, loaded once when the module is
# collected: every import here needs them, and a mutation-testing fork server
# (docs/mutation/shards/conflictmap.ingest.toml) then shares them with each mutant's run instead
# of rebuilding them per mutant.
_DANE = load_geography(allow_download=False)
_DANE.gazetteer, _DANE.representative_points, _DANE.neighbours  # noqa: B018

# Boxes of the mini boundaries (tests/fixtures/make_mini_boundaries.py): Huila "41" is
# (-76, 2)-(-75, 3), tiled by Neiva "41001" (-75.5, 2.5)-(-75, 3), Acevedo "41006"
# (-76, 2.5)-(-75.5, 3) and Agrado "41013" (-76, 2)-(-75, 2.5); Antioquia "05" is (-76, 6)-(-75, 7)
# with Medellín "05001" its western half. A box's representative point is its centre.
NEIVA_CENTRE = (-75.25, 2.75)
HUILA_CENTRE = (-75.5, 2.5)
MEDELLIN_CENTRE = (-75.75, 6.5)
# 0.02° east of Neiva's eastern edge (-75.0) at latitude 2.75: 0.02 * 111.32 * cos(2.75°) km
JUST_EAST_OF_NEIVA = (2.75, -74.98)
FAR_EAST = (2.75, -70.0)  # hundreds of km from every box


def cand(row: int, **fields: object) -> dict[str, object]:
    """One candidate row (as a format module hands it to ingest)."""
    base: dict[str, object] = {
        "row": row,
        "incident_id": f"test:{row}",
        "event_date": date(2024, 2, 29),
        "event_type": "Battles",
        "source": "test",
        "original": json.dumps({"cell": str(row)}),
    }
    return candidate(**{**base, **fields})


def prepared(geo: Geography, *rows: dict[str, object]) -> tuple[pd.DataFrame, dict, Candidates]:
    candidates = Candidates(pd.DataFrame(list(rows), dtype=object))
    records, warnings = ingest.prepare(
        candidates, dataset="unit", geo=geo, registry=default_registry()
    )
    return records.set_index("incident_id"), warnings, candidates


def place_of(records: pd.DataFrame, row: int) -> tuple:
    rec = records.loc[f"test:{row}"]
    muni = None if pd.isna(rec["muni_code"]) else rec["muni_code"]
    dept = None if pd.isna(rec["dept_code"]) else rec["dept_code"]
    lat = None if pd.isna(rec["latitude"]) else round(float(rec["latitude"]), 5)
    lon = None if pd.isna(rec["longitude"]) else round(float(rec["longitude"]), 5)
    return dept, muni, int(rec["geo_precision"]), lat, lon


# --------------------------------------------------------------------------------------------
# Placement by point


def test_point_inside_a_municipality_keeps_the_point(mini_geography: Geography) -> None:
    records, warnings, candidates = prepared(
        mini_geography,
        cand(2, latitude=2.9, longitude=-75.1),  # Neiva
        cand(3, latitude=6.2, longitude=-75.9, geo_precision=2),  # Medellín, precision given
        cand(4, latitude=6.2, longitude=-75.9, geo_precision=float("nan")),  # NaN: not given
    )
    assert place_of(records, 2) == ("41", "41001", 1, 2.9, -75.1)
    assert place_of(records, 3) == ("05", "05001", 2, 6.2, -75.9)
    assert place_of(records, 4) == ("05", "05001", 1, 6.2, -75.9)
    assert warnings == {}
    assert candidates.rejects == []
    assert records["place_note"].isna().all()


def test_point_just_outside_is_snapped_to_the_nearest_municipality(
    mini_geography: Geography,
) -> None:
    lat, lon = JUST_EAST_OF_NEIVA
    records, warnings, _ = prepared(
        mini_geography,
        cand(2, latitude=lat, longitude=lon),
        # the source's own names agree with the nearest municipality: still snapped
        cand(3, latitude=lat, longitude=lon, admin1="Huila", admin2="Neiva"),
        # the department alone agrees
        cand(4, latitude=lat, longitude=lon, admin1="Huila"),
    )
    for row in (2, 3, 4):
        assert place_of(records, row) == ("41", "41001", 1, lat, lon)
        assert records.loc[f"test:{row}", "place_note"] == (
            "snapped: the point (2.75000, -74.98000) lies 2.2 km outside Neiva (41001), Huila, "
            "the nearest municipality"
        )
    assert warnings == {"snapped": 3}


def test_point_just_outside_named_elsewhere_is_placed_by_the_name(
    mini_geography: Geography,
) -> None:
    lat, lon = JUST_EAST_OF_NEIVA
    records, warnings, _ = prepared(
        mini_geography,
        cand(2, latitude=lat, longitude=lon, admin1="Antioquia", admin2="Medellín"),
        # a municipality of the same department but not the nearest one
        cand(3, latitude=lat, longitude=lon, admin2="Acevedo"),
        # the department named is another one: its representative point, precision 3
        cand(4, latitude=lat, longitude=lon, admin1="Antioquia"),
        # the source said precision 3: the place is the named municipality's department
        cand(5, latitude=lat, longitude=lon, admin2="Medellín", geo_precision=3),
    )
    assert place_of(records, 2) == ("05", "05001", 2, MEDELLIN_CENTRE[1], MEDELLIN_CENTRE[0])
    assert place_of(records, 3) == ("41", "41006", 2, 2.75, -75.75)
    assert place_of(records, 4) == ("05", None, 3, 6.5, -75.5)
    assert place_of(records, 5) == ("05", None, 3, MEDELLIN_CENTRE[1], MEDELLIN_CENTRE[0])
    assert records.loc["test:2", "place_note"] == (
        "placed by name: the point (2.75000, -74.98000) lies outside Medellín (05001), "
        "Antioquia, which the source names"
    )
    assert records.loc["test:4", "place_note"] == (
        "placed by name: the point (2.75000, -74.98000) lies outside Antioquia (05), "
        "which the source names"
    )
    assert warnings == {"placed_by_name": 4}


def test_point_far_outside(mini_geography: Geography) -> None:
    lat, lon = FAR_EAST
    records, warnings, candidates = prepared(
        mini_geography,
        cand(2, latitude=lat, longitude=lon),  # no country field: not in Colombia
        cand(3, latitude=lat, longitude=lon, in_country=True),  # a Colombian event, no place
        # the department named: placed there (by the name, not as a vague event)
        cand(4, latitude=lat, longitude=lon, in_country=True, admin1="Huila department"),
        cand(5, latitude=lat, longitude=lon, place_muni="Neiva"),  # placed by the name
        cand(6, latitude=2.9, longitude=-75.1),  # inside Neiva
        cand(7, latitude=lat, longitude=lon, in_country=True, admin2="Nowhere"),
    )
    assert [(r.row, r.reason, r.raw) for r in candidates.rejects] == [
        (2, "point (2.75000, -70.00000) is outside Colombia", {"cell": "2"})
    ]
    assert sorted(records.index) == ["test:3", "test:4", "test:5", "test:6", "test:7"]
    assert place_of(records, 7) == (None, None, 4, None, None)
    assert place_of(records, 3) == (None, None, 4, None, None)
    assert place_of(records, 4) == ("41", None, 3, HUILA_CENTRE[1], HUILA_CENTRE[0])
    assert place_of(records, 5) == ("41", "41001", 2, NEIVA_CENTRE[1], NEIVA_CENTRE[0])
    assert place_of(records, 6) == ("41", "41001", 1, 2.9, -75.1)
    assert records.loc["test:3", "place_note"] == (
        "unplaced: the point (2.75000, -70.00000) lies outside every municipality and the "
        "source names no place that resolves; kept as an event in Colombia"
    )
    assert records.loc["test:5", "place_note"] == (
        "placed by name: the point (2.75000, -70.00000) lies outside every municipality; "
        "the source names Neiva (41001), Huila"
    )
    assert warnings == {"unplaced_outside": 2, "placed_by_name": 2}


def test_reject_row_number_is_the_rows_own(mini_geography: Geography) -> None:
    """Rejects of a chunk keep their own row number and source cells (not the first row's)."""
    lat, lon = FAR_EAST
    _, _, candidates = prepared(
        mini_geography,
        cand(7, latitude=2.9, longitude=-75.1),
        cand(9, latitude=lat, longitude=lon),
        cand(12, place_muni="Nowhere"),
    )
    assert [(r.row, r.raw) for r in candidates.rejects] == [
        (9, {"cell": "9"}),
        (12, {"cell": "12"}),
    ]


# --------------------------------------------------------------------------------------------
# Placement by name, and events known only to the country


def test_named_places_at_their_representative_points(mini_geography: Geography) -> None:
    records, warnings, candidates = prepared(
        mini_geography,
        cand(2, place_muni="Neiva"),
        cand(3, place_muni="neiva", place_dept="HUILA", geo_precision=1),  # precision as given
        cand(4, place_dept="Huila"),
        cand(5, place_muni="41001", geo_precision=float("nan")),
        cand(6, place_muni="Neiva  municipality", place_dept="Huila"),
        cand(7, place_muni="Nowhere"),
        cand(8, place_muni="Neiva", place_dept="Antioquia"),
        # UCDP's way of writing the department, next to a municipality
        cand(9, place_muni="Neiva", place_dept="Huila  department"),
        cand(10, place_muni="Neiva", place_dept="Antioquia department"),
    )
    neiva = ("41", "41001", 2, NEIVA_CENTRE[1], NEIVA_CENTRE[0])
    assert place_of(records, 2) == neiva
    assert place_of(records, 3) == ("41", "41001", 1, NEIVA_CENTRE[1], NEIVA_CENTRE[0])
    assert place_of(records, 4) == ("41", None, 3, HUILA_CENTRE[1], HUILA_CENTRE[0])
    assert place_of(records, 5) == neiva
    assert place_of(records, 6) == neiva
    assert place_of(records, 9) == neiva
    assert sorted(records.index) == [f"test:{i}" for i in (2, 3, 4, 5, 6, 9)]
    reasons = {r.row: r.reason for r in candidates.rejects}
    assert set(reasons) == {7, 8, 10}
    assert reasons[10] == reasons[8]  # the suffix cleaned: the same reason as "Antioquia"
    assert reasons[7].startswith("unknown place: ")
    assert "Nowhere" in reasons[7]
    assert reasons[8].startswith("unknown place: ")
    assert "Neiva" in reasons[8] and "41001" in reasons[8]
    assert warnings == {}


def test_vague_events_have_no_point_and_the_department_they_name(
    mini_geography: Geography,
) -> None:
    records, _, candidates = prepared(
        mini_geography,
        cand(2, geo_precision=4),
        cand(3, geo_precision=4, place_dept="Antioquia", place_muni="Medellín"),
        cand(4, geo_precision=4, admin1="Huila", latitude=2.9, longitude=-75.1),
        cand(5, geo_precision=4, place_dept="Nowhere"),
        # a vague event's point is not used, even one outside Colombia
        cand(6, geo_precision=4, latitude=FAR_EAST[0], longitude=FAR_EAST[1]),
    )
    assert candidates.rejects == []
    assert place_of(records, 6) == (None, None, 4, None, None)
    assert place_of(records, 2) == (None, None, 4, None, None)
    assert place_of(records, 3) == ("05", None, 4, None, None)
    assert place_of(records, 4) == ("41", None, 4, None, None)
    assert place_of(records, 5) == (None, None, 4, None, None)


def test_mismatching_names_are_counted_per_row(mini_geography: Geography) -> None:
    inside = {"latitude": 2.9, "longitude": -75.1}  # Neiva
    _, warnings, _ = prepared(
        mini_geography,
        cand(2, **inside, place_muni="Neiva"),  # agrees
        cand(3, **inside, place_muni="Medellín"),  # disagrees
        cand(4, **inside, place_muni="Medellín"),  # the same combination again
        cand(5, **inside, place_muni="Nowhere"),  # does not resolve: a disagreement
        cand(6, **inside, admin1="Huila", admin2="Neiva"),  # agrees
        cand(7, **inside, admin1="Antioquia"),  # wrong department
        cand(8, **inside, admin1="Huila", admin2="Acevedo"),  # wrong municipality
        cand(9, **inside, admin2="Acevedo"),  # wrong municipality, no department
        cand(10, **inside, admin1="Antioquia", admin2="Neiva"),  # wrong department only
    )
    assert warnings == {"place_mismatch": 3, "admin_mismatch": 4}


def test_names_missing_as_none_are_no_disagreement(mini_geography: Geography) -> None:
    # a format module may hand None instead of "" for a name the row does not give
    inside = {"latitude": 2.9, "longitude": -75.1}  # Neiva
    missing = {"place_muni": None, "place_dept": None, "admin1": None, "admin2": None}
    _, warnings, candidates = prepared(
        mini_geography,
        cand(2, **inside, **missing),
        cand(3, **inside, **missing),
        cand(4, **inside, **{**missing, "admin1": "Antioquia"}),  # wrong department
        cand(5, **inside, **{**missing, "place_muni": "Neiva"}),  # agrees
    )
    assert candidates.rejects == []
    assert warnings == {"admin_mismatch": 1}


def test_names_resolve_within_the_named_department(mini_geography: Geography) -> None:
    names = ingest._Names(mini_geography.gazetteer)
    assert names.place("Neiva", "Huila") == ("41", "41001")
    assert names.place("Neiva", "") == ("41", "41001")
    assert names.place("Medellín", "Huila") == ("41", None)  # not in Huila: the department
    assert names.place("Nowhere", "Huila") == ("41", None)
    assert names.place("Nowhere", "") is None
    assert names.place("", "Nowhere") is None
    assert names.place("", "") is None
    assert names.code("dept", "Antioquia") == "05"
    assert names.code("muni", "Medellín", "05") == "05001"
    assert names.code("muni", "Medellín", "41") is None
    assert names.code("dept", "Nowhere") is None
    assert names.lookup("", "Huila department") == ("41", None)
    assert names.lookup("Cúcuta", "") == ("54", "54001")
    assert names.label("05", "05001") == "Medellín (05001), Antioquia"
    assert names.label("54", None) == "Norte de Santander (54)"


@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("Huila department", "Huila"),
        ("Valle del Cauca  department", "Valle del Cauca"),
        ("Cúcuta municipality", "Cúcuta"),
        ("Antioquia DEPARTAMENTO", "Antioquia"),
        ("Neiva municipio", "Neiva"),
        ("Medellín city", "Medellín"),
        ("La Unión town", "La Unión"),
        ("El Plateado village", "El Plateado"),
        ("Bogotá district", "Bogotá"),
        ("  San   Andrés  ", "San Andrés"),
        ("Department of Huila", "Department of Huila"),  # only a trailing word
        ("Citytown", "Citytown"),  # a whole word after a space
        ("Huila departments", "Huila departments"),
    ],
)
def test_clean_admin_name(name: str, clean: str) -> None:
    assert ingest.clean_admin_name(name) == clean


def test_prepare_finishes_the_records(mini_geography: Geography) -> None:
    records, _, _ = prepared(
        mini_geography,
        cand(2, latitude=2.9, longitude=-75.1, fatalities=3, victims=5, actor1_raw="ELN",
             actor2_raw="Military Forces of Colombia (2022-)",
             assoc_actors_raw="FARC; Civilians (Colombia)", fatalities_low=2,
             fatalities_high=4),  # fmt: skip
        cand(3, place_muni="Neiva", geo_precision=3),  # precision 3: no municipality kept
    )
    # each role resolved by the registry to its canonical name, the source's cells kept
    rec = records.loc["test:2"]
    assert (rec["actor1"], rec["actor2"], list(rec["assoc_actors"])) == (
        "ELN", "Military", ["FARC-EP", "Civilians"],
    )  # fmt: skip
    assert (rec["actor1_raw"], rec["assoc_actors_raw"]) == ("ELN", "FARC; Civilians (Colombia)")
    assert (rec["fatalities_low"], rec["fatalities_high"]) == (2, 4)
    assert [str(records[c].dtype) for c in ("fatalities_low", "fatalities_high", "victims")] == [
        "Int32", "Int32", "Int32",
    ]  # fmt: skip
    assert rec["imported_at"].microsecond == 0  # stored to the second
    assert list(records.reset_index().columns) == list(RECORD_COLUMNS)
    assert records.loc["test:2", "fatalities"] == 3
    assert records.loc["test:2", "victims"] == 5
    assert str(records["fatalities"].dtype) == "Int32"
    assert str(records["geo_precision"].dtype) == "int16"
    assert (records["dataset"] == "unit").all()
    assert records.loc["test:2", "event_date"] == date(2024, 2, 29)
    assert place_of(records, 3) == ("41", None, 3, NEIVA_CENTRE[1], NEIVA_CENTRE[0])


def test_prepare_of_nothing(mini_geography: Geography) -> None:
    records, warnings, _ = prepared(mini_geography)
    assert len(records) == 0
    assert warnings == {}


# --------------------------------------------------------------------------------------------
# Limits


def test_within_row_limit_allows_exactly_the_limit() -> None:
    ingest._within_row_limit("f.csv", 3, 3)
    with pytest.raises(FileError) as err:
        ingest._within_row_limit("f.csv", 4, 3)
    assert str(err.value) == (
        f"f.csv: more than 3 rows, the most ConflictMap imports from one file; split the file, "
        f"or raise the limit with the environment variable {settings.ENV_MAX_ROWS} "
        f"(e.g. {settings.ENV_MAX_ROWS}=6)"
    )


def test_count_cells() -> None:
    cells: dict[str, int] = {"ELN": 1}
    frame = pd.DataFrame(
        {
            "actor1_raw": ["ELN", "ELN", "FARC", "  ", None],
            "actor2_raw": ["Military", "", "ELN", "Military", "Military"],
            "assoc_actors_raw": ["FARC; ELN", "", None, "FARC; ELN", " "],
        }
    )
    ingest._count_cells(frame, cells)
    # each cell as the source wrote it (a list of associated actors is one cell)
    assert cells == {"ELN": 4, "FARC": 1, "Military": 3, "FARC; ELN": 2}


# --------------------------------------------------------------------------------------------
# Uploads


def test_spooled_copies_the_stream_from_its_start_under_its_name() -> None:
    stream = io.BytesIO(b"a,b\n1,2\n")
    stream.read(3)  # a reader already looked at it
    with ingest.spooled(stream, "uploads/datos.csv") as path:
        assert path.name == "datos.csv"
        assert path.read_bytes() == b"a,b\n1,2\n"
        folder = path.parent
    assert not folder.exists()
    with ingest.spooled(io.BytesIO(b"x"), "") as path:
        assert path.name == "upload.csv"


def test_spooled_errors_name_the_upload_not_the_temporary_file() -> None:
    with pytest.raises(FileError) as err, ingest.spooled(io.BytesIO(b"x"), "mío.csv") as path:
        raise FileError(f"{path}: cannot read {path}")
    assert str(err.value) == "mío.csv: cannot read mío.csv"
    with pytest.raises(ValueError, match="upload-"), ingest.spooled(io.BytesIO(b"x"), "a.csv"):
        raise ValueError("conflictmap-upload-")  # not one of ``errors``: unchanged


def stored(db: Path, sql: str = "SELECT count(*) FROM incidents") -> object:
    with store_access.read(db) as con:
        return con.execute(sql).fetchone()


def test_limits_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.ENV_MAX_ROWS, "1234567")
    assert ingest.limits_note(2.5) == (
        "At most 2.5 MB per file (Streamlit's `server.maxUploadSize` in .streamlit/config.toml "
        f"sets it) and 1,234,567 rows (the environment variable `{settings.ENV_MAX_ROWS}` raises "
        "it; `conflictmap import` on the command line has no size limit)."
    )
    assert ingest.limits_note(200.0).startswith("At most 200 MB per file ")


# --------------------------------------------------------------------------------------------
# Whole imports (the DANE boundaries): counts, fatalities, the log, progress and audit

NATIVE = ["event_date", "event_type", "actor1", "fatalities", "municipality", "department",
          "latitude", "longitude", "source", "source_url"]  # fmt: skip


def native_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{c: r.get(c, "") for c in NATIVE} for r in rows], dtype=object)


def neiva(day: int, fatalities: str, **cells: str) -> dict[str, str]:
    return {"event_date": f"2024-02-{day:02d}", "event_type": "Battles", "actor1": "ELN",
            "fatalities": fatalities, "municipality": "41001", "source": "test",
            "source_url": "https://example.org/x", **cells}  # fmt: skip


# 6 rows: 3 distinct stored (one Medellín by name, "05001"), 1 repeated in the file,
# 2 rejected (a bad date, an unknown municipality)
MIXED = [
    neiva(28, "2", actor1="Frente Inventado"),
    neiva(29, "3", actor1="FARC"),
    neiva(28, "2", actor1="Frente Inventado"),  # the first row again: a duplicate
    neiva(31, "7"),  # 31 February: rejected
    neiva(27, "4", municipality="05001", department="Antioquia"),
    neiva(26, "5", municipality="Nowhere"),
]


def fatalities_of(rows: list[dict[str, str]]) -> int:
    return int(pd.to_numeric(pd.Series([r["fatalities"] for r in rows])).sum())


def test_an_import_accounts_for_every_row_and_fatality(
    tmp_path: Path,
    boundaries,  # noqa: ARG001
) -> None:
    db = tmp_path / "t.duckdb"
    seen: list[int] = []
    audits: list[dict[str, object]] = []
    frame = native_frame(MIXED)
    report = ingest.import_file(
        _csv(tmp_path / "mixed.csv", frame),
        db=db,
        chunk_rows=4,
        progress=seen.append,
        audit_entry=lambda con, entry: audits.append(
            # written in the import's transaction: it sees the rows being stored
            {**entry, "rows_seen": con.execute("SELECT count(*) FROM incidents").fetchone()[0]}
        ),
        rejects_dir=tmp_path / "rejects",
    )
    assert (report.read, report.inserted, report.duplicates, report.rejected) == (6, 3, 1, 2)
    assert (report.dataset, report.format) == ("mixed", "native")
    assert seen == [4, 6]
    counts = {"read": 6, "inserted": 3, "duplicates": 1, "rejected": 2}
    assert audits == [{"dataset": "mixed", "format": "native", **counts, "rows_seen": 3}]
    log = stored(db, "SELECT dataset, file, format, read, inserted, duplicates, rejected "
                     "FROM imports")  # fmt: skip
    assert log == ("mixed", str(tmp_path / "mixed.csv"), "native", 6, 3, 1, 2)
    assert stored(db, "SELECT count(*), sum(fatalities) FROM incidents") == (
        3,
        fatalities_of([MIXED[0], MIXED[1], MIXED[4]]),
    )
    assert report.fatalities == {
        "read": fatalities_of(MIXED),
        "stored": fatalities_of([MIXED[0], MIXED[1], MIXED[4]]),
        "duplicate": fatalities_of([MIXED[2]]),
        "rejected": fatalities_of([MIXED[3], MIXED[5]]),
    }
    assert report.victims is None
    assert [(r.row, r.raw["event_date"]) for r in report.rejects] == [
        (5, "2024-02-31"),
        (7, "2024-02-26"),
    ]
    assert report.rejects_file is not None
    assert Path(report.rejects_file).parent == tmp_path / "rejects"
    # a UTF-8 CSV of a known format is streamed in chunks (csvfile), not read whole
    assert report.detected == {"file": "CSV, UTF-8, comma-separated"}
    assert report.actors is not None
    # an unknown name is kept as written, with the incidents that name it (the repeat too)
    assert report.actors.as_json() == {
        "resolved_by_registry": 2,  # FARC, ELN
        "resolved_by_hand": 0,
        "unresolved": 1,
        "unresolved_names": {"Frente Inventado": 2},
    }
    assert json.loads(json.dumps(report.as_json()))["actors"] == {
        "resolved_by_registry": 2,
        "resolved_by_hand": 0,
        "unresolved": 1,
        "unresolved_names": {"Frente Inventado": 2},
    }


def _csv(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


def test_check_file_tells_what_importing_would_do(
    tmp_path: Path,
    boundaries,  # noqa: ARG001
) -> None:
    db = tmp_path / "t.duckdb"
    path = _csv(tmp_path / "mixed.csv", native_frame(MIXED))
    ingest.import_frame(native_frame(MIXED[:1]), name="first", db=db, dataset="first")
    report = ingest.check_file(path, db=db, chunk_rows=4)
    # the first row is stored already; its repeat is a duplicate as well
    assert (report.read, report.inserted, report.duplicates, report.rejected) == (6, 2, 2, 2)
    assert (report.dataset, report.format) == ("mixed", "native")
    assert report.fatalities == {
        "read": fatalities_of(MIXED),
        "stored": fatalities_of([MIXED[1], MIXED[4]]),
        "duplicate": fatalities_of([MIXED[0], MIXED[2]]),
        "rejected": fatalities_of([MIXED[3], MIXED[5]]),
    }
    assert [r.row for r in report.rejects] == [5, 7]
    assert report.rejects_file is None
    assert report.detected == {"file": "CSV, UTF-8, comma-separated"}
    assert ingest.check_file(path, db=db, sheet="").detected == report.detected
    assert report.actors is not None
    assert report.actors.as_json()["unresolved_names"] == {"Frente Inventado": 2}
    assert stored(db) == (1,)  # nothing written
    same = ingest.check_frame(native_frame(MIXED), name="mixed.csv", db=db, dataset="d")
    assert (same.read, same.inserted, same.duplicates, same.rejected) == (6, 2, 2, 2)
    assert (same.dataset, same.format, same.detected) == ("d", "native", {})
    assert same.fatalities == report.fatalities


def test_check_file_of_a_header_only_file_is_an_error(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    path = tmp_path / "empty.csv"  # UTF-16: read whole, not streamed
    path.write_text(",".join(NATIVE) + "\n", encoding="utf-16")
    with pytest.raises(FileError, match=r"^empty\.csv: "):
        ingest.check_file(path, db=tmp_path / "t.duckdb", name="empty.csv")
    with pytest.raises(FileError, match=r"^empty\.csv: "):
        ingest.import_file(path, db=tmp_path / "t.duckdb", name="empty.csv")
    with pytest.raises(FileError) as err:  # by default the file is named by its path
        ingest.check_file(path, db=tmp_path / "t.duckdb")
    assert str(err.value).startswith(f"{path}: ")
    # one row is not none
    one = tmp_path / "one.csv"
    one.write_text(",".join(NATIVE) + "\n" + ",".join(MIXED[0].get(c, "") for c in NATIVE) + "\n",
                   encoding="utf-16")  # fmt: skip
    checked = ingest.check_file(one, db=tmp_path / "t.duckdb", dataset="otro")
    assert (checked.read, checked.inserted, checked.dataset) == (1, 1, "otro")


def test_streams_are_named_by_the_upload(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    db = tmp_path / "t.duckdb"
    data = native_frame(MIXED).to_csv(index=False).encode("utf-8")
    checked = ingest.check_stream(io.BytesIO(data), name="subida.csv", db=db, chunk_rows=4)
    assert (checked.dataset, checked.read, checked.inserted) == ("subida", 6, 3)
    report = ingest.import_stream(io.BytesIO(data), name="subida.csv", db=db, chunk_rows=4)
    assert (report.dataset, report.read, report.inserted, report.rejected) == ("subida", 6, 3, 2)
    assert stored(db, "SELECT file, dataset FROM imports") == ("subida.csv", "subida")
    other = ingest.import_stream(io.BytesIO(data), name="subida.csv", db=db, dataset="mine")
    assert (other.dataset, other.inserted, other.duplicates) == ("mine", 0, 4)


def test_a_row_limit_counts_across_chunks(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    boundaries,  # noqa: ARG001
) -> None:
    monkeypatch.setenv(settings.ENV_MAX_ROWS, "6")
    db = tmp_path / "t.duckdb"
    path = _csv(tmp_path / "six.csv", native_frame(MIXED))
    assert ingest.check_file(path, db=db, chunk_rows=4).read == 6
    assert ingest.import_file(path, db=db, chunk_rows=4).read == 6
    monkeypatch.setenv(settings.ENV_MAX_ROWS, "5")
    with pytest.raises(FileError, match="more than 5 rows"):
        ingest.check_file(path, db=db, chunk_rows=4)
    with pytest.raises(FileError, match=r"^six\.csv: more than 5 rows"):
        ingest.check_frame(native_frame(MIXED), name="six.csv", db=db, dataset="d")


def test_hxl_row_is_not_a_record_and_row_numbers_count_it(
    tmp_path: Path,
    boundaries,  # noqa: ARG001
) -> None:
    """Spreadsheet rows: header 1, hashtags 2, records from 3; streamed and whole tables."""
    hxl = {c: f"#{c.replace('_', '')}" for c in NATIVE}
    frame = native_frame([hxl, MIXED[0], MIXED[3]])
    path = _csv(tmp_path / "hxl.csv", frame)
    streamed = ingest.check_file(path, db=tmp_path / "t.duckdb")
    assert (streamed.read, streamed.inserted, [r.row for r in streamed.rejects]) == (2, 1, [4])
    whole = ingest.check_frame(frame, name="hxl", db=tmp_path / "t.duckdb", dataset="d")
    assert (whole.read, whole.inserted, [r.row for r in whole.rejects]) == (2, 1, [4])
    plain = ingest.check_frame(frame.iloc[1:], name="p", db=tmp_path / "t.duckdb", dataset="d")
    assert [r.row for r in plain.rejects] == [3]


# --------------------------------------------------------------------------------------------
# Formats


ACLED_HEAD = ["event_id_cnty", "event_date", "event_type", "actor1", "country", "latitude",
              "longitude", "fatalities", "source"]  # fmt: skip


def test_detect_format() -> None:
    assert ingest.detect_format(ACLED_HEAD, "f") == "acled"
    assert ingest.detect_format(["id", "type_of_violence", "where_prec", "date_start", "best",
                                 "latitude", "longitude"], "f") == "ucdp"  # fmt: skip
    native_cols = ["event_date", "event_type", "source", "municipality"]
    assert ingest.detect_format(native_cols, "f") == "native"
    assert ingest.detect_format(["event_date", "event_type", "source", "latitude", "longitude"],
                                "f") == "native"  # fmt: skip
    # three of a source's own columns without its signature: that source (its error names
    # what is missing), even when the native columns are there too
    assert ingest.detect_format([*native_cols, "disorder_type", "inter1", "inter2"], "f") == "acled"
    assert ingest.detect_format([*native_cols, "disorder_type", "inter1"], "f") == "native"
    assert ingest.detect_format([*native_cols, "relid", "dyad_name", "side_a"], "f") == "ucdp"
    with pytest.raises(FileError) as err:
        ingest.detect_format(["fecha", "municipio"], "datos.csv")
    assert str(err.value) == (
        "datos.csv: the header matches no known format. Native needs event_date, event_type, "
        "source and latitude+longitude or municipality; ACLED needs actor1, event_id_cnty, "
        "event_type, fatalities; UCDP GED needs best, date_start, id, type_of_violence, where_prec"
    )


def test_unknown_or_unfit_format_is_refused(tmp_path: Path) -> None:
    frame = pd.DataFrame({"event_date": ["2024-02-29"], "event_type": ["Battles"],
                          "source": ["x"]})  # fmt: skip
    with pytest.raises(FileError) as err:
        ingest.check_frame(frame, name="f.csv", fmt="gdelt", dataset="d", db=tmp_path / "t")
    assert str(err.value) == "f.csv: unknown format 'gdelt' (known: native, acled, ucdp)"
    with pytest.raises(FileError) as err:
        ingest.check_frame(frame, name="f.csv", fmt="native", dataset="d", db=tmp_path / "t")
    assert str(err.value) == (
        "f.csv: the native format needs latitude+longitude or municipality columns to place "
        "incidents"
    )
    with pytest.raises(FileError) as err:
        ingest.check_frame(frame.rename(columns={"source": "fuente"}), name="f.csv",
                           dataset="d", db=tmp_path / "t")  # fmt: skip
    assert str(err.value).endswith(
        "; or map its columns with a layout (--layout NAME or FILE.toml; "
        "`conflictmap layouts list`)"
    )
    assert str(err.value).startswith("f.csv: the header matches no known format.")


# --------------------------------------------------------------------------------------------
# The report


def report_with(lines: list) -> ingest.ImportReport:
    return ingest.ImportReport(
        read=5, inserted=2, duplicates=1, rejected=2, rejects_file=None, dataset="d",
        format="native", lines=lines,
    )  # fmt: skip


def test_report_table_and_json() -> None:
    from conflictmap.import_report import ReportLine

    lines = [
        ReportLine("stored", "all", 2, 5),
        ReportLine("stored", "at a point", 2, 5),
        ReportLine("duplicate", "already stored, or repeated in the file: not stored again", 1, 1),
        ReportLine("rejected", "bad date", 2, 4),
        ReportLine("read", "every record in the file", 5, 10),
    ]
    report = report_with(lines)
    assert report.fatalities == {"read": 10, "stored": 5, "duplicate": 1, "rejected": 4}
    assert report.victims is None
    table = report.table()
    assert list(table.columns) == ["outcome", "detail", "incidents", "fatalities"]
    assert table.values.tolist() == [
        ["stored", "all", 2, 5],
        ["stored", "at a point", 2, 5],
        ["duplicate", "already stored, or repeated in the file: not stored again", 1, 1],
        ["rejected", "bad date", 2, 4],
        ["read", "every record in the file", 5, 10],
    ]
    out = report.as_json()
    assert "rejects" not in out and "victims" not in out
    assert out["actors"] is None
    assert out["fatalities"] == {"read": 10, "stored": 5, "duplicate": 1, "rejected": 4}
    assert out["lines"][0] == {"outcome": "stored", "detail": "all", "incidents": 2,
                               "fatalities": 5}  # fmt: skip
    assert (out["read"], out["inserted"], out["format"]) == (5, 2, "native")
    # a report without lines (a typed-in incident refused before parsing) still has the columns
    assert list(report_with([]).table().columns) == ["outcome", "detail", "incidents",
                                                     "fatalities"]  # fmt: skip


def test_report_with_victims() -> None:
    from conflictmap.import_report import ReportLine

    report = report_with([
        ReportLine("stored", "all", 2, 5, 7),
        ReportLine("rejected", "bad date", 2, 4, 1),
        ReportLine("read", "every record in the file", 4, 9, 8),
    ])  # fmt: skip
    assert report.victims == {"read": 8, "stored": 7, "duplicate": 0, "rejected": 1}
    table = report.table()
    assert list(table.columns) == ["outcome", "detail", "incidents", "fatalities", "victims"]
    assert table["victims"].tolist() == [7, 1, 8]
    out = report.as_json()
    assert out["victims"] == {"read": 8, "stored": 7, "duplicate": 0, "rejected": 1}
    assert out["lines"][1]["victims"] == 1


# --------------------------------------------------------------------------------------------
# A typed-in incident


def test_add_incident_requires_the_source_and_its_url(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    report = ingest.add_incident(
        {"event_date": "2024-02-29", "event_type": " ", "source": None, "municipality": "05001"},
        db=db,
    )
    assert (report.read, report.inserted, report.duplicates, report.rejected) == (1, 0, 0, 1)
    assert (report.dataset, report.format, report.rejects_file) == (
        "manual-entries", "native", None,
    )  # fmt: skip
    [reject] = report.rejects
    assert reject.row == 2
    assert reject.reason == "required: event_type, source, source_url"
    assert reject.raw == {"event_date": "2024-02-29", "event_type": " ", "source": "",
                          "municipality": "05001"}  # fmt: skip
    assert not store_access.exists(db)


def test_add_incident_stores_one(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    db = tmp_path / "t.duckdb"
    report = ingest.add_incident(
        {"event_date": "2024-02-29", "event_type": "Battles", "source": "El Heraldo",
         "source_url": "https://example.org/1", "municipality": "08001", "fatalities": 2,
         "notes": None},  # fmt: skip
        db=db,
    )
    assert (report.read, report.inserted, report.dataset) == (1, 1, "manual-entries")
    assert stored(db, "SELECT muni_code, fatalities, dataset FROM incidents") == (
        "08001", 2, "manual-entries",
    )  # fmt: skip
    assert stored(db, "SELECT file, format FROM imports") == ("form", "native")


# --------------------------------------------------------------------------------------------
# A header no format knows: a built-in column layout (the Policía's massacre export)

POLICIA = (
    "FECHA HECHO,COD_DEPTO,DEPARTAMENTO,COD_MUNI,MUNICIPIO,ZONA,CASOS,VICTIMAS\n"
    "01/02/2022 12:00:00 AM,81,ARAUCA,81300,FORTUL,,1,4\n"
    "29/02/2024 12:00:00 AM,05,ANTIOQUIA,05001,MEDELLIN,,1,3\n"
    "15/08/2023 12:00:00 AM,08,ATLANTICO,08001,BARRANQUILLA,,1,5\n"
)
POLICIA_VICTIMS = 4 + 3 + 5


def test_a_known_layout_reads_a_header_no_format_knows(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    path = tmp_path / "masacres.csv"
    path.write_text(POLICIA, encoding="utf-8")
    db = tmp_path / "t.duckdb"
    checked = ingest.check_file(path, db=db)
    assert (checked.read, checked.inserted, checked.format) == (3, 3, "layout:policia-masacres")
    assert checked.detected["layout"] == "policia-masacres"
    assert checked.victims is not None and checked.victims["read"] == POLICIA_VICTIMS
    report = ingest.import_file(path, db=db)
    assert (report.read, report.inserted, report.format) == (3, 3, "layout:policia-masacres")
    assert report.detected["layout"] == "policia-masacres"
    assert report.detected["file"]
    assert report.victims == {"read": POLICIA_VICTIMS, "stored": POLICIA_VICTIMS,
                              "duplicate": 0, "rejected": 0}  # fmt: skip
    assert stored(db, "SELECT sum(victims), min(event_date) FROM incidents") == (
        POLICIA_VICTIMS, date(2022, 2, 1),
    )  # fmt: skip
    frame = pd.read_csv(io.StringIO(POLICIA), dtype=str, keep_default_na=False)
    again = ingest.check_frame(frame, name="m", db=db, dataset="masacres")
    assert (again.read, again.inserted, again.duplicates) == (3, 0, 3)
    assert again.victims is not None and again.victims["duplicate"] == POLICIA_VICTIMS
    assert again.detected["layout"] == "policia-masacres"


def test_a_dry_run_adds_up_across_chunks(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    path = tmp_path / "masacres.csv"
    path.write_text(POLICIA, encoding="utf-8")
    checked = ingest.check_file(path, db=tmp_path / "t.duckdb", chunk_rows=1)  # one row each
    assert (checked.read, checked.inserted, checked.duplicates) == (3, 3, 0)
    assert checked.victims is not None and checked.victims["read"] == POLICIA_VICTIMS
    read = [line for line in checked.lines if line.outcome == "read"]
    assert [(r.incidents, r.victims) for r in read] == [(3, POLICIA_VICTIMS)]
    # nothing stored yet and no row repeated: no duplicate line
    assert [line for line in checked.lines if line.outcome == "duplicate"] == []
    report = ingest.import_file(path, db=tmp_path / "t.duckdb", chunk_rows=1)
    assert report.victims == {"read": POLICIA_VICTIMS, "stored": POLICIA_VICTIMS,
                              "duplicate": 0, "rejected": 0}  # fmt: skip
    read = [line for line in report.lines if line.outcome == "read"]
    assert [(r.incidents, r.victims) for r in read] == [(3, POLICIA_VICTIMS)]


def test_a_repeated_row_counts_its_victims_as_a_duplicate(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    path = tmp_path / "masacres.csv"
    path.write_text(POLICIA_REPEATED, encoding="utf-8")  # Fortul's row twice: 4 victims each
    report = ingest.import_file(path, db=tmp_path / "t.duckdb", drop_repeats=True)
    (duplicate,) = [line for line in report.lines if line.outcome == "duplicate"]
    assert (duplicate.incidents, duplicate.victims) == (1, 4)
    assert report.victims == {"read": POLICIA_VICTIMS + 4, "stored": POLICIA_VICTIMS,
                              "duplicate": 4, "rejected": 0}  # fmt: skip


def test_a_dry_run_of_a_file_whose_rows_are_all_rejected(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    path = tmp_path / "masacres.csv"
    path.write_text(
        "FECHA HECHO,COD_DEPTO,DEPARTAMENTO,COD_MUNI,MUNICIPIO,ZONA,CASOS,VICTIMAS\n"
        "31/02/2022 12:00:00 AM,81,ARAUCA,81300,FORTUL,,1,4\n"
        "32/01/2023 12:00:00 AM,05,ANTIOQUIA,05001,MEDELLIN,,1,3\n",
        encoding="utf-8",
    )
    checked = ingest.check_file(path, db=tmp_path / "t.duckdb")
    assert (checked.read, checked.inserted, checked.duplicates, checked.rejected) == (2, 0, 0, 2)
    assert [r.row for r in checked.rejects] == [2, 3]
    stored_line = next(line for line in checked.lines if line.outcome == "stored")
    assert (stored_line.incidents, stored_line.fatalities) == (0, 0)


def test_a_workbook_with_title_rows_numbers_rejects_by_their_sheet_row(
    tmp_path: Path,
    boundaries,  # noqa: ARG001
) -> None:
    # two title rows, the header on row 3, records on rows 4-6: row 5's date does not exist
    rows = [line.split(",") for line in POLICIA.strip().splitlines()]
    rows[2][0] = "31/02/2024 12:00:00 AM"
    sheet = tmp_path / "masacres.xlsx"
    titled = pd.DataFrame([["Masacres 2022-2024", *[""] * 7], [""] * 8, *rows])
    titled.to_excel(sheet, index=False, header=False)
    for run in (ingest.check_file, ingest.import_file):
        report = run(sheet, db=tmp_path / "t.duckdb")
        assert (report.read, report.rejected) == (3, 1)
        assert [r.row for r in report.rejects] == [5]


def test_a_layout_that_does_not_fit_names_the_file(tmp_path: Path) -> None:
    path = _csv(tmp_path / "tmp0001.csv", native_frame(MIXED))
    frame = native_frame(MIXED)
    for run in (ingest.check_file, ingest.import_file):
        with pytest.raises(LayoutError) as err:
            run(path, db=tmp_path / "t.duckdb", layout="policia-masacres", name="datos")
        assert str(err.value).startswith("datos: ")
    with pytest.raises(LayoutError) as err:
        ingest.check_frame(frame, name="hoja", db=tmp_path / "t.duckdb", dataset="d",
                           layout="policia-masacres")  # fmt: skip
    assert str(err.value).startswith("hoja: ")


# --------------------------------------------------------------------------------------------
# In the import's transaction: regrouping across datasets, the dataset's terms


def test_an_import_regroups_the_same_event_across_datasets_and_records_terms(
    tmp_path: Path,
    boundaries,  # noqa: ARG001
) -> None:
    db = tmp_path / "t.duckdb"
    event = {"event_date": "2024-02-29", "event_type": "Battles", "actor1": "ELN",
             "actor2": "Military", "fatalities": "3", "latitude": "2.93", "longitude": "-75.28",
             "source": "El Tiempo", "source_url": "https://example.org/a"}  # fmt: skip
    ingest.import_frame(pd.DataFrame([event]), name="a", db=db, dataset="prensa-a",
                        access_date=date(2024, 2, 29))  # fmt: skip
    assert stored(db, "SELECT count(*) FROM incidents") == (1,)
    # Palermo (41524), which borders Neiva (41001): the same event reported next door
    other = {**event, "latitude": "2.89", "longitude": "-75.434", "source": "Semana",
             "source_url": "https://example.org/b"}  # fmt: skip
    path = _csv(tmp_path / "b.csv", pd.DataFrame([other]))
    ingest.import_file(path, db=db, dataset="prensa-b", access_date=date(2025, 1, 15))
    # both reports of the one event (same day, place, type, actors) are grouped
    assert stored(db, "SELECT count(*), count(DISTINCT incident_id) FROM event_matches") == (2, 2)
    # scored with the boundaries' neighbours and the actor registry (matching.py's rule table)
    assert stored(db, "SELECT DISTINCT explanation FROM event_matches") == (
        "date +30 (same day); place +20 (neighbouring municipalities (41524, 41001)); "
        "type +15 (both Battles); actors +15 (both name ELN); fatalities +10 (both 3)",
    )
    with store_access.read(db) as con:
        terms = con.execute(
            "SELECT dataset, access_date FROM dataset_terms ORDER BY dataset"
        ).fetchall()
    assert terms == [("prensa-a", date(2024, 2, 29)), ("prensa-b", date(2025, 1, 15))]


def test_rejects_are_listed_in_row_order(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    """A place reject (found after parsing) before a parse reject keeps the file's order."""
    frame = native_frame([MIXED[5], MIXED[3], MIXED[0]])  # unknown place, bad date, valid
    db = tmp_path / "t.duckdb"
    checked = ingest.check_frame(frame, name="f", db=db, dataset="d")
    assert [r.row for r in checked.rejects] == [2, 3]
    seen: list[int] = []
    report = ingest.import_frame(frame, name="f", db=db, dataset="d", rejects_dir=tmp_path,
                                 progress=seen.append, chunk_rows=2)  # fmt: skip
    assert [r.row for r in report.rejects] == [2, 3]
    assert seen == [2, 3]
    assert report.rejects_file is not None
    assert Path(report.rejects_file).parent == tmp_path
    written = pd.read_csv(report.rejects_file, dtype=str, keep_default_na=False)
    assert written["row"].tolist() == ["2", "3"]
    # the source's columns in the file's order, after the row number and the reason
    assert list(written.columns) == ["row", "reason", *NATIVE]
    assert written["municipality"].tolist() == ["Nowhere", "41001"]
    # by default beside the database, named after the file
    again = ingest.import_frame(frame, name="datos.csv", db=tmp_path / "sub" / "t.duckdb",
                                dataset="d")  # fmt: skip
    assert again.rejects_file is not None
    assert Path(again.rejects_file).parent == tmp_path / "sub" / "rejects"
    assert Path(again.rejects_file).name.startswith("datos.")


# --------------------------------------------------------------------------------------------
# Every entry point passes its options on


def test_import_stream_passes_its_options_on(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    db = tmp_path / "t.duckdb"
    data = native_frame(MIXED).to_csv(index=False).encode("utf-8")
    with pytest.raises(FileError, match=r"^subida\.csv: "):
        ingest.import_stream(io.BytesIO(data), name="subida.csv", db=db, fmt="acled")
    seen: list[int] = []
    audits: list[dict[str, object]] = []
    report = ingest.import_stream(
        io.BytesIO(data), name="subida.csv", fmt="native", db=db, dataset="prensa",
        rejects_dir=tmp_path / "rechazos", progress=seen.append, chunk_rows=4,
        access_date=date(2024, 2, 29), audit_entry=lambda con, entry: audits.append(entry),
    )  # fmt: skip
    assert (report.dataset, report.read, report.inserted, report.rejected) == ("prensa", 6, 3, 2)
    assert seen == [4, 6]
    assert [a["dataset"] for a in audits] == ["prensa"]
    assert report.rejects_file is not None
    assert Path(report.rejects_file).parent == tmp_path / "rechazos"
    assert stored(db, "SELECT access_date FROM dataset_terms") == (date(2024, 2, 29),)
    assert stored(db, "SELECT file FROM imports") == ("subida.csv",)
    # a dry run against what is stored now
    checked = ingest.check_stream(io.BytesIO(data), name="subida.csv", fmt="native", db=db,
                                  dataset="otra", chunk_rows=4)  # fmt: skip
    assert (checked.dataset, checked.inserted, checked.duplicates) == ("otra", 0, 4)
    with pytest.raises(FileError, match=r"^subida\.csv: "):
        ingest.check_stream(io.BytesIO(data), name="subida.csv", db=db, fmt="acled")


def test_check_and_import_file_pass_the_format_and_name_on(
    tmp_path: Path,
    boundaries,  # noqa: ARG001
) -> None:
    db = tmp_path / "t.duckdb"
    path = _csv(tmp_path / "mixed.csv", native_frame(MIXED))
    for run in (ingest.check_file, ingest.import_file):
        with pytest.raises(FileError, match=r"^datos: missing required column\(s\) for the acled format"):
            run(path, db=db, fmt="acled", name="datos")
    with pytest.raises(FileError, match=r"^datos: "):
        ingest.check_frame(native_frame(MIXED), name="datos", db=db, fmt="acled", dataset="d")
    with pytest.raises(FileError, match=r"^datos: "):
        ingest.import_frame(native_frame(MIXED), name="datos", db=db, fmt="acled", dataset="d")
    report = ingest.import_file(path, db=db, name="datos", dataset="d")
    assert stored(db, "SELECT file, dataset FROM imports") == ("datos", "d")
    assert report.inserted == 3


def test_a_file_the_csv_reader_refuses_is_called_by_its_name(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    empty = tmp_path / "tmp12345.csv"
    empty.write_bytes(b"\n\n")
    single = tmp_path / "tmp67890.csv"
    single.write_text("fecha\n2022-09-02\n", encoding="utf-8")
    header = tmp_path / "tmp13579.csv"
    header.write_text(",".join(NATIVE) + "\n", encoding="utf-8")
    sheet = tmp_path / "tmp24680.xlsx"
    pd.DataFrame(columns=NATIVE).to_excel(sheet, index=False)
    for run in (ingest.check_file, ingest.import_file):
        with pytest.raises(FileError) as err:
            run(empty, db=db, name="masacres.csv")
        assert str(err.value) == "masacres.csv: the file is empty"
        for no_rows, what in ((header, "the file"), (sheet, "sheet 'Sheet1'")):
            with pytest.raises(FileError) as err:
                run(no_rows, db=db, name="masacres")
            assert str(err.value) == f"masacres: {what} has a header but no rows"
        with pytest.raises(FileError) as err:
            run(single, db=db, name="masacres.csv")
        assert str(err.value).startswith("masacres.csv: found a single column")
    assert not db.exists()  # nothing stored, not even an empty database


def test_a_frame_without_records_is_refused_before_a_database_is_created(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    columns = ["event_date", "event_type", "source", "latitude", "longitude"]
    header_only = pd.DataFrame(columns=columns)
    hxl_only = pd.DataFrame([["#date", "#event+type", "#meta+source", "#geo+lat", "#geo+lon"]],
                            columns=columns)
    for run in (ingest.check_frame, ingest.import_frame):
        with pytest.raises(FileError) as err:
            run(header_only, name="hoja", db=db, dataset="d")
        assert str(err.value) == "hoja: the file has a header but no rows"
        with pytest.raises(FileError) as err:
            run(hxl_only, name="hdx", db=db, dataset="d")
        assert str(err.value) == (
            "hdx: the file has a header and an HXL hashtag row but no records"
        )
    assert not db.exists()


POLICIA_REPEATED = POLICIA + "01/02/2022 12:00:00 AM,81,ARAUCA,81300,FORTUL,,1,4\n"


@pytest.mark.parametrize("drop", [False, True])
def test_rows_repeated_in_a_file_without_ids(tmp_path: Path, boundaries, drop: bool) -> None:  # noqa: ARG001
    """Stored as often as they occur (reported), or once with ``drop_repeats``; on every
    entry point."""
    path = tmp_path / "masacres.csv"
    path.write_text(POLICIA_REPEATED, encoding="utf-8")
    frame = pd.read_csv(io.StringIO(POLICIA_REPEATED), dtype=str, keep_default_na=False)
    data = POLICIA_REPEATED.encode("utf-8")
    inserted, duplicates = (3, 1) if drop else (4, 0)
    kw = {"drop_repeats": True} if drop else {}  # the default: kept
    reports = {
        "check_file": ingest.check_file(path, db=tmp_path / "a", **kw),
        "check_frame": ingest.check_frame(frame, name="m", db=tmp_path / "a", dataset="d", **kw),
        "check_stream": ingest.check_stream(io.BytesIO(data), name="m.csv", db=tmp_path / "a",
                                            **kw),  # fmt: skip
        "import_file": ingest.import_file(path, db=tmp_path / "b", **kw),
        "import_frame": ingest.import_frame(frame, name="m", db=tmp_path / "c", dataset="d",
                                           **kw),  # fmt: skip
        "import_stream": ingest.import_stream(io.BytesIO(data), name="m.csv", db=tmp_path / "d",
                                              **kw),  # fmt: skip
    }
    for entry, report in reports.items():
        assert (entry, report.read, report.inserted, report.duplicates) == (
            entry, 4, inserted, duplicates,
        )  # fmt: skip
        assert (entry, report.warnings) == (entry, {"repeated_rows": 1})


def test_the_sheet_is_passed_on(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    path = tmp_path / "libro.xlsx"
    with pd.ExcelWriter(path) as writer:
        native_frame(MIXED[:1]).to_excel(writer, sheet_name="resumen", index=False)
        native_frame(MIXED).to_excel(writer, sheet_name="datos", index=False)
    data = path.read_bytes()
    db = tmp_path / "t.duckdb"
    assert ingest.check_file(path, db=db).read == 1  # the first sheet with data
    assert ingest.check_file(path, db=db, sheet="datos").read == 6
    assert ingest.check_stream(io.BytesIO(data), name="libro.xlsx", db=db, sheet=2).read == 6
    assert ingest.import_stream(io.BytesIO(data), name="libro.xlsx", db=db, sheet=2).read == 6
    assert ingest.import_file(path, db=tmp_path / "u.duckdb", sheet="datos").read == 6


LAYOUT = """name = "prensa-local"
description = "a local press table"
date_order = "auto"
id_prefix = "prensa-local"
match = ["event_date", "municipality", "fatalities"]

[columns]
event_date = "event_date"
muni = "municipality"
fatalities = "fatalities"

[constants]
event_type = "Battles"
source = "Prensa local"
"""


def test_a_layout_is_passed_on(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    """A native-looking table read with a layout (not as native): on every entry point."""
    layout = tmp_path / "prensa.toml"
    layout.write_text(LAYOUT, encoding="utf-8")
    rows = [neiva(28, "2"), neiva(29, "3")]
    frame = native_frame(rows)
    path = _csv(tmp_path / "p.csv", frame)
    data = path.read_bytes()
    reports = {
        "check_file": ingest.check_file(path, db=tmp_path / "a", layout=layout),
        "check_frame": ingest.check_frame(frame, name="p", db=tmp_path / "a", dataset="d",
                                          layout=layout),  # fmt: skip
        "check_stream": ingest.check_stream(io.BytesIO(data), name="p.csv", db=tmp_path / "a",
                                            layout=layout),  # fmt: skip
        "import_file": ingest.import_file(path, db=tmp_path / "b", layout=layout),
        "import_frame": ingest.import_frame(frame, name="p", db=tmp_path / "c", dataset="d",
                                           layout=layout),  # fmt: skip
        "import_stream": ingest.import_stream(io.BytesIO(data), name="p.csv", db=tmp_path / "d",
                                              layout=layout),  # fmt: skip
    }
    for entry, report in reports.items():
        assert (entry, report.format, report.read, report.inserted) == (
            entry, "layout:prensa-local", 2, 2,
        )  # fmt: skip
        assert (entry, report.detected["layout"]) == (entry, "prensa-local")
    assert stored(tmp_path / "b", "SELECT DISTINCT source FROM incidents") == ("Prensa local",)


def test_a_table_without_rows(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    empty = pd.DataFrame(columns=NATIVE, dtype=object)
    # the dry run refuses what the import would refuse
    for run in (ingest.check_frame, ingest.import_frame):
        with pytest.raises(FileError) as err:
            run(empty, name="vacía", db=db, dataset="d")
        assert str(err.value) == "vacía: the file has a header but no rows"


def test_warnings_add_up_across_chunks(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    # points in Neiva (41001) whose municipality column names Medellín: counted, not moved
    rows = [neiva(d, "1", latitude="2.93", longitude="-75.28", municipality="Medellín",
                  department="Antioquia") for d in (1, 2, 3)]  # fmt: skip
    path = _csv(tmp_path / "w.csv", native_frame(rows))
    checked = ingest.check_file(path, db=tmp_path / "t.duckdb", chunk_rows=2)
    assert checked.warnings == {"place_mismatch": 3}
    report = ingest.import_file(path, db=tmp_path / "t.duckdb", chunk_rows=2)
    assert report.warnings == {"place_mismatch": 3}
    assert stored(tmp_path / "t.duckdb", "SELECT DISTINCT muni_code FROM incidents") == ("41001",)


def test_namesakes_are_told_apart_by_the_department(boundaries) -> None:  # noqa: ARG001
    """DANE has four municipalities named La Unión (Antioquia 05400, Nariño 52399, Sucre 70400,
    Valle del Cauca 76400): the department named decides; without one it does not resolve."""
    names = ingest._Names(load_geography().gazetteer)
    assert names.place("La Unión", "Nariño") == ("52", "52399")
    assert names.place("La Unión", "Antioquia") == ("05", "05400")
    assert names.place("La Unión", "") is None
    assert names.place("Medellín", "") == ("05", "05001")


def test_a_dry_run_creates_no_database(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    db = tmp_path / "nueva.duckdb"
    path = _csv(tmp_path / "mixed.csv", native_frame(MIXED))
    assert ingest.check_file(path, db=db).inserted == 3
    assert ingest.check_frame(native_frame(MIXED), name="m", db=db, dataset="d").inserted == 3
    assert not store_access.exists(db)


def test_a_namesake_named_with_its_department_agrees_with_the_point(boundaries) -> None:  # noqa: ARG001
    """A point in La Unión (Nariño, 52399) whose names say "La Unión", "Nariño": no mismatch
    (without the department the name is ambiguous and would count as one)."""
    lon, lat = _DANE.representative_points["52399"]
    records, warnings, candidates = prepared(
        _DANE,
        cand(2, latitude=lat, longitude=lon, place_muni="La Unión", place_dept="Nariño"),
        cand(3, latitude=lat, longitude=lon, admin1="Nariño", admin2="La Unión"),
        cand(4, latitude=lat, longitude=lon, admin1="Nariño department",
             admin2="La Unión municipality"),  # fmt: skip
    )
    assert candidates.rejects == []
    assert {place_of(records, r)[:3] for r in (2, 3, 4)} == {("52", "52399", 1)}
    assert warnings == {}
    # the same names on a point in Pasto (52001): both kinds of mismatch counted
    lon, lat = _DANE.representative_points["52001"]
    _, warnings, _ = prepared(
        _DANE,
        cand(2, latitude=lat, longitude=lon, place_muni="La Unión", place_dept="Nariño"),
        cand(3, latitude=lat, longitude=lon, admin1="Nariño", admin2="La Unión"),
    )
    assert warnings == {"place_mismatch": 1, "admin_mismatch": 1}


def test_hand_mappings_of_the_database_resolve_the_actors(
    tmp_path: Path,
    boundaries,  # noqa: ARG001
) -> None:
    from conflictmap import actor_mappings, store

    db = tmp_path / "t.duckdb"
    ingest.import_frame(native_frame(MIXED[:2]), name="a", db=db, dataset="a")
    with store.connect(db) as con, store.transaction(con):
        actor_mappings.add(con, "Frente Inventado", "Urabeños", default_registry())
    frame = native_frame([neiva(1, "1", actor1="Frente Inventado")])
    checked = ingest.check_frame(frame, name="b", db=db, dataset="b")
    report = ingest.import_frame(frame, name="b", db=db, dataset="b")
    for r in (checked, report):
        assert r.actors is not None
        assert r.actors.as_json() == {"resolved_by_registry": 0, "resolved_by_hand": 1,
                                      "unresolved": 0, "unresolved_names": {}}  # fmt: skip
    assert stored(db, "SELECT actor1 FROM incidents WHERE dataset = 'b'") == ("Clan del Golfo",)


def test_an_acled_dataset_starts_with_acleds_terms(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    """The format decides a new dataset's terms: ACLED data may only be shared as aggregates,
    a native file's terms are its owner's."""
    from test_import_acled import acled_row, write_acled

    db = tmp_path / "t.duckdb"
    path = write_acled(tmp_path / "acled.csv", [acled_row()])
    assert ingest.import_file(path, db=db, dataset="acled-col").inserted == 1
    ingest.import_frame(native_frame(MIXED[:1]), name="n", db=db, dataset="propios")
    with store_access.read(db) as con:
        terms = con.execute(
            "SELECT dataset, terms_name, redistribution FROM dataset_terms ORDER BY dataset"
        ).fetchall()
    assert terms == [
        ("acled-col", "ACLED Terms of Use", "aggregates"),
        ("propios", "Own or unspecified terms", "yes"),
    ]


def test_an_import_into_a_named_database_uses_nothing_of_the_default_one(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    boundaries,  # noqa: ARG001
) -> None:
    """The staged records and the rejects go beside the database named, not the default one
    (here in a folder that does not exist)."""
    monkeypatch.setenv(settings.ENV_DB, str(tmp_path / "absent" / "default.duckdb"))
    db = tmp_path / "named.duckdb"
    report = ingest.import_frame(native_frame(MIXED), name="m.csv", db=db, dataset="m")
    assert (report.inserted, report.rejected) == (3, 2)
    assert report.rejects_file is not None
    assert Path(report.rejects_file).parent == tmp_path / "rejects"
    assert ingest.check_frame(native_frame(MIXED), name="m", db=db, dataset="m").duplicates == 4
    assert not (tmp_path / "absent").exists()


SPANISH = (
    "fecha,municipio,muertos\n"
    "29/02/2024,05001,2\n"  # Medellín
    "31/01/2024,08001,1\n"  # Barranquilla
)


def test_a_saved_layout_is_found_in_the_database_named(
    tmp_path: Path,
    boundaries,  # noqa: ARG001
) -> None:
    """A header no format knows, with a layout saved for it in this database: found by the
    header (fmt auto) or by the layout's name, on files and frames."""
    from conflictmap import layout_store
    from conflictmap.importers import layout as layouts

    toml = tmp_path / "mio.toml"
    toml.write_text(
        LAYOUT.replace("prensa-local", "mio")
        .replace('"event_date", "municipality", "fatalities"', '"fecha", "municipio", "muertos"')
        .replace('event_date = "event_date"', 'event_date = "fecha"')
        .replace('muni = "municipality"', 'muni = "municipio"')
        .replace('fatalities = "fatalities"', 'fatalities = "muertos"'),
        encoding="utf-8",
    )
    db = tmp_path / "t.duckdb"
    layout_store.save(layouts.load_file(toml).with_header(["fecha", "municipio", "muertos"]),
                      db=db)  # fmt: skip
    path = tmp_path / "datos.csv"
    path.write_text(SPANISH, encoding="utf-8")
    frame = pd.read_csv(io.StringIO(SPANISH), dtype=str)
    by_header = ingest.check_file(path, db=db)
    assert (by_header.format, by_header.read, by_header.inserted) == ("layout:mio", 2, 2)
    assert ingest.check_frame(frame, name="d", db=db, dataset="d").format == "layout:mio"
    by_name = ingest.import_file(path, db=db, layout="mio")
    assert (by_name.format, by_name.inserted) == ("layout:mio", 2)
    again = ingest.import_frame(frame, name="d", db=db, dataset="d", layout="mio")
    assert (again.format, again.duplicates) == ("layout:mio", 2)
    assert stored(db, "SELECT sum(fatalities), min(event_date) FROM incidents") == (
        2 + 1, date(2024, 1, 31),
    )  # fmt: skip
