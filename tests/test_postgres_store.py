"""The PostgreSQL store (issue 14): concurrency, the schema's versions, and copying a whole
database between the two stores.

These need a PostgreSQL server, ``$CONFLICTMAP_TEST_POSTGRES``: `make test` runs them through
tools/test_postgres.sh, which starts a throwaway one (`.ci/run` starts it for the whole run), and
leaves them out of its DuckDB half explicitly (``-m "not postgres_server"``). Run without a
server, they fail and say so.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from conflictmap import db_admin, migrations, queries, store
from conflictmap.filters import Filters

SERVER = os.environ.get("CONFLICTMAP_TEST_POSTGRES", "")
ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.postgres_server


@pytest.fixture()
def pg_url() -> Iterator[str]:
    """A new, empty schema of the test server, as a ConflictMap database URL."""
    if not SERVER:
        pytest.fail(
            "no PostgreSQL server: set CONFLICTMAP_TEST_POSTGRES (tools/test_postgres.sh starts "
            "one; make db-server prints one)"
        )
    schema = "s_" + uuid.uuid4().hex[:12]
    with psycopg.connect(SERVER, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in SERVER else "?"
    url = f"{SERVER}{sep}options=-csearch_path%3D{schema}"
    yield url
    from conflictmap import postgres

    postgres.close_pools()
    migrations.forget(url)
    with psycopg.connect(SERVER, autocommit=True) as con:
        con.execute(f"DROP SCHEMA {schema} CASCADE")


def _native_csv(path: Path, rows: int, *, start: int = 0) -> None:
    """``rows`` incidents in Neiva (41001) and Cúcuta (54001), placed by code, 7 fatalities each
    in Neiva and 1 in Cúcuta: the totals are known without the code under test."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["incident_id", "event_date", "event_type", "actor1", "fatalities",
                    "municipality", "department", "source"])  # fmt: skip
        for i in range(start, start + rows):
            neiva = i % 2 == 0
            w.writerow([
                f"c{i}", f"2022-{1 + i % 12:02d}-{1 + i % 28:02d}", "Battles",
                "ELN" if neiva else "Clan del Golfo", 7 if neiva else 1,
                "41001" if neiva else "54001", "41" if neiva else "54", "test",
            ])  # fmt: skip


def _import(csv_path: Path, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "conflictmap.cli", "import", str(csv_path), "--db", url,
         "--format", "native", "--dataset", "bulk"],  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def test_migrations_are_recorded_once_and_init_is_idempotent(pg_url: str) -> None:
    applied, status = db_admin.migrate(pg_url)
    assert applied == [1, 2, 3, 4, 5, 6, 7]
    assert status.version == migrations.LATEST == 7 and status.backend == "postgresql"
    assert status.postgis is not None and status.postgis.startswith("3.")  # Debian's 3.x
    again, _status = db_admin.migrate(pg_url)
    assert again == []
    with store.connect(pg_url, read_only=True) as con:
        rows = con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
        tables = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                "current_schema()"
            ).fetchall()
        }
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    # every table a team's database needs exists from init on: read-only pages never create one
    assert {"incidents", "users", "audit_log", "event_matches", "watchlists",
            "deleted_incidents"} <= tables  # fmt: skip


def test_an_import_is_all_or_nothing_and_views_never_see_half(
    pg_url: str, tmp_path: Path, boundaries
) -> None:
    """100,000 rows imported by another process while this one runs views in a loop: no error,
    and every view shows the database before the import or after it, never in between."""
    base = tmp_path / "base.csv"
    _native_csv(base, 1_000)
    first = _import(base, pg_url)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert json.loads(out)["inserted"] == 1_000
    bulk = tmp_path / "bulk.csv"
    _native_csv(bulk, 100_000, start=1_000)
    before = (1_000, 500 * 7 + 500 * 1)
    after = (101_000, 50_500 * 7 + 50_500 * 1)

    seen: set[tuple[int, int]] = set()
    views = 0
    proc = _import(bulk, pg_url)
    deadline = time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline:
        with store.connect(pg_url, read_only=True) as con:
            over = queries.overview(con, Filters())
        figures = (over.figures.incidents, over.figures.fatalities)
        # the parts of one view agree with each other (one snapshot)
        assert int(over.departments["incidents"].sum()) == figures[0]
        assert int(over.municipalities["fatalities"].sum()) == figures[1]
        assert figures in (before, after), figures
        seen.add(figures)
        views += 1
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert json.loads(out)["inserted"] == 100_000
    assert views >= 3, "the import finished before the views could run alongside it"
    assert before in seen
    with store.connect(pg_url, read_only=True) as con:
        over = queries.overview(con, Filters())
    assert (over.figures.incidents, over.figures.fatalities) == after


def test_a_failed_import_leaves_nothing(pg_url: str, tmp_path: Path, boundaries) -> None:
    from conflictmap import ingest

    good = tmp_path / "good.csv"
    _native_csv(good, 200)
    with pytest.raises(RuntimeError, match="boom"):
        original = store.log_import

        def failing(con, log):  # noqa: ANN001 - the import's last step fails
            original(con, log)
            raise RuntimeError("boom")

        store.log_import = failing  # type: ignore[assignment]
        try:
            ingest.import_file(good, db=pg_url, fmt="native")
        finally:
            store.log_import = original  # type: ignore[assignment]
    with store.connect(pg_url, read_only=True) as con:
        assert store.count_incidents(con) == 0
        assert con.execute("SELECT count(*) FROM imports").fetchall()[0][0] == 0


