"""Queries on a small database with known rows: exact counts, filters, aliases, summary shape."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from conflictmap import geodata, ingest, queries, store
from conflictmap.filters import Filters

COLUMNS = [
    "incident_id",
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "assoc_actors",
    "fatalities",
    "latitude",
    "longitude",
    "municipality",
    "department",
    "geo_precision",
    "location",
    "source",
    "source_url",
    "notes",
]

# q1..q6: Huila (Neiva point, Pitalito by name, department only), Norte de Santander (El Tarra by
# code, Cúcuta point), Antioquia (Medellín by name). Fatalities 7+2+4+0+0+1 = 14, one unknown.
ROWS = [
    {
        "incident_id": "q1",
        "event_date": "2022-09-02",
        "event_type": "Explosions/Remote violence",
        "actor1": "Dagoberto Ramos Mobile Column",
        "actor2": "Police",
        "fatalities": "7",
        "latitude": "2.93",
        "longitude": "-75.28",
        "geo_precision": "1",
    },
    {
        "incident_id": "q2",
        "event_date": "2022-03-15",
        "event_type": "Battles",
        "actor1": "FARC dissidents",
        "actor2": "Military",
        "fatalities": "2",
        "municipality": "Pitalito",
        "department": "Huila",
        "geo_precision": "2",
    },
    {
        "incident_id": "q3",
        "event_date": "2021-12-31",
        "event_type": "Battles",
        "actor1": "ELN",
        "actor2": "AGC",
        "fatalities": "4",
        "municipality": "54250",
        "geo_precision": "2",
    },
    {
        "incident_id": "q4",
        "event_date": "2023-01-01",
        "event_type": "Violence against civilians",
        "actor1": "Urabeños",
        "actor2": "Civilians",
        "fatalities": "",
        "municipality": "Medellín",
        "department": "Antioquia",
        "geo_precision": "2",
    },
    {
        "incident_id": "q5",
        "event_date": "2022-12-31",
        "event_type": "Protests",
        "actor1": "Protesters",
        "actor2": "",
        "assoc_actors": "AGC",
        "fatalities": "0",
        "latitude": "7.89",
        "longitude": "-72.50",
        "geo_precision": "1",
    },
    {
        "incident_id": "q6",
        "event_date": "2022-01-01",
        "event_type": "Strategic developments",
        "actor1": "Military",
        "actor2": "Dagoberto Ramos",
        "fatalities": "1",
        "department": "Huila",
        "geo_precision": "3",
    },
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    folder = tmp_path_factory.mktemp("queries")
    path = folder / "known.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for r in ROWS:
            writer.writerow(
                [r.get(c, "") for c in COLUMNS[:-4]] + ["somewhere", "Test source", "", ""]
            )
    database = folder / "known.duckdb"
    report = ingest.import_file(path, fmt="native", db=database, dataset="known")
    assert (report.inserted, report.rejected) == (6, 0)
    return database


@pytest.fixture()
def con(db: Path):
    with store.connect(db, read_only=True) as c:
        yield c


def ids(con, filters: Filters) -> list[str]:
    frame = queries.newest(con, filters, 5000)
    return sorted(i.removeprefix("native:") for i in frame["incident_id"])


def test_rows_placed_as_expected(con) -> None:
    got = con.execute(
        "SELECT incident_id, dept_code, muni_code FROM incidents ORDER BY incident_id"
    ).fetchall()
    assert got == [
        ("native:q1", "41", "41001"),
        ("native:q2", "41", "41551"),
        ("native:q3", "54", "54250"),
        ("native:q4", "05", "05001"),
        ("native:q5", "54", "54001"),
        ("native:q6", "41", None),
    ]


def test_key_figures(con) -> None:
    k = queries.overview(con, Filters()).figures
    assert k.incidents == 6
    assert k.fatalities == 14
    assert k.fatalities_unknown == 1
    assert k.municipalities == 5
    # distinct actors in any role: Dagoberto Ramos Mobile Column, Police, FARC dissidents,
    # Military, ELN, Clan del Golfo, Civilians, Protesters (q5's associated AGC is Clan del Golfo)
    assert k.actors == 8


def test_aggregate_by_department(con) -> None:
    agg = queries.aggregate(con, Filters(), "department")
    assert agg.to_dict("records") == [
        {"code": "05", "incidents": 1, "fatalities": 0},
        {"code": "41", "incidents": 3, "fatalities": 10},
        {"code": "54", "incidents": 2, "fatalities": 4},
    ]


def test_aggregate_by_municipality(con) -> None:
    agg = queries.aggregate(con, Filters(), "municipality")
    assert agg.to_dict("records") == [
        {"code": "05001", "incidents": 1, "fatalities": 0},
        {"code": "41001", "incidents": 1, "fatalities": 7},
        {"code": "41551", "incidents": 1, "fatalities": 2},
        {"code": "54001", "incidents": 1, "fatalities": 0},
        {"code": "54250", "incidents": 1, "fatalities": 4},
    ]
    # the department-only incident is counted for its department, not for any municipality
    assert agg["incidents"].sum() == 5


def test_by_event_type(con) -> None:
    got = {
        r.event_type: (r.incidents, r.fatalities)
        for r in queries.by_event_type(con, Filters()).itertuples(index=False)
    }
    assert got == {
        "Battles": (2, 6),
        "Explosions/Remote violence": (1, 7),
        "Violence against civilians": (1, 0),
        "Protests": (1, 0),
        "Strategic developments": (1, 1),
    }
    assert queries.by_event_type(con, Filters())["event_type"].iloc[0] == "Battles"  # most first


def test_date_filter_inclusive_on_both_ends(con) -> None:
    f = Filters(date_from=date(2022, 1, 1), date_to=date(2022, 12, 31))
    assert ids(con, f) == ["q1", "q2", "q5", "q6"]
    assert queries.overview(con, f).figures.incidents == 4
    assert ids(con, Filters(date_from=date(2022, 12, 31))) == ["q4", "q5"]
    assert ids(con, Filters(date_to=date(2021, 12, 31))) == ["q3"]
    assert ids(con, Filters(date_from=date(2022, 9, 2), date_to=date(2022, 9, 2))) == ["q1"]
    assert ids(con, Filters(date_from=date(2024, 1, 1))) == []


def test_event_type_filter(con) -> None:
    assert ids(con, Filters(event_types=("Battles",))) == ["q2", "q3"]
    assert ids(con, Filters(event_types=("Battles", "Protests"))) == ["q2", "q3", "q5"]
    assert ids(con, Filters(event_types=("Riots",))) == []


@pytest.mark.parametrize(
    "name", ["AGC", "Clan del Golfo", "Urabeños", "clan del golfo", "Los Urabeños"]
)
def test_actor_filter_is_alias_aware(con, name: str) -> None:
    # q3 actor2, q4 actor1, q5 associated actor
    assert ids(con, Filters(actors=(name,))) == ["q3", "q4", "q5"]


def test_umbrella_includes_factions_but_not_the_reverse(con) -> None:
    assert ids(con, Filters(actors=("FARC dissidents",))) == ["q1", "q2", "q6"]
    assert ids(con, Filters(actors=("Estado Mayor Central",))) == ["q1", "q6"]
    assert ids(con, Filters(actors=("Dagoberto Ramos Mobile Column",))) == ["q1", "q6"]
    assert ids(con, Filters(actors=("Dagoberto Ramos",))) == ["q1", "q6"]


def test_actor_matches_actor2_and_associated(con) -> None:
    assert ids(con, Filters(actors=("Military",))) == ["q2", "q6"]  # actor2 of q2, actor1 of q6
    assert ids(con, Filters(actors=("Police",))) == ["q1"]
    assert ids(con, Filters(actors=("Clan del Golfo",), event_types=("Protests",))) == ["q5"]


def test_several_actors_are_or(con) -> None:
    assert ids(con, Filters(actors=("ELN", "Police"))) == ["q1", "q3"]


def test_unknown_actor_and_injection(con) -> None:
    assert ids(con, Filters(actors=("Nobody at all",))) == []
    for evil in ("x' OR 1=1 --", "'; DROP TABLE incidents; --", "ELN' OR '1'='1"):
        f = Filters(actors=(evil,))
        assert queries.overview(con, f).figures.incidents == 0
        assert ids(con, f) == []
        assert queries.newest(con, f, 100).empty
    assert queries.overview(con, Filters()).figures.incidents == 6  # table still there


def test_place_filters(con) -> None:
    assert ids(con, Filters(dept="41")) == ["q1", "q2", "q6"]
    assert ids(con, Filters(dept="54")) == ["q3", "q5"]
    assert ids(con, Filters(dept="41", muni="41001")) == ["q1"]
    assert ids(con, Filters(muni="54250")) == ["q3"]
    assert ids(con, Filters(dept="91")) == []
    assert ids(con, Filters(dept="41", event_types=("Battles",))) == ["q2"]
    assert queries.overview(con, Filters(dept="41")).figures.fatalities == 10


def test_summary_shape_and_names(con, boundaries) -> None:
    names = dict(
        zip(boundaries.departments["dept_code"], boundaries.departments["dept_name"], strict=True)
    )
    names.update(
        zip(
            boundaries.municipalities["muni_code"],
            boundaries.municipalities["muni_name"],
            strict=True,
        )
    )
    s = queries.summary(con, Filters(), names)
    assert {"incidents", "fatalities", "by_event_type", "by_department", "by_municipality"} <= set(
        s
    )
    assert s["incidents"] == 6
    assert s["fatalities"] == 14
    assert s["by_event_type"]["Battles"] == {"incidents": 2, "fatalities": 6}
    assert s["by_department"] == {
        "05": {"name": "Antioquia", "incidents": 1, "fatalities": 0},
        "41": {"name": "Huila", "incidents": 3, "fatalities": 10},
        "54": {"name": "Norte de Santander", "incidents": 2, "fatalities": 4},
    }
    assert s["by_municipality"]["41001"] == {"name": "Neiva", "incidents": 1, "fatalities": 7}
    assert s["by_municipality"]["54001"]["name"] == "San José de Cúcuta"
    assert set(s["by_municipality"]) == {"05001", "41001", "41551", "54001", "54250"}
    # plain JSON types only
    import json

    assert json.loads(json.dumps(s, default=str))["incidents"] == 6


def test_summary_filtered(con) -> None:
    s = queries.summary(
        con, Filters(dept="41", date_from=date(2022, 1, 1), date_to=date(2022, 12, 31))
    )
    assert (s["incidents"], s["fatalities"]) == (3, 10)
    assert set(s["by_department"]) == {"41"}
    assert set(s["by_municipality"]) == {"41001", "41551"}
    assert sum(v["incidents"] for v in s["by_event_type"].values()) == 3


def test_newest_rows_and_points(con) -> None:
    frame = queries.newest(con, Filters(), 2)
    assert len(frame) == 2
    # newest first
    assert [i.removeprefix("native:") for i in frame["incident_id"]] == ["q4", "q5"]
    everything = queries.newest(con, Filters(), 100)
    assert len(everything) == 6
    assert everything["latitude"].notna().all() and everything["longitude"].notna().all()
    assert len(queries.newest(con, Filters(dept="54"), 1)) == 1
    assert queries.newest(con, Filters(), 0).empty
    points = queries.points_from(everything, 3)
    assert points["incident_id"].tolist() == everything["incident_id"].head(3).tolist()
    assert list(points.columns) == [c.strip() for c in queries.POINT_COLUMNS.split(",")]


def test_newest_equals_a_plain_order_by_for_every_limit(con) -> None:
    """The date-threshold step must not change the answer: ties on the last date, filters,
    limits above, at and below the number of rows in view."""
    for f in (Filters(), Filters(dept="41"), Filters(actors=("ELN", "Police")), Filters(dept="91")):
        w = queries.where(con, f)
        expected = [
            r[0]
            for r in con.execute(
                f"SELECT incident_id FROM incidents WHERE {w.sql} "
                "ORDER BY event_date DESC, incident_id",
                w.params,
            ).fetchall()
        ]
        for limit in range(1, 9):
            assert queries.newest(con, f, limit)["incident_id"].tolist() == expected[:limit]


def test_actor_counts_and_date_bounds(con) -> None:
    counts = dict(queries.actor_counts(con).itertuples(index=False))
    assert counts["Clan del Golfo"] == 3
    assert counts["Dagoberto Ramos Mobile Column"] == 2
    first, last = queries.date_bounds(con)
    assert (str(first)[:10], str(last)[:10]) == ("2021-12-31", "2023-01-01")


# --------------------------------------------------------------------------------------------
# The sample database against plain SQL


def test_sample_huila_2022_matches_plain_sql(sample_db: Path) -> None:
    f = Filters(dept="41", date_from=date(2022, 1, 1), date_to=date(2022, 12, 31))
    with store.connect(sample_db, read_only=True) as c:
        s = queries.summary(c, f)
    # plain SQL on a plain connection of the same database (either store)
    with store.connect(sample_db, read_only=True) as raw:
        base = (
            "FROM incidents WHERE dept_code = '41' "
            "AND event_date BETWEEN DATE '2022-01-01' AND DATE '2022-12-31'"
        )
        n, fat = raw.execute(f"SELECT count(*), coalesce(sum(fatalities), 0) {base}").fetchone()
        by_type = {
            t: (int(i), int(x))
            for t, i, x in raw.execute(
                f"SELECT event_type, count(*), coalesce(sum(fatalities), 0) {base} GROUP BY 1"
            ).fetchall()
        }
        by_muni = {
            m: (int(i), int(x))
            for m, i, x in raw.execute(
                f"SELECT muni_code, count(*), coalesce(sum(fatalities), 0) {base} "
                "AND muni_code IS NOT NULL GROUP BY 1"
            ).fetchall()
        }
    assert n > 0
    assert s["incidents"] == n
    assert s["fatalities"] == fat
    assert {k: (v["incidents"], v["fatalities"]) for k, v in s["by_event_type"].items()} == by_type
    assert s["by_department"] == {"41": {"incidents": n, "fatalities": fat}}
    assert {
        k: (v["incidents"], v["fatalities"]) for k, v in s["by_municipality"].items()
    } == by_muni


def test_sample_national_totals(sample_db: Path) -> None:
    with store.connect(sample_db, read_only=True) as c:
        k = queries.overview(c, Filters()).figures
        agg = queries.aggregate(c, Filters(), "department")
    assert k.incidents == 5002
    assert agg["incidents"].sum() == 5002
    assert set(agg["code"]) <= set(geodata.load_boundaries().departments["dept_code"])


def test_incident_detail_has_notes_and_original_record(sample_db: Path, boundaries) -> None:
    from conflictmap.geography import load_geography
    from conflictmap.view import incident_detail

    geo = load_geography(allow_download=False)
    with store.connect(sample_db, read_only=True) as c:
        row = queries.incident_detail(c, "seed:2022-09-02-neiva")
        assert queries.incident_detail(c, "no such id") is None
    assert row is not None
    assert row["muni_code"] == "41001" and row["fatalities"] == 7
    assert row["notes"].startswith("About 14:30 on Friday 2 Sept 2022")
    assert "original" in row
    detail = incident_detail("seed:2022-09-02-neiva", geo, db=sample_db)
    assert detail is not None
    fields = dict(detail.fields.itertuples(index=False))
    assert fields["place"] == "Neiva (41001), Huila (41)"
    assert fields["notes"] == row["notes"]
    assert fields["fatalities"] == "7"
    assert fields["date"] == "2022-09-02 (precision: day)"
    assert fields["source link"].startswith("https://noticiascaracol.com/")
    # the source's own record, as it was in the file (codes as text, with the leading zero kept)
    assert detail.original["municipality"] == "41001"
    assert detail.original["notes"] == row["notes"]
    assert incident_detail("no such id", geo, db=sample_db) is None


def test_table_rows_leave_the_notes_to_the_detail(con) -> None:
    rows = queries.newest(con, Filters(), 10)  # the table's (and the map's) rows
    assert "notes" not in rows.columns
    assert {c.strip() for c in queries.TABLE_COLUMNS.split(",")} <= set(rows.columns)
