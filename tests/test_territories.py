"""Armed-group territories: import, time windows, dissolve, contested, inferred, export, map."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import shapely

from conflictmap import store, territories, territory_store
from conflictmap.filters import Filters, ViewOptions
from conflictmap.geography import load_geography
from conflictmap.shared_reader import SHARED

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["group", "municipality", "department", "valid_from", "valid_to", "level", "source"]
SYNTHETIC = "SYNTHETIC demo claim (not a real assessment)"

# The synthetic sample (territories-synthetic.csv in conflictmap/data/sample/), by group,
# open-ended claims only
ELN_OPEN = ["54206", "54250", "54344", "54670", "54800", "54810",
            "81065", "81300", "81736", "81794"]
CLAN_OPEN = ["05045", "05147", "05172", "05490", "05837", "19698"]
DAGOBERTO = ["19137", "19142", "19212", "19364", "19698", "19821", "41001", "41020", "41396"]
TIBU, ABREGO, NEIVA = "54810", "54003", "41001"


# ----------------------------------------------------------------------------------------------
# helpers


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def stored(db: Path) -> pd.DataFrame:
    if not store.is_postgres(db) and not Path(db).exists():
        return pd.DataFrame(columns=["claim_id", "group_name", "group_raw", "muni_code"])
    with store.connect(db, read_only=True) as con:  # either store
        frame = con.execute("SELECT * FROM territory_claims ORDER BY claim_id").df()
    SHARED.close()  # let go of a DuckDB file now: a CLI subprocess may write it next
    return frame


def day(value: object) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def import_rows(tmp_path: Path, db: Path, rows: list[list[str]], name: str = "claims.csv"):
    return territories.import_claims(write_csv(tmp_path / name, rows), db=db)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    # the database as the subprocess must name it: a file, or the URL the test run maps it to
    args = tuple(
        str(store.resolve_db(a)) if i and args[i - 1] == "--db" else a for i, a in enumerate(args)
    )
    return subprocess.run(
        [sys.executable, "-m", "conflictmap.cli", *args],
        capture_output=True, text=True, encoding="utf-8", env=dict(os.environ), cwd=ROOT,
        timeout=180,
    )


def sample_con(sample_db: Path):
    from conflictmap import store

    return store.connect(sample_db, read_only=True)


def overlay_names(html: str) -> list[str]:
    """The layer control's overlay names, decoded (folium writes them as JSON strings)."""
    block = re.search(r"overlays\s*:\s*\{(.*?)\}", html, re.S)
    assert block, "no layer control in the map"
    return [json.loads(k) for k in re.findall(r'("(?:[^"\\]|\\.)*")\s*:', block.group(1))]


def render(view_data) -> str:  # noqa: ANN001 - view.ViewData
    from conflictmap import mapping, view

    return mapping.build_map(view.map_spec(view_data)).get_root().render()


# ----------------------------------------------------------------------------------------------
# model: aliases, places, levels, dates, rejects


def test_aliases_merge_into_one_group_and_unknown_groups_are_kept(tmp_path: Path, empty_db: Path,
                                                                  boundaries) -> None:
    report = import_rows(tmp_path, empty_db, [
        ["AGC", "05837", "", "2020-01-01", "", "recurrent", "SAT 001"],
        ["Urabeños", "05045", "", "2020-01-01", "", "recurrent", "SAT 001"],
        ["EGC", "05147", "", "2020-01-01", "", "recurrent", "SAT 001"],
        ["Clan del Golfo", "05490", "", "2020-01-01", "", "recurrent", "SAT 001"],
        ["Los Fantasmas del Norte", "41001", "", "2020-01-01", "", "transit", "SAT 001"],
    ])
    assert (report.read, report.inserted, report.rejected) == (5, 5, 0)
    assert report.warnings == {"unknown_group": 1}
    assert report.as_json()["warnings"] == {"unknown_group": 1}
    frame = stored(empty_db)
    got = dict(zip(frame["group_raw"], frame["group_name"], strict=True))
    assert got == {
        "AGC": "Clan del Golfo",
        "Urabeños": "Clan del Golfo",
        "EGC": "Clan del Golfo",
        "Clan del Golfo": "Clan del Golfo",
        "Los Fantasmas del Norte": "Los Fantasmas del Norte",
    }
    assert sorted(frame.loc[frame["group_name"] == "Clan del Golfo", "muni_code"]) == [
        "05045", "05147", "05490", "05837"]
    assert set(frame["dataset"]) == {"claims"}  # the file name without extension


def test_municipality_by_name_or_code(boundaries) -> None:
    frame = pd.DataFrame(
        [
            ["ELN", "Neiva", "", "2020-01-01", "", "recurrent", "a"],
            ["ELN", "41001", "", "2020-01-01", "", "recurrent", "b"],
            ["ELN", "NEIVA", "", "2020-01-01", "", "recurrent", "c"],
            ["ELN", "neiva", "Huila", "2020-01-01", "", "recurrent", "d"],
            ["ELN", "La Unión", "", "2020-01-01", "", "recurrent", "e"],
            ["ELN", "La Unión", "Nariño", "2020-01-01", "", "recurrent", "f"],
            ["ELN", "41001", "Cauca", "2020-01-01", "", "recurrent", "g"],
        ],
        columns=HEADER,
    )
    records, rejects, warnings = territories.validate(frame, dataset="t")
    assert list(records["source"]) == ["a", "b", "c", "d", "f"]
    assert list(records["muni_code"]) == [NEIVA, NEIVA, NEIVA, NEIVA, "52399"]
    assert list(records["dept_code"]) == ["41", "41", "41", "41", "52"]
    assert warnings == {}
    assert [r.row for r in rejects] == [6, 8]  # header is row 1
    ambiguous = rejects[0].reason
    assert ambiguous.startswith("unknown place:")
    for candidate in ("05400", "52399", "70400", "76400", "Nariño"):
        assert candidate in ambiguous
    assert "not in Cauca" in rejects[1].reason


