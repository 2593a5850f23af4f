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
    return _known_database(tmp_path_factory.mktemp("queries"))


def _known_database(folder: Path) -> Path:
    """The known rows imported into a new database in ``folder`` (either store)."""
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


# --------------------------------------------------------------------------------------------
# Every function of the module on the known rows (each kills one-line changes of
# conflictmap/queries.py: docs/mutation/conflictmap.queries.md)


def test_overview_parts(con) -> None:
    o = queries.overview(con, Filters())
    # q6 is placed to Huila only (geo_precision 3): counted, not drawn
    assert o.unmapped == (queries.Unmapped("department", 1, 1),)
    assert o.by_level("department") is o.departments
    assert o.by_level("municipality") is o.municipalities
    assert o.departments.to_dict("records") == [
        {"code": "05", "incidents": 1, "fatalities": 0},
        {"code": "41", "incidents": 3, "fatalities": 10},
        {"code": "54", "incidents": 2, "fatalities": 4},
    ]
    assert o.municipalities["code"].tolist() == ["05001", "41001", "41551", "54001", "54250"]
    assert queries.overview(con, Filters(dept="54")).unmapped == ()


def test_datasets_in_view(con) -> None:
    assert queries.datasets_in_view(con, Filters()).to_dict("records") == [
        {"dataset": "known", "incidents": 6, "sources": ["Test source"]}
    ]
    assert queries.datasets_in_view(con, Filters(dept="54"))["incidents"].tolist() == [2]
    assert queries.datasets_in_view(con, Filters(dept="91")).empty


