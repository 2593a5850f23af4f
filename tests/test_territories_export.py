"""The territory GeoJSON export against expectations computed here, not by the export code.

Which claims are valid in a window, per group, and which municipalities two or more groups
claim, is SQL written in this file over ``territory_claims``; the expected geometry of a group
is the union of its municipalities' polygons, read from the boundary file and united with
shapely directly. Checked for the library (``export_collection``), the command line
(``conflictmap territories export``) and the Territories page's download.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import shapely

from conflictmap import store, territories

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "2_Territories.py"
# the window used below: claims open on 2023-01-01 or later
START = date(2023, 1, 1)


def expected(db: Path, start: date | None = None, groups: list[str] | None = None) -> dict:
    """{("declared", group): {...}, ("contested", muni): [groups]} by SQL over the claims."""
    where, params = "TRUE", []
    if start is not None:
        where += " AND (valid_to IS NULL OR valid_to >= ?)"
        params.append(start)
    if groups is not None:
        where += f" AND group_name IN ({', '.join('?' for _ in groups)})"
        params.extend(groups)
    with store.connect(db, read_only=True) as con:
        declared = con.execute(
            f"""SELECT group_name, array_agg(DISTINCT muni_code ORDER BY muni_code),
                       array_agg(DISTINCT source ORDER BY source), min(valid_from),
                       CASE WHEN bool_or(valid_to IS NULL) THEN NULL ELSE max(valid_to) END
                FROM territory_claims WHERE {where} GROUP BY 1 ORDER BY 1""",
            params,
        ).fetchall()
        contested = con.execute(
            f"""SELECT muni_code, array_agg(DISTINCT group_name ORDER BY group_name)
                FROM territory_claims WHERE {where}
                GROUP BY 1 HAVING count(DISTINCT group_name) >= 2 ORDER BY 1""",
            params,
        ).fetchall()
    out: dict = {}
    for group, munis, sources, first, last in declared:
        out[("declared", group)] = {
            "municipalities": list(munis),
            "sources": list(sources),
            "valid_from": first.isoformat(),
            "valid_to": last.isoformat() if last else None,
        }
    for muni, names in contested:
        out[("contested", muni)] = list(names)
    return out


def by_key(collection: dict) -> dict:
    out = {}
    for f in collection["features"]:
        props = f["properties"]
        key = props.get("group") if props["kind"] == "declared" else props["municipality"]
        assert (props["kind"], key) not in out, f"two features for {(props['kind'], key)}"
        out[(props["kind"], key)] = f
    return out


def union_of(boundaries, codes: list[str]):  # noqa: ANN001, ANN201
    munis = boundaries.municipalities.set_index("muni_code").geometry
    return shapely.union_all([munis[c] for c in codes])


def assert_same_area(got_geojson: dict, want, what: str) -> None:  # noqa: ANN001
    got = shapely.from_geojson(json.dumps(got_geojson))
    assert got.is_valid, what
    assert got.geom_type in ("Polygon", "MultiPolygon"), what
    assert got.area == pytest.approx(want.area, rel=1e-6), what
    # the same shape, not only the same area: hardly anything outside the other
    assert got.symmetric_difference(want).area <= 1e-6 * want.area, what


def assert_matches(collection: dict, want: dict, boundaries) -> None:  # noqa: ANN001
    assert collection["type"] == "FeatureCollection"
    got = by_key(collection)
    assert set(got) == set(want)
    for (kind, key), value in want.items():
        props = got[(kind, key)]["properties"]
        geometry = got[(kind, key)]["geometry"]
        if kind == "declared":
            for field in ("municipalities", "sources", "valid_from", "valid_to"):
                assert props[field] == value[field], (key, field)
            assert sorted(c for codes in props["levels"].values() for c in codes) == sorted(
                value["municipalities"]
            ), key
            assert_same_area(geometry, union_of(boundaries, value["municipalities"]), key)
        else:
            assert props["groups"] == value, key
            assert_same_area(geometry, union_of(boundaries, [key]), key)


# ----------------------------------------------------------------------------------------------
# the sample's claims: the expectation is not empty and has the cases that matter


def test_the_expectation_has_open_ended_closed_and_contested_claims(sample_db: Path) -> None:
    everything = expected(sample_db)
    since = expected(sample_db, START)
    assert len([k for k in since if k[0] == "declared"]) >= 3
    assert [k for k in since if k[0] == "contested"]
    assert any(v["valid_to"] is None for k, v in since.items() if k[0] == "declared")
    # a claim that ended before START drops out of the window: the two differ
    assert everything != since


@pytest.mark.parametrize("start", [None, START])
def test_export_collection_is_the_claims_sql_and_the_union_of_municipalities(
    sample_db: Path, boundaries, start: date | None
) -> None:
    collection = territories.export_collection(db=sample_db, start=start)
    assert_matches(json.loads(json.dumps(collection)), expected(sample_db, start), boundaries)


def test_export_collection_by_alias(sample_db: Path, boundaries) -> None:
    # "Urabeños" is an alias of Clan del Golfo (conflictmap/actors.toml)
    collection = territories.export_collection(db=sample_db, start=START, groups=["Urabeños"])
    want = expected(sample_db, START, ["Clan del Golfo"])
    assert [k for k in want if k[0] == "declared"] == [("declared", "Clan del Golfo")]
    assert_matches(json.loads(json.dumps(collection)), want, boundaries)


def test_cli_export_is_the_claims_sql(sample_db: Path, boundaries, tmp_path: Path) -> None:
    out = tmp_path / "territories.geojson"
    done = subprocess.run(
        [sys.executable, "-m", "conflictmap.cli", "territories", "export", "--out", str(out),
         "--from", START.isoformat(), "--db", str(store.resolve_db(sample_db))],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    want = expected(sample_db, START)
    summary = json.loads(done.stdout)
    assert summary["features"] == len(want)
    assert_matches(json.loads(out.read_text(encoding="utf-8")), want, boundaries)


def test_territories_page_download_is_the_claims_sql(
    empty_db: Path, boundaries, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit
    from streamlit.testing.v1 import AppTest

    from conflictmap import sample

    assert sample.load_sample_territories(empty_db) > 0
    monkeypatch.setenv("CONFLICTMAP_DB", str(empty_db))
    offered: list[dict] = []
    real = streamlit.download_button

    def spy(label, data, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        offered.append({"label": label, "data": data, **kwargs})
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", spy)
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert offered, "the page offered no download"
    assert_matches(json.loads(offered[-1]["data"]), expected(empty_db), boundaries)
    at.date_input(key="export_from").set_value(START).run()
    assert not at.exception, at.exception
    assert_matches(json.loads(offered[-1]["data"]), expected(empty_db, START), boundaries)
