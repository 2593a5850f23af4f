"""One actor relation: every place that counts "the actors of an incident" counts all three roles
(actor 1, actor 2, associated actors) and agrees with the others; its index answers like the
relation, for any number of names, in every layout a database can be in.

Expected values are computed here, in Python, from hand-written incidents (``ROWS``), never from
the code under test. Each role has an actor found in that role only, so a query that leaves a
role out gets a different answer.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import store_access

from conflictmap import actor_relation, dialect, ingest, queries, store, territories, trends
from conflictmap.actors import default_registry
from conflictmap.filters import Filters

TOWNS = ["41001", "54001", "05001", "19001", "54810"]
COLUMNS = [
    "incident_id",
    "event_date",
    "event_type",
    "actor1",
    "actor2",
    "assoc_actors",
    "fatalities",
    "municipality",
    "source",
    "source_url",
]
B, VAC, EXP, PRO = "Battles", "Violence against civilians", "Explosions/Remote violence", "Protests"

# id, date, type, actor1, actor2, associated actors, fatalities, municipality
ROWS = [
    ("r1", "2022-01-05", B, "ELN", "Military", [], 2, "41001"),
    ("r2", "2022-02-10", B, "Clan del Golfo", "", ["ELN", "Grupo solo asociado"], 1, "41001"),
    ("r3", "2022-03-15", VAC, "Grupo uno", "Civilians", ["Grupo solo asociado"], 0, "54001"),
    ("r4", "2022-04-20", EXP, "Military", "Grupo solo actor2", [], 3, "54001"),
    # the same associated actor twice: one actor of the incident
    ("r5", "2023-01-01", PRO, "Protesters", "", ["Grupo solo asociado"] * 2, 0, "05001"),
    # the same actor on both sides, and an armed group associated only here in Neiva
    ("r6", "2023-02-01", B, "ELN", "ELN", ["Clan del Golfo"], 4, "41001"),
    ("r7", "2023-03-01", VAC, "Military", "Civilians", [], 1, "41001"),
]
ALONE = {"Grupo uno": "actor1", "Grupo solo actor2": "actor2", "Grupo solo asociado": "assoc"}


def frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{c: r.get(c, "") for c in COLUMNS} for r in rows], columns=COLUMNS)


def known_frame() -> pd.DataFrame:
    return frame(
        [
            {
                "incident_id": i,
                "event_date": d,
                "event_type": t,
                "actor1": a1,
                "actor2": a2,
                "assoc_actors": ";".join(assoc),
                "fatalities": str(f),
                "municipality": m,
                "source": "test",
                "source_url": "https://example.org/",
            }
            for i, d, t, a1, a2, assoc, f, m in ROWS
        ]
    )


def import_rows(db: Path, rows: pd.DataFrame, dataset: str = "t") -> ingest.ImportReport:
    return ingest.import_frame(rows, name="t.csv", fmt="native", db=db, dataset=dataset)


# ---- the expected values, from ROWS alone ---------------------------------------------------


def expected_relation(rows=ROWS) -> set[tuple[str, str, str]]:
    out = set()
    for i, _, _, a1, a2, assoc, *_ in rows:
        for actor, role in [(a1, "actor1"), (a2, "actor2"), *((a, "assoc") for a in assoc)]:
            if actor:
                out.add((f"native:{i}", actor, role))
    return out


def actors_of(row) -> set[str]:  # noqa: ANN001
    _, _, _, a1, a2, assoc, *_ = row
    return {a for a in (a1, a2, *assoc) if a}


def in_view(f: Filters) -> list[tuple]:
    def keep(row) -> bool:  # noqa: ANN001
        _, d, t, *_, m = row
        day = date.fromisoformat(d)
        return (
            (f.date_from is None or day >= f.date_from)
            and (f.date_to is None or day <= f.date_to)
            and (not f.event_types or t in f.event_types)
            and (not f.dept or m[:2] == f.dept)
            and (not f.actors or bool(actors_of(row) & set(f.actors)))
        )

    return [r for r in ROWS if keep(r)]


def expected_top(f: Filters) -> list[dict[str, object]]:
    rows = in_view(f)
    names = sorted({a for r in rows for a in actors_of(r)})
    top = [
        {
            "actor": a,
            "incidents": sum(a in actors_of(r) for r in rows),
            "fatalities": sum(r[6] for r in rows if a in actors_of(r)),
        }
        for a in names
    ]
    return sorted(top, key=lambda t: (-t["incidents"], t["actor"]))


VIEWS = [
    Filters(),
    Filters(date_from=date(2023, 1, 1)),
    Filters(dept="54"),
    Filters(event_types=(B,)),
    *(Filters(actors=(name,)) for name in ALONE),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, boundaries) -> Path:
    path = tmp_path_factory.mktemp("relation") / "known.duckdb"
    report = import_rows(path, known_frame())
    assert report.inserted == len(ROWS)
    return path


@pytest.fixture()
def con(db: Path):
    with store.connect(db, read_only=True) as c:
        yield c


def ids(con, f: Filters) -> list[str]:  # noqa: ANN001
    w = queries.where(con, f)
    return [
        r[0]
        for r in con.execute(
            f"SELECT incident_id FROM incidents WHERE {w.sql} ORDER BY 1", w.params
        ).fetchall()
    ]


def test_the_rows_are_stored_as_written(con) -> None:
    stored = con.execute(
        "SELECT incident_id, actor1, actor2, assoc_actors FROM incidents ORDER BY 1"
    ).fetchall()
    # a name listed twice among the associated actors (r5) is stored once (actor_resolution)
    assert [(i, a1 or "", a2 or "", list(assoc or [])) for i, a1, a2, assoc in stored] == [
        (f"native:{i}", a1, a2, list(dict.fromkeys(assoc))) for i, _, _, a1, a2, assoc, *_ in ROWS
    ]


def test_the_view_is_the_relation(con) -> None:
    rows = con.execute("SELECT incident_id, actor, role FROM incident_actors").fetchall()
    assert sorted(rows) == sorted(expected_relation())  # no repeats: "r5" names its ally once
    assert {r[2] for r in rows} == set(actor_relation.ROLES)


@pytest.mark.parametrize("f", VIEWS, ids=repr)
def test_filter_matches_every_role(con, f: Filters) -> None:
    assert ids(con, f) == sorted(f"native:{r[0]}" for r in in_view(f))


def test_each_role_alone_is_found(con) -> None:
    for name, role in ALONE.items():
        expected = sorted(i for i, a, r in expected_relation() if a == name)
        assert ids(con, Filters(actors=(name,))) == expected, role
        assert expected, role


@pytest.mark.parametrize("f", VIEWS, ids=repr)
def test_actors_figure_counts_every_role(con, f: Filters) -> None:
    expected = len({a for r in in_view(f) for a in actors_of(r)})
    assert queries.overview(con, f).figures.actors == expected


@pytest.mark.parametrize("f", VIEWS, ids=repr)
def test_top_actors_count_every_role(con, f: Filters) -> None:
    got = trends.top_actors(con, f, n=100).to_dict("records")
    assert got == expected_top(f)


@pytest.mark.parametrize("f", VIEWS, ids=repr)
def test_matrix_counts_every_role(con, f: Filters) -> None:
    rows = in_view(f)
    expected = sorted(
        (a, t, sum(a in actors_of(r) and r[2] == t for r in rows))
        for a in {a for r in rows for a in actors_of(r)}
        for t in {r[2] for r in rows if a in actors_of(r)}
    )
    got = trends.actor_matrix(con, f, n=100)
    assert sorted(map(tuple, got[["actor", "event_type", "incidents"]].values.tolist())) == expected


def test_figure_top_actors_matrix_and_filter_agree(con) -> None:
    """For every view: the figure counts the top-actors list, and each listed actor's incidents
    are exactly what filtering on it (within the view) returns, and its row in the matrix."""
    for f in VIEWS:
        top = trends.top_actors(con, f, n=100)
        assert queries.overview(con, f).figures.actors == len(top), f
        matrix = trends.actor_matrix(con, f, n=100)
        for row in top.itertuples(index=False):
            within = set(ids(con, f)) & set(ids(con, Filters(actors=(row.actor,))))
            assert len(within) == row.incidents, (f, row.actor)
            cells = matrix[matrix["actor"] == row.actor]["incidents"].sum()
            assert cells == row.incidents, (f, row.actor)


def test_actor_counts_and_unknown_actors_count_every_role(con) -> None:
    everything = expected_top(Filters())
    counts = queries.actor_counts(con)
    assert counts.to_dict("records") == [
        {"actor": t["actor"], "incidents": t["incidents"]} for t in everything
    ]
    known = set(default_registry().names())
    unknown = store.unknown_actors(con, known)
    assert unknown.to_dict("records") == [
        {"actor": t["actor"], "incidents": t["incidents"]}
        for t in everything
        if t["actor"] not in known
    ]
    assert set(ALONE) <= set(unknown["actor"])


def test_inferred_territories_count_every_role(con) -> None:
    got = territories.inferred(con, Filters(), min_incidents=1)
    armed = {a.name for a in default_registry().actors() if a.kind == "armed_group"}
    expected = {}
    for row in ROWS:
        for a in actors_of(row) & armed:
            expected[(a, row[7])] = expected.get((a, row[7]), 0) + 1
    assert {(g, m): n for g, m, n in got.itertuples(index=False)} == expected
    # Clan del Golfo in Neiva: actor 1 of r2, associated actor of r6
    assert expected[("Clan del Golfo", "41001")] == 2


def test_deleting_a_dataset_deletes_its_actors(tmp_path: Path, boundaries) -> None:
    db = tmp_path / "delete.duckdb"
    import_rows(db, known_frame())
    extra = frame(
        [
            {
                "incident_id": "x1",
                "event_date": "2022-05-05",
                "event_type": B,
                "actor1": "ELN",
                "assoc_actors": "Grupo borrado",
                "fatalities": "5",
                "municipality": "41001",
                "source": "s",
                "source_url": "https://example.org/",
            }
        ]
    )
    import_rows(db, extra, dataset="extra")
    gone = Filters(actors=("Grupo borrado",))
    with store.connect(db, read_only=True) as c:
        assert ids(c, gone) == ["native:x1"]
        assert queries.overview(c, Filters()).figures.actors == len(expected_top(Filters())) + 1
    with store.connect(db) as c:
        assert store.delete_dataset(c, "extra") == 1
    with store.connect(db, read_only=True) as c:
        assert (
            c.execute(
                "SELECT count(*) FROM incident_actors WHERE incident_id = 'native:x1'"
            ).fetchone()[0]
            == 0
        )
        assert ids(c, gone) == []
        assert queries.overview(c, Filters()).figures.actors == len(expected_top(Filters()))
        assert trends.top_actors(c, Filters(), n=100).to_dict("records") == expected_top(Filters())
        assert "Grupo borrado" not in set(queries.actor_counts(c)["actor"])
        assert_index_matches_relation(c)
    # the name keeps its number for a later import (numbers are never reassigned)
    import_rows(db, extra, dataset="again")
    with store.connect(db, read_only=True) as c:
        assert ids(c, gone) == ["native:x1"]
        assert_index_matches_relation(c)


# --------------------------------------------------------------------------------------------
# The index: same answers as the relation, for any number of names


def many_actors(n_names: int, start: int = 0) -> pd.DataFrame:
    """One incident per made-up actor name, each also naming the next one in another role."""
    rows = []
    for i in range(start, start + n_names):
        role = i % 3
        other = f"Grupo local {i + 1:03d}"
        rows.append(
            {
                "incident_id": f"a{i:03d}",
                "event_date": f"2022-{1 + i % 12:02d}-{1 + i % 27:02d}",
                "event_type": "Battles",
                "actor1": f"Grupo local {i:03d}",
                "actor2": other if role == 1 else "",
                "assoc_actors": f"{other};ELN" if role == 2 else "",
                "fatalities": str(i % 4),
                "municipality": TOWNS[i % len(TOWNS)],
                "source": "test",
                "source_url": "https://example.org/",
            }
        )
    return frame(rows)


def expected_ids(rows: pd.DataFrame, names: list[str]) -> list[str]:
    """Incidents of ``rows`` (many_actors frames) naming any of ``names`` in any role."""
    out = []
    for r in rows.itertuples(index=False):
        named = {r.actor1, r.actor2, *r.assoc_actors.split(";")} - {""}
        if named & set(names):
            out.append(f"native:{r.incident_id}")
    return sorted(out)


def ids_by_names(con, names: list[str]) -> list[str]:  # noqa: ANN001
    """The index-free answer (the relation itself)."""
    sql = actor_relation.names_condition(names)
    return [
        r[0]
        for r in con.execute(
            f"SELECT incident_id FROM incidents WHERE {sql} ORDER BY 1", names
        ).fetchall()
    ]


def assert_index_matches_relation(con) -> None:  # noqa: ANN001
    """Every incident's bit columns hold exactly the numbers of the names of its relation rows."""
    numbers = dict(con.execute("SELECT actor, actor_id FROM actor_ids").fetchall())
    columns = actor_relation.index_columns(con)
    assert columns is not None
    stored = {
        r[0]: r[1:]
        for r in con.execute(
            f"SELECT incident_id, {', '.join(c + '::VARCHAR' for c in columns)} FROM incidents"
        ).fetchall()
    }
    relation: dict[str, set[int]] = {i: set() for i in stored}
    for i, actor in con.execute("SELECT incident_id, actor FROM incident_actors").fetchall():
        relation[i].add(numbers[actor])
    for i, words in stored.items():
        got = {
            w * 64 + b
            for w, value in enumerate(words)
            for b in range(64)
            if int(value or 0) >> b & 1
        }
        assert got == relation[i], i


