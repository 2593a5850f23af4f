"""AppTest of pages/2_Territories.py: the claims table, editing, import, export."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conflictmap import store, territories, territory_editor

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "2_Territories.py"
SEEDED = 29  # conflictmap/data/sample/territories-synthetic.csv
CSV_HEADER = "group,municipality,department,valid_from,valid_to,level,source\n"


@pytest.fixture()
def page_db(empty_db: Path, boundaries, monkeypatch: pytest.MonkeyPatch) -> Path:
    from conflictmap import sample

    assert sample.load_sample_territories(empty_db) == SEEDED
    monkeypatch.setenv("CONFLICTMAP_DB", str(empty_db))
    return empty_db


@pytest.fixture()
def app(page_db: Path) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.run()
    assert not at.exception
    return at


def claims(db: Path) -> pd.DataFrame:
    with store.connect(db, read_only=True) as con:  # either store
        return territories.claims(con)


def count_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if " claims." in c.value)


def editor_state(edited: dict | None = None, added: list | None = None,
                 deleted: list | None = None) -> dict:
    return {"edited_rows": edited or {}, "added_rows": added or [], "deleted_rows": deleted or []}


# ----------------------------------------------------------------------------------------------
# the claims table


def test_claims_table_shows_the_seeded_claims(app: AppTest, page_db: Path) -> None:
    assert [t.label for t in app.tabs] == ["Claims", "Import", "Export"]
    assert count_caption(app).startswith(f"{SEEDED:,} claims.")
    [editor] = app.data_editor
    assert editor.key == "claims_editor"
    assert editor.editing_mode == "dynamic"
    table = editor.value
    assert len(table) == SEEDED
    assert list(table.columns) == ["claim_id", "group_name", "muni_code", "valid_from", "valid_to",
                                   "level", "source", "dataset"]
    assert sorted(table["claim_id"]) == sorted(claims(page_db)["claim_id"])
    # aliases shown merged: no "AGC", "Urabeños", "EGC" rows
    assert set(table["group_name"]) == {"Clan del Golfo", "Dagoberto Ramos Mobile Column", "ELN",
                                        "Frente 33"}
    # synthetic claims are labelled as such
    assert any("SYNTHETIC" in w.value for w in app.warning)


def test_empty_database_shows_an_empty_table(empty_db: Path, boundaries,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFLICTMAP_DB", str(empty_db))
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.run()
    assert not at.exception
    assert count_caption(at).startswith("0 claims.")
    assert len(at.data_editor[0].value) == 0
    assert not at.warning


# ----------------------------------------------------------------------------------------------
# editing through st.data_editor (AppTest: the editor's state is set on session_state)


def test_edit_a_cell_replaces_the_claim(app: AppTest, page_db: Path) -> None:
    table = app.data_editor[0].value
    row = int(table.index[(table["group_name"] == "ELN") & (table["muni_code"] == "54003")][0])
    old_id = int(table.loc[row, "claim_id"])
    app.session_state["claims_editor"] = editor_state(edited={row: {"level": "occasional"}})
    app.run()
    app.button(key="claims_save").click().run()
    assert not app.exception
    assert not app.error
    after = claims(page_db)
    assert len(after) == SEEDED
    assert old_id not in set(after["claim_id"])
    abrego = after[after["muni_code"] == "54003"]
    assert len(abrego) == 1
    r = abrego.iloc[0]
    assert (r.group_name, r.level) == ("ELN", "occasional")
    assert pd.Timestamp(r.valid_from).date() == date(2019, 6, 1)
    assert pd.Timestamp(r.valid_to).date() == date(2022, 12, 31)  # unchanged fields kept
    assert r.dataset == "synthetic-demo-territories"
    assert count_caption(app).startswith(f"{SEEDED:,} claims.")


def test_delete_a_row_removes_the_claim(app: AppTest, page_db: Path) -> None:
    table = app.data_editor[0].value
    mask = (table["group_name"] == "Clan del Golfo") & (table["muni_code"] == "54810")
    row = int(table.index[mask][0])
    gone = int(table.loc[row, "claim_id"])
    app.session_state["claims_editor"] = editor_state(deleted=[row])
    app.run()
    app.button(key="claims_save").click().run()
    assert not app.exception and not app.error
    after = claims(page_db)
    assert len(after) == SEEDED - 1
    assert gone not in set(after["claim_id"])
    # every other claim keeps its id
    assert set(after["claim_id"]) == set(table["claim_id"]) - {gone}
    assert count_caption(app).startswith(f"{SEEDED - 1:,} claims.")


def test_add_a_row_with_an_alias_and_a_name(app: AppTest, page_db: Path) -> None:
    app.session_state["claims_editor"] = editor_state(added=[{
        "group_name": "AGC", "muni_code": "Neiva", "valid_from": "2024-01-01",
        "level": "transit", "source": "analyst note"}])
    app.run()
    app.button(key="claims_save").click().run()
    assert not app.exception and not app.error
    after = claims(page_db)
    assert len(after) == SEEDED + 1
    new = after[after["source"] == "analyst note"].iloc[0]
    assert (new.group_name, new.group_raw, new.muni_code, new.level, new.dataset) == (
        "Clan del Golfo", "AGC", "41001", "transit", territories.MANUAL_DATASET)
    assert pd.Timestamp(new.valid_from).date() == date(2024, 1, 1)
    assert pd.isna(new.valid_to)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"level": "sometimes"}, id="bad-level"),
        pytest.param({"muni_code": "Atlantis"}, id="unknown-municipality"),
        pytest.param({"group_name": ""}, id="no-group"),
    ],
)
def test_invalid_edit_changes_nothing(app: AppTest, page_db: Path, change: dict) -> None:
    before = claims(page_db)
    app.session_state["claims_editor"] = editor_state(edited={0: change}, deleted=[1])
    app.run()
    app.button(key="claims_save").click().run()
    assert not app.exception
    assert any("Nothing was saved" in e.value for e in app.error)
    [rejects] = [d for d in app.dataframe if d.editing_mode == "read_only"]
    assert len(rejects.value) == 1
    reason = rejects.value["reason"].iloc[0]
    assert ("level" in reason) if "level" in change else True
    assert ("unknown place" in reason) if "muni_code" in change else True
    after = claims(page_db)
    assert list(after["claim_id"]) == list(before["claim_id"])  # not even the deletion happened
    assert list(after["level"]) == list(before["level"])


def test_editor_changes_and_replace_claims(page_db: Path) -> None:
    with store.connect(page_db, read_only=True) as con:
        current = territories.claims(con)[
            ["claim_id", "group_name", "muni_code", "valid_from", "valid_to", "level", "source",
             "dataset"]]
    assert len(current) == SEEDED
    changed_id = int(current.loc[0, "claim_id"])
    deleted_id = int(current.loc[1, "claim_id"])
    state = editor_state(
        edited={0: {"level": "transit"}},
        added=[{"group_name": "EGC", "muni_code": "41001", "valid_from": "2025-01-01",
                "valid_to": None, "level": "tránsito", "source": "new"}],
        deleted=[1],
    )

    keep, new_rows = territory_editor.changes(current, state)
    assert sorted(keep) == sorted(set(current["claim_id"]) - {changed_id, deleted_id})
    assert list(new_rows.columns) == ["group", "municipality", "valid_from", "valid_to", "level",
                                      "source", "dataset"]
    assert len(new_rows) == 2
    assert new_rows.iloc[0]["level"] == "transit"
    assert new_rows.iloc[0]["municipality"] == current.loc[0, "muni_code"]
    first_day = pd.Timestamp(current.loc[0, "valid_from"]).date().isoformat()
    assert new_rows.iloc[0]["valid_from"] == first_day
    assert new_rows.iloc[1].to_dict() == {"group": "EGC", "municipality": "41001",
                                          "valid_from": "2025-01-01", "valid_to": "",
                                          "level": "tránsito", "source": "new", "dataset": ""}
    # unchanged table: everything kept, nothing new
    same_keep, same_new = territory_editor.changes(current, editor_state())
    assert sorted(same_keep) == sorted(current["claim_id"]) and same_new.empty

    # an invalid new row: nothing changes, the reject is returned
    bad = new_rows.copy()
    bad.loc[1, "level"] = "sometimes"
    bad.loc[0, "municipality"] = "Atlantis"
    with store.connect(page_db) as con:
        inserted, rejects = territories.replace_claims(con, keep, bad, dataset="manual")
    assert inserted == 0
    assert len(rejects) == 2
    assert rejects[0].reason.startswith("unknown place")
    assert "level 'sometimes'" in rejects[1].reason
    assert len(claims(page_db)) == SEEDED

    with store.connect(page_db) as con:
        inserted, rejects = territories.replace_claims(con, keep, new_rows, dataset="manual")
    assert (inserted, rejects) == (2, [])
    after = claims(page_db)
    assert len(after) == SEEDED - 2 + 2
    assert not {changed_id, deleted_id} & set(after["claim_id"])
    replaced = after[(after["muni_code"] == current.loc[0, "muni_code"])
                     & (after["group_name"] == current.loc[0, "group_name"])]
    assert list(replaced["level"]) == ["transit"]
    # a changed row keeps its dataset
    assert replaced.iloc[0]["dataset"] == current.loc[0, "dataset"]
    added = after[after["source"] == "new"].iloc[0]
    assert (added.group_name, added.level, added.dataset) == ("Clan del Golfo", "transit", "manual")

    # deleting everything
    with store.connect(page_db) as con:
        assert territories.replace_claims(con, [], pd.DataFrame(), dataset="manual") == (0, [])
    assert claims(page_db).empty


# ----------------------------------------------------------------------------------------------
# import


def test_import_tab_uploads_a_csv(app: AppTest, page_db: Path) -> None:
    content = CSV_HEADER + (
        "AGC,Neiva,,2021,,presencia recurrente,SAT 001\n"
        "ELN,Atlantis,,2021,,transit,SAT 001\n"
        "Los Fantasmas,41001,,2021,,transit,SAT 001\n"
        "ELN,54810,Norte de Santander,2018-01-01,,recurrent,"
        "SYNTHETIC demo claim (not a real assessment)\n"
    )
    assert not [b for b in app.button if b.key == "terr_import"]  # no file, no button
    app.file_uploader(key="terr_upload").set_value(
        ("alertas.csv", content.encode("utf-8"), "text/csv"))
    app.run()
    app.button(key="terr_import").click().run()
    assert not app.exception
    assert [s.value for s in app.success] == [
        "Read 4; inserted 2 claims, 1 duplicates, 1 rejected."]  # the last row is seeded already
    [rejects] = [d for d in app.dataframe if d.editing_mode == "read_only"]
    assert list(rejects.value["row"]) == [3]
    assert rejects.value["reason"].iloc[0].startswith("unknown place")
    assert any("do" in i.value and "not know" in i.value for i in app.info)  # unknown group note
    after = claims(page_db)
    assert len(after) == SEEDED + 2
    new = after[after["dataset"] == "alertas"].sort_values("group_name")
    assert list(new["group_name"]) == ["Clan del Golfo", "Los Fantasmas"]
    assert list(new["muni_code"]) == ["41001", "41001"]
    assert list(new["level"]) == ["recurrent", "transit"]


def test_import_tab_geojson_and_a_broken_file(app: AppTest, page_db: Path, boundaries) -> None:
    import shapely

    neiva = boundaries.municipalities.set_index("muni_code").geometry.loc["41001"]
    collection = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": json.loads(shapely.to_geojson(neiva)),
        "properties": {"group": "ELN", "valid_from": "2022-01-01", "level": "injerencia",
                       "source": "drawn"}}]}
    app.file_uploader(key="terr_upload").set_value(
        ("drawn.geojson", json.dumps(collection).encode(), "application/geo+json"))
    app.run()
    app.button(key="terr_import").click().run()
    assert not app.exception
    assert [s.value for s in app.success] == [
        "Read 1; inserted 1 claims, 0 duplicates, 0 rejected."]
    drawn = claims(page_db).query("dataset == 'drawn'")
    assert list(zip(drawn["group_name"], drawn["muni_code"], drawn["level"], strict=True)) == [
        ("ELN", "41001", "occasional")]

    app.file_uploader(key="terr_upload").set_value(
        ("broken.geojson", b"{not json", "application/json"))
    app.run()
    app.button(key="terr_import").click().run()
    assert not app.exception
    assert any("Nothing was imported" in e.value for e in app.error)
    assert len(claims(page_db)) == SEEDED + 1


def test_claims_tab_shows_imported_claims_right_away(app: AppTest, page_db: Path) -> None:
    content = CSV_HEADER + "AGC,Neiva,,2021,,transit,SAT 001\n"
    app.file_uploader(key="terr_upload").set_value(("new.csv", content.encode(), "text/csv"))
    app.run()
    app.button(key="terr_import").click().run()
    assert len(claims(page_db)) == SEEDED + 1
    assert count_caption(app).startswith(f"{SEEDED + 1:,} claims.")


# ----------------------------------------------------------------------------------------------
# export


def test_export_tab_offers_the_geojson(page_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit

    offered: list[dict] = []
    real = streamlit.download_button

    def spy(label, data, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        offered.append({"label": label, "data": data, **kwargs})
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", spy)
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.run()
    assert not at.exception
    [button] = at.download_button
    assert button.key == "export_dl" and button.label == "Download GeoJSON"
    collection = json.loads(offered[-1]["data"])
    assert offered[-1]["file_name"] == "territories.geojson"
    assert collection == json.loads(json.dumps(territories.export_collection(db=page_db)))
    kinds = sorted(f["properties"]["kind"] for f in collection["features"])
    assert kinds == ["contested"] * 2 + ["declared"] * 4
    assert any(c.value == "6 features" for c in at.caption)

    at.multiselect(key="export_groups").set_value(["ELN"]).run()
    at.date_input(key="export_from").set_value(date(2023, 1, 1)).run()
    assert not at.exception
    collection = json.loads(offered[-1]["data"])
    [eln] = collection["features"]
    assert eln["properties"]["group"] == "ELN"
    assert "54003" not in eln["properties"]["municipalities"]  # Ábrego ended 2022-12-31
    assert any(c.value == "1 feature" for c in at.caption)