def test_import_rejects_carry_spreadsheet_rows_and_reasons(tmp_path: Path, empty_db: Path,
                                                           boundaries) -> None:
    report = import_rows(tmp_path, empty_db, [
        ["ELN", "41001", "", "2020-01-01", "", "recurrent", "ok 1"],  # row 2
        ["", "41001", "", "2020-01-01", "", "recurrent", "x"],  # 3: no group
        ["ELN", "Atlantis", "", "2020-01-01", "", "recurrent", "x"],  # 4: unknown place
        ["ELN", "41001", "", "2020-13-01", "", "recurrent", "x"],  # 5: bad date
        ["ELN", "41001", "", "2021-01-01", "2020-12-31", "recurrent", "x"],  # 6: to < from
        ["ELN", "41001", "", "2020-01-01", "", "sometimes", "x"],  # 7: unknown level
        ["ELN", "41001", "", "2020-01-01", "", "recurrent", ""],  # 8: no source
        ["ELN", "41001", "", "", "", "recurrent", "x"],  # 9: no valid_from
        ["ELN", "41001", "", "2020-01-01", "2020-02-30", "recurrent", "x"],  # 10: bad valid_to
        ["AGC", "Neiva", "Huila", "2020-01-01", "", "tránsito", "ok 2"],  # row 11
    ])
    assert (report.read, report.inserted, report.duplicates, report.rejected) == (10, 2, 0, 8)
    reasons = {r.row: r.reason for r in report.rejects}
    assert list(reasons) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert reasons[3] == "no group"
    assert reasons[4].startswith("unknown place:") and "Atlantis" in reasons[4]
    assert reasons[5] == "bad valid_from '2020-13-01' (expected YYYY-MM-DD, YYYY-MM or YYYY)"
    assert reasons[6] == "valid_to 2020-12-31 is before valid_from 2021-01-01"
    assert reasons[7] == "level 'sometimes' is not recurrent, occasional or transit"
    assert reasons[8].startswith("source is empty")
    assert reasons[9] == "valid_from is empty"
    assert reasons[10].startswith("bad valid_to '2020-02-30'")
    frame = stored(empty_db)
    assert sorted(frame["source"]) == ["ok 1", "ok 2"]
    # the rejects file next to the database (PostgreSQL: in the data folder) lists every reject
    beside = store.resolve_db_path(empty_db).parent / "rejects"
    assert report.rejects_file and Path(report.rejects_file).parent == beside
    with open(report.rejects_file, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["row"]) for r in rows] == [3, 4, 5, 6, 7, 8, 9, 10]
    assert [r["reason"] for r in rows] == list(reasons.values())
    assert rows[1]["municipality"] == "Atlantis"


def test_missing_required_column_is_a_file_error(tmp_path: Path, empty_db: Path) -> None:
    path = write_csv(tmp_path / "nosource.csv", [["ELN", "41001", "2020-01-01"]],
                     header=["group", "municipality", "valid_from"])
    with pytest.raises(territories.TerritoryError, match="source"):
        territories.import_claims(path, db=empty_db)
    assert stored(empty_db).empty


def test_cli_import_prints_json_writes_rejects_and_skips_duplicates(tmp_path: Path, empty_db: Path,
                                                                   boundaries) -> None:
    path = write_csv(tmp_path / "defensoria.csv", [
        ["ELN", "Tibú", "Norte de Santander", "2021-01-01", "", "presencia recurrente",
         "AT 045-21"],
        ["Urabeños", "41001", "", "2021", "2021", "algunas actividades", "AT 045-21"],
        ["ELN", "La Unión", "", "2021-01-01", "", "recurrent", "AT 045-21"],
        ["ELN", "41001", "", "2021-01-01", "", "recurrent", ""],
    ])
    done = run_cli("territories", "import", str(path), "--db", str(empty_db))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert {"read", "inserted", "rejected", "rejects_file"} <= set(out)
    assert (out["read"], out["inserted"], out["rejected"]) == (4, 2, 2)
    with open(out["rejects_file"], encoding="utf-8") as fh:
        rejects = list(csv.DictReader(fh))
    assert [int(r["row"]) for r in rejects] == [4, 5]
    assert "La Unión (Nariño, 52399)" in rejects[0]["reason"]
    assert rejects[1]["reason"].startswith("source is empty")
    frame = stored(empty_db).sort_values("muni_code")
    assert list(frame["muni_code"]) == [NEIVA, TIBU]
    assert list(frame["group_name"]) == ["Clan del Golfo", "ELN"]
    assert list(frame["level"]) == ["occasional", "recurrent"]
    # the same file again: nothing new
    again = run_cli("territories", "import", str(path), "--db", str(empty_db))
    assert again.returncode == 0, again.stderr
    out2 = json.loads(again.stdout)
    assert (out2["read"], out2["inserted"], out2["duplicates"], out2["rejected"]) == (4, 0, 2, 2)
    assert len(stored(empty_db)) == 2