def test_index_covers_every_role(db: Path) -> None:
    with store.connect(db, read_only=True) as con:
        numbers = dict(con.execute("SELECT actor, actor_id FROM actor_ids").fetchall())
        assert set(numbers) == {a for r in ROWS for a in actors_of(r)}
        assert sorted(numbers.values()) == list(range(len(numbers)))
        assert_index_matches_relation(con)


def test_more_than_64_names(empty_db: Path) -> None:
    first, second = many_actors(40), many_actors(40, start=40)
    import_rows(empty_db, first)
    import_rows(empty_db, second, dataset="second")  # 81 names + ELN
    both = pd.concat([first, second], ignore_index=True)
    with store.connect(empty_db, read_only=True) as con:
        numbers = dict(con.execute("SELECT actor, actor_id FROM actor_ids").fetchall())
        assert len(numbers) == 82 and sorted(numbers.values()) == list(range(82))
        assert actor_relation.index_columns(con) == ["actor_bits", "actor_bits_1"]
        assert_index_matches_relation(con)
        by_number = {v: k for k, v in numbers.items()}
        # the highest bit of a column survives the trip (no float rounding), and the next column
        for n in (0, 62, 63, 64, 65, 81):
            name = by_number[n]
            got = ids(con, Filters(actors=(name,)))
            assert got == expected_ids(both, [name]) == ids_by_names(con, [name]), name
            assert got, name
        for name in numbers:
            assert ids(con, Filters(actors=(name,))) == expected_ids(both, [name]), name
        mixed = [by_number[n] for n in (3, 63, 64, 80)]
        got = ids(con, Filters(actors=tuple(mixed)))
        assert got == expected_ids(both, mixed) and len(got) >= 4
        assert ids(con, Filters(actors=("Never stored",))) == []
        # the figure counts names in every column
        assert queries.overview(con, Filters()).figures.actors == 82
        high = by_number[70]
        in_view = {
            a
            for r in both.itertuples(index=False)
            if high in {r.actor1, r.actor2, *r.assoc_actors.split(";")}
            for a in {r.actor1, r.actor2, *r.assoc_actors.split(";")} - {""}
        }
        assert queries.overview(con, Filters(actors=(high,))).figures.actors == len(in_view)


