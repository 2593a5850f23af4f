"""Foundation figures: warm boundary load, rerun after a filter change at 100k incidents, map sizes.

Run with `make bench` (or `.venv/bin/python bench/bench_foundation.py [--size 100000]`). Prints a
table; never part of the test suite. Timings are medians of several runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(fn, runs: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()

    from conflictmap import geodata, ingest, mapping, sample
    from conflictmap.filters import Filters, ViewOptions
    from conflictmap.view import load_view, map_spec

    rows: list[tuple[str, str]] = []
    cold = subprocess.run(
        [
            sys.executable,
            "-c",
            "import time; from conflictmap import geodata; t=time.perf_counter();"
            " geodata.load_boundaries(); print(time.perf_counter()-t)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    rows.append(
        ("boundary load, warm cache, new process, after imports (s)", f"{float(cold.stdout):.3f}")
    )

    def warm_load():
        geodata._load_processed.cache_clear()
        return geodata.load_boundaries()

    t, b = timed(warm_load)
    rows.append(("boundary load from processed cache, in process (s, median)", f"{t:.3f}"))

    tmp = Path(tempfile.mkdtemp(prefix="cm-bench-"))
    db = tmp / "bench.duckdb"
    start = time.perf_counter()
    frame = sample.demo_frame(b, size=args.size)
    gen = time.perf_counter() - start
    start = time.perf_counter()
    report = ingest.import_frame(frame, name="bench", fmt="native", db=db, dataset="bench")
    imp = time.perf_counter() - start
    rows.append((f"generate {args.size:,} synthetic incidents (s)", f"{gen:.2f}"))
    rows.append((f"import {report.inserted:,} incidents incl. point-in-polygon (s)", f"{imp:.2f}"))
    rows.append(("import rate (rows/s)", f"{report.inserted / imp:,.0f}"))

    opts_dept = ViewOptions(level="department")
    opts_muni = ViewOptions(level="municipality")
    for label, filters, opts in [
        ("national, departments", Filters(), opts_dept),
        ("national, municipalities", Filters(), opts_muni),
        ("Huila", Filters(dept="41"), opts_muni),
    ]:
        t_view, view = timed(lambda f=filters, o=opts: load_view(f, o, db=db), runs=5)
        t_map, fmap = timed(lambda v=view: mapping.build_map(map_spec(v), b), runs=3)
        size = len(fmap.get_root().render().encode("utf-8"))
        no_points = mapping.build_map(
            map_spec(view).__class__(**{**map_spec(view).__dict__, "point_budget": 0}), b
        )
        size0 = len(no_points.get_root().render().encode("utf-8"))
        rows.append((f"queries for the view: {label} (ms, median)", f"{t_view * 1000:.0f}"))
        rows.append((f"build folium map: {label} (ms, median)", f"{t_map * 1000:.0f}"))
        rows.append(
            (f"map HTML: {label} (MB; without points)", f"{size / 1e6:.2f} ({size0 / 1e6:.2f})")
        )

    # Streamlit rerun after a filter change, measured in-process with AppTest
    os.environ["CONFLICTMAP_DB"] = str(db)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    reruns = []
    for dept in ["41", "54", "19", "05", "52", "81", "", "76"]:
        start = time.perf_counter()
        at.selectbox(key="f_dept").set_value(dept).run()
        reruns.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    types = []
    for kinds in (["Battles"], ["Protests", "Riots"], []):
        start = time.perf_counter()
        at.multiselect(key="f_types").set_value(kinds).run()
        types.append(time.perf_counter() - start)
    rows.append((f"dashboard first run at {args.size:,} incidents (s)", f"{first:.2f}"))
    rows.append(
        (
            "dashboard rerun after department change (s, median of 8)",
            f"{statistics.median(reruns):.2f}",
        )
    )
    rows.append(
        (
            "dashboard rerun after event-type change (s, median of 3)",
            f"{statistics.median(types):.2f}",
        )
    )

    print(
        f"ConflictMap foundation benchmark — {date.today()} — {platform.machine()}, "
        f"{os.cpu_count()} cores, {_mem_gib():.0f} GiB RAM, Python {platform.python_version()}"
    )
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


def _mem_gib() -> float:
    try:
        with open("/proc/meminfo") as fh:
            return int(fh.readline().split()[1]) / 1024 / 1024
    except OSError:
        return float("nan")


if __name__ == "__main__":
    main()