def test_cli_import_of_a_missing_file_fails_cleanly(tmp_path: Path, empty_db: Path) -> None:
    done = run_cli("territories", "import", str(tmp_path / "nope.csv"), "--db", str(empty_db))
    assert done.returncode == 2
    assert "no such file" in done.stderr
    assert "Traceback" not in done.stderr


def test_partial_dates_cover_the_whole_period(tmp_path: Path, empty_db: Path, boundaries) -> None:
    import_rows(tmp_path, empty_db, [
        ["ELN", "41001", "", "2021", "2021", "recurrent", "year"],
        ["ELN", "41001", "", "2021-06", "2021-06", "recurrent", "month"],
        ["ELN", "41001", "", "2020-02", "2020-02", "recurrent", "leap month"],
        ["ELN", "41001", "", "2019-12", "2020-12", "recurrent", "december"],
        ["ELN", "41001", "", "2019-03-04", "", "recurrent", "open"],
    ])
    frame = stored(empty_db).set_index("source")
    got = {s: (day(r.valid_from), day(r.valid_to)) for s, r in frame.iterrows()}
    assert got == {
        "year": (date(2021, 1, 1), date(2021, 12, 31)),
        "month": (date(2021, 6, 1), date(2021, 6, 30)),
        "leap month": (date(2020, 2, 1), date(2020, 2, 29)),
        "december": (date(2019, 12, 1), date(2020, 12, 31)),
        "open": (date(2019, 3, 4), None),
    }


def test_spanish_levels_map_to_the_three_levels(tmp_path: Path, empty_db: Path, boundaries) -> None:
    spanish = {
        "presencia recurrente": "recurrent",
        "Presencia Recurrente": "recurrent",
        "presencia": "recurrent",
        "algunas actividades": "occasional",
        "injerencia": "occasional",
        "ocasional": "occasional",
        "tránsito": "transit",
        "TRÁNSITO": "transit",
        "transito": "transit",
        "recurrent": "recurrent",
        "occasional": "occasional",
        "transit": "transit",
    }
    for text, level in spanish.items():
        assert territories.parse_level(text) == level, text
    import_rows(tmp_path, empty_db, [
        ["ELN", "41001", "", "2020-01-01", "", text, text] for text in spanish
    ])
    frame = stored(empty_db)
    assert dict(zip(frame["source"], frame["level"], strict=True)) == spanish