def test_numbers_are_stable_across_imports(empty_db: Path) -> None:
    import_rows(empty_db, many_actors(5))
    with store.connect(empty_db, read_only=True) as con:
        before = dict(con.execute("SELECT actor, actor_id FROM actor_ids").fetchall())
        bits_before = dict(con.execute("SELECT incident_id, actor_bits FROM incidents").fetchall())
    import_rows(empty_db, many_actors(5, start=10), dataset="later")
    with store.connect(empty_db, read_only=True) as con:
        after = dict(con.execute("SELECT actor, actor_id FROM actor_ids").fetchall())
        bits_after = dict(con.execute("SELECT incident_id, actor_bits FROM incidents").fetchall())
        assert_index_matches_relation(con)
    assert {n: after[n] for n in before} == before
    assert {i: bits_after[i] for i in bits_before} == bits_before


def test_umbrella_filter_equals_the_relation(sample_db: Path) -> None:
    with store.connect(sample_db, read_only=True) as con:
        assert_index_matches_relation(con)
        for actor in ("FARC dissidents", "Estado Mayor Central", "State forces", "AGC", "ELN"):
            f = Filters(actors=(actor,))
            got = ids(con, f)
            assert got == ids_by_spans(con, queries.actor_spans(f)), actor
            assert got, actor
        # Frente 33 left the EMC for the EMBF on 2024-04-16: its later incidents are not EMC's
        emc = set(ids(con, Filters(actors=("Estado Mayor Central",))))
        later = set(ids(con, Filters(actors=("Frente 33",), date_from=date(2024, 4, 16))))
        assert later and not later & emc


