"""PostgreSQL next to DuckDB (issue 14): import and query figures at the same sizes.

Runs by hand, never part of the test suite; needs a PostgreSQL server (``make db-server``):

    export CONFLICTMAP_GEODATA=/path/to/colombia_2018.topojson
    .venv/bin/python bench/bench_postgres.py --server postgresql://postgres@127.0.0.1:5433/postgres
    .venv/bin/python bench/bench_postgres.py --server URL --sizes 100k,1M --passes 3

For each size: the synthetic ACLED-shaped CSV of bench/bench_scale.py (same seed), imported with
``conflictmap import`` in a child process into a new DuckDB file and a new PostgreSQL schema
(wall time), then the 50 fixed filter combinations of bench_scale (the queries of one view:
overview, aggregate, newest rows) on each store: median and p95 over the passes. The figures,
and the check that both stores give the same key figures for every combination, are printed
and written under "## PostgreSQL next to DuckDB" in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import bench_scale  # noqa: E402


def _import(csv_path: Path, db: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "conflictmap.cli", "import", str(csv_path), "--db", db,
         "--format", "acled"],  # fmt: skip
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def _queries(db: str, passes: int) -> tuple[list[float], list[tuple[int, int]]]:
    """Per combination: the median time of one view's queries (ms); its key figures."""
    from conflictmap import queries, store
    from conflictmap.view import choropleth_level

    combos = bench_scale.filter_combinations()
    times: list[list[float]] = [[] for _ in combos]
    figures: list[tuple[int, int]] = []
    with store.connect(db, read_only=True) as con:
        for p in range(passes + 1):  # pass 0 warms caches: not counted
            for i, (_, f, o) in enumerate(combos):
                t0 = time.perf_counter()
                over = queries.overview(con, f)
                queries.aggregate(con, f, choropleth_level(f, o))
                queries.newest(con, f, 5000)
                if p:
                    times[i].append((time.perf_counter() - t0) * 1000)
                else:
                    figures.append((over.figures.incidents, over.figures.fatalities))
    return [statistics.median(t) for t in times], figures


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run(server: str, sizes: list[int], passes: int) -> str:
    from conflictmap import geodata

    boundaries = geodata.load_boundaries()
    lines = [
        "## PostgreSQL next to DuckDB (issue 14)",
        "",
        f"`bench/bench_postgres.py --sizes {','.join(bench_scale.label(s) for s in sizes)} "
        f"--passes {passes}`, {time.strftime('%Y-%m-%d')}, PostgreSQL "
        f"{_server_version(server)} (a local throwaway cluster, default settings), 2 cores. "
        "Import: `conflictmap import` of the synthetic ACLED CSV, wall time. Queries: the 50 filter "
        "combinations of bench_scale, the queries of one view on one open connection, median "
        "per combination over the passes, then p50/p95 across combinations.",
        "",
        "| size | store | import (s) | rows/s | view queries p50 (ms) | p95 (ms) | same figures |",
        "|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="cm-pg-bench-") as tmp:
        for size in sizes:
            csv_path = Path(tmp) / f"acled-{size}.csv"
            bench_scale.write_csv(bench_scale.generate_acled(size, boundaries), csv_path)
            duck = str(Path(tmp) / f"bench-{size}.duckdb")
            schema = "bench_" + uuid.uuid4().hex[:8]
            with psycopg.connect(server, autocommit=True) as con:
                con.execute(f"CREATE SCHEMA {schema}")
            sep = "&" if "?" in server else "?"
            pg = f"{server}{sep}options=-csearch_path%3D{schema}"
            try:
                results = {}
                for name, db in (("DuckDB", duck), ("PostgreSQL", pg)):
                    seconds = _import(csv_path, db)
                    medians, figures = _queries(db, passes)
                    results[name] = (seconds, medians, figures)
                    print(f"{bench_scale.label(size)} {name}: import {seconds:.1f} s, "
                          f"p50 {statistics.median(medians):.1f} ms, p95 {_p95(medians):.1f} ms",
                          flush=True)  # fmt: skip
                same = results["DuckDB"][2] == results["PostgreSQL"][2]
                for name, (seconds, medians, _figures) in results.items():
                    lines.append(
                        f"| {bench_scale.label(size)} | {name} | {seconds:.1f} | "
                        f"{size / seconds:,.0f} | {statistics.median(medians):.1f} | "
                        f"{_p95(medians):.1f} | {'yes' if same else 'NO'} |"
                    )
            finally:
                with psycopg.connect(server, autocommit=True) as con:
                    con.execute(f"DROP SCHEMA {schema} CASCADE")
    return "\n".join(lines) + "\n"


def _server_version(server: str) -> str:
    with psycopg.connect(server) as con:
        row = con.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "?"


def _write(section: str) -> None:
    results = HERE / "RESULTS.md"
    text = results.read_text(encoding="utf-8")
    head = "## PostgreSQL next to DuckDB (issue 14)"
    if head in text:
        before, _, rest = text.partition(head)
        after = rest.split("\n## ", 1)
        text = before + section + ("\n## " + after[1] if len(after) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    results.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default=os.environ.get("CONFLICTMAP_TEST_POSTGRES"),
                        help="a PostgreSQL server URL (make db-server prints one)")  # fmt: skip
    parser.add_argument("--sizes", default="100k,1M")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    if not args.server:
        parser.error("--server is required (or $CONFLICTMAP_TEST_POSTGRES)")
    sizes = [bench_scale.parse_size(s) for s in args.sizes.split(",")]
    section = run(args.server, sizes, args.passes)
    print(section)
    if not args.no_write:
        _write(section)


if __name__ == "__main__":
    main()
