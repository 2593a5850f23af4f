"""Animated exports benchmark (issue 16): wall time, peak RSS and file size of a 10-year monthly
animation (120 frames) of the real UCDP sample, as an animated GIF and as an H.264 MP4.

Runs by hand, never part of the test suite:

    export CONFLICTMAP_GEODATA=/path/to/colombia_2018.topojson
    .venv/bin/python bench/bench_animation.py                       # department level
    .venv/bin/python bench/bench_animation.py --level municipality  # 1,122 municipalities a frame
    .venv/bin/python bench/bench_animation.py --db FILE             # an existing database

It loads the default sample (``conflictmap sample``: seed incidents + UCDP GED Colombia, real)
into a temporary folder, then writes each animation in its own child process, so that the peak
RSS (``getrusage``'s ``ru_maxrss``) is that export's alone: 2012-01-01 to 2021-12-31 by month
(120 frames) and, to show that memory does not grow with the number of frames, 2021 alone
(12 frames). Each child also samples its RSS after the 12th, the 60th and the last frame. It prints
a Markdown section for ``bench/RESULTS.md`` (pasted there by hand).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RUNS = (  # (name, first day, last day)
    ("10 years by month", date(2012, 1, 1), date(2021, 12, 31)),
    ("1 year by month", date(2021, 1, 1), date(2021, 12, 31)),
)


def _rss_mb() -> float:
    """This process's resident set now, in MB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(fmt: str, first: str, last: str, level: str, db: str, out: str) -> dict[str, object]:
    """One animation written in this process: its figures."""
    from conflictmap import animation, i18n
    from conflictmap.filters import Filters

    rss: dict[int, float] = {}

    def on_frame(index: int, _label: str) -> None:
        if index + 1 in (1, 12, 60) or index + 1 == total:
            rss[index + 1] = round(_rss_mb(), 1)

    with i18n.using("en"):
        start = time.perf_counter()
        filters = Filters(date_from=date.fromisoformat(first), date_to=date.fromisoformat(last))
        planned = animation.plan(filters, "month", level=level, db=db)
        total = len(planned.labels)
        written = animation.write(planned, out, fmt, on_frame=on_frame)
        wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return {
        "fmt": fmt,
        "frames": written.frames,
        "size": f"{written.width} × {written.height}",
        "wall_s": round(wall, 1),
        "per_frame_ms": round(1000 * wall / written.frames),
        "peak_rss_mb": round(peak, 1),
        "rss_mb": rss,
        "bytes": written.bytes,
    }


def run(db: str, level: str, folder: Path) -> list[dict[str, object]]:
    results = []
    for name, first, last in RUNS:
        for fmt in ("gif", "mp4"):
            out = folder / f"{first.year}-{last.year}.{fmt}"
            proc = subprocess.run(
                [sys.executable, __file__, "--child", fmt, first.isoformat(), last.isoformat(),
                 level, db, str(out)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            result = json.loads(proc.stdout) | {"run": name}
            print(json.dumps(result), file=sys.stderr)
            results.append(result)
    return results


def section(results: list[dict[str, object]], level: str) -> str:
    load = os.getloadavg()[0]
    lines = [
        "## Animated exports (issue 16)",
        "",
        f"`bench/bench_animation.py`: the real sample (`conflictmap sample`: UCDP GED Colombia), "
        f"the whole country by {level}, month by month; each export in its own process "
        f"({os.cpu_count()} cores, Python {platform.python_version()}, load average "
        f"{load:.1f}). Frames are drawn one at a time (the static map, matplotlib: the first "
        "whole, the next ones by recolouring its shapes and rewriting the period) and streamed "
        "into the encoder: the GIF block by block with one palette, the MP4 through PyAV's "
        "libx264 (yuv420p, CRF 20).",
        "",
        "| animation | format | frames | frame (px) | wall time (s) | per frame (ms) "
        "| peak RSS (MB) | RSS after frame 12 (→ 60 → 120) (MB) | file (MB) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rss = r["rss_mb"]
        assert isinstance(rss, dict)
        marks = sorted(rss, key=int)
        after = " → ".join(str(rss[m]) for m in marks[1:]) if len(marks) > 1 else "—"
        lines.append(
            f"| {r['run']} | {str(r['fmt']).upper()} | {r['frames']} | {r['size']} "
            f"| {r['wall_s']} | {r['per_frame_ms']} | {r['peak_rss_mb']} | {after} "
            f"| {int(str(r['bytes'])) / 1e6:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        fmt, first, last, level, db, out = sys.argv[2:8]
        print(json.dumps(child(fmt, first, last, level, db, out)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="an existing database (default: the sample, loaded anew)")
    parser.add_argument("--level", choices=["department", "municipality"], default="department")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cm-animation-") as tmp:
        folder = Path(tmp)
        db = args.db
        if db is None:
            db = str(folder / "sample.duckdb")
            subprocess.run(
                [sys.executable, "-m", "conflictmap.cli", "sample", "--db", db],
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        print(section(run(db, args.level, folder), args.level))


if __name__ == "__main__":
    main()