def test_overview_without_the_actor_index(con, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database from before the actor index: the distinct actors come from the relation."""
    from conflictmap import actor_relation

    monkeypatch.setattr(actor_relation, "index_columns", lambda c: None)
    assert queries.overview(con, Filters()).figures == queries.KeyFigures(6, 14, 1, 8, 5)
    # q3 ELN, Clan del Golfo; q5 Protesters, Clan del Golfo
    assert queries.overview(con, Filters(dept="54")).figures == queries.KeyFigures(2, 4, 0, 3, 2)


def test_key_figures_of_a_filtered_view(con) -> None:
    # q1: Dagoberto Ramos Mobile Column and Police; q2: FARC dissidents and Military; q6
    # (department only): Military and Dagoberto Ramos Mobile Column
    assert queries.overview(con, Filters(dept="41")).figures == queries.KeyFigures(3, 10, 0, 4, 2)
    assert queries.overview(con, Filters(dept="91")).figures == queries.KeyFigures(0, 0, 0, 0, 0)


def test_unmapped_note() -> None:
    U = queries.Unmapped
    assert queries.unmapped_note(()) == ""
    assert queries.unmapped_note([U("department", 0, 0)]) == ""
    assert queries.unmapped_note([U("department", 1, 1), U("country or region", 1234, 0)]) == (
        "In view, 1 incident (1 fatality) has no place finer than a department and 1,234 "
        "incidents (0 fatalities) have no place finer than Colombia or a region: counted in the "
        "figures, not drawn on the map."
    )
    assert queries.unmapped_note([U("country or region", 2, 3), U("department", 0, 0)]) == (
        "In view, 2 incidents (3 fatalities) have no place finer than Colombia or a region: "
        "counted in the figures, not drawn on the map."
    )


def test_class_counts(con) -> None:
    # guerrilla: q1, q2, q6 (FARC dissidents and their column), q3 (ELN); state: q1, q2, q6;
    # post-demobilisation: q3, q4, q5 (Clan del Golfo); civilians: q4. Protesters: no class.
    assert queries.class_counts(con) == [
        ("class:guerrilla", 4),
        ("class:post_demobilisation", 3),
        ("class:state", 3),
        ("class:civilians", 1),
    ]


def test_incident_export_every_column_in_date_order(con) -> None:
    frame = queries.incident_export(con, Filters())
    assert list(frame.columns) == [c.strip() for c in queries.EXPORT_COLUMNS.split(",")]
    assert [i.removeprefix("native:") for i in frame["incident_id"]] == [
        "q3", "q6", "q2", "q1", "q5", "q4"
    ]
    assert queries.incident_export(con, Filters(dept="54"))["incident_id"].tolist() == [
        "native:q3", "native:q5"
    ]


def _hash_of(rows: list[tuple]) -> str:
    import hashlib

    def text(v: object) -> str:
        if v is None:
            return ""
        if isinstance(v, float):
            return f"{v:.6f}"
        return str(v)

    lines = ["|".join(text(v) for v in row) for row in sorted(rows, key=lambda r: r[0])]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_content_hash_is_the_sha256_of_the_rows_in_view(con) -> None:
    sql = (
        "SELECT incident_id, event_date, event_type, actor1, actor2, fatalities, latitude, "
        "longitude, muni_code, dept_code, dataset FROM incidents"
    )
    every = con.execute(sql).fetchall()
    huila = con.execute(sql + " WHERE dept_code = '41'").fetchall()
    assert queries.content_hash(con, Filters()) == _hash_of(every)
    assert queries.content_hash(con, Filters(dept="41")) == _hash_of(huila)
    assert queries.content_hash(con, Filters(dept="91")) == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # sha256 of ""
    )


@pytest.fixture()
def matched(tmp_path: Path, boundaries) -> Path:  # noqa: ARG001
    """The known rows with q2 recorded as a second report of q1's event (SQL written here)."""
    copy = _known_database(tmp_path)
    with store.connect(copy) as c:
        c.execute(
            """CREATE TABLE IF NOT EXISTS event_matches (incident_id VARCHAR PRIMARY KEY,
               event_id VARCHAR NOT NULL, score INTEGER, explanation VARCHAR)"""
        )
        c.execute(
            "INSERT INTO event_matches VALUES ('native:q1', 'native:q1', 9, ''), "
            "('native:q2', 'native:q1', 9, '')"
        )
    return copy


def test_counting_events_leaves_out_the_second_reports(matched: Path) -> None:
    with store.connect(matched, read_only=True) as c:
        events = queries.overview(c, Filters()).figures
        reports = queries.overview(c, Filters(count="reports")).figures
        assert (events.incidents, events.fatalities) == (5, 12)  # without q2 (2 fatalities)
        assert (reports.incidents, reports.fatalities) == (6, 14)
        assert ids(c, Filters(dept="41")) == ["q1", "q6"]
        assert ids(c, Filters(dept="41", count="reports")) == ["q1", "q2", "q6"]
        s = queries.summary(c, Filters())
        assert (s["incidents"], s["reports"], s["fatalities"]) == (5, 6, 12)
        s = queries.summary(c, Filters(count="reports"))
        assert (s["incidents"], s["reports"], s["fatalities"]) == (6, 6, 14)


def _ids_with(con, filters: Filters, registry) -> list[str]:
    w = queries.where(con, filters, registry)
    rows = con.execute(
        f"SELECT incident_id FROM incidents WHERE {w.sql} ORDER BY incident_id", w.params
    ).fetchall()
    return [r[0].removeprefix("native:") for r in rows]


def _column_under(*spans: tuple[date | None, date | None]):
    """A registry where the Dagoberto Ramos column (q1 on 2022-09-02, q6 on 2022-01-01) was
    under the FARC dissidents (q2) only over ``spans``; "A Ghost Front" (never stored) from 2022."""
    from conflictmap.actors import Actor, ActorRegistry, Membership

    return ActorRegistry([
        Actor("FARC dissidents", "guerrilla"),
        Actor("Dagoberto Ramos Mobile Column", "guerrilla",
              parents=tuple(Membership("FARC dissidents", a, b) for a, b in spans)),
        Actor("A Ghost Front", "guerrilla",  # sorts before the column: skipped, not the end
              parents=(Membership("FARC dissidents", date(2022, 1, 1), None),)),
    ])  # fmt: skip


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([(date(2022, 6, 1), date(2023, 1, 1))], ["q1", "q2"]),
        ([(None, date(2022, 6, 1))], ["q2", "q6"]),
        ([(date(2022, 9, 2), None)], ["q1", "q2"]),  # from the first day on
        ([(date(2022, 9, 3), None)], ["q2"]),
        ([(None, date(2022, 1, 1))], ["q2"]),  # up to the day before
        ([(None, date(2022, 1, 2))], ["q2", "q6"]),
        ([(None, date(2022, 1, 2)), (date(2022, 9, 2), date(2022, 9, 3))], ["q1", "q2", "q6"]),
        ([(date(2022, 1, 2), date(2022, 9, 2)), (date(2022, 9, 3), None)], ["q2"]),
    ],
)
def test_a_faction_counts_for_its_umbrella_while_a_member(con, spans, expected) -> None:
    registry = _column_under(*spans)
    assert _ids_with(con, Filters(actors=("FARC dissidents",)), registry) == expected
    # the faction itself, always
    column = Filters(actors=("Dagoberto Ramos Mobile Column",))
    assert _ids_with(con, column, registry) == ["q1", "q6"]
    # with another actor: either
    assert _ids_with(con, Filters(actors=("FARC dissidents", "Police")), registry) == sorted(
        set(expected) | {"q1"}
    )