def test_import_is_one_transaction(tmp_path: Path, empty_db: Path, boundaries,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    real_insert = territory_store._insert

    def insert_then_fail(con, records):  # noqa: ANN001
        real_insert(con, records)  # rows written inside the transaction...
        raise RuntimeError("disk full")  # ...then a failure: all must be rolled back

    monkeypatch.setattr(territory_store, "_insert", insert_then_fail)
    path = write_csv(tmp_path / "claims.csv", [
        ["ELN", "41001", "", "2020-01-01", "", "recurrent", "a"],
        ["ELN", TIBU, "", "2020-01-01", "", "recurrent", "a"],
    ])
    with pytest.raises(RuntimeError, match="disk full"):
        territories.import_claims(path, db=empty_db)
    assert stored(empty_db).empty

    def fail(con, records):  # noqa: ANN001
        raise RuntimeError("boom")

    monkeypatch.setattr(territory_store, "_insert", fail)
    with pytest.raises(RuntimeError, match="boom"):
        territories.import_claims(path, db=empty_db)
    assert stored(empty_db).empty


# ----------------------------------------------------------------------------------------------
# time windows


def test_claims_in_a_window(tmp_path: Path, empty_db: Path, boundaries) -> None:
    from conflictmap import store

    import_rows(tmp_path, empty_db, [
        ["ELN", "41001", "", "2019-01-01", "2019-12-31", "recurrent", "ended before"],
        ["ELN", "41001", "", "2020-06-01", "2021-06-30", "recurrent", "overlaps start"],
        ["ELN", "41001", "", "2021-03-01", "2021-04-30", "recurrent", "inside"],
        ["ELN", "41001", "", "2022-01-01", "", "recurrent", "starts after"],
        ["ELN", "41001", "", "2015-01-01", "", "recurrent", "open since 2015"],
        ["ELN", "41001", "", "2021-12-31", "", "recurrent", "starts on the last day"],
        ["ELN", "41001", "", "2018-01-01", "2021-01-01", "recurrent", "ends on the first day"],
    ])
    with store.connect(empty_db, read_only=True) as con:
        def sources(**window) -> set[str]:  # noqa: ANN003
            return set(territories.claims(con, **window)["source"])

        assert sources(date_from=date(2021, 1, 1), date_to=date(2021, 12, 31)) == {
            "overlaps start", "inside", "open since 2015", "starts on the last day",
            "ends on the first day"}
        assert sources(date_from=date(2021, 1, 2)) == {
            "overlaps start", "inside", "starts after", "open since 2015", "starts on the last day"}
        assert sources(date_to=date(2019, 6, 30)) == {
            "ended before", "open since 2015", "ends on the first day"}
        assert len(sources()) == 7
        assert sources(date_from=date(2021, 1, 1), date_to=date(2021, 12, 31),
                       groups=["Clan del Golfo"]) == set()


def test_tibu_contested_by_three_groups_in_2022_and_two_in_2023(sample_db: Path) -> None:
    with sample_con(sample_db) as con:
        y2022 = territories.claims(con, date_from=date(2022, 1, 1), date_to=date(2022, 12, 31))
        y2023 = territories.claims(con, date_from=date(2023, 1, 1), date_to=date(2023, 12, 31))
    c2022 = {r.muni_code: list(r.groups) for r in territories.contested(y2022).itertuples()}
    c2023 = {r.muni_code: list(r.groups) for r in territories.contested(y2023).itertuples()}
    assert c2022 == {
        "19698": ["Clan del Golfo", "Dagoberto Ramos Mobile Column"],
        TIBU: ["Clan del Golfo", "ELN", "Frente 33"],
    }
    assert c2023 == {
        "19698": ["Clan del Golfo", "Dagoberto Ramos Mobile Column"],
        TIBU: ["ELN", "Frente 33"],
    }


def test_moving_the_window_past_valid_to_removes_the_municipality(sample_db: Path) -> None:
    with sample_con(sample_db) as con:
        y2022 = territories.claims(con, date_from=date(2022, 1, 1), date_to=date(2022, 12, 31))
        y2023 = territories.claims(con, date_from=date(2023, 1, 1), date_to=date(2023, 12, 31))
    v2022 = territories.build_view(y2022)
    v2023 = territories.build_view(y2023)
    areas22 = {(a.group, a.level): a for a in v2022.areas}
    areas23 = {(a.group, a.level): a for a in v2023.areas}
    # Ábrego: the ELN's only transit claim, until 2022-12-31
    assert areas22[("ELN", "transit")].municipalities == (ABREGO,)
    assert areas22[("ELN", "transit")].valid_to == date(2022, 12, 31)
    assert ("ELN", "transit") not in areas23
    assert all(ABREGO not in a.municipalities for a in v2023.areas)
    # Tibú: the Clan del Golfo's occasional claim ends 2022-12-31
    assert areas22[("Clan del Golfo", "occasional")].municipalities == ("05172", TIBU)
    assert areas23[("Clan del Golfo", "occasional")].municipalities == ("05172",)
    assert areas23[("Clan del Golfo", "occasional")].valid_to is None  # what is left is open
    clan23 = {c for a in v2023.areas if a.group == "Clan del Golfo" for c in a.municipalities}
    assert clan23 == set(CLAN_OPEN)
    # the dissolved area shrinks accordingly
    assert areas23[("Clan del Golfo", "occasional")].geometry.area < (
        areas22[("Clan del Golfo", "occasional")].geometry.area)
    assert {c.muni_code: c.groups for c in v2023.contested}[TIBU] == ("ELN", "Frente 33")


def test_load_view_date_filter_selects_claims_valid_in_the_window(sample_db: Path) -> None:
    from conflictmap import view

    opts = view.TerritoryOptions(declared=True, inferred=False)
    v2022 = view.load_view(Filters(date_from=date(2022, 1, 1), date_to=date(2022, 12, 31)),
                           ViewOptions(), db=sample_db, territory_options=opts)
    v2023 = view.load_view(Filters(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31)),
                           ViewOptions(), db=sample_db, territory_options=opts)
    munis22 = {c for a in v2022.territories.areas for c in a.municipalities}
    munis23 = {c for a in v2023.territories.areas for c in a.municipalities}
    assert munis22 - munis23 == {ABREGO}
    assert {c.muni_code: c.groups for c in v2022.territories.contested}[TIBU] == (
        "Clan del Golfo", "ELN", "Frente 33")
    contested23 = {c.muni_code: c.groups for c in v2023.territories.contested}
    assert contested23[TIBU] == ("ELN", "Frente 33")
    assert v2023.territory_datasets == ("synthetic-demo-territories",)
    assert v2023.demo_in_view
    table = view.territory_table(v2023)
    eln = table[(table["group"] == "ELN") & (table["kind"] == "declared")].set_index("level")
    assert eln.loc["recurrent", "municipalities"] == 8
    assert eln.loc["recurrent", "contested"] == 1  # Tibú
    assert eln.loc["recurrent", "valid"] == "since 2018-01-01"
    assert "transit" not in eln.index
    # territories off: none
    off = view.load_view(Filters(), ViewOptions(), db=sample_db, territory_options=None)
    assert off.territories is None
    assert view.territory_table(off).empty


# ----------------------------------------------------------------------------------------------
# dissolve


@pytest.mark.parametrize(
    "codes",
    [
        pytest.param(["54810", "54250", "54800", "54206", "54344", "54670", "54003"],
                     id="catatumbo"),
        pytest.param(["05837", "19698", "41001", "81065"], id="scattered"),
        pytest.param("huila", id="huila-37"),
    ],
)
def test_dissolve_area_is_the_sum_of_the_municipalities(boundaries, codes) -> None:
    munis = boundaries.municipalities.set_index("muni_code")
    if codes == "huila":
        codes = list(munis.index[munis["dept_code"] == "41"])
        assert len(codes) == 37
    geometry = load_geography().dissolve(codes, simplified=False)
    members = [munis.geometry.loc[c] for c in codes]
    total = sum(shapely.area(g) for g in members)
    assert geometry.is_valid and not geometry.is_empty
    assert geometry.geom_type in ("Polygon", "MultiPolygon")
    assert abs(shapely.area(geometry) - total) <= 1e-6 * total
    for member in members:
        assert shapely.equals(shapely.union(geometry, member), geometry)
    # the simplified version is close to it (within 1 %)
    simple = load_geography().dissolve(codes)
    assert simple.is_valid
    assert abs(shapely.area(simple) - total) <= 0.01 * total


