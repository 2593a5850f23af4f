"""Import robustness: encodings and separators, unreadable files, duplicates, chunking,
atomicity, dry runs, markup and SQL in the data, and a 20,000-row ACLED-shaped file."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import store_access

from conflictmap import ingest, queries, store
from conflictmap.filters import Filters
from conflictmap.importers import csvfile
from conflictmap.importers.csvfile import FileError

ROOT = Path(__file__).resolve().parents[1]

ACLED_COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
]  # fmt: skip
UCDP_COLUMNS = [
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_new_id",
    "conflict_name", "dyad_new_id", "dyad_name", "side_a_new_id", "side_a", "side_b_new_id",
    "side_b", "number_of_sources", "source_article", "source_office", "source_date",
    "source_headline", "source_original", "where_prec", "where_coordinates", "where_description",
    "adm_1", "adm_2", "latitude", "longitude", "geom_wkt", "priogrid_gid", "country",
    "country_id", "region", "event_clarity", "date_prec", "date_start", "date_end", "deaths_a",
    "deaths_b", "deaths_civilians", "deaths_unknown", "best", "high", "low",
]  # fmt: skip

XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
SQLI = [
    "Robert'); DROP TABLE incidents;--",
    "' OR '1'='1",
    '"; DELETE FROM incidents WHERE 1=1; --',
]


def acled_row(**values: str) -> dict[str, str]:
    """A valid ACLED record near Neiva (Huila); override any cell."""
    base = {
        "event_id_cnty": "COL1", "event_date": "2022-09-02", "year": "2022", "time_precision": "1",
        "disorder_type": "Political violence", "event_type": "Battles",
        "sub_event_type": "Armed clash", "actor1": "ELN: National Liberation Army",
        "assoc_actor_1": "", "inter1": "2", "actor2": "Military Forces of Colombia (2022-)",
        "assoc_actor_2": "", "inter2": "1", "interaction": "12", "civilian_targeting": "",
        "iso": "170", "region": "South America", "country": "Colombia", "admin1": "Huila",
        "admin2": "Neiva", "admin3": "", "location": "Neiva", "latitude": "2.93",
        "longitude": "-75.28", "geo_precision": "1", "source": "El Tiempo",
        "source_scale": "National", "notes": "Clash near Neiva.", "fatalities": "1", "tags": "",
        "timestamp": "1662508800",
    }  # fmt: skip
    base.update(values)
    return base


def ucdp_row(**values: str) -> dict[str, str]:
    base = {c: "" for c in UCDP_COLUMNS}
    base.update(
        id="9001", relid="COL-2022-1-289-1", year="2022", active_year="1", code_status="Clear",
        type_of_violence="1", conflict_name="Colombia: Government",
        dyad_name="Government of Colombia - ELN", side_a="Government of Colombia", side_b="ELN",
        number_of_sources="1", source_office="El Tiempo", where_prec="1",
        where_coordinates="Tibú town", adm_1="Norte de Santander department",
        adm_2="Tibú municipality", latitude="8.64", longitude="-72.73",
        geom_wkt="POINT (-72.73 8.64)", country="Colombia", country_id="100", region="Americas",
        event_clarity="1", date_prec="1", date_start="2022-09-02 00:00:00.000",
        date_end="2022-09-02 00:00:00.000", best="1", high="1", low="1",
    )  # fmt: skip
    base.update(values)
    return base


CUCUTA = {
    "latitude": "7.89",
    "longitude": "-72.50",
    "admin1": "Norte de Santander",
    "admin2": "Cúcuta",
    "location": "Cúcuta",
}
TIBU = {
    "latitude": "8.64",
    "longitude": "-72.73",
    "admin1": "Norte de Santander",
    "admin2": "Tibú",
    "location": "Tibú",
}
CARACAS = {
    "latitude": "10.49",
    "longitude": "-66.88",
    "admin1": "Distrito Capital",
    "admin2": "Libertador",
    "location": "Caracas",
}


def write_rows(
    path: Path,
    rows: list[dict[str, str]],
    columns: list[str] = ACLED_COLUMNS,
    *,
    sep: str = ",",
    encoding: str = "utf-8",
) -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh, delimiter=sep)
        writer.writerow(columns)
        for r in rows:
            writer.writerow([r.get(c, "") for c in columns])
    return path


def fetch(db: Path, sql: str = "SELECT * FROM incidents ORDER BY incident_id") -> pd.DataFrame:
    with store_access.read(db) as con:
        return con.execute(sql).df()


def count(db: Path, table: str = "incidents") -> int:
    if not store_access.exists(db):
        return 0
    with store_access.read(db) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def counts(report: ingest.ImportReport) -> tuple[int, int, int, int]:
    return report.read, report.inserted, report.duplicates, report.rejected


def adds_up(report: ingest.ImportReport) -> bool:
    return report.read == report.inserted + report.duplicates + report.rejected


def sha256(path: Path) -> str:
    """The database file's digest (PostgreSQL: of what its tables hold)."""
    if store.is_postgres(path):
        tables = ("incidents", "imports", "actor_ids", "dataset_terms", "audit_log")
        held = [store_access.rows(path, f"SELECT * FROM {t} ORDER BY 1") for t in tables]
        return hashlib.sha256(repr(held).encode()).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stage_class(db: Path) -> type:
    """The staging class an import into ``db`` uses (to make it fail on purpose)."""
    return store.PostgresStage if store.is_postgres(db) else store.Stage


def cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONFLICTMAP_DB": str(store.resolve_db(db)), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "conflictmap.cli", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture()
def seeded_db(tmp_path: Path) -> Path:
    """A database holding two ACLED incidents from an earlier import."""
    db = tmp_path / "seeded.duckdb"
    seed = write_rows(
        tmp_path / "seed.csv",
        [acled_row(event_id_cnty="SEED1"), acled_row(event_id_cnty="SEED2", **TIBU)],
    )
    assert ingest.import_file(seed, db=db).inserted == 2
    return db


# --------------------------------------------------------------------------------------------
# Encodings and separators


@pytest.mark.parametrize("sep", [",", ";"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
def test_acled_encodings_and_separators(
    tmp_path: Path, empty_db: Path, sep: str, encoding: str
) -> None:
    rows = [
        acled_row(
            event_id_cnty="COL1", notes="Ataque en Cúcuta; niño herido, señal cortada.", **CUCUTA
        ),
        acled_row(event_id_cnty="COL2", actor1="Autodefensas Gaitanistas de Colombia", **TIBU),
        acled_row(
            event_id_cnty="COL3",
            actor1="Ejército de Liberación Nacional",
            location="Neiva, zona rural",
        ),
    ]
    path = write_rows(tmp_path / "enc.csv", rows, sep=sep, encoding=encoding)
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    report = ingest.import_file(path, db=empty_db)
    assert report.format == "acled"
    assert counts(report) == (3, 3, 0, 0)
    assert report.warnings.get("admin_mismatch", 0) == 0
    got = fetch(empty_db)
    assert got["incident_id"].tolist() == ["acled:COL1", "acled:COL2", "acled:COL3"]
    assert got["location"].tolist() == ["Cúcuta", "Tibú", "Neiva, zona rural"]
    assert got.iloc[0]["notes"] == "Ataque en Cúcuta; niño herido, señal cortada."
    assert got["muni_code"].tolist() == ["54001", "54810", "41001"]
    assert got["actor1"].tolist() == ["ELN", "Clan del Golfo", "ELN"]
    assert got.iloc[2]["actor1_raw"] == "Ejército de Liberación Nacional"
    assert json.loads(got.iloc[1]["original"])["admin2"] == "Tibú"


@pytest.mark.parametrize(("sep", "encoding"), [(";", "cp1252"), (",", "utf-8-sig")])
def test_ucdp_encodings_and_separators(
    tmp_path: Path, empty_db: Path, sep: str, encoding: str
) -> None:
    path = write_rows(tmp_path / "ged.csv", [ucdp_row()], UCDP_COLUMNS, sep=sep, encoding=encoding)
    report = ingest.import_file(path, db=empty_db)
    assert (report.format, report.inserted) == ("ucdp", 1)
    rec = fetch(empty_db).iloc[0]
    assert rec["location"] == "Tibú town"
    assert rec["muni_code"] == "54810"
    assert report.warnings.get("admin_mismatch", 0) == 0


# Regression: the encoding was once judged on the first 1 MiB only, so a Windows-1252 file whose
# first accented byte came later was read as UTF-8 and failed part-way.
def test_latin1_file_with_first_accent_after_the_sniffed_megabyte(
    tmp_path: Path, empty_db: Path
) -> None:
    filler = "x" * 2000
    rows = [acled_row(event_id_cnty=f"COL{i}", notes=filler) for i in range(600)]  # ~1.2 MB ASCII
    rows.append(acled_row(event_id_cnty="COLACC", **CUCUTA))
    path = write_rows(tmp_path / "late-accent.csv", rows, encoding="cp1252")
    assert path.stat().st_size > (1 << 20)
    report = ingest.import_file(path, db=empty_db)
    assert counts(report) == (601, 601, 0, 0)
    got = fetch(empty_db, "SELECT location FROM incidents WHERE incident_id = 'acled:COLACC'")
    assert got["location"].tolist() == ["Cúcuta"]


def test_semicolon_file_with_decimal_commas(tmp_path: Path, empty_db: Path) -> None:
    """A Spanish-locale spreadsheet export: ';' separator, Windows-1252, decimal commas."""
    rows = [
        acled_row(event_id_cnty="COL1", latitude="2,93", longitude="-75,28"),
        acled_row(event_id_cnty="COL2", **{**TIBU, "latitude": "8,64", "longitude": "-72,73"}),
    ]
    path = write_rows(tmp_path / "es.csv", rows, sep=";", encoding="cp1252")
    report = ingest.import_file(path, db=empty_db)
    assert counts(report) == (2, 2, 0, 0)
    got = fetch(empty_db)
    assert got["muni_code"].tolist() == ["41001", "54810"]
    assert got["latitude"].tolist() == [pytest.approx(2.93), pytest.approx(8.64)]
    assert got.iloc[1]["location"] == "Tibú"


def test_multiline_notes_keep_spreadsheet_row_numbers(tmp_path: Path, empty_db: Path) -> None:
    rows = [
        acled_row(event_id_cnty="COL1", notes="Line one.\nLine two.\r\nLine three."),
        acled_row(event_id_cnty="COL2", fatalities="-2"),
    ]
    report = ingest.import_file(write_rows(tmp_path / "ml.csv", rows), db=empty_db)
    assert counts(report) == (2, 1, 0, 1)
    assert report.rejects[0].row == 3  # the record's row in a spreadsheet, not its line number
    assert fetch(empty_db).iloc[0]["notes"] == "Line one.\nLine two.\r\nLine three."


def test_multiline_notes_across_the_sniffed_megabyte(tmp_path: Path, empty_db: Path) -> None:
    n = 260
    note = "Line one.\nLine two: " + "x" * 5000
    rows = [acled_row(event_id_cnty=f"COL{i}", notes=note) for i in range(n)]
    path = write_rows(tmp_path / "long-notes.csv", rows)
    data = path.read_bytes()
    assert len(data) > csvfile.SNIFF_BYTES
    head = data[: csvfile.SNIFF_BYTES]
    cut = head.rfind(b"\n")
    # precondition: the last newline of the sniffed sample is one inside a quoted note
    assert head.count(b'"', 0, cut) % 2 == 1
    report = ingest.import_file(path, db=empty_db)
    assert counts(report) == (n, n, 0, 0)
    assert set(fetch(empty_db)["notes"]) == {note}


# --------------------------------------------------------------------------------------------
# Files that cannot be read: FileError, database untouched, one clear CLI line


def _make_unreadable(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """(path, a word the error must contain)."""
    path = tmp_path / f"{kind}.csv"
    if kind == "empty":
        path.write_bytes(b"")
        return path, "empty"
    if kind == "blank-lines":
        path.write_bytes(b"\n  \r\n\n")
        return path, "empty"
    if kind == "binary":
        png = (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
            b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18"
            b"\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
        )
        path = tmp_path / "map.png"
        path.write_bytes(png)
        return path, "binary"
    if kind == "missing-latitude":
        cols = [c for c in ACLED_COLUMNS if c != "latitude"]
        return write_rows(path, [acled_row(event_id_cnty="NEW1")], cols), "latitude"
    if kind == "missing-event_date":
        cols = [c for c in ACLED_COLUMNS if c != "event_date"]
        return write_rows(path, [acled_row(event_id_cnty="NEW1")], cols), "event_date"
    if kind == "missing-file":
        return tmp_path / "does-not-exist.csv", "no such file"
    if kind == "header-only":
        return write_rows(path, []), "no rows"
    if kind == "unknown-header":
        path.write_text("foo,bar,baz\n1,2,3\n", encoding="utf-8")
        return path, "no known format"
    raise AssertionError(kind)


UNREADABLE = [
    "empty",
    "blank-lines",
    "binary",
    "missing-latitude",
    "missing-event_date",
    "missing-file",
    "header-only",
    "unknown-header",
]


@pytest.mark.parametrize("kind", UNREADABLE)
def test_unreadable_file_raises_and_leaves_db_unchanged(
    tmp_path: Path, seeded_db: Path, kind: str
) -> None:
    path, word = _make_unreadable(tmp_path, kind)
    before_hash, before_logs = sha256(seeded_db), count(seeded_db, "imports")
    with pytest.raises(FileError) as info:
        ingest.import_file(path, db=seeded_db)
    message = str(info.value)
    assert word in message
    assert "\n" not in message
    assert count(seeded_db) == 2
    assert count(seeded_db, "imports") == before_logs == 1
    assert sha256(seeded_db) == before_hash
    assert not (seeded_db.parent / "rejects").exists()


def test_unreadable_file_into_a_new_database_creates_nothing(
    tmp_path: Path, empty_db: Path
) -> None:
    path, _ = _make_unreadable(tmp_path, "binary")
    with pytest.raises(FileError):
        ingest.import_file(path, db=empty_db)
    assert not empty_db.exists()


@pytest.mark.parametrize(
    "kind", ["empty", "binary", "missing-latitude", "missing-file", "header-only"]
)
def test_cli_unreadable_file_one_line_no_traceback(
    tmp_path: Path, seeded_db: Path, kind: str
) -> None:
    path, word = _make_unreadable(tmp_path, kind)
    before = sha256(seeded_db)
    result = cli("import", str(path), db=seeded_db)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("conflictmap import:")
    assert word in lines[0]
    assert result.stdout.strip() == ""
    assert count(seeded_db) == 2
    assert sha256(seeded_db) == before


# --------------------------------------------------------------------------------------------
# Duplicates within a file, chunking, atomicity


def test_within_file_duplicate_ids_count_as_duplicates(tmp_path: Path, empty_db: Path) -> None:
    rows = [
        acled_row(event_id_cnty="COL1", notes="first"),
        acled_row(event_id_cnty="COL2", **TIBU),
        acled_row(event_id_cnty="COL1", notes="second"),
        acled_row(event_id_cnty="COL1", notes="third"),
    ]
    report = ingest.import_file(write_rows(tmp_path / "dup.csv", rows), db=empty_db)
    assert counts(report) == (4, 2, 2, 0)
    got = fetch(empty_db)
    assert got["incident_id"].tolist() == ["acled:COL1", "acled:COL2"]
    assert got.iloc[0]["notes"] == "first"


def _ten_rows() -> list[dict[str, str]]:
    """Spreadsheet rows 2..11; with chunk_rows=3 the chunks are rows 2-4, 5-7, 8-10, 11."""
    rows = [acled_row(event_id_cnty=f"COL{i}", fatalities=str(i)) for i in range(1, 11)]
    rows[3]["event_id_cnty"] = "COL3"  # row 5 (chunk 2) repeats row 4 (chunk 1)
    rows[7]["fatalities"] = "-4"  # row 9 (chunk 3): negative fatalities
    rows[8].update({**CARACAS, "country": "Venezuela"})  # row 10 (chunk 3): out of scope
    return rows


def test_chunked_import_counts_and_row_numbers(tmp_path: Path, empty_db: Path) -> None:
    path = write_rows(tmp_path / "ten.csv", _ten_rows())
    seen: list[int] = []
    report = ingest.import_file(path, db=empty_db, chunk_rows=3, progress=seen.append)
    assert counts(report) == (10, 7, 1, 2)
    assert adds_up(report)
    assert seen == [3, 6, 9, 10]
    assert [(r.row, r.raw["event_id_cnty"]) for r in report.rejects] == [(9, "COL8"), (10, "COL9")]
    assert "negative" in report.rejects[0].reason
    assert "outside scope" in report.rejects[1].reason
    with open(report.rejects_file, newline="", encoding="utf-8") as fh:
        listed = list(csv.DictReader(fh))
    assert [(r["row"], r["event_id_cnty"]) for r in listed] == [("9", "COL8"), ("10", "COL9")]
    got = fetch(empty_db)
    assert sorted(got["incident_id"]) == sorted(f"acled:COL{i}" for i in (1, 2, 3, 5, 6, 7, 10))
    # the first occurrence (row 4, fatalities 3) was kept, not the repeat from chunk 2
    assert got.set_index("incident_id").loc["acled:COL3", "fatalities"] == 3
    with store_access.read(empty_db) as con:
        log = con.execute("SELECT read, inserted, duplicates, rejected FROM imports").fetchall()
    assert log == [(10, 7, 1, 2)]


def test_chunked_equals_single_chunk(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "ten.csv", _ten_rows())
    small = ingest.import_file(path, db=tmp_path / "a.duckdb", chunk_rows=3)
    whole = ingest.import_file(path, db=tmp_path / "b.duckdb")
    assert counts(small) == counts(whole)
    assert [r.row for r in small.rejects] == [r.row for r in whole.rejects]
    cols = "incident_id, event_date, fatalities, dept_code, muni_code, actor1"
    pd.testing.assert_frame_equal(
        fetch(tmp_path / "a.duckdb", f"SELECT {cols} FROM incidents ORDER BY 1"),
        fetch(tmp_path / "b.duckdb", f"SELECT {cols} FROM incidents ORDER BY 1"),
    )


def test_failure_mid_import_rolls_back_everything(
    tmp_path: Path, seeded_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staging = stage_class(seeded_db)
    real = staging.add
    calls = {"n": 0}

    def failing(self, records):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full (simulated)")
        return real(self, records)

    monkeypatch.setattr(staging, "add", failing)
    path = write_rows(tmp_path / "ten.csv", _ten_rows())
    with pytest.raises(RuntimeError, match="simulated"):
        ingest.import_file(path, db=seeded_db, chunk_rows=3)
    assert calls["n"] == 2
    assert count(seeded_db) == 2
    assert fetch(seeded_db)["incident_id"].tolist() == ["acled:SEED1", "acled:SEED2"]
    assert count(seeded_db, "imports") == 1
    assert not (seeded_db.parent / "rejects").exists()
    # the database is usable afterwards and the same file then imports in full
    monkeypatch.setattr(staging, "add", real)
    assert not list(seeded_db.parent.glob(".import-*"))  # the staging folder is gone
    assert counts(ingest.import_file(path, db=seeded_db, chunk_rows=3)) == (10, 7, 1, 2)
    assert count(seeded_db) == 9


def test_failure_mid_import_into_new_db_stores_nothing(
    tmp_path: Path, empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staging = stage_class(empty_db)
    real = staging.add
    calls = {"n": 0}

    def failing(self, records):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("boom")
        return real(self, records)

    monkeypatch.setattr(staging, "add", failing)
    with pytest.raises(RuntimeError):
        ingest.import_file(write_rows(tmp_path / "ten.csv", _ten_rows()), db=empty_db, chunk_rows=3)
    assert count(empty_db) == 0
    assert count(empty_db, "imports") == 0


def test_failure_after_the_rows_are_written_rolls_back(
    tmp_path: Path, seeded_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The staged rows are in the table when the failure comes: the rollback removes them."""
    staging = stage_class(seeded_db)
    real = staging.insert
    seen = {}

    def insert_then_fail(self):
        result = real(self)
        seen["inserted"] = result.inserted
        seen["visible"] = self._con.execute("SELECT count(*) FROM incidents").fetchone()[0]
        raise RuntimeError("crash after insert (simulated)")

    monkeypatch.setattr(staging, "insert", insert_then_fail)
    path = write_rows(tmp_path / "ten.csv", _ten_rows())
    with pytest.raises(RuntimeError, match="simulated"):
        ingest.import_file(path, db=seeded_db, chunk_rows=3)
    assert seen == {"inserted": 7, "visible": 9}
    assert count(seeded_db) == 2
    assert count(seeded_db, "imports") == 1
    with store.connect(seeded_db, read_only=True) as con:
        names = {r[0] for r in con.execute("SELECT actor FROM actor_ids").fetchall()}
    stored = set(fetch(seeded_db, "SELECT actor FROM incident_actors")["actor"])
    assert names <= stored
    assert not list(seeded_db.parent.glob(".import-*"))


# --------------------------------------------------------------------------------------------
# Dry run


def _frame(rows: list[dict[str, str]], columns: list[str] = ACLED_COLUMNS) -> pd.DataFrame:
    return pd.DataFrame(
        [{c: r.get(c, "") for c in columns} for r in rows], columns=columns, dtype=str
    )


def test_check_frame_reports_without_writing(tmp_path: Path, seeded_db: Path) -> None:
    frame = _frame(
        [
            acled_row(event_id_cnty="SEED1"),  # already stored
            acled_row(event_id_cnty="NEW1", admin1="Cauca"),  # admin mismatch warning
            acled_row(event_id_cnty="NEW2", **TIBU),
            acled_row(event_id_cnty="NEW2", **TIBU),  # within-file repeat
            acled_row(event_id_cnty="BAD1", fatalities="-1"),
            acled_row(event_id_cnty="VEN1", country="Venezuela", **CARACAS),
        ]
    )
    before = sha256(seeded_db)
    report = ingest.check_frame(frame, name="upload.csv", db=seeded_db, dataset="upload")
    assert report.format == "acled"
    assert counts(report) == (6, 2, 2, 2)
    assert adds_up(report)
    assert [r.row for r in report.rejects] == [6, 7]
    assert report.warnings == {"admin_mismatch": 1}
    assert report.rejects_file is None
    assert count(seeded_db) == 2
    assert count(seeded_db, "imports") == 1
    assert sha256(seeded_db) == before
    # the real import does what the dry run said
    done = ingest.import_frame(frame, name="upload.csv", db=seeded_db, dataset="upload")
    assert counts(done) == counts(report)
    assert count(seeded_db) == 4


def test_check_frame_on_missing_database_creates_nothing(tmp_path: Path, empty_db: Path) -> None:
    frame = _frame([acled_row(event_id_cnty="A"), acled_row(event_id_cnty="B", **TIBU)])
    report = ingest.check_frame(frame, name="upload.csv", db=empty_db, dataset="upload")
    assert counts(report) == (2, 2, 0, 0)
    assert not empty_db.exists()


def test_check_frame_ucdp(tmp_path: Path, empty_db: Path) -> None:
    frame = _frame(
        [ucdp_row(id="1"), ucdp_row(id="2", where_prec="7"), ucdp_row(id="3", where_prec="8")],
        UCDP_COLUMNS,
    )
    report = ingest.check_frame(frame, name="ged.csv", db=empty_db, dataset="ged")
    assert (report.format, *counts(report)) == ("ucdp", 3, 2, 0, 1)
    assert "where_prec '8'" in report.rejects[0].reason


# --------------------------------------------------------------------------------------------
# Markup and SQL are data


@pytest.mark.parametrize("payload", XSS)
def test_markup_in_acled_fields_is_stored_verbatim(
    tmp_path: Path, empty_db: Path, payload: str
) -> None:
    row = acled_row(
        notes=f"Witnesses said {payload} twice",
        actor1=payload,
        actor2=f"{payload} (Colombia)",
        assoc_actor_1=payload,
        location=payload,
        source=payload,
        sub_event_type=payload,
    )
    report = ingest.import_file(write_rows(tmp_path / "xss.csv", [row]), db=empty_db)
    assert counts(report) == (1, 1, 0, 0)
    rec = fetch(empty_db).iloc[0]
    assert rec["notes"] == f"Witnesses said {payload} twice"
    assert rec["actor1"] == payload
    assert rec["actor1_raw"] == payload
    assert rec["actor2_raw"] == f"{payload} (Colombia)"
    assert list(rec["assoc_actors"]) == [payload]
    assert rec["location"] == payload
    assert rec["sub_event_type"] == payload
    assert rec["source"] == f"ACLED ({payload})"
    assert json.loads(rec["original"])["notes"] == f"Witnesses said {payload} twice"


def test_sql_in_actor_names_is_stored_verbatim(tmp_path: Path, empty_db: Path) -> None:
    rows = [
        acled_row(event_id_cnty="COL1", actor1=SQLI[0], actor2=SQLI[1]),
        acled_row(
            event_id_cnty="COL2",
            actor1=SQLI[2],
            location=SQLI[0],
            **{k: v for k, v in TIBU.items() if k != "location"},
        ),
        acled_row(event_id_cnty="COL3'; DROP TABLE imports;--", notes=SQLI[1]),
        acled_row(event_id_cnty="COL4"),
    ]
    report = ingest.import_file(write_rows(tmp_path / "sqli.csv", rows), db=empty_db)
    assert counts(report) == (4, 4, 0, 0)
    got = fetch(empty_db)
    assert len(got) == 4
    by_id = got.set_index("incident_id")
    assert by_id.loc["acled:COL1", "actor1"] == SQLI[0]
    assert by_id.loc["acled:COL1", "actor2"] == SQLI[1]
    assert by_id.loc["acled:COL2", "actor1"] == SQLI[2]
    assert by_id.loc["acled:COL2", "location"] == SQLI[0]
    assert by_id.loc["acled:COL3'; DROP TABLE imports;--", "notes"] == SQLI[1]
    assert count(empty_db, "imports") == 1
    # filtering by those names is parameterised too: exact matches only
    with store_access.read(empty_db) as con:
        for name, expected in (
            (SQLI[0], ["acled:COL1"]),
            (SQLI[1], ["acled:COL1"]),
            (SQLI[2], ["acled:COL2"]),
        ):
            table = queries.newest(con, Filters(actors=(name,)), 5000)
            assert table["incident_id"].tolist() == expected
        assert queries.overview(con, Filters()).figures.incidents == 4


# --------------------------------------------------------------------------------------------
# A 20,000-row ACLED-shaped file


def test_twenty_thousand_rows(tmp_path: Path, empty_db: Path) -> None:
    n = 20_000
    rng = np.random.default_rng(20220902)
    ids = np.char.add("COL", np.arange(n).astype(str))
    ids[-150:] = ids[:150]  # 150 repeats of earlier rows
    fatalities = rng.integers(0, 6, n).astype(str)
    bad = rng.choice(np.arange(150, n - 150), size=40, replace=False)
    fatalities[bad] = "-1"  # 40 rejects
    actors = np.array(
        ["ELN: National Liberation Army", "AGC: Gaitanist Self-Defence Forces of Colombia",
         "Police Forces of Colombia (2022-)", "Unidentified Armed Group (Colombia)", "Frente 33"]
    )  # fmt: skip
    frame = pd.DataFrame({c: "" for c in ACLED_COLUMNS}, index=range(n))
    frame["event_id_cnty"] = ids
    frame["event_date"] = (
        pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D")
    ).strftime("%d %B %Y")
    frame["year"] = "2022"
    frame["time_precision"] = rng.integers(1, 4, n).astype(str)
    frame["event_type"] = rng.choice(
        ["Battles", "Violence against civilians", "Explosions/Remote violence"], n
    )
    frame["sub_event_type"] = "Armed clash"
    frame["actor1"] = rng.choice(actors, n)
    frame["actor2"] = rng.choice(actors, n)
    frame["country"] = "Colombia"
    frame["admin1"] = "Huila"
    frame["latitude"] = np.round(rng.uniform(2.0, 3.5, n), 4).astype(str)
    frame["longitude"] = np.round(rng.uniform(-76.2, -74.5, n), 4).astype(str)
    frame["geo_precision"] = rng.integers(1, 4, n).astype(str)
    frame["source"] = "Diario del Huila"
    frame["notes"] = 'Synthetic test row, near Neiva; fields "quoted".'
    frame["fatalities"] = fatalities
    path = tmp_path / "acled-20k.csv"
    frame.to_csv(path, index=False)

    # in chunks of 7,000 rows (three chunks): row numbers, duplicates of rows in an earlier
    # chunk and the one transaction must hold across chunk boundaries. How long an import takes
    # is measured by bench/bench_foundation.py (`make bench`), never asserted here.
    report = ingest.import_file(path, db=empty_db, chunk_rows=7_000)

    assert report.format == "acled"
    assert report.read == n
    assert adds_up(report)
    assert report.duplicates == 150
    negative = [r for r in report.rejects if "negative" in r.reason]
    assert len(negative) == 40
    assert sorted(r.row for r in negative) == sorted(int(i) + 2 for i in bad)
    # every other reject is a point outside Colombia (none expected inside this box, but allowed)
    assert all("outside Colombia" in r.reason for r in report.rejects if r not in negative)
    assert count(empty_db) == report.inserted
    assert report.inserted >= n - 150 - 40 - 200
    with store_access.read(empty_db) as con:
        depts = dict(con.execute("SELECT dept_code, count(*) FROM incidents GROUP BY 1").fetchall())
        no_muni = con.execute(
            "SELECT count(*) FROM incidents WHERE muni_code IS NULL AND geo_precision < 3"
        ).fetchone()[0]
        log = con.execute("SELECT read, inserted, duplicates, rejected FROM imports").fetchall()
    # the box is Huila's: Huila (41) holds the most, the rest fall in its neighbours
    assert max(depts, key=depts.get) == "41"
    assert depts["41"] > n / 4
    assert set(depts) <= {"41", "73", "19", "18", "50", "86", "52", "76", "11", "25"}
    assert no_muni == 0
    assert log == [(n, report.inserted, 150, report.rejected)]
    assert not list(empty_db.parent.glob(".import-*"))  # the staged chunks are cleaned up