def test_a_dated_member_alone_and_a_class(con) -> None:
    from conflictmap.actors import Actor, ActorRegistry, Membership

    registry = ActorRegistry([
        Actor("Ghost Umbrella", "guerrilla"),  # never stored
        Actor("Dagoberto Ramos Mobile Column", "guerrilla",
              parents=(Membership("Ghost Umbrella", date(2022, 6, 1), None),)),
    ])  # fmt: skip
    assert _ids_with(con, Filters(actors=("Ghost Umbrella",)), registry) == ["q1"]
    assert queries.actor_names(Filters(actors=("Ghost Umbrella",)), registry) == [
        "Dagoberto Ramos Mobile Column", "Ghost Umbrella"
    ]
    assert queries.actor_names(Filters(actors=("class:guerrilla", "Police")), registry) == [
        "Dagoberto Ramos Mobile Column", "Ghost Umbrella", "Police"
    ]
    assert _ids_with(con, Filters(actors=("class:guerrilla",)), registry) == ["q1", "q6"]
    assert _ids_with(con, Filters(actors=("class:state",)), registry) == []


def test_incident_detail_on_the_known_rows(con) -> None:
    row = queries.incident_detail(con, "native:q2")
    assert row is not None
    assert (row["incident_id"], row["muni_code"], row["fatalities"]) == ("native:q2", "41551", 2)
    assert list(row)[-2:] == ["assoc_actors_raw", "original"]
    assert queries.incident_detail(con, "q2") is None


def test_where_without_filters_is_true(con) -> None:
    assert queries.where(con, Filters()) == queries.Where("TRUE", [])
    frame = queries.newest(con, Filters(), 0)
    assert frame.empty
    assert list(frame.columns) == [c.strip() for c in queries.NEWEST_COLUMNS.split(",")]


def test_aggregate_of_a_filtered_view(con) -> None:
    assert queries.aggregate(con, Filters(dept="41"), "municipality").to_dict("records") == [
        {"code": "41001", "incidents": 1, "fatalities": 7},
        {"code": "41551", "incidents": 1, "fatalities": 2},
    ]


def test_points_are_the_rows_placed_to_a_municipality_or_finer(con) -> None:
    everything = queries.newest(con, Filters(), 100)
    points = queries.points_from(everything, 100)
    # q6 has the coordinates of its department's centre, but is placed to Huila only
    assert sorted(i.removeprefix("native:") for i in points["incident_id"]) == [
        "q1", "q2", "q3", "q4", "q5"
    ]
    assert len(queries.points_from(everything, 2)) == 2


def test_summary_every_key(con) -> None:
    victims, known = con.execute(
        "SELECT coalesce(sum(victims), 0), count(victims) FROM incidents WHERE dept_code = '54'"
    ).fetchall()[0]
    assert queries.summary(con, Filters(dept="54")) == {
        "incidents": 2,
        "reports": 2,
        "fatalities": 4,
        "fatalities_unknown": 0,
        "victims": victims,
        "victims_known": known,
        "actors": 3,  # ELN, Clan del Golfo, Protesters
        "municipalities": 2,
        "by_event_type": {
            "Battles": {"incidents": 1, "fatalities": 4},
            "Protests": {"incidents": 1, "fatalities": 0},
        },
        "by_department": {"54": {"incidents": 2, "fatalities": 4}},
        "by_municipality": {
            "54001": {"incidents": 1, "fatalities": 0},
            "54250": {"incidents": 1, "fatalities": 4},
        },
        "datasets": {"known": 2},
    }


def _import(tmp_path: Path, db: Path, dataset: str, rows: list[list[str]]) -> None:
    """Rows of (id, date, actor1, actor2, fatalities, municipality, precision, source)."""
    path = tmp_path / f"{dataset}.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["incident_id", "event_date", "event_type", "actor1", "actor2",
                         "fatalities", "municipality", "geo_precision", "source"])
        for i, day, a1, a2, fat, muni, precision, source in rows:
            writer.writerow([i, day, "Battles", a1, a2, fat, muni, precision, source])
    report = ingest.import_file(path, fmt="native", db=db, dataset=dataset)
    assert (report.inserted, report.rejected) == (len(rows), 0)


