"""Issue 14, hardening: an upload is bounded in bytes (Streamlit's server.maxUploadSize) and every
import in rows (CONFLICTMAP_MAX_ROWS); a file over the row limit is refused with a message that
names the file, the limit and how to raise it, and nothing is stored."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import store_access
from streamlit.testing.v1 import AppTest

from conflictmap import ingest, settings
from conflictmap.importers.csvfile import FileError

ROOT = Path(__file__).resolve().parents[1]
HEADER = "event_date,event_type,actor1,fatalities,municipality,source,source_url\n"


def native_csv(rows: int) -> str:
    return HEADER + "".join(
        f"2022-01-{day:02d},Battles,ELN,1,41001,test,https://example.org/{day}\n"
        for day in range(1, rows + 1)
    )


def stored(db: Path) -> int:
    if not store_access.exists(db):
        return 0
    with store_access.read(db) as con:
        return con.execute("SELECT count(*) FROM incidents").fetchone()[0]


def test_the_row_limit_setting() -> None:
    assert settings.Settings.from_env({}).max_rows == settings.DEFAULT_MAX_ROWS == 5_000_000
    assert settings.Settings.from_env({settings.ENV_MAX_ROWS: "10"}).max_rows == 10
    for bad in ("many", "0"):
        with pytest.raises(settings.SettingsError, match=settings.ENV_MAX_ROWS):
            settings.Settings.from_env({settings.ENV_MAX_ROWS: bad})


@pytest.fixture()
def limit_3(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv(settings.ENV_MAX_ROWS, "3")
    return 3


def assert_names_file_limit_and_setting(message: str, name: str) -> None:
    assert message.startswith(f"{name}: more than 3 rows")
    assert settings.ENV_MAX_ROWS in message and "raise" in message


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(
    tmp_path: Path,
    limit_3: int,
    boundaries,  # noqa: ARG001
) -> None:
    path = tmp_path / "big.csv"
    path.write_text(native_csv(5), encoding="utf-8")
    db = tmp_path / "db.duckdb"
    with pytest.raises(FileError) as refused:
        ingest.check_file(path, db=db, name="big.csv")
    assert_names_file_limit_and_setting(str(refused.value), "big.csv")
    with pytest.raises(FileError) as refused:
        ingest.import_file(path, db=db, name="big.csv", chunk_rows=2)  # the 2nd chunk is over
    assert_names_file_limit_and_setting(str(refused.value), "big.csv")
    assert stored(db) == 0
    # a table in memory (an upload read whole, a workbook) too
    frame = pd.read_csv(path, dtype=str)
    with pytest.raises(FileError, match="more than 3 rows"):
        ingest.import_frame(frame, name="big.xlsx", db=db, dataset="big")
    assert stored(db) == 0


def test_a_file_at_the_limit_is_imported(
    tmp_path: Path,
    limit_3: int,
    boundaries,  # noqa: ARG001
) -> None:
    path = tmp_path / "three.csv"
    path.write_text(native_csv(3), encoding="utf-8")
    db = tmp_path / "db.duckdb"
    assert ingest.check_file(path, db=db).inserted == 3
    assert ingest.import_file(path, db=db, rejects_dir=tmp_path).inserted == 3
    assert stored(db) == 3


def test_the_upload_size_limit_is_configured() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == 200
    note = ingest.limits_note(200.0)
    assert "200 MB" in note and "5,000,000 rows" in note and settings.ENV_MAX_ROWS in note


def test_the_data_page_states_the_limits_and_refuses_a_long_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    limit_3: int,
    boundaries,  # noqa: ARG001
) -> None:
    db = tmp_path / "page.duckdb"
    monkeypatch.setenv("CONFLICTMAP_DB", str(db))
    at = AppTest.from_file(str(ROOT / "pages" / "1_Data.py"), default_timeout=180)
    at.run()
    uploader = at.get("file_uploader")[0]
    assert "3 rows" in uploader.help and "MB per file" in uploader.help
    upload = ("long list.csv", native_csv(5).encode(), "text/csv")
    at.file_uploader(key="upload").set_value(upload).run()
    assert not at.exception, at.exception
    errors = " ".join(re.sub(r"\\(.)", r"\1", e.value) for e in at.error)
    assert "long list.csv: more than 3 rows" in errors and settings.ENV_MAX_ROWS in errors
    assert "Nothing was imported" in errors
    assert not [b for b in at.button if b.key == "import_go"]
    assert stored(db) == 0