def test_dissolve_is_cached(boundaries) -> None:
    codes = ["54810", "54250", "54800"]
    first = load_geography().dissolve(codes)
    assert load_geography().dissolve(codes) is first
    assert load_geography().dissolve(list(reversed(codes)) + ["54810"]) is first  # order, repeats
    assert load_geography().dissolve(codes, simplified=False) is not first
    assert load_geography().dissolve(codes, simplified=False) is load_geography().dissolve(
        codes, simplified=False)


# ----------------------------------------------------------------------------------------------
# contested


def test_contested_lists_municipalities_with_two_or_more_groups() -> None:
    frame = pd.DataFrame(
        [
            ("ELN", TIBU), ("Frente 33", TIBU), ("ELN", TIBU),
            ("Clan del Golfo", "19698"), ("Dagoberto Ramos Mobile Column", "19698"),
            ("ELN", "19698"),
            ("ELN", "54250"),
            ("Clan del Golfo", NEIVA), ("Clan del Golfo", NEIVA),
        ],
        columns=["group_name", "muni_code"],
    )
    got = territories.contested(frame)
    assert list(got.columns) == ["muni_code", "groups"]
    assert {r.muni_code: list(r.groups) for r in got.itertuples()} == {
        TIBU: ["ELN", "Frente 33"],
        "19698": ["Clan del Golfo", "Dagoberto Ramos Mobile Column", "ELN"],
    }
    empty = territories.contested(frame.iloc[0:0])
    assert empty.empty and list(empty.columns) == ["muni_code", "groups"]


def test_one_group_under_two_aliases_is_not_contested(tmp_path: Path, empty_db: Path,
                                                      boundaries) -> None:
    from conflictmap import store

    import_rows(tmp_path, empty_db, [
        ["AGC", "41001", "", "2020-01-01", "", "recurrent", "a"],
        ["Urabeños", "Neiva", "", "2020-01-01", "", "occasional", "b"],
        ["ELN", TIBU, "", "2020-01-01", "", "recurrent", "a"],
        ["Frente 33", TIBU, "", "2020-01-01", "", "recurrent", "a"],
    ])
    with store.connect(empty_db, read_only=True) as con:
        frame = territories.claims(con)
    got = territories.contested(frame)
    assert list(got["muni_code"]) == [TIBU]
    view_ = territories.build_view(frame)
    assert [(c.muni_code, c.groups) for c in view_.contested] == [(TIBU, ("ELN", "Frente 33"))]


# ----------------------------------------------------------------------------------------------
# inferred from incidents


@pytest.fixture(scope="module")
def incidents_db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    """ELN: 3 incidents in Neiva (2022), 2 in Tibú (2023); non-armed actors with more."""
    from conflictmap import ingest

    munis = boundaries.municipalities.set_index("muni_code")
    points = {code: munis.geometry.loc[code].representative_point() for code in (NEIVA, TIBU)}
    rows = []

    def add(when: str, actor1: str, actor2: str, code: str, n: int) -> None:
        for i in range(n):
            p = points[code]
            rows.append({
                "event_date": f"{when}-{i + 1:02d}", "event_type": "Violence against civilians",
                "actor1": actor1, "actor2": actor2, "latitude": f"{p.y:.5f}",
                "longitude": f"{p.x:.5f}", "source": "test", "notes": f"{actor1} {code} {i}",
            })

    add("2022-03", "ELN", "Civilians", NEIVA, 3)
    add("2023-05", "ELN", "Police", TIBU, 2)
    add("2022-04", "Unidentified armed group", "Civilians", NEIVA, 4)
    add("2022-05", "Police", "Civilians", TIBU, 4)
    add("2022-06", "Urabeños", "Civilians", NEIVA, 1)
    db = tmp_path_factory.mktemp("inferred") / "incidents.duckdb"
    report = ingest.import_frame(pd.DataFrame(rows), name="t", fmt="native", db=db, dataset="t")
    assert (report.inserted, report.rejected) == (14, 0)
    return db


def inferred_set(db: Path, filters: Filters, k: int) -> set[tuple[str, str, int]]:
    from conflictmap import store

    with store.connect(db, read_only=True) as con:
        frame = territories.inferred(con, filters, min_incidents=k)
    assert list(frame.columns) == ["group_name", "muni_code", "incidents"]
    return {(r.group_name, r.muni_code, int(r.incidents)) for r in frame.itertuples()}


def test_inferred_threshold(incidents_db: Path) -> None:
    assert inferred_set(incidents_db, Filters(), 3) == {("ELN", NEIVA, 3)}
    assert inferred_set(incidents_db, Filters(), 2) == {("ELN", NEIVA, 3), ("ELN", TIBU, 2)}
    assert inferred_set(incidents_db, Filters(), 1) == {
        ("ELN", NEIVA, 3), ("ELN", TIBU, 2), ("Clan del Golfo", NEIVA, 1)}
    assert inferred_set(incidents_db, Filters(), 4) == set()
    assert territories.DEFAULT_MIN_INCIDENTS == 3