def ids_by_spans(con, spans: dict) -> list[str]:  # noqa: ANN001
    """The index-free answer with dates: each name through the relation, within its spans."""
    found: set[str] = set()
    for name, intervals in spans.items():
        for start, end in intervals:
            sql, params = actor_relation.names_condition([name]), [name]
            if start is not None:
                sql, params = sql + " AND event_date >= ?", [*params, start]
            if end is not None:
                sql, params = sql + " AND event_date < ?", [*params, end]
            rows = con.execute(f"SELECT incident_id FROM incidents WHERE {sql}", params)
            found |= {r[0] for r in rows.fetchall()}
    return sorted(found)


def test_records_inserted_from_a_frame_get_the_index(db: Path, empty_db: Path) -> None:
    """store.insert_batch (a DataFrame, not the staged import) fills the same index."""
    from conflictmap.schema import RECORD_COLUMNS

    with store.connect(db, read_only=True) as con:
        records = con.execute(f"SELECT {', '.join(RECORD_COLUMNS)} FROM incidents").df()
    with store.connect(empty_db) as con:
        with store.transaction(con):
            result = store.insert_batch(con, records)
        assert result.inserted == len(ROWS)
        with store.transaction(con):
            again = store.insert_batch(con, records)  # all duplicates: nothing registered twice
        assert (again.inserted, again.duplicates) == (0, len(ROWS))
    with store.connect(empty_db, read_only=True) as con:
        assert_index_matches_relation(con)
        for f in VIEWS:
            assert ids(con, f) == sorted(f"native:{r[0]}" for r in in_view(f)), f
            assert queries.overview(con, f).figures.actors == len(
                {a for r in in_view(f) for a in actors_of(r)}
            )


