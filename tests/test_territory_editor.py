"""territory_editor: the Territories page's view model (claims table, saving edits, import of an
upload, export), checked with SQL on the stored file."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from conflictmap import store, territories, territory_editor

CLAIMS = (
    "group,municipality,department,valid_from,valid_to,level,source\n"
    "ELN,54810,,2020-01-01,,recurrent,SAT 001\n"  # Tibú
    "AGC,Neiva,,2021-01-01,2022-12-31,transit,SAT 002\n"  # an alias of Clan del Golfo
    "ELN,41001,,2023-01-01,,occasional,SAT 003\n"
    "Los Fantasmas,41001,,2023-01-01,,transit,SAT 004\n"  # a group the registry does not know
    "ELN,Atlantis,,2023-01-01,,transit,SAT 005\n"  # no such place: rejected
)


def sql(db: Path, query: str) -> list[tuple]:
    with store.connect(db, read_only=True) as con:  # either store
        return con.execute(query).fetchall()


@pytest.fixture()
def db(tmp_path: Path, boundaries) -> Path:  # noqa: ARG001
    path = tmp_path / "claims.duckdb"
    report = territory_editor.import_upload(io.BytesIO(CLAIMS.encode()), "sat.csv", "", db=path)
    assert (report.read, report.inserted, report.rejected) == (5, 4, 1)
    return path


def test_import_of_an_upload(db: Path) -> None:
    rows = sql(db, "SELECT group_name, muni_code, level, dataset FROM territory_claims ORDER BY 1, 2")
    assert rows == [
        ("Clan del Golfo", "41001", "transit", "sat"),
        ("ELN", "41001", "occasional", "sat"),
        ("ELN", "54810", "recurrent", "sat"),
        ("Los Fantasmas", "41001", "transit", "sat"),
    ]
    again = territory_editor.import_upload(io.BytesIO(CLAIMS.encode()), "sat.csv", " other ", db=db)
    assert territory_editor.import_summary(again) == (
        "Read 5; inserted 0 claims, 4 duplicates, 1 rejected."
    )
    table = territory_editor.import_reject_table(again)
    assert table["row"].tolist() == [6] and table["reason"].iloc[0].startswith("unknown place")
    assert territory_editor.unknown_group_note(again).startswith("1 claims name a group")
    assert territory_editor.default_dataset("alertas.geojson") == "alertas"
    assert territory_editor.default_dataset(None) == ""


def test_a_broken_upload_names_the_upload(db: Path) -> None:
    with pytest.raises(territory_editor.TerritoryError) as caught:
        territory_editor.import_upload(io.BytesIO(b"{not json"), "broken.geojson", "", db=db)
    assert str(caught.value).startswith("broken.geojson: not valid GeoJSON")
    assert "conflictmap-upload-" not in str(caught.value)
    assert sql(db, "SELECT count(*) FROM territory_claims") == [(4,)]


def test_editor_table_and_demo_label(db: Path, tmp_path: Path) -> None:
    table = territory_editor.editor_table(db)
    assert list(table.columns) == territory_editor.EDIT_COLUMNS
    assert sorted(table["claim_id"]) == sorted(i for (i,) in sql(db, "SELECT claim_id FROM "
                                                                     "territory_claims"))
    assert not territory_editor.has_demo_claims(table)
    assert territory_editor.has_demo_claims(table.assign(dataset="synthetic-demo-territories"))
    empty = territory_editor.editor_table(tmp_path / "none.duckdb")
    assert empty.empty and list(empty.columns) == territory_editor.EDIT_COLUMNS


def test_save_edits_replaces_changed_removes_deleted_adds_new(db: Path) -> None:
    current = territory_editor.editor_table(db)
    tibu = int(current.index[current["muni_code"] == "54810"][0])
    tibu_id = int(current.loc[tibu, "claim_id"])
    fantasmas = int(current.index[current["group_name"] == "Los Fantasmas"][0])
    # st.data_editor's own state: edited cells by row position, added rows, deleted positions
    state = {
        "edited_rows": {tibu: {"level": "occasional"}},
        "added_rows": [{"group_name": "EGC", "muni_code": "Pitalito",
                        "valid_from": "2024-01-01T00:00:00", "level": "transit",
                        "source": "analyst"}],
        "deleted_rows": [fantasmas],
    }
    saved = territory_editor.save_edits(current, state, db=db)
    assert saved.saved and (saved.inserted, saved.removed) == (2, 2)
    assert saved.message == "Saved: 2 claims added or changed, 2 removed or replaced."
    rows = sql(db, "SELECT group_name, muni_code, level, dataset, claim_id FROM territory_claims "
                   "ORDER BY 1, 2")  # fmt: skip
    assert [r[:4] for r in rows] == [
        ("Clan del Golfo", "41001", "transit", "sat"),
        ("Clan del Golfo", "41551", "transit", territories.MANUAL_DATASET),  # Pitalito
        ("ELN", "41001", "occasional", "sat"),
        ("ELN", "54810", "occasional", "sat"),  # changed: keeps its dataset, gets a new id
    ]
    assert tibu_id not in {r[4] for r in rows}


def test_no_changes_keep_everything(db: Path) -> None:
    current = territory_editor.editor_table(db)
    before = sql(db, "SELECT * FROM territory_claims ORDER BY claim_id")
    for state in (None, {"edited_rows": {}, "added_rows": [], "deleted_rows": []}):
        saved = territory_editor.save_edits(current, state, db=db)
        assert saved.saved and (saved.inserted, saved.removed) == (0, 0)
    # a cell edited back to its value, an empty added row: nothing to store either
    level = current.loc[0, "level"]
    state = {"edited_rows": {0: {"level": level}}, "added_rows": [{}], "deleted_rows": []}
    saved = territory_editor.save_edits(current, state, db=db)
    assert saved.saved and (saved.inserted, saved.removed) == (0, 0)
    assert sql(db, "SELECT * FROM territory_claims ORDER BY claim_id") == before


def test_an_invalid_edit_saves_nothing(db: Path) -> None:
    current = territory_editor.editor_table(db)
    before = sql(db, "SELECT * FROM territory_claims ORDER BY claim_id")
    state = {"edited_rows": {"0": {"level": "sometimes"}}, "added_rows": [], "deleted_rows": [1]}
    saved = territory_editor.save_edits(current, state, db=db)
    assert not saved.saved and saved.message.startswith("Nothing was saved")
    table = saved.reject_table()
    assert list(table.columns) == ["group", "municipality", "valid_from", "reason"]
    assert len(table) == 1 and "level 'sometimes'" in table["reason"].iloc[0]
    assert sql(db, "SELECT * FROM territory_claims ORDER BY claim_id") == before


def test_export(db: Path) -> None:
    assert territory_editor.export_groups(db) == ["Clan del Golfo", "ELN", "Los Fantasmas"]
    full = territory_editor.export_geojson(db=db)
    collection = json.loads(full.content)
    assert collection == json.loads(json.dumps(territories.export_collection(db=db)))
    assert full.features == len(collection["features"])
    assert (full.file_name, full.mime) == ("territories.geojson", "application/geo+json")
    eln_2021 = json.loads(territory_editor.export_geojson(
        date(2021, 1, 1), date(2021, 12, 31), ["ELN"], db=db).content)
    [eln] = eln_2021["features"]
    assert eln["properties"]["group"] == "ELN"
    assert eln["properties"]["municipalities"] == ["54810"]  # Neiva's ELN claim starts in 2023