def test_inferred_never_lists_non_armed_actors(incidents_db: Path) -> None:
    groups = {g for g, _, _ in inferred_set(incidents_db, Filters(), 1)}
    assert not groups & {"Police", "Civilians", "Unidentified armed group"}


def test_inferred_applies_the_date_filter_not_the_place(incidents_db: Path) -> None:
    assert inferred_set(incidents_db, Filters(date_to=date(2022, 12, 31)), 2) == {("ELN", NEIVA, 3)}
    assert inferred_set(incidents_db, Filters(date_from=date(2023, 1, 1)), 2) == {("ELN", TIBU, 2)}
    assert inferred_set(incidents_db, Filters(date_from=date(2022, 3, 2),
                                              date_to=date(2022, 12, 31)), 3) == set()
    # the place filter is ignored: territories are context around the focused place
    assert inferred_set(incidents_db, Filters(dept="41", muni=NEIVA), 2) == {
        ("ELN", NEIVA, 3), ("ELN", TIBU, 2)}


def test_inferred_areas_in_the_view(incidents_db: Path) -> None:
    from conflictmap import view

    v = view.load_view(Filters(), ViewOptions(), db=incidents_db,
                       territory_options=view.TerritoryOptions(declared=True, inferred=True,
                                                               min_incidents=2))
    inferred = [a for a in v.territories.areas if a.kind == "inferred"]
    assert [(a.group, a.municipalities, a.sources) for a in inferred] == [
        ("ELN", (NEIVA, TIBU), ("inferred from incidents",))]
    assert v.territories.min_incidents == 2
    assert v.territories.contested == []  # inferred areas never make a municipality contested
    table = view.territory_table(v)
    assert table.to_dict("records") == [{
        "group": "ELN", "kind": "inferred", "level": "", "municipalities": 2, "contested": 0,
        "valid": "filtered period", "sources": "inferred from incidents"}]


# ----------------------------------------------------------------------------------------------
# GeoJSON import


def feature(geometry: dict | None, **props: str) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def test_geojson_polygon_becomes_municipality_claims(tmp_path: Path, empty_db: Path,
                                                     boundaries) -> None:
    munis = boundaries.municipalities.set_index("muni_code")
    neiva = munis.geometry.loc[NEIVA]
    inside = neiva.representative_point().buffer(0.01)  # far below 25 % of Neiva
    props = {"group": "ELN", "valid_from": "2021-01-01", "level": "presencia", "source": "drawn"}
    collection = {"type": "FeatureCollection", "features": [
        feature(json.loads(shapely.to_geojson(neiva)), **props),
        feature({"type": "Point", "coordinates": [-75.28, 2.93]}, **props),
        feature(json.loads(shapely.to_geojson(inside)), **props),
        feature(json.loads(shapely.to_geojson(neiva)), **{**props, "group": ""}),
    ]}
    path = tmp_path / "drawn.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    report = territories.import_claims(path, db=empty_db)
    assert (report.read, report.inserted, report.rejected) == (4, 1, 3)
    reasons = {r.row: r.reason for r in report.rejects}
    assert reasons[2] == "feature 2: not a polygon"
    threshold = f"{territories.OVERLAP_THRESHOLD:.0%}"
    assert reasons[3] == f"feature 3: covers no municipality by {threshold} or more"
    assert "25%" in reasons[3]
    assert reasons[4] == "no group"
    frame = stored(empty_db)
    # Neiva only: its neighbours touch the polygon but are covered by far less than 25 %
    assert list(frame["muni_code"]) == [NEIVA]
    neighbours = set(munis.index[munis.geometry.intersects(neiva)]) - {NEIVA}
    assert neighbours  # there are touching neighbours, and none was claimed
    row = frame.iloc[0]
    assert (row.group_name, row.level, row.source, row.dataset) == (
        "ELN", "recurrent", "drawn", "drawn")
    assert day(row.valid_from) == date(2021, 1, 1) and day(row.valid_to) is None


def test_geojson_polygon_over_two_municipalities(tmp_path: Path, empty_db: Path,
                                                 boundaries) -> None:
    munis = boundaries.municipalities.set_index("muni_code")
    # Neiva + La Plata
    shape = shapely.union(munis.geometry.loc[NEIVA], munis.geometry.loc["41396"])
    data = feature(json.loads(shapely.to_geojson(shape)), group="Dagoberto Ramos",
                   valid_from="2022", valid_to="2023", level="transit", source="hand drawn")
    path = tmp_path / "one.json"
    path.write_text(json.dumps(data), encoding="utf-8")  # a single Feature is accepted too
    report = territories.import_claims(path, db=empty_db, dataset="drawn-2022")
    assert (report.read, report.inserted, report.rejected) == (1, 2, 0)
    frame = stored(empty_db)
    assert sorted(frame["muni_code"]) == [NEIVA, "41396"]
    assert set(frame["group_name"]) == {"Dagoberto Ramos Mobile Column"}
    assert set(frame["dataset"]) == {"drawn-2022"}
    assert {day(v) for v in frame["valid_to"]} == {date(2023, 12, 31)}


@pytest.mark.parametrize(
    "content", ["{not json", "", "[1, 2]", '{"type": "Point", "coordinates": [1, 2]}'])