def test_failed_import_registers_no_names(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import_rows(empty_db, many_actors(3))

    def broken(self):
        raise RuntimeError("simulated")

    staging = store.PostgresStage if store.is_postgres(empty_db) else store.Stage
    monkeypatch.setattr(staging, "insert", broken)
    with pytest.raises(RuntimeError):
        import_rows(empty_db, many_actors(3, start=50), dataset="broken")
    with store.connect(empty_db, read_only=True) as con:
        names = {r[0] for r in con.execute("SELECT actor FROM actor_ids").fetchall()}
    assert "Grupo local 050" not in names and "Grupo local 000" in names


def test_a_failed_import_adds_no_bit_column(
    empty_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The column for names 64–127 is added inside the import's transaction: a failure after
    it leaves the database as it was."""
    import_rows(empty_db, many_actors(40))
    staging = store.PostgresStage if store.is_postgres(empty_db) else store.Stage
    real = staging.insert

    def insert_then_fail(self):
        real(self)
        raise RuntimeError("simulated")

    monkeypatch.setattr(staging, "insert", insert_then_fail)
    with pytest.raises(RuntimeError):
        import_rows(empty_db, many_actors(40, start=40), dataset="broken")
    with store.connect(empty_db, read_only=True) as con:
        assert actor_relation.index_columns(con) == ["actor_bits"]
        columns = con.execute(dialect.columns_query(con), ["incidents"]).fetchall()
        assert "actor_bits_1" not in {r[0] for r in columns}
        assert con.execute("SELECT count(*) FROM actor_ids").fetchone()[0] == 41  # 40 + ELN
        assert_index_matches_relation(con)


# --------------------------------------------------------------------------------------------
# Databases written by earlier versions


def to_previous_layout(db: Path) -> dict[str, int | None]:
    """Turn a current database into the previous version's: the bitmap index ``actor_keys``
    (at most 64 names with a bit, given here in reverse name order so they differ from today's
    numbers; later names without one) and ``actor_bits``; no ``actor_ids``, no view."""
    with duckdb.connect(str(db)) as con:
        names = sorted(
            (r[0] for r in con.execute("SELECT actor FROM actor_ids").fetchall()), reverse=True
        )
        keys = {n: (i if i < 64 else None) for i, n in enumerate(names)}
        con.execute(
            "CREATE TABLE actor_keys (actor VARCHAR PRIMARY KEY, "
            "bit SMALLINT UNIQUE CHECK (bit BETWEEN 0 AND 63))"
        )
        con.executemany("INSERT INTO actor_keys VALUES (?, ?)", list(keys.items()))
        rows = con.execute("SELECT incident_id, actor FROM incident_actors").fetchall()
        bits: dict[str, int] = {}
        for i, actor in rows:
            if keys[actor] is not None:
                bits[i] = bits.get(i, 0) | (1 << keys[actor])
        con.execute("UPDATE incidents SET actor_bits = 0")
        con.executemany(
            "UPDATE incidents SET actor_bits = ?::UBIGINT WHERE incident_id = ?",
            [(b, i) for i, b in bits.items()],
        )
        con.execute("DROP VIEW incident_actors")
        con.execute("DROP TABLE actor_ids")
        for c in ("actor_bits_1", "actor_bits_2"):
            con.execute(f"ALTER TABLE incidents DROP COLUMN IF EXISTS {c}")
    return keys


# turns a DuckDB file into one an earlier version wrote (PostgreSQL databases start at the
# current layout, versioned by conflictmap.migrations)
@pytest.mark.duckdb_only
def test_database_of_the_previous_version(empty_db: Path) -> None:
    """Read-only it is answered from the relation; any writing connection upgrades it: names
    keep the bits they had, the others get numbers after them, with the same answers."""
    rows = pd.concat([many_actors(40), many_actors(40, start=40)], ignore_index=True)
    import_rows(empty_db, rows)
    keys = to_previous_layout(empty_db)
    with store_access.read(empty_db) as con:
        old_bits = dict(con.execute("SELECT incident_id, actor_bits FROM incidents").fetchall())
    probes = ["Grupo local 003", "Grupo local 079", "ELN", "Nobody"]
    with store.connect(empty_db, read_only=True) as con:
        assert not actor_relation.is_current(con)
        for name in probes:
            assert ids(con, Filters(actors=(name,))) == expected_ids(rows, [name]), name
        assert queries.overview(con, Filters()).figures.actors == 82
        assert len(trends.top_actors(con, Filters(), n=100)) == 82
    store.ensure_current(empty_db)  # what the pages do before reading
    with store.connect(empty_db, read_only=True) as con:
        assert actor_relation.is_current(con)
        numbers = dict(con.execute("SELECT actor, actor_id FROM actor_ids").fetchall())
        assert {n: numbers[n] for n, b in keys.items() if b is not None} == {
            n: b for n, b in keys.items() if b is not None
        }
        assert sorted(numbers.values()) == list(range(82))
        assert not con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'actor_keys'"
        ).fetchone()[0]
        new_bits = dict(con.execute("SELECT incident_id, actor_bits FROM incidents").fetchall())
        assert new_bits == old_bits  # the first 64 names kept their bits
        assert_index_matches_relation(con)
        for name in [*probes, *keys]:
            assert ids(con, Filters(actors=(name,))) == expected_ids(rows, [name]), name
        assert queries.overview(con, Filters()).figures.actors == 82


OLDEST_TABLE = """
CREATE TABLE incidents (
    incident_id VARCHAR PRIMARY KEY,
    event_date DATE NOT NULL,
    date_precision VARCHAR NOT NULL,
    event_type VARCHAR NOT NULL,
    sub_event_type VARCHAR,
    event_type_original VARCHAR,
    actor1 VARCHAR,
    actor2 VARCHAR,
    assoc_actors VARCHAR[],
    actor1_raw VARCHAR,
    actor2_raw VARCHAR,
    assoc_actors_raw VARCHAR,
    fatalities INTEGER CHECK (fatalities >= 0),
    latitude DOUBLE,
    longitude DOUBLE,
    geo_precision SMALLINT NOT NULL CHECK (geo_precision BETWEEN 1 AND 3),
    dept_code VARCHAR NOT NULL,
    muni_code VARCHAR,
    location VARCHAR,
    notes VARCHAR,
    source VARCHAR NOT NULL,
    source_url VARCHAR,
    dataset VARCHAR NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    original VARCHAR
);
"""


# writes a DuckDB file as the oldest version did (see above)
@pytest.mark.duckdb_only
def test_database_from_before_the_index_and_place_precision(empty_db: Path) -> None:
    """The oldest layout: no actor index at all, no place note or fatality range, place
    precision 1–3. A writing connection brings it up to date."""
    with duckdb.connect(str(empty_db)) as con:
        con.execute(OLDEST_TABLE)
        for i, _d, t, a1, a2, assoc, f, m in ROWS:
            con.execute(
                "INSERT INTO incidents (incident_id, event_date, date_precision, event_type, "
                "actor1, actor2, assoc_actors, fatalities, geo_precision, dept_code, muni_code, "
                "source, dataset, imported_at) VALUES (?, ?, 'day', ?, ?, ?, ?, ?, 2, ?, ?, "
                "'test', 't', current_timestamp)",
                [f"native:{i}", _d, t, a1 or None, a2 or None, assoc, f, m[:2], m],
            )
        assert "place_note" not in {r[0] for r in con.execute("DESCRIBE incidents").fetchall()}
    with store.connect(empty_db, read_only=True) as con:  # read-only: from the relation
        for f in VIEWS:
            assert ids(con, f) == sorted(f"native:{r[0]}" for r in in_view(f)), f
            assert queries.overview(con, f).figures.actors == len(
                {a for r in in_view(f) for a in actors_of(r)}
            )
    with store.connect(empty_db):
        pass  # upgrades
    with store.connect(empty_db, read_only=True) as con:
        columns = {r[0] for r in con.execute("DESCRIBE incidents").fetchall()}
        assert {"place_note", "actor_bits"} <= columns
        assert actor_relation.is_current(con)
        assert_index_matches_relation(con)
        assert sorted(con.execute("SELECT * FROM incident_actors").fetchall()) == sorted(
            expected_relation()
        )
        for f in VIEWS:
            assert ids(con, f) == sorted(f"native:{r[0]}" for r in in_view(f)), f
            assert trends.top_actors(con, f, n=100).to_dict("records") == expected_top(f)