@pytest.fixture(scope="module")
def fronts(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    """Three datasets: "fronts" (six reports from six sources, one of them by a front the
    registry lacks, one placed to the country only), "zeta" and "alpha" (one each)."""
    folder = tmp_path_factory.mktemp("fronts")
    db = folder / "fronts.duckdb"
    _import(folder, db, "fronts", [
        ["f1", "2022-05-01", "ELN: Frente Urbano Imaginario", "Military", "1", "41001", "2", "E"],
        ["f2", "2022-05-02", "ELN", "Military", "2", "41001", "2", "A"],
        ["f3", "2022-05-03", "Clan del Golfo", "Police", "3", "41001", "2", "C"],
        ["f4", "2022-05-04", "Police", "Civilians", "0", "41001", "2", "F"],
        ["f5", "2022-05-05", "Police", "Civilians", "", "41001", "2", "B"],
        ["f6", "2022-05-06", "Police", "Civilians", "4", "", "4", "D"],
    ])  # fmt: skip
    # far from each other (in time and place): no report of the same event
    _import(folder, db, "zeta", [["z1", "2019-06-01", "ELN", "", "0", "54001", "2", "Z"]])
    _import(folder, db, "alpha", [["a1", "2024-08-02", "ELN", "", "0", "05001", "2", "Y"]])
    return db


def test_an_unknown_faction_is_filed_under_its_umbrella(fronts: Path) -> None:
    """ "ELN: Frente Urbano Imaginario" (a front the registry lacks) is stored as written; a
    filter on the ELN includes it, one on another group does not."""
    with store.connect(fronts, read_only=True) as c:
        assert ids(c, Filters(actors=("ELN",))) == ["a1", "f1", "f2", "z1"]
        assert ids(c, Filters(actors=("Clan del Golfo",))) == ["f3"]
        assert ids(c, Filters(actors=("Military",))) == ["f1", "f2"]
        assert queries.filed_under(c, {"ELN"}, queries.default_registry()) == [
            "ELN: Frente Urbano Imaginario"
        ]
        assert queries.filed_under(c, {"Clan del Golfo"}, queries.default_registry()) == []


def test_datasets_most_incidents_first_with_five_sources(fronts: Path) -> None:
    with store.connect(fronts, read_only=True) as c:
        o = queries.overview(c, Filters())
    assert o.datasets.to_dict("records") == [
        {"dataset": "fronts", "incidents": 6, "sources": ["A", "B", "C", "D", "E"]},
        {"dataset": "alpha", "incidents": 1, "sources": ["Y"]},
        {"dataset": "zeta", "incidents": 1, "sources": ["Z"]},
    ]
    assert o.datasets.index.tolist() == [0, 1, 2]
    assert str(o.datasets["incidents"].dtype) == "int64"
    # f6 is placed to the country only
    assert o.unmapped == (queries.Unmapped("country or region", 1, 4),)
    assert o.figures == queries.KeyFigures(8, 10, 1, 6, 3)


def test_place_tables_are_integers_indexed_from_zero(con) -> None:
    o = queries.overview(con, Filters())
    for frame in (o.departments, o.municipalities):
        assert frame.index.tolist() == list(range(len(frame)))
        assert [str(frame[c].dtype) for c in ("incidents", "fatalities")] == ["int64", "int64"]


def test_class_counts_follow_the_registry_given(con) -> None:
    from conflictmap.actors import Actor, ActorRegistry

    registry = ActorRegistry([Actor("ELN", "guerrilla"), Actor("Police", "state")])
    assert queries.class_counts(con, registry) == [("class:guerrilla", 1), ("class:state", 1)]


def test_distinct_actors_over_two_index_words(tmp_path: Path, boundaries) -> None:  # noqa: ARG001
    """70 actors need two 64-bit words of the actor index: the count spans both words (and a
    filter keeps only the actors of the incidents in view)."""
    db = tmp_path / "many.duckdb"
    rows = [
        [f"m{i:02d}", f"2022-03-{1 + i % 28:02d}", f"Grupo {i:02d}", "", "1", "41001", "2", "S"]
        for i in range(70)
    ]
    _import(tmp_path, db, "many", rows)
    with store.connect(db, read_only=True) as c:
        assert len(queries.actor_relation.index_columns(c) or []) == 2
        assert queries.overview(c, Filters()).figures.actors == 70
        # the 1st of March: i = 0, 28, 56 (Grupo 00, Grupo 28, Grupo 56), one in the second word
        one_day = Filters(date_from=date(2022, 3, 1), date_to=date(2022, 3, 1))
        assert queries.overview(c, one_day).figures.actors == 3