def test_invalid_geojson_is_a_file_error(tmp_path: Path, empty_db: Path, boundaries,
                                         content: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(territories.TerritoryError):
        territories.import_claims(path, db=empty_db)
    assert stored(empty_db).empty


@pytest.mark.parametrize("content", ['{"type": "FeatureCollection"}',
                                     '{"type": "FeatureCollection", "features": [1]}'])
def test_malformed_feature_collection_is_a_file_error(tmp_path: Path, empty_db: Path, boundaries,
                                                      content: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    try:
        report = territories.import_claims(path, db=empty_db)
    except territories.TerritoryError:
        pass  # a file-level error, like invalid JSON
    else:  # or the bad item rejected with a reason
        assert report.inserted == 0 and report.rejected == 1
    assert stored(empty_db).empty


# ----------------------------------------------------------------------------------------------
# export


def test_export_collection(sample_db: Path) -> None:
    collection = territories.export_collection(db=sample_db, start=date(2023, 1, 1))
    assert collection["type"] == "FeatureCollection"
    declared = {f["properties"]["group"]: f for f in collection["features"]
                if f["properties"]["kind"] == "declared"}
    contested = {f["properties"]["municipality"]: f for f in collection["features"]
                 if f["properties"]["kind"] == "contested"}
    assert len(collection["features"]) == len(declared) + len(contested)
    assert sorted(declared) == [
        "Clan del Golfo", "Dagoberto Ramos Mobile Column", "ELN", "Frente 33"]
    assert declared["ELN"]["properties"]["municipalities"] == ELN_OPEN  # no Ábrego after 2022
    assert declared["Clan del Golfo"]["properties"]["municipalities"] == CLAN_OPEN  # no Tibú
    assert declared["Dagoberto Ramos Mobile Column"]["properties"]["municipalities"] == DAGOBERTO
    assert declared["Frente 33"]["properties"]["municipalities"] == ["54720", TIBU]
    for f in declared.values():
        assert f["properties"]["sources"] == [SYNTHETIC]
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert shapely.from_geojson(json.dumps(f["geometry"])).is_valid
    assert {k: f["properties"]["groups"] for k, f in contested.items()} == {
        "19698": ["Clan del Golfo", "Dagoberto Ramos Mobile Column"],
        TIBU: ["ELN", "Frente 33"],
    }
    for f in contested.values():
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
    # the full-resolution geometry: the union of the municipalities
    eln = shapely.from_geojson(json.dumps(declared["ELN"]["geometry"]))
    want = load_geography().dissolve(ELN_OPEN, simplified=False)
    assert abs(eln.area - want.area) <= 1e-6 * want.area
    # all time: Tibú contested by three, Ábrego back in
    everything = territories.export_collection(db=sample_db)
    by_kind = {}
    for f in everything["features"]:
        props = f["properties"]
        by_kind[(props["kind"], props.get("group") or props["municipality"])] = f
    assert by_kind[("contested", TIBU)]["properties"]["groups"] == [
        "Clan del Golfo", "ELN", "Frente 33"]
    assert ABREGO in by_kind[("declared", "ELN")]["properties"]["municipalities"]


def test_cli_export_by_alias_and_date(tmp_path: Path, sample_db: Path) -> None:
    out = tmp_path / "out" / "clan.geojson"
    done = run_cli("territories", "export", "--out", str(out), "--group", "AGC",
                   "--from", "2023-01-01", "--db", str(sample_db))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary == {"out": str(out), "features": 1, "by_kind": {"declared": 1}}
    collection = json.loads(out.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    [feat] = collection["features"]
    props = feat["properties"]
    assert props["group"] == "Clan del Golfo"
    assert props["kind"] == "declared"
    assert props["municipalities"] == CLAN_OPEN
    assert props["sources"] == [SYNTHETIC]
    assert feat["geometry"]["type"] in ("Polygon", "MultiPolygon")
    # all groups, all time: declared and contested features
    out2 = tmp_path / "all.geojson"
    done = run_cli("territories", "export", "--out", str(out2), "--db", str(sample_db))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["by_kind"] == {"declared": 4, "contested": 2}
    # a bad date is a clean error
    bad = run_cli("territories", "export", "--out", str(out2), "--from", "2023-13-01",
                  "--db", str(sample_db))
    assert bad.returncode == 2 and "--from" in bad.stderr and "Traceback" not in bad.stderr


# ----------------------------------------------------------------------------------------------
# rendering


@pytest.fixture(scope="module")
def full_map_html(sample_db: Path) -> str:
    from conflictmap import view

    v = view.load_view(Filters(), ViewOptions(), db=sample_db,
                       territory_options=view.TerritoryOptions(True, True, 3))
    return render(v)


def test_map_draws_each_group_contested_and_inferred(full_map_html: str) -> None:
    names = overlay_names(full_map_html)
    for group in ("ELN", "Clan del Golfo", "Dagoberto Ramos Mobile Column", "Frente 33"):
        assert f"{group} — declared" in names
        assert f"{group} — inferred from incidents (≥ 3)" in names
    assert "Contested municipalities" in names
    assert "inferred from incidents" in full_map_html
    assert "Territories" in full_map_html  # the legend section
    for colour in (territories.FIXED_COLOURS["ELN"], territories.FIXED_COLOURS["Clan del Golfo"],
                   territories.FIXED_COLOURS["Dagoberto Ramos Mobile Column"]):
        assert colour in full_map_html
    assert "claimed by Clan del Golfo, ELN, Frente 33" in full_map_html  # Tibú, all time
    assert "Contested: Tibú, Norte de Santander" in full_map_html


def test_map_date_filter_and_actor_filter(sample_db: Path) -> None:
    from conflictmap import view

    opts = view.TerritoryOptions(True, True, 3)
    v = view.load_view(Filters(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31)),
                       ViewOptions(), db=sample_db, territory_options=opts)
    html = render(v)
    assert "claimed by ELN, Frente 33" in html
    assert "claimed by Clan del Golfo, ELN, Frente 33" not in html

    v = view.load_view(Filters(actors=("ELN",)), ViewOptions(), db=sample_db,
                       territory_options=opts)
    assert {a.group for a in v.territories.areas} <= {"ELN", "Comuneros del Sur"}
    names = overlay_names(render(v))
    assert "ELN — declared" in names
    assert not [n for n in names if n.startswith("Clan del Golfo")]
    assert not [n for n in names if n.startswith("Frente 33")]
    # an alias in the actor filter works like the canonical name
    v = view.load_view(Filters(actors=("AGC",)), ViewOptions(), db=sample_db,
                       territory_options=opts)
    assert {a.group for a in v.territories.areas} == {"Clan del Golfo"}


def test_group_colours_are_stable() -> None:
    assert territories.group_colour("ELN") == "#b2182b"
    other = territories.group_colour("Los Fantasmas del Norte")
    assert other in territories.PALETTE
    assert territories.group_colour("Los Fantasmas del Norte") == other


def test_group_names_never_reach_the_html_unescaped(tmp_path: Path, empty_db: Path,
                                                   boundaries) -> None:
    from conflictmap import view

    evil = "<script>alert(1)</script>"
    report = import_rows(tmp_path, empty_db, [
        [evil, "41001", "", "2021-01-01", "", "recurrent", "<img src=x onerror=alert(2)>"],
        ["ELN", "41001", "", "2021-01-01", "", "recurrent", "SAT"],
    ])
    assert report.inserted == 2 and report.warnings == {"unknown_group": 1}
    assert evil in set(stored(empty_db)["group_name"])  # kept verbatim
    v = view.load_view(Filters(), ViewOptions(), db=empty_db,
                       territory_options=view.TerritoryOptions(True, False, 3))
    assert evil in v.territories.groups
    html = render(v)
    assert evil not in html
    assert "<img src=x" not in html
    # Leaflet's layers control inserts overlay names as HTML: the name is HTML-escaped, so the
    # control shows the text "<script>…" instead of running it
    assert "&lt;script&gt;alert(1)&lt;/script&gt; — declared" in overlay_names(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the tooltip, HTML-escaped


def test_group_names_cannot_break_out_of_the_tooltip_script(tmp_path: Path, empty_db: Path,
                                                            boundaries) -> None:
    from conflictmap import view

    import_rows(tmp_path, empty_db, [
        ["${alert(1)}", "41001", "", "2021-01-01", "", "recurrent", "`;alert(2);`"],
        ["ELN", "41001", "", "2021-01-01", "", "recurrent", "SAT"],
    ])
    v = view.load_view(Filters(), ViewOptions(), db=empty_db,
                       territory_options=view.TerritoryOptions(True, False, 3))
    html = render(v)
    tips = re.findall(r"bindTooltip\(\s*`(.*?)</div>\s*`", html, re.S)
    assert len(tips) >= 3  # two areas and the contested Neiva
    for tip in tips:
        assert "${" not in tip
        assert "`" not in tip


# ----------------------------------------------------------------------------------------------
# the whole country


def test_dissolving_all_groups_nationally(boundaries) -> None:
    """Performance guard without timing: every municipality claimed, all groups dissolved."""
    munis = boundaries.municipalities
    rows = []
    for code, dept in zip(munis["muni_code"], munis["dept_code"], strict=True):
        rows.append({"group_name": f"Group {int(dept) % 8}", "muni_code": code,
                     "valid_from": date(2020, 1, 1), "valid_to": None,
                     "level": ("recurrent", "occasional", "transit")[int(code) % 3],
                     "source": "test", "dataset": "t"})
    rows.extend({"group_name": "ELN", "muni_code": c, "valid_from": date(2020, 1, 1),
                 "valid_to": None, "level": "recurrent", "source": "test", "dataset": "t"}
                for c in ELN_OPEN)
    frame = pd.DataFrame(rows)
    total = float(shapely.area(munis.geometry.values).sum())
    for simplified in (True, False):
        view_ = territories.build_view(frame, simplified=simplified)
        assert len(view_.areas) == 8 * 3 + 1
        for area in view_.areas:
            assert area.geometry.is_valid and not area.geometry.is_empty
            assert area.geometry.geom_type in ("Polygon", "MultiPolygon")
        national = sum(shapely.area(a.geometry) for a in view_.areas if a.group != "ELN")
        assert abs(national - total) <= 0.01 * total
        assert sorted(c.muni_code for c in view_.contested) == ELN_OPEN
        # warm: the same geometries again, from the cache
        again = territories.build_view(frame, simplified=simplified)
        assert all(a.geometry is b.geometry for a, b in zip(view_.areas, again.areas, strict=True))
    everything = load_geography().dissolve(list(munis["muni_code"]), simplified=False)
    assert everything.is_valid
    assert abs(shapely.area(everything) - total) <= 1e-6 * total
