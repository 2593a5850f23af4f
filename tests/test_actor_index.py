"""The actor bitmap index: same answers as comparing names, in every case the index can be in.

The reference for every check is ``actor_index.names_condition`` (the string comparison the
index replaces), run on the same database.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conflictmap import actor_index, ingest, queries, store
from conflictmap.filters import Filters

TOWNS = ["41001", "54001", "05001", "19001", "54810"]


def frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    columns = [
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
    return pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], columns=columns)


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


def import_rows(db: Path, rows: pd.DataFrame, dataset: str = "t") -> ingest.ImportReport:
    return ingest.import_frame(rows, name="t.csv", fmt="native", db=db, dataset=dataset)


def ids_by_names(con, names: list[str]) -> list[str]:
    sql = actor_index.names_condition(names)
    return [
        r[0]
        for r in con.execute(
            f"SELECT incident_id FROM incidents WHERE {sql} ORDER BY 1", [*names, *names, *names]
        ).fetchall()
    ]


def ids_by_filter(con, filters: Filters) -> list[str]:
    w = queries.where(con, filters)
    return [
        r[0]
        for r in con.execute(
            f"SELECT incident_id FROM incidents WHERE {w.sql} ORDER BY 1", w.params
        ).fetchall()
    ]


def test_bits_cover_every_role(empty_db: Path) -> None:
    rows = frame(
        [
            {"incident_id": "r1", "event_date": "2022-09-02", "event_type": "Battles",
             "actor1": "ELN", "actor2": "Police", "municipality": "41001", "source": "s",
             "source_url": "https://example.org/"},
            {"incident_id": "r2", "event_date": "2022-09-03", "event_type": "Battles",
             "actor1": "Military", "assoc_actors": "ELN;Clan del Golfo", "municipality": "41001",
             "source": "s", "source_url": "https://example.org/"},
        ]
    )
    import_rows(empty_db, rows)
    with store.connect(empty_db, read_only=True) as con:
        keys = dict(con.execute("SELECT actor, bit FROM actor_keys").fetchall())
        stored = dict(con.execute("SELECT incident_id, actor_bits FROM incidents").fetchall())
    assert all(b is not None for b in keys.values())
    assert len(set(keys.values())) == len(keys)  # one bit per name
    assert stored["native:r1"] == (1 << keys["ELN"]) | (1 << keys["Police"])
    assert stored["native:r2"] == (
        (1 << keys["Military"]) | (1 << keys["ELN"]) | (1 << keys["Clan del Golfo"])
    )


def test_names_beyond_64_bits_fall_back_to_names(empty_db: Path) -> None:
    import_rows(empty_db, many_actors(40))
    import_rows(empty_db, many_actors(40, start=40), dataset="second")  # 81 names + ELN
    with store.connect(empty_db, read_only=True) as con:
        keys = dict(con.execute("SELECT actor, bit FROM actor_keys").fetchall())
        assert len(keys) == 82
        with_bit = {n for n, b in keys.items() if b is not None}
        assert len(with_bit) == 64 and sorted(keys[n] for n in with_bit) == list(range(64))
        # the highest bit survives the trip through numpy and DuckDB (no float rounding)
        top = next(n for n in with_bit if keys[n] == 63)
        assert ids_by_filter(con, Filters(actors=(top,))) == ids_by_names(con, [top])
        assert ids_by_filter(con, Filters(actors=(top,)))  # and it matches something
        for name in keys:
            assert ids_by_filter(con, Filters(actors=(name,))) == ids_by_names(con, [name]), name
        # a mix of indexed and unindexed names in one filter
        mixed = [n for n in keys if keys[n] is None][:2] + sorted(with_bit)[:2]
        got = ids_by_filter(con, Filters(actors=tuple(mixed)))
        assert got == ids_by_names(con, mixed) and len(got) >= 4
        assert ids_by_filter(con, Filters(actors=("Never stored",))) == []


def test_bits_are_stable_across_imports(empty_db: Path) -> None:
    import_rows(empty_db, many_actors(5))
    with store.connect(empty_db, read_only=True) as con:
        before = dict(con.execute("SELECT actor, bit FROM actor_keys").fetchall())
        bits_before = dict(con.execute("SELECT incident_id, actor_bits FROM incidents").fetchall())
    import_rows(empty_db, many_actors(5, start=10), dataset="later")
    with store.connect(empty_db, read_only=True) as con:
        after = dict(con.execute("SELECT actor, bit FROM actor_keys").fetchall())
        bits_after = dict(con.execute("SELECT incident_id, actor_bits FROM incidents").fetchall())
    assert {n: after[n] for n in before} == before
    assert {i: bits_after[i] for i in bits_before} == bits_before


def test_umbrella_filter_equals_name_comparison(sample_db: Path) -> None:
    with store.connect(sample_db, read_only=True) as con:
        for actor in ("FARC dissidents", "Estado Mayor Central", "State forces", "AGC", "ELN"):
            f = Filters(actors=(actor,))
            names = queries.actor_names(f)
            got = ids_by_filter(con, f)
            assert got == ids_by_names(con, names), actor
            assert got, actor


def test_database_from_before_the_index(tmp_path: Path, empty_db: Path) -> None:
    """An older database: read-only it is answered by name comparison; any writing connection
    adds the index, with the same answers."""
    import_rows(empty_db, many_actors(30))
    with store.connect(empty_db) as con:
        expected = {n: ids_by_names(con, [n]) for n in ("Grupo local 003", "ELN", "Nobody")}
        con.execute("DROP TABLE actor_keys")
        con.execute("ALTER TABLE incidents DROP COLUMN actor_bits")
    with store.connect(empty_db, read_only=True) as con:
        assert not actor_index.has_index(con)
        for name, ids in expected.items():
            assert ids_by_filter(con, Filters(actors=(name,))) == ids
    with store.connect(empty_db) as con:  # upgrades
        assert actor_index.has_index(con)
    with store.connect(empty_db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM incidents WHERE actor_bits = 0").fetchone()[0] == 0
        for name, ids in expected.items():
            assert ids_by_filter(con, Filters(actors=(name,))) == ids


def test_failed_import_registers_no_names(empty_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import_rows(empty_db, many_actors(3))

    def broken(self):
        raise RuntimeError("simulated")

    monkeypatch.setattr(store.Stage, "insert", broken)
    with pytest.raises(RuntimeError):
        import_rows(empty_db, many_actors(3, start=50), dataset="broken")
    with store.connect(empty_db, read_only=True) as con:
        names = {r[0] for r in con.execute("SELECT actor FROM actor_keys").fetchall()}
    assert "Grupo local 050" not in names and "Grupo local 000" in names


def test_newest_with_ties_on_the_cut_date(empty_db: Path) -> None:
    rows = many_actors(12)
    rows["event_date"] = ["2022-05-01"] * 5 + ["2022-05-02"] * 4 + ["2022-04-30"] * 3
    import_rows(empty_db, rows)
    with store.connect(empty_db, read_only=True) as con:
        everything = con.execute(
            "SELECT incident_id FROM incidents ORDER BY event_date DESC, incident_id"
        ).fetchall()
        for limit in range(1, 14):
            got = queries.newest(con, Filters(), limit)["incident_id"].tolist()
            assert got == [r[0] for r in everything[:limit]], limit
