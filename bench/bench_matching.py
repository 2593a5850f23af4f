"""Cross-source matching cost (issue 16): how long :func:`conflictmap.matching.rematch` takes
(it runs in every import once a database holds two datasets), and how many pairs it scores.

    export CONFLICTMAP_GEODATA=/path/to/colombia_2018.topojson
    .venv/bin/python bench/bench_matching.py [--size 100k] [--db postgresql://…]

The database: the real UCDP GED Colombia sample (4,632 events, `conflictmap sample`) plus the
synthetic ACLED-shaped CSV of bench_scale.py at the given size, imported into a new DuckDB file
(or, with --db, an empty PostgreSQL database or schema). Prints the import time of the second
dataset (matching included), then a rematch alone: candidate pairs, matches, wall time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_scale  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="100k")
    parser.add_argument("--db", help="an empty PostgreSQL database URL (default: a new DuckDB file)")
    args = parser.parse_args()
    from conflictmap import geodata, ingest, matching, sample, store
    from conflictmap.geography import load_geography

    size = bench_scale.parse_size(args.size)
    with tempfile.TemporaryDirectory(prefix="cm-match-") as tmp:
        db = args.db or str(Path(tmp) / "match.duckdb")
        sample.load_sample(db)
        csv_path = Path(tmp) / "acled.csv"
        bench_scale.write_csv(bench_scale.generate_acled(size, geodata.load_boundaries()), csv_path)
        t0 = time.perf_counter()
        ingest.import_file(csv_path, db=db, fmt="acled", dataset="acled-synthetic")
        imported = time.perf_counter() - t0
        geo = load_geography()
        with store.connect(db) as con, store.transaction(con):
            t0 = time.perf_counter()
            pairs = len(matching.candidates(con))
            t1 = time.perf_counter()
            grouped = matching.rematch(con, neighbours=geo.neighbours)
            t2 = time.perf_counter()
        print(f"{bench_scale.label(size)} ACLED + 4,632 UCDP on {'PostgreSQL' if args.db else 'DuckDB'}: "
              f"import with matching {imported:.1f} s; candidate pairs {pairs:,} in "
              f"{t1 - t0:.2f} s; rematch (candidates, scoring, storing) {t2 - t1:.2f} s; "
              f"{grouped:,} reports grouped")  # fmt: skip


if __name__ == "__main__":
    main()
