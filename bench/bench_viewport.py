"""Viewport benchmark (issue 19): every incident on the map, per viewport, at 1M incidents.

Runs by hand, never part of the test suite:

    export CONFLICTMAP_GEODATA=/path/to/colombia_2018.topojson
    .venv/bin/python bench/bench_viewport.py                  # 1M incidents; writes its section
    .venv/bin/python bench/bench_viewport.py --size 100k      # a smaller database
    .venv/bin/python bench/bench_viewport.py --db FILE        # an existing database (no import)
    .venv/bin/python bench/bench_viewport.py --no-write       # print only

It generates the synthetic ACLED-shaped data of ``bench_scale.py`` (same seed), imports it with
``conflictmap import`` into a temporary folder, and measures in one process what the map page
does (``dashboard.py``'s ``map_panel``), with streamlit-folium's own functions for what it sends:

1. **payload per view**: the bytes of the component's arguments (the map's script, header and
   HTML, and the viewport's feature group) at the national, department and municipality zoom,
   and at a town's zoom; next to today's map with the 3,000 newest incidents as points;
2. **a pan**: a new viewport (random centre and zoom over Colombia) -> ``clusters.request_for``
   -> ``clusters.load`` (the bounds query, uncached) -> ``mapping.viewport_layer`` -> the base
   map built again (``mapping.build_map(..., served=True)``, as each rerun does: the boundary
   geometry is in files under ``static/geo`` the browser fetches once, only the per-view
   properties in the script) -> the component's arguments rendered: p50/p95 over the pans,
   with the time of each step;
3. the density view (H3 hexagons): national and department.

The section it writes into ``bench/RESULTS.md`` sits between ``<!-- viewport:start -->`` and
``<!-- viewport:end -->`` (``bench_scale.py`` rewrites the rest of that file).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_PAYLOAD_MB = 2.5
TARGET_PAN_P95_S = 1.0
MAP_WIDTH, MAP_HEIGHT = 1000, 620  # the page's map, in pixels
START, END = "<!-- viewport:start -->", "<!-- viewport:end -->"
SEED = 19


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def make_database(size: int, folder: Path) -> Path:
    import bench_scale

    from conflictmap import geodata

    boundaries = geodata.load_boundaries()
    t0 = time.perf_counter()
    frame = bench_scale.generate_acled(size, boundaries)
    csv_path = folder / "acled.csv"
    bench_scale.write_csv(frame, csv_path)
    del frame
    print(f"generated {size:,} incidents in {time.perf_counter() - t0:.1f} s", flush=True)
    db = folder / "bench.duckdb"
    cli = str(Path(sys.executable).with_name("conflictmap"))
    t0 = time.perf_counter()
    out = subprocess.run(
        [cli, "import", str(csv_path), "--db", str(db), "--format", "acled", "--dataset",
         bench_scale.DATASET],
        capture_output=True, text=True, check=True,
        env={k: v for k, v in os.environ.items() if k != "CONFLICTMAP_DB"},
    )
    print(f"imported in {time.perf_counter() - t0:.1f} s: {out.stdout.strip()[:200]}", flush=True)
    csv_path.unlink()
    return db


def component_args(fmap, group, *, render: bool = False) -> dict[str, int]:  # noqa: ANN001
    """What st_folium does with this map, with its own functions (the page calls it with
    ``render=False``): the bytes of each argument it sends."""
    import streamlit_folium as sf

    if render:  # the page passes render=False; today's map was rendered twice
        fmap.get_root().render()
    fmap.render()
    html = sf._get_html(fmap)
    header = sf._get_header(fmap)
    script = sf._get_map_string(fmap)
    fg = sf._get_feature_group_string(group, fmap) if group is not None else ""
    fmap.get_bounds()  # st_folium computes the map's bounds for its default value
    sf.generate_js_hash(script, "map", False)  # the component's key
    sizes = {
        "script": len(script.encode()),
        "header": len(header.encode()),
        "html": len(html.encode()),
        "feature_group": len((fg or "").encode()),
    }
    sizes["total"] = sum(sizes.values())
    return sizes


def page_map(view, geo, request, db: str, *, viewport: bool = True):  # noqa: ANN001, ANN201
    """The map of one rerun of the map page: base map + viewport layer, and their timings."""
    from conflictmap import clusters, mapping
    from conflictmap.view import map_spec

    t0 = time.perf_counter()
    layer = (
        clusters.load(view.filters, request, db=db)
        if viewport and view.hexagons is None else None
    )
    t1 = time.perf_counter()
    group = mapping.viewport_layer(layer, geo) if layer is not None else None
    t2 = time.perf_counter()
    # as the page builds it: the boundaries served as files (conflictmap/boundary_files.py)
    fmap = mapping.build_map(map_spec(view, viewport_points=viewport), geo, served=viewport)
    t3 = time.perf_counter()
    sizes = component_args(fmap, group)
    t4 = time.perf_counter()
    return layer, sizes, {"query": t1 - t0, "layer": t2 - t1, "build_map": t3 - t2,
                          "render": t4 - t3, "total": t4 - t0}


def measure(db: str, pans: int) -> dict[str, object]:
    from conflictmap import clusters, geography, mapping
    from conflictmap.filters import Filters, ViewOptions
    from conflictmap.view import load_view, map_spec, start_viewport

    geo = geography.load_geography()
    out: dict[str, object] = {"views": {}, "pans": {}, "hexagons": {}, "cap": {}}
    neiva_town = clusters.Bounds(2.88, -75.34, 2.98, -75.22)
    import duckdb

    with duckdb.connect(db, read_only=True) as con:  # the worst cases: the densest places
        (top_muni,) = con.execute(
            "SELECT muni_code FROM incidents WHERE muni_code IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()
        top_lat, top_lon, top_n = con.execute(
            f"SELECT latitude, longitude, count(*) FROM incidents WHERE {clusters.MAPPABLE} "
            "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1").fetchone()
    d = 0.03
    top_town = clusters.Bounds(top_lat - d, top_lon - 1.6 * d, top_lat + d, top_lon + 1.6 * d)
    name = geo.name(top_muni)
    views = [
        ("national (national zoom)", Filters(), None),
        ("Huila (department zoom)", Filters(dept="41"), None),
        ("Neiva (municipality zoom)", Filters(dept="41", muni="41001"), None),
        ("Neiva town, no place filter (zoom 13)", Filters(), clusters.Viewport(neiva_town, 13)),
        (f"densest municipality, {name} ({top_muni}) (municipality zoom)",
         Filters(dept=top_muni[:2], muni=top_muni), None),
        (f"densest point ({top_n:,} incidents at one place) (zoom 14)", Filters(),
         clusters.Viewport(top_town, 14)),
    ]
    for label, filters, viewport in views:
        view = load_view(filters, ViewOptions(), db=db)
        vp = viewport or start_viewport(filters, geo, MAP_WIDTH, MAP_HEIGHT)
        request = clusters.request_for(vp)
        page_map(view, geo, request, db)  # warm: geometry caches, the shared reader
        runs = [page_map(view, geo, request, db) for _ in range(3)]
        layer, sizes, _ = runs[-1]
        times = {k: statistics.median(r[2][k] for r in runs) for k in runs[0][2]}
        out["views"][label] = {
            "zoom": vp.zoom,
            "mode": layer.mode,
            "drawn": int(layer.clusters["incidents"].sum()) if layer.mode == "clusters"
            else len(layer.points),
            "markers": len(layer.clusters) if layer.mode == "clusters" else len(layer.points),
            "areas": layer.area_incidents,
            "incidents": view.figures.incidents,
            "bytes": sizes,
            "ms": {k: _ms(v) for k, v in times.items()},
        }
        print(f"{label}: {layer.mode}, {sizes['total'] / 1e6:.2f} MB, "
              f"{_ms(times['total'])} ms", flush=True)

    # today's map: the 3,000 newest incidents as points (no viewport layer)
    for label, filters in (("national", Filters()), ("Huila", Filters(dept="41"))):
        view = load_view(filters, ViewOptions(), db=db)
        spec = map_spec(view)
        fmap = mapping.build_map(spec, geo)
        t0 = time.perf_counter()
        fmap = mapping.build_map(spec, geo)
        sizes = component_args(fmap, None, render=True)
        out["cap"][label] = {
            "bytes": sizes, "ms": _ms(time.perf_counter() - t0),
            "points": min(len(view.points), spec.point_budget),
            "incidents": view.figures.incidents,
        }

    # pans: random viewports over Colombia, for a few filter states
    rng = random.Random(SEED)
    states = [Filters(), Filters(event_types=("Battles",)), Filters(dept="19")]
    loaded = {f: load_view(f, ViewOptions(), db=db) for f in states}
    samples: list[dict[str, float]] = []
    modes: dict[str, int] = {}
    previous = None
    for i in range(pans):
        filters = states[i % len(states)]
        zoom = rng.choice([5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
        lat, lon = rng.uniform(0.5, 11.0), rng.uniform(-77.5, -71.0)
        half_w = MAP_WIDTH / 2 * 360 / (256 * 2 ** zoom)
        half_h = MAP_HEIGHT / 2 * 360 / (256 * 2 ** zoom)
        vp = clusters.Viewport(
            clusters.Bounds(lat - half_h, lon - half_w, lat + half_h, lon + half_w), zoom)
        request = clusters.request_for(vp, previous)
        previous = request
        layer, sizes, times = page_map(loaded[filters], geo, request, db)
        modes[layer.mode] = modes.get(layer.mode, 0) + 1
        # the same pan with the boundaries embedded in the script (as before they were served),
        # right after: both under the same load on a machine shared with other work
        spec = map_spec(loaded[filters], viewport_points=True)
        group = mapping.viewport_layer(layer, geo)
        t0 = time.perf_counter()
        embedded = mapping.build_map(spec, geo, served=False)
        embedded_sizes = component_args(embedded, group)
        embedded_s = time.perf_counter() - t0
        samples.append({**times, "bytes": sizes["total"], "fg_bytes": sizes["feature_group"],
                        "served_args": times["build_map"] + times["render"],
                        "embedded_args": embedded_s, "embedded_bytes": embedded_sizes["total"]})
    out["pans"] = {
        "n": len(samples),
        "modes": modes,
        **{
            f"{k}_{q}_ms": _ms(_pct([s[k] for s in samples], q))
            for k in ("query", "layer", "build_map", "render", "total") for q in (50, 95)
        },
        "max_total_ms": _ms(max(s["total"] for s in samples)),
        "bytes_p95": _pct([s["bytes"] for s in samples], 95),
        "fg_bytes_p95": _pct([s["fg_bytes"] for s in samples], 95),
        "fg_bytes_max": max(s["fg_bytes"] for s in samples),
        **{
            f"{k}_{q}_ms": _ms(_pct([s[k] for s in samples], q))
            for k in ("served_args", "embedded_args") for q in (50, 95)
        },
        "embedded_bytes_p95": _pct([s["embedded_bytes"] for s in samples], 95),
    }
    print(f"pans: {out['pans']}", flush=True)

    # the density view
    for label, filters in (("national", Filters()), ("Huila", Filters(dept="41"))):
        t0 = time.perf_counter()
        view = load_view(filters, ViewOptions(style="hexagons"), db=db)
        t1 = time.perf_counter()
        fmap = mapping.build_map(map_spec(view), geo)
        sizes = component_args(fmap, None)
        t2 = time.perf_counter()
        hexes = view.hexagons
        assert hexes is not None
        out["hexagons"][label] = {
            "resolution": hexes.resolution, "cells": len(hexes.cells),
            "incidents": hexes.incidents, "load_view_ms": _ms(t1 - t0),
            "map_ms": _ms(t2 - t1), "bytes": sizes,
        }
    return out


def export_sizes(db: str) -> dict[str, dict[str, object]]:
    """The map exports (issue 19: every incident, in clusters above the point budget): bytes,
    time, and what each draws, for a few places."""
    from conflictmap import export, geography
    from conflictmap.filters import Filters, ViewOptions

    geo = geography.load_geography()
    out: dict[str, dict[str, object]] = {}
    places = [("national", Filters()), ("Huila", Filters(dept="41")),
              ("Neiva", Filters(dept="41", muni="41001")),
              ("Bogotá", Filters(dept="11", muni="11001"))]
    for label, filters in places:
        for fmt in ("html", "png", "svg", "pdf"):
            t0 = time.perf_counter()
            snap = export.snapshot(export.SnapshotRequest(filters, ViewOptions()), fmt, db=db,
                                   boundaries=geo)
            seconds = time.perf_counter() - t0
            m = snap.metadata["map_incidents"]
            page = snap.content.decode() if fmt == "html" else ""
            out[f"{label} {fmt}"] = {
                "bytes": len(snap.content), "ms": _ms(seconds), "drawn": m["drawn_as"],
                "zoom": m["zoom"], "clusters": m["clusters"], "with_place": m["with_a_place"],
                "areas": m["placed_only_to_an_area"], "incidents": snap.metadata["incidents"],
                # HTML: cluster layers (the opening zoom and deeper ones), points embedded
                "levels": page.count('"pointsZoom"'), "points": page.count('"strings"') > 0,
            }
            print(f"export {label} {fmt}: {out[f'{label} {fmt}']}", flush=True)
    return out


# A pan in the browser: Leaflet's setView -> streamlit-folium reports the viewport (250 ms
# debounce) -> the map fragment reruns on the server -> the component gets the new feature
# group -> its status line changes. What a person waits for.
_FIND_MAP = """
function findMap() {
  if (window.map instanceof L.Map) return window.map;
  for (const k of Object.keys(window)) { try { if (window[k] instanceof L.Map) return window[k]; }
    catch (e) {} }
  return null;
}"""
_STATE = ("() => { const s = document.getElementById('cm-status'); return s ? s.textContent + '|' "
          "+ (window.__GLOBAL_DATA__.last_feature_group || '').length : null; }")


def browser_pans(db: str, pans: int) -> dict[str, object]:
    """Serve the dashboard on ``db`` (127.0.0.1, a free port), pan in Chromium, time each."""
    import signal
    import socket
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "CONFLICTMAP_DB": db}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    rng = random.Random(SEED)
    times: list[float] = []
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.read().strip() == b"ok":
                        break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_context(viewport={"width": 1400, "height": 1800}).new_page()
            t0 = time.perf_counter()
            page.goto(url)
            frame = None
            for _ in range(600):
                frames = [f for f in page.frames if "streamlit_folium" in f.url]
                if frames and frames[0].evaluate(_STATE):
                    frame = frames[0]
                    break
                page.wait_for_timeout(200)
            if frame is None:
                raise RuntimeError("the map never drew")
            first = time.perf_counter() - t0
            page.wait_for_timeout(2000)
            for _ in range(pans):
                before = frame.evaluate(_STATE)
                zoom = rng.choice([7, 8, 9, 10, 11, 12, 13])
                lat, lon = rng.uniform(1.0, 10.5), rng.uniform(-77.0, -72.0)
                t0 = time.perf_counter()
                frame.evaluate("([a, b, z]) => {" + _FIND_MAP
                               + "findMap().setView([a, b], z, {animate: false}); }",
                               [lat, lon, zoom])
                frame.wait_for_function(f"(b) => ({_STATE})() !== b", arg=before,
                                        timeout=60_000, polling=20)
                times.append(time.perf_counter() - t0)
                page.wait_for_timeout(1000)
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    return {"n": len(times), "first_map_s": round(first, 1),
            "p50_ms": _ms(_pct(times, 50)), "p95_ms": _ms(_pct(times, 95)),
            "max_ms": _ms(max(times)), "load": round(os.getloadavg()[0], 1)}


def report(result: dict[str, object]) -> str:
    m = result["machine"]
    lines = [
        START,
        "## Viewport loading and server-side clusters (issue 19)",
        "",
        f"`bench/bench_viewport.py` at **{result['size_label']}** incidents "
        f"({result['incidents']:,} in the database; {m['cpus']} cores shared with other work "
        f"running at the same time, Python {m['python']}, load average {m['load']}). The map "
        "page asks, per viewport, for clusters or points "
        "(`conflictmap/clusters.py`) and draws them as streamlit-folium's `feature_group_to_add` "
        "over a base map that no longer carries points nor boundary geometry (fetched once from "
        "`static/geo`, `conflictmap/boundary_files.py`). Payload: the bytes of the component's "
        "arguments as streamlit-folium builds them (map script + header + HTML + the viewport's "
        "feature group).",
        "",
        "| view | zoom | drawn as | markers | incidents drawn + placed only to an area | "
        "payload (MB) | of which the viewport layer (KB) | rerun (ms) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, v in result["views"].items():
        b = v["bytes"]
        lines.append(
            f"| {label} | {v['zoom']} | {v['mode']} | {v['markers']:,} | "
            f"{v['drawn']:,} + {v['areas']:,} (key figure {v['incidents']:,}) | "
            f"{b['total'] / 1e6:.2f} | {b['feature_group'] / 1e3:,.0f} | {v['ms']['total']:,.0f} "
            f"(query {v['ms']['query']:,.0f}, base map {v['ms']['build_map']:,.0f}, "
            f"render {v['ms']['render']:,.0f}) |"
        )
    for label, c in result["cap"].items():
        lines.append(
            f"| before: {label}, the 3,000 newest as points | — | points | {c['points']:,} | "
            f"{c['points']:,} of {c['incidents']:,} | {c['bytes']['total'] / 1e6:.2f} | — | "
            f"{c['ms']:,.0f} |"
        )
    p = result["pans"]
    lines += [
        "",
        f"**A pan** ({p['n']} random viewports over Colombia at zoom 5–14, three filter states; "
        f"{p['modes']}): new request → bounds query → feature group → base map → component "
        "arguments, in one process as the page's map fragment does it:",
        "",
        "| step | p50 (ms) | p95 (ms) |",
        "|---|---|---|",
    ]
    for k, name in (("query", "bounds query (clusters.load, uncached)"),
                    ("layer", "feature group (mapping.viewport_layer)"),
                    ("build_map", "base map (mapping.build_map)"),
                    ("render", "component arguments (streamlit-folium's rendering)"),
                    ("total", "**total**")):
        lines.append(f"| {name} | {p[f'{k}_50_ms']:,.0f} | {p[f'{k}_95_ms']:,.0f} |")
    lines += [
        "",
        f"Slowest pan {p['max_total_ms']:,.0f} ms; payload per pan p95 "
        f"{p['bytes_p95'] / 1e6:.2f} MB, of which the viewport layer p95 "
        f"{p['fg_bytes_p95'] / 1e3:,.0f} KB (largest {p['fg_bytes_max'] / 1e3:,.0f} KB).",
    ]
    if "embedded_args_50_ms" in p:
        lines += [
            "",
            "The same pans with the boundaries embedded in the map's script (as before they were "
            "served from `static/geo`), each built right after the served one so that both run "
            "under the same load: base map + component arguments p50 / p95 "
            f"{p['embedded_args_50_ms']:,.0f} / {p['embedded_args_95_ms']:,.0f} ms embedded, "
            f"{p['served_args_50_ms']:,.0f} / {p['served_args_95_ms']:,.0f} ms served; payload "
            f"per pan p95 {p['embedded_bytes_p95'] / 1e6:.2f} MB embedded, "
            f"{p['bytes_p95'] / 1e6:.3f} MB served.",
        ]
    b = result.get("browser")
    if b:
        lines += [
            "",
            f"**In Chromium** (`--browser`: the dashboard served on this database, {b['n']} pans "
            "to random places at zoom 7–13 with Leaflet's `setView`, timed until the map shows "
            "the new viewport's layer; includes streamlit-folium's 250 ms debounce, the map "
            "fragment's rerun on the server, the transfer and the drawing): p50 "
            f"{b['p50_ms']:,.0f} ms, p95 {b['p95_ms']:,.0f} ms, slowest {b['max_ms']:,.0f} ms "
            f"(load average {b['load']} at the end; first map {b['first_map_s']} s after "
            "navigation).",
        ]
    before = result.get("before")
    if before:
        bp, bb = before.get("pans", {}), before.get("browser") or {}
        lines += [
            "",
            "**Before / after** the boundary geometry left the component's arguments "
            "(before: ~0.6–0.7 MB of boundary GeoJSON in the map's script, re-sent with every "
            "pan; after: written once per boundary source into `static/geo/` — gitignored, "
            "derived at run time from the user's DANE file — and fetched once by the map, which "
            "joins it by code to the per-view fills, names and figures the page still sends; "
            "HTML exports still embed it), same database, machine shared with other work:",
            "",
            f"Payload per pan, p95: {bp.get('bytes_p95', 0) / 1e6:.2f} MB before, "
            f"{p['bytes_p95'] / 1e6:.3f} MB after.",
            "",
            "| pan | before p50 (ms) | before p95 (ms) | after p50 (ms) | after p95 (ms) |",
            "|---|---|---|---|---|",
            f"| component arguments (in process, {bp.get('n')} → {p['n']} pans) | "
            f"{bp.get('render_50_ms', 0):,.0f} | {bp.get('render_95_ms', 0):,.0f} | "
            f"{p['render_50_ms']:,.0f} | {p['render_95_ms']:,.0f} |",
            f"| whole rerun (in process) | {bp.get('total_50_ms', 0):,.0f} | "
            f"{bp.get('total_95_ms', 0):,.0f} | {p['total_50_ms']:,.0f} | "
            f"{p['total_95_ms']:,.0f} |",
        ]
        if bb and b:
            lines.append(
                f"| in Chromium ({bb['n']} / {b['n']} pans; load {bb['load']} / {b['load']}) | "
                f"{bb['p50_ms']:,.0f} | {bb['p95_ms']:,.0f} | {b['p50_ms']:,.0f} | "
                f"{b['p95_ms']:,.0f} |"
            )
    exports = result.get("exports")
    if exports:
        lines += [
            "",
            "**Map exports** (`conflictmap/export.py`; nothing hidden: above the point budget "
            "clusters with their counts at the zoom the dashboard opens the place at, plus the "
            "counts placed only to an area; below it every incident as a point). HTML: the "
            "clusters of the opening zoom and of each deeper zoom up to a town "
            "(`clusters.EXPORT_MAX_CELLS` = 20,000 cells in all), then every incident as a "
            "point when there are at most 10,000:",
            "",
            "| export | drawn as | zoom | clusters | drawn + placed only to an area | "
            "HTML cluster zooms | HTML points | size (MB) | time (s) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for label, e in exports.items():
            html = label.endswith("html")
            lines.append(
                f"| {label} | {e['drawn']} | {e['zoom']} | {e['clusters']:,} | "
                f"{e['with_place']:,} + {e['areas']:,} = {e['incidents']:,} | "
                f"{e['levels'] if html else '—'} | "
                f"{('yes' if e['points'] else 'no') if html else '—'} | "
                f"{e['bytes'] / 1e6:.2f} | {e['ms'] / 1000:.1f} |"
            )
    lines += [
        "",
        "| density view (H3) | resolution | hexagons | incidents | load_view (ms) | map (ms) | "
        "payload (MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, h in result["hexagons"].items():
        lines.append(
            f"| {label} | {h['resolution']} | {h['cells']:,} | {h['incidents']:,} | "
            f"{h['load_view_ms']:,.0f} | {h['map_ms']:,.0f} | {h['bytes']['total'] / 1e6:.2f} |"
        )
    worst = max(v["bytes"]["total"] for v in result["views"].values())
    lines += [
        "",
        f"Targets: payload ≤ {TARGET_PAYLOAD_MB} MB per view — largest "
        f"{worst / 1e6:.2f} MB, **{'met' if worst <= TARGET_PAYLOAD_MB * 1e6 else 'not met'}**; "
        f"p95 of a pan ≤ {TARGET_PAN_P95_S:g} s on 2 cores — {p['total_95_ms']:,.0f} ms, "
        f"**{'met' if p['total_95_ms'] <= TARGET_PAN_P95_S * 1000 else 'not met'}** in "
        "process"
        + (
            f"; in Chromium, from the pan to the redrawn map, {b['p95_ms']:,.0f} ms, **"
            f"{'met' if b['p95_ms'] <= TARGET_PAN_P95_S * 1000 else 'not met'}**."
            if b else "."
        ),
        "",
        "Notes. *Markers* are the clusters or points sent for the request (the viewport widened "
        "by half its size on each side, snapped to the zoom's grid; at zoom ≤ 6 the whole "
        "country), so a pan inside it asks for nothing new. The *before* rows are today's map "
        "built by this code base (3,000 newest points, no viewport layer), rendered as "
        "streamlit-folium did it (twice: `render=True`); their time has no query in it (the view "
        "was cached), the new rows' has the bounds query. Where more than "
        "`clusters.MAX_POINTS` (10,000) incidents are in view at the points zoom — the "
        "synthetic data put 80,980 incidents on Bogotá's town point — the map keeps exact "
        "clusters and says to narrow the filters (points would be ~8 MB). The page passes the viewport's layer as "
        "streamlit-folium's `feature_group_to_add` and the kept view as `center`/`zoom`: the "
        "component applies those to the existing map without rebuilding it (same component "
        "key: the base map's script is the same on every pan). It still receives all its "
        "arguments on every rerun (a Streamlit component gets its arguments as one message, "
        "and that message differs whenever the feature group does), but the base map's script "
        "no longer carries the boundaries. "
        "The rest of a pan in the browser is streamlit-folium's 250 ms debounce, the "
        "fragment's rerun and the transfer; on this loaded 2-core machine, shared with other "
        "work, the browser figures vary by several hundred ms between runs.",
        END,
    ]
    return "\n".join(lines)


def write_section(text: str, path: Path) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in old and END in old:
        head, rest = old.split(START, 1)
        tail = rest.split(END, 1)[1]
        new = head + text + tail
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(new, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1M", help="1M, 100k, ... (ignored with --db)")
    parser.add_argument("--db", help="an existing database to measure")
    parser.add_argument("--pans", type=int, default=60)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--json", help="also write the raw figures here")
    parser.add_argument("--browser", type=int, default=0, metavar="N",
                        help="also time N pans in Chromium against a served dashboard")
    parser.add_argument("--exports", action="store_true",
                        help="also measure the map exports (HTML, PNG, SVG, PDF)")
    parser.add_argument("--before", help="a previous run's --json, shown next to this one")
    args = parser.parse_args()
    size = int(float(args.size.lower().replace("m", "e6").replace("k", "e3")))
    if args.db:
        db = Path(args.db)
    else:
        db = make_database(size, Path(tempfile.mkdtemp(prefix="cm-viewport-")))
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        (n,) = con.execute("SELECT count(*) FROM incidents").fetchone()
    result = measure(str(db), args.pans)
    if args.browser:
        result["browser"] = browser_pans(str(db), args.browser)
        print(f"browser: {result['browser']}", flush=True)
    if args.exports:
        result["exports"] = export_sizes(str(db))
    if args.before:
        result["before"] = json.loads(Path(args.before).read_text())
    result.update(
        incidents=int(n),
        size_label=f"{n / 1e6:g}M" if n >= 1e6 else f"{n / 1e3:g}k",
        machine={"cpus": os.cpu_count(), "python": platform.python_version(),
                 "load": round(os.getloadavg()[0], 1)},
    )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    text = report(result)
    print(text)
    if not args.no_write:
        write_section(text, ROOT / "bench" / "RESULTS.md")
        print("wrote bench/RESULTS.md")


if __name__ == "__main__":
    main()