def test_copy_duckdb_to_postgresql_and_back_gives_the_same_answers(
    pg_url: str, real_sample_db: Path, tmp_path: Path
) -> None:
    to_pg = db_admin.copy(real_sample_db, pg_url)
    # 2 seed incidents + 4,632 UCDP events (tests/test_real_data.py counts them from the file)
    assert to_pg.rows["incidents"] == 4_634
    back = tmp_path / "back.duckdb"
    db_admin.copy(pg_url, back)
    huila_2022 = Filters(dept="41", date_from=None, date_to=None)
    answers = []
    for db in (real_sample_db, pg_url, back):
        with store.connect(db, read_only=True) as con:
            answers.append(
                (
                    queries.summary(con, Filters()),
                    queries.summary(con, huila_2022),
                    queries.summary(con, Filters(actors=("ELN",))),
                    queries.content_hash(con, Filters()),
                )
            )
    assert answers[0] == answers[1] == answers[2]
    # the 2 Sept 2022 Neiva attack: 7 police officers killed
    neiva = answers[1][1]["by_municipality"]["41001"]
    assert neiva["fatalities"] >= 7


def test_copy_refuses_a_database_that_is_not_empty(pg_url: str, real_sample_db: Path) -> None:
    db_admin.copy(real_sample_db, pg_url)
    with pytest.raises(db_admin.CopyError, match="not empty"):
        db_admin.copy(real_sample_db, pg_url)


def _fill_for_boxes(url: str) -> None:
    """20,000 incidents on a 100 x 200 grid over Colombia (so the planner has statistics), and
    four around Neiva whose place against the box (2.85..3.05 N, -75.40..-75.20 E) is known."""
    db_admin.migrate(url)
    columns = (
        "incident_id, event_date, date_precision, event_type, fatalities, latitude, longitude, "
        "geo_precision, dept_code, muni_code, source, dataset, imported_at"
    )
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(
            f"INSERT INTO incidents ({columns}) SELECT 'g' || g, DATE '2020-01-01', 'day', "
            "'Battles', 1, -4.0 + (g / 200) * 0.16, -79.0 + (g % 200) * 0.06, 1, '05', '05001', "
            "'t', 'grid', now() FROM generate_series(0, 19999) g"
        )
        for iid, lat, lon in (
            ("in", 2.93, -75.28),
            ("on the south border", 2.85, -75.30),
            ("on the east border", 2.95, -75.20),
            ("just west", 2.95, -75.4000001),
        ):
            con.execute(
                f"INSERT INTO incidents ({columns}) VALUES (%s, DATE '2022-09-02', 'day', "
                "'Battles', 7, %s, %s, 1, '41', '41001', 't', 'neiva', now())",
                [iid, lat, lon],
            )
        con.execute("ANALYZE incidents")


def test_postgis_point_index_answers_small_boxes_exactly(pg_url: str) -> None:
    """Migration 7: the GiST index on the incidents' points. A town-sized box goes through it
    and keeps exactly the incidents inside or on the border (a point 1e-7 degrees outside is not
    counted, though the index's single-precision boxes would let it through); a country-sized
    box is a plain scan with the same answer as SQL written here."""
    from conflictmap import clusters, postgis

    _fill_for_boxes(pg_url)
    neiva = clusters.Bounds(south=2.85, west=-75.40, north=3.05, east=-75.20)
    north = clusters.Bounds(south=4.0, west=-79.0, north=12.5, east=-66.0)
    with store.connect(pg_url, read_only=True) as con:
        assert postgis.schema(con) == "public"
        huila = Filters(dept="41")
        found = clusters.points(con, huila, neiva, 100)
        assert sorted(found["incident_id"]) == ["in", "on the east border", "on the south border"]
        assert clusters.count_in(con, huila, neiva) == 3
        # and the grid's rows at 2.88 and 3.04 N, columns at -75.40 (on the west border),
        # -75.34, -75.28 and -75.22
        assert clusters.count_in(con, Filters(), neiva) == 3 + 2 * 4
        sql, params = postgis.box_condition(con, 2.85, 3.05, -75.40, -75.20)
        explain = f"EXPLAIN SELECT count(*) FROM incidents WHERE {sql}"
        plan = "\n".join(r[0] for r in con.execute(explain, params).fetchall())
        assert "incidents_point" in plan
        wide_sql, _params = postgis.box_condition(con, 4.0, 12.5, -79.0, -66.0)
        assert "incidents_point" not in wide_sql and "&&" not in wide_sql
        # rows 0.16 degrees apart from -4.0: latitude >= 4.0 from row 50 of the grid
        (expected,) = con.execute(
            "SELECT count(*) FROM incidents WHERE latitude >= 4.0 AND latitude <= 12.5 "
            "AND longitude >= -79.0 AND longitude <= -66.0"
        ).fetchall()[0]
        assert clusters.count_in(con, Filters(), north) == expected == (100 - 50) * 200


def test_postgis_view_gives_gis_tools_a_point_layer(pg_url: str) -> None:
    """``incident_points``: every incident with coordinates as an EPSG:4326 point, for QGIS."""
    _fill_for_boxes(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(
            "INSERT INTO incidents (incident_id, event_date, date_precision, event_type, "
            "geo_precision, dept_code, source, dataset, imported_at) VALUES ('huila only', "
            "DATE '2022-01-01', 'day', 'Battles', 3, '41', 't', 'neiva', now())"
        )
        row = con.execute(
            "SELECT public.ST_AsText(geom), public.ST_SRID(geom), muni_code, fatalities "
            "FROM incident_points WHERE incident_id = 'in'"
        ).fetchone()
        (n,) = con.execute("SELECT count(*) FROM incident_points").fetchone()  # type: ignore[misc]
        missing = con.execute(
            "SELECT count(*) FROM incident_points WHERE incident_id = 'huila only'"
        ).fetchone()
    assert row == ("POINT(-75.28 2.93)", 4326, "41001", 7)
    assert n == 20_000 + 4 and missing == (0,)
