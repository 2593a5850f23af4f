"""Scale benchmark (issue 7): ConflictMap at 10k, 100k and 1M incidents against the naive approach.

Runs by hand, never part of the test suite:

    export CONFLICTMAP_GEODATA=/path/to/colombia_2018.topojson   # or a warm boundary cache
    .venv/bin/python bench/bench_scale.py                 # 10k, 100k and 1M; writes bench/RESULTS.md
    .venv/bin/python bench/bench_scale.py --sizes 10k,100k
    .venv/bin/python bench/bench_scale.py --quick         # smoke run with 2k incidents (no RESULTS.md)
    .venv/bin/python bench/bench_scale.py --report-only /tmp/cm-scale-XXXX/results.json

For each size it

1. generates a deterministic synthetic ACLED-shaped CSV (fixed seed; points inside real municipality
   polygons, weighted towards Cauca, Norte de Santander, Antioquia, Huila, Nariño and Arauca; ~60% of
   rows on a per-municipality town point; ACLED actor names; 2018–2024);
2. imports it with ``conflictmap import`` in a child process (wall time and peak RSS from
   GNU ``time -f %M``), median of several runs;
3. times 50 fixed filter combinations (core queries and the dashboard's ``load_view``): p50/p95;
4. builds the folium map (national departments, national municipalities, Huila): time, HTML size,
   points sent;
5. measures the Streamlit rerun after filter changes in-process with ``AppTest``;
6. times the PNG and HTML snapshot export (Huila and national);
7. builds the same national view the naive way (``geopandas.sjoin`` at query time, one
   ``folium.Marker`` with popup per incident, GeoJSON choropleth), until it becomes unusable.

Every phase but generation runs in its own child process so that its peak memory is its own. All
files go to a temporary folder (``tempfile.mkdtemp``); nothing is written into the repository except
``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.metadata
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = 20240701
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZE = 2_000
DATASET = "bench-acled"

# Targets from issue 7 (2 cores, 24 GiB, 1M incidents).
TARGET_IMPORT_S = 60.0
TARGET_QUERY_P95_MS = 100.0
TARGET_RERUN_S = 1.5
TARGET_HTML_MB = 2.5
TARGET_MEMORY_GB = 2.0

# The naive baseline is unusable beyond either limit; larger sizes are then not attempted.
NAIVE_MAX_HTML_MB = 50.0
NAIVE_MAX_SECONDS = 120.0
NAIVE_TIMEOUT_S = 1500.0

# ---------------------------------------------------------------------------------------------
# Synthetic ACLED-shaped data

ACLED_COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
]
# Relative weight of a department; the six hot spots of the brief are much denser.
DEPT_WEIGHTS = {"19": 16, "54": 14, "05": 12, "41": 7, "52": 10, "81": 7, "76": 5, "27": 4,
                "11": 4, "18": 3, "86": 3, "50": 3, "95": 2, "13": 2, "23": 2}
OTHER_DEPT_WEIGHT = 1.0
TOWN_SHARE = 0.60  # rows coded to their municipality's town point (ACLED repeats coordinates)
DEPT_ONLY_SHARE = 0.03  # geo_precision 3: coded to the department capital, department only
START, END = date(2018, 1, 1), date(2024, 12, 31)
PERIOD_CHANGE = date(2022, 8, 7)  # ACLED names state forces by government period

EVENT_MIX = {
    "Protests": 0.31,
    "Violence against civilians": 0.27,
    "Battles": 0.13,
    "Strategic developments": 0.14,
    "Explosions/Remote violence": 0.08,
    "Riots": 0.07,
}
SUB_EVENTS = {
    "Battles": ({"Armed clash": 0.86, "Government regains territory": 0.04,
                 "Non-state actor overtakes territory": 0.10}),
    "Explosions/Remote violence": ({"Remote explosive/landmine/IED": 0.55, "Grenade": 0.20,
                                    "Air/drone strike": 0.20, "Shelling/artillery/missile attack": 0.05}),
    "Violence against civilians": ({"Attack": 0.72, "Abduction/forced disappearance": 0.24,
                                    "Sexual violence": 0.04}),
    "Protests": ({"Peaceful protest": 0.90, "Protest with intervention": 0.09,
                  "Excessive force against protesters": 0.01}),
    "Riots": ({"Violent demonstration": 0.75, "Mob violence": 0.25}),
    "Strategic developments": ({"Disrupted weapons use": 0.30, "Arrests": 0.25,
                                "Looting/property destruction": 0.10, "Change to group/activity": 0.15,
                                "Other": 0.12, "Agreement": 0.08}),
}
VERBS = {
    "Armed clash": "clashed with", "Government regains territory": "regained control from",
    "Non-state actor overtakes territory": "took control of an area held by",
    "Remote explosive/landmine/IED": "detonated an explosive device against",
    "Grenade": "threw a grenade at", "Air/drone strike": "carried out a drone attack against",
    "Shelling/artillery/missile attack": "fired improvised mortars at",
    "Attack": "attacked", "Abduction/forced disappearance": "abducted",
    "Sexual violence": "sexually assaulted", "Peaceful protest": "protested",
    "Protest with intervention": "protested and were dispersed by",
    "Excessive force against protesters": "protested and were attacked by",
    "Violent demonstration": "rioted and clashed with", "Mob violence": "attacked",
    "Disrupted weapons use": "disrupted an attack by", "Arrests": "arrested members of",
    "Looting/property destruction": "destroyed property of", "Change to group/activity": "announced",
    "Other": "reported activity of", "Agreement": "agreed with",
}
MEAN_FATALITIES = {"Battles": 1.1, "Explosions/Remote violence": 0.6,
                   "Violence against civilians": 0.75, "Protests": 0.0, "Riots": 0.03,
                   "Strategic developments": 0.04}

ELN = "ELN: National Liberation Army"
AGC = "AGC: Gaitanist Self-Defence Forces of Colombia"
EMC = "FARC-EMC: Central General Staff"
UNIDENTIFIED = "Unidentified Armed Group (Colombia)"
CIVILIANS = "Civilians (Colombia)"
PROTESTERS = "Protesters (Colombia)"
RIOTERS = "Rioters (Colombia)"
# Armed groups by department, as ACLED names them (weights loosely follow public reporting).
GROUPS_BY_DEPT = {
    "19": {EMC: 0.10, "Dagoberto Ramos Mobile Column": 0.22, "Jaime Martinez Front": 0.16,
           "Carlos Patino Front": 0.12, ELN: 0.10, "Segunda Marquetalia": 0.05, UNIDENTIFIED: 0.25},
    "54": {ELN: 0.50, "33rd Front: FARC-EMC": 0.15, AGC: 0.08, UNIDENTIFIED: 0.27},
    "05": {AGC: 0.52, ELN: 0.12, EMC: 0.10, UNIDENTIFIED: 0.26},
    "41": {"Ismael Ruiz Front": 0.30, EMC: 0.25, "Dagoberto Ramos Mobile Column": 0.10,
           UNIDENTIFIED: 0.35},
    "52": {ELN: 0.20, "Comuneros del Sur": 0.12, "Segunda Marquetalia": 0.10,
           "Coordinadora Guerrillera del Pacifico": 0.10, "Comandos de la Frontera": 0.06,
           AGC: 0.10, UNIDENTIFIED: 0.32},
    "81": {ELN: 0.60, EMC: 0.20, UNIDENTIFIED: 0.20},
    "86": {"Comandos de la Frontera": 0.45, "Carolina Ramirez Front": 0.30, UNIDENTIFIED: 0.25},
    "18": {EMC: 0.40, "Carolina Ramirez Front": 0.20, UNIDENTIFIED: 0.40},
    "27": {ELN: 0.45, AGC: 0.35, UNIDENTIFIED: 0.20},
    "23": {AGC: 0.70, UNIDENTIFIED: 0.30},
    "13": {AGC: 0.50, ELN: 0.20, UNIDENTIFIED: 0.30},
    "47": {"ACSN: Conquering Self-Defense Forces of the Sierra Nevada": 0.55, AGC: 0.20,
           UNIDENTIFIED: 0.25},
    "44": {"ACSN: Conquering Self-Defense Forces of the Sierra Nevada": 0.40, UNIDENTIFIED: 0.60},
    "95": {EMC: 0.60, UNIDENTIFIED: 0.40},
    "50": {EMC: 0.45, AGC: 0.15, UNIDENTIFIED: 0.40},
}
DEFAULT_GROUPS = {AGC: 0.30, ELN: 0.15, "FARC Dissidents (Colombia)": 0.10, UNIDENTIFIED: 0.45}
VICTIM_GROUPS = {"": 0.62, "Social Leaders (Colombia)": 0.12, "Indigenous Group (Colombia)": 0.08,
                 "Former FARC Combatants (Colombia)": 0.05, "Farmers (Colombia)": 0.08,
                 "Journalists (Colombia)": 0.02, "Afro-Colombian Group (Colombia)": 0.03}
PROTEST_GROUPS = {"": 0.45, "Labor Group (Colombia)": 0.18, "Students (Colombia)": 0.12,
                  "Indigenous Group (Colombia)": 0.08, "Farmers (Colombia)": 0.10,
                  "Teachers (Colombia)": 0.05, "Truckers (Colombia)": 0.02}
INTER = {PROTESTERS: 6, RIOTERS: 5, CIVILIANS: 7, UNIDENTIFIED: 3}
NATIONAL_SOURCES = ["El Tiempo", "Semana", "El Espectador", "Caracol Radio", "W Radio",
                    "Infobae", "Colombia Informa", "Indepaz", "RCN Radio", "Pares"]
LOCAL_SOURCES = {"19": ["Proclama del Cauca", "El Nuevo Liberal"],
                 "54": ["La Opinion (Colombia)", "Diario del Norte"],
                 "05": ["El Colombiano", "Teleantioquia"], "41": ["Diario del Huila", "La Nacion"],
                 "52": ["Diario del Sur", "HSB Noticias"], "81": ["La Voz del Cinaruco"]}


def _pick(rng, mapping: dict[str, float], size: int):  # noqa: ANN001, ANN202
    import numpy as np

    keys = np.array(list(mapping), dtype=object)
    p = np.array(list(mapping.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=p / p.sum())]


def _points_in(geoms, which, rng, max_rounds: int = 200):  # noqa: ANN001, ANN202
    """One uniform random point inside geoms[which[i]] for each i (vectorised rejection sampling)."""
    import numpy as np
    import shapely

    bounds = shapely.bounds(geoms)
    x = np.full(len(which), np.nan)
    y = np.full(len(which), np.nan)
    pending = np.arange(len(which))
    for _ in range(max_rounds):
        if not len(pending):
            break
        b = bounds[which[pending]]
        cx = rng.uniform(b[:, 0], b[:, 2])
        cy = rng.uniform(b[:, 1], b[:, 3])
        inside = shapely.contains_xy(geoms[which[pending]], cx, cy)
        x[pending[inside]] = cx[inside]
        y[pending[inside]] = cy[inside]
        pending = pending[~inside]
    if len(pending):  # a sliver the sampler keeps missing: its representative point
        reps = shapely.point_on_surface(geoms[which[pending]])
        x[pending], y[pending] = shapely.get_x(reps), shapely.get_y(reps)
    return x, y


def generate_acled(size: int, boundaries, seed: int = SEED):  # noqa: ANN001, ANN201
    """A deterministic ACLED-export-shaped table (pandas, one row per incident)."""
    import numpy as np
    import pandas as pd
    import shapely

    munis = boundaries.municipalities.sort_values("muni_code").reset_index(drop=True)
    m_codes = munis["muni_code"].to_numpy(dtype=object)
    m_depts = munis["dept_code"].to_numpy(dtype=object)
    m_names = munis["muni_name"].to_numpy(dtype=object)
    dept_names = dict(zip(boundaries.departments["dept_code"], boundaries.departments["dept_name"],
                          strict=True))
    geoms = np.asarray(munis.geometry.values)
    shapely.prepare(geoms)

    # the places themselves do not depend on the size: municipality weights and town points
    place_rng = np.random.default_rng(seed)
    dept_w = pd.Series(m_depts).map(DEPT_WEIGHTS).fillna(OTHER_DEPT_WEIGHT).to_numpy(dtype=float)
    per_dept = pd.Series(m_depts).map(pd.Series(m_depts).value_counts()).to_numpy(dtype=float)
    weights = dept_w * place_rng.gamma(0.6, 1.0, len(munis)) / per_dept
    town_x, town_y = _points_in(geoms, np.arange(len(munis)), place_rng)
    town_x, town_y = np.round(town_x, 4), np.round(town_y, 4)
    capital = {}
    for i, (code, dept) in enumerate(zip(m_codes, m_depts, strict=True)):
        if code == f"{dept}001" or dept not in capital:
            capital[dept] = i

    rng = np.random.default_rng(seed + size)
    chosen = rng.choice(len(munis), size=size, p=weights / weights.sum())
    dept = m_depts[chosen]

    # coordinates: town point, a random point in the municipality, or the department capital
    kind = rng.random(size)
    at_town = kind < TOWN_SHARE
    dept_only = kind >= 1 - DEPT_ONLY_SHARE
    rand_rows = np.flatnonzero(~at_town & ~dept_only)
    lon = town_x[chosen].copy()
    lat = town_y[chosen].copy()
    rx, ry = _points_in(geoms, chosen[rand_rows], rng)
    lon[rand_rows], lat[rand_rows] = np.round(rx, 4), np.round(ry, 4)
    cap = np.array([capital[d] for d in dept], dtype=np.int64)
    lon[dept_only], lat[dept_only] = town_x[cap[dept_only]], town_y[cap[dept_only]]
    geo_precision = np.where(at_town, np.where(rng.random(size) < 0.9, 1, 2),
                             np.where(rng.random(size) < 0.3, 1, 2))
    geo_precision[dept_only] = 3
    admin1 = pd.Series(dept).map(dept_names).to_numpy(dtype=object)
    admin2 = m_names[chosen].copy()
    admin2[dept_only] = ""
    location = m_names[chosen].copy()
    rural = ~at_town & ~dept_only
    location[rural] = "Rural " + m_names[chosen[rural]]
    location[dept_only] = admin1[dept_only]

    # dates: 2018-2024, rising over time; newest first as ACLED exports are
    n_days = (END - START).days + 1
    day_w = 1.0 + 0.9 * np.arange(n_days) / n_days
    days = np.sort(rng.choice(n_days, size=size, p=day_w / day_w.sum()))[::-1]
    event_dt = np.datetime64(START.isoformat()) + days.astype("timedelta64[D]")
    event_date = np.datetime_as_string(event_dt, unit="D").astype(object)
    year = (event_dt.astype("datetime64[Y]").astype(int) + 1970).astype(np.int16)
    after = event_dt >= np.datetime64(PERIOD_CHANGE.isoformat())
    military = np.where(after, "Military Forces of Colombia (2022-)",
                        "Military Forces of Colombia (2018-2022)").astype(object)
    police = np.where(after, "Police Forces of Colombia (2022-)",
                      "Police Forces of Colombia (2018-2022)").astype(object)

    event_type = _pick(rng, EVENT_MIX, size)
    sub_event = np.empty(size, dtype=object)
    for kind_name, subs in SUB_EVENTS.items():
        mask = event_type == kind_name
        sub_event[mask] = _pick(rng, subs, int(mask.sum()))

    group = np.empty(size, dtype=object)
    for d in np.unique(dept):
        mask = dept == d
        group[mask] = _pick(rng, GROUPS_BY_DEPT.get(d, DEFAULT_GROUPS), int(mask.sum()))
    other_group = _pick(rng, DEFAULT_GROUPS, size)
    other_group = np.where(other_group == group, UNIDENTIFIED, other_group).astype(object)
    state = np.where(rng.random(size) < 0.6, military, police).astype(object)

    actor1 = np.full(size, "", dtype=object)
    actor2 = np.full(size, "", dtype=object)
    assoc1 = np.full(size, "", dtype=object)
    assoc2 = np.full(size, "", dtype=object)
    u = rng.random(size)
    m = event_type == "Battles"
    by_state = m & (u < 0.3)
    actor1[m], actor2[m] = group[m], np.where(u[m] < 0.78, state[m], other_group[m])
    actor1[by_state], actor2[by_state] = state[by_state], group[by_state]
    m = event_type == "Explosions/Remote violence"
    actor1[m] = group[m]
    actor2[m] = np.where(u[m] < 0.55, state[m], np.where(u[m] < 0.9, CIVILIANS, ""))
    m = event_type == "Violence against civilians"
    actor1[m] = np.where(u[m] < 0.06, police[m], group[m])
    actor2[m] = CIVILIANS
    assoc2[m] = _pick(rng, VICTIM_GROUPS, int(m.sum()))
    m = event_type == "Protests"
    actor1[m] = PROTESTERS
    assoc1[m] = _pick(rng, PROTEST_GROUPS, int(m.sum()))
    actor2[m & (sub_event != "Peaceful protest")] = police[m & (sub_event != "Peaceful protest")]
    m = event_type == "Riots"
    actor1[m] = RIOTERS
    actor2[m] = np.where(u[m] < 0.6, police[m], np.where(u[m] < 0.8, CIVILIANS, ""))
    m = event_type == "Strategic developments"
    actor1[m] = np.where(u[m] < 0.55, state[m], group[m])
    actor2[m] = np.where(u[m] < 0.55, group[m], np.where(u[m] < 0.75, CIVILIANS, ""))

    def inter(names):  # noqa: ANN001, ANN202
        s = pd.Series(names)
        out = s.map(INTER)
        out[s.str.startswith(("Military Forces", "Police Forces"))] = 1
        out[s.eq("")] = 0
        return out.fillna(2).astype(np.int8).to_numpy()  # named armed groups: 2 (rebels)

    inter1, inter2 = inter(actor1), inter(actor2)
    lo, hi = np.minimum(inter1, inter2), np.maximum(inter1, inter2)
    interaction = np.where(lo == 0, hi * 10, lo * 10 + hi).astype(np.int16)

    fat_mean = pd.Series(event_type).map(MEAN_FATALITIES).to_numpy(dtype=float)
    fatalities = rng.poisson(fat_mean)
    heavy = (rng.random(size) < 0.01) & (fat_mean > 0.5)
    fatalities[heavy] += rng.geometric(0.15, int(heavy.sum()))

    time_precision = _pick(rng, {"1": 0.93, "2": 0.05, "3": 0.02}, size).astype(np.int8)
    disorder = pd.Series(event_type).map({
        "Battles": "Political violence", "Explosions/Remote violence": "Political violence",
        "Violence against civilians": "Political violence", "Protests": "Demonstrations",
        "Riots": "Demonstrations", "Strategic developments": "Strategic developments",
    }).to_numpy(dtype=object)
    source = _pick(rng, {s: 1.0 for s in NATIONAL_SOURCES}, size)
    for d, outlets in LOCAL_SOURCES.items():
        mask = (dept == d) & (rng.random(size) < 0.55)
        source[mask] = _pick(rng, {s: 1.0 for s in outlets}, int(mask.sum()))
    two = rng.random(size) < 0.2
    source[two] = source[two] + "; " + _pick(rng, {s: 1.0 for s in NATIONAL_SOURCES}, int(two.sum()))
    scale = _pick(rng, {"National": 0.45, "Subnational": 0.30, "Local partner-National": 0.15,
                        "Other-National": 0.10}, size)

    s = pd.Series
    notes = (
        "On " + s(event_date) + ", " + s(actor1).replace("", "Unknown actors") + " "
        + s(sub_event).map(VERBS) + " "
        + s(actor2).replace("", "residents") + " in " + s(location) + " (" + s(admin1) + ")"
        + ". " + s(fatalities).astype(str) + " fatalities reported. [synthetic benchmark record]"
    ).to_numpy(dtype=object)
    tags = np.where(event_type == "Protests", "crowd size=no report", "").astype(object)
    ids = "COL" + pd.Series(np.arange(size, 0, -1)).astype(str)
    timestamp = (1_700_000_000 + days.astype(np.int64) * 60).astype(np.int64)

    frame = pd.DataFrame({
        "event_id_cnty": ids.to_numpy(dtype=object), "event_date": event_date, "year": year,
        "time_precision": time_precision, "disorder_type": disorder, "event_type": event_type,
        "sub_event_type": sub_event, "actor1": actor1, "assoc_actor_1": assoc1, "inter1": inter1,
        "actor2": actor2, "assoc_actor_2": assoc2, "inter2": inter2, "interaction": interaction,
        "civilian_targeting": np.where(event_type == "Violence against civilians",
                                       "Civilian targeting", "").astype(object),
        "iso": np.full(size, 170, dtype=np.int16), "region": "South America", "country": "Colombia",
        "admin1": admin1, "admin2": admin2, "admin3": "", "location": location,
        "latitude": lat, "longitude": lon, "geo_precision": geo_precision.astype(np.int8),
        "source": source, "source_scale": scale, "notes": notes, "fatalities": fatalities,
        "tags": tags, "timestamp": timestamp,
    })
    return frame[ACLED_COLUMNS]


def write_csv(frame, path: Path) -> None:  # noqa: ANN001
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.cast(pa.schema([
        pa.field(f.name, pa.string()) if pa.types.is_large_string(f.type) else f
        for f in table.schema
    ]))
    pacsv.write_csv(table, path)


def data_profile(frame) -> dict[str, object]:  # noqa: ANN001
    """What the generated file looks like (for the report)."""
    coords = frame["latitude"].astype(str) + "," + frame["longitude"].astype(str)
    hot = frame["admin1"].isin(["Cauca", "Norte de Santander", "Antioquia", "Huila", "Nariño",
                                "Arauca"])
    return {
        "rows": len(frame),
        "distinct_points": int(coords.nunique()),
        "rows_on_shared_points": round(float(coords.duplicated(keep=False).mean()), 3),
        "share_six_hot_departments": round(float(hot.mean()), 3),
        "event_types": {k: round(float(v), 3) for k, v in
                        frame["event_type"].value_counts(normalize=True).items()},
        "distinct_actor1": int(frame["actor1"].nunique()),
        "dates": [str(frame["event_date"].min()), str(frame["event_date"].max())],
    }


# ---------------------------------------------------------------------------------------------
# Child processes: wall time and peak RSS of each

GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None


def _loadavg() -> float | None:
    """1-minute load average: other work on this machine (e.g. test runs) shows here."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def self_peak_rss_mb() -> float | None:
    """This process's own peak RSS (VmHWM: per address space, so not inherited over exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


def self_rss_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


def run_measured(cmd: list[str], *, log_dir: Path, name: str, env: dict[str, str] | None = None,
                 timeout: float | None = None) -> dict[str, object]:
    """Run cmd as a child; return wall seconds, its own peak RSS (GNU time) and exit code."""
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    time_path = log_dir / f"{name}.time"
    timed_out = False
    load_before = _loadavg()
    # Through /usr/bin/time: the child's ru_maxrss would otherwise include this (large) parent's
    # high-water mark, which Linux carries over fork/vfork + exec; time's own child starts small.
    wrapped = ([GNU_TIME, "-f", "%M", "-o", str(time_path), *cmd] if GNU_TIME else cmd)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=err, env=env, cwd=ROOT,
                                start_new_session=True)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if timeout is not None and time.perf_counter() - start > timeout:
                os.killpg(proc.pid, 9)  # the whole group: time and the process it runs
                pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.005)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak_kib = usage.ru_maxrss  # KiB on Linux; an upper bound (see above) without GNU time
    if GNU_TIME and time_path.exists():
        try:
            peak_kib = int(time_path.read_text().split()[-1])
        except (ValueError, IndexError):
            pass
    return {
        "wall_s": wall,
        "load_before_after": [load_before, _loadavg()],
        "peak_rss_mb": peak_kib / 1024,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "rc": proc.returncode,
        "timed_out": timed_out,
        "stdout": out_path.read_text(errors="replace"),
        "stderr_tail": err_path.read_text(errors="replace")[-2000:],
    }


def worker(phase: str, args: list[str], *, log_dir: Path, name: str, env: dict[str, str],
           timeout: float | None = None) -> dict[str, object]:
    """Run one phase of this script in a child process; its JSON result plus wall and peak RSS."""
    out_json = log_dir / f"{name}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", phase, "--json-out",
           str(out_json), *args]
    measured = run_measured(cmd, log_dir=log_dir, name=name, env=env, timeout=timeout)
    if measured["rc"] != 0 or not out_json.exists():
        return {"error": f"{phase} failed (rc={measured['rc']}, timed_out={measured['timed_out']})",
                "stderr_tail": measured["stderr_tail"], **_process(measured)}
    result = json.loads(out_json.read_text())
    result["process"] = _process(measured)
    return result


def _process(measured: dict[str, object]) -> dict[str, object]:
    return {k: measured[k] for k in ("wall_s", "peak_rss_mb", "cpu_s", "timed_out",
                                     "load_before_after")}


def _dump(path: str, result: dict[str, object]) -> None:
    Path(path).write_text(json.dumps(result, indent=1, default=str))


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (p95 of 50 values = the 48th smallest)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 100)) - 1))
    return ordered[k]


# ---------------------------------------------------------------------------------------------
# Phase: queries over 50 fixed filter combinations


def filter_combinations():  # noqa: ANN201
    """50 fixed (label, Filters, ViewOptions): dates, types, actors (aliases, umbrellas), places."""
    from conflictmap.filters import Filters, ViewOptions

    dept_level, muni_level = ViewOptions("department"), ViewOptions("municipality")
    y = lambda a, b=None: (date(a, 1, 1), date(b or a, 12, 31))  # noqa: E731
    c: list[tuple[str, Filters, ViewOptions]] = [
        ("national, departments", Filters(), dept_level),
        ("national, municipalities", Filters(), muni_level),
        ("2022", Filters(*y(2022)), dept_level),
        ("2018-2019", Filters(*y(2018, 2019)), muni_level),
        ("last 90 days", Filters(date(2024, 10, 3), date(2024, 12, 31)), dept_level),
        ("August 2022", Filters(date(2022, 8, 1), date(2022, 8, 31)), dept_level),
        ("one day", Filters(date(2023, 5, 17), date(2023, 5, 17)), dept_level),
        ("Battles", Filters(event_types=("Battles",)), dept_level),
        ("Violence against civilians", Filters(event_types=("Violence against civilians",)),
         muni_level),
        ("Protests + Riots", Filters(event_types=("Protests", "Riots")), dept_level),
        ("Explosions + Battles", Filters(event_types=("Explosions/Remote violence", "Battles")),
         muni_level),
        ("actor ELN", Filters(actors=("ELN",)), dept_level),
        ("alias 'ELN: National Liberation Army'", Filters(actors=("ELN: National Liberation Army",)),
         dept_level),
        ("alias 'AGC'", Filters(actors=("AGC",)), muni_level),
        ("actor Clan del Golfo", Filters(actors=("Clan del Golfo",)), dept_level),
        ("umbrella FARC dissidents", Filters(actors=("FARC dissidents",)), dept_level),
        ("umbrella Estado Mayor Central", Filters(actors=("Estado Mayor Central",)), muni_level),
        ("umbrella State forces", Filters(actors=("State forces",)), dept_level),
        ("alias 'Police Forces of Colombia (2022-)'",
         Filters(actors=("Police Forces of Colombia (2022-)",)), dept_level),
        ("actor Civilians", Filters(actors=("Civilians",)), dept_level),
        ("actor Unidentified armed group", Filters(actors=("Unidentified armed group",)), dept_level),
        ("raw name 'Protesters (Colombia)'", Filters(actors=("Protesters (Colombia)",)), dept_level),
        ("ELN + Clan del Golfo", Filters(actors=("ELN", "Clan del Golfo")), dept_level),
        ("umbrella Segunda Marquetalia", Filters(actors=("Segunda Marquetalia",)), dept_level),
    ]
    for dept in ("41", "19", "54", "05", "52", "81", "11", "76", "88"):
        c.append((f"department {dept}", Filters(dept=dept), muni_level))
    for muni in ("41001", "54810", "19698", "05001", "52835", "81001", "19001"):
        c.append((f"municipality {muni}", Filters(dept=muni[:2], muni=muni), muni_level))
    c += [
        ("Huila, 2023", Filters(*y(2023), dept="41"), muni_level),
        ("Cauca, FARC dissidents", Filters(actors=("FARC dissidents",), dept="19"), muni_level),
        ("Norte de Santander, ELN, Battles",
         Filters(actors=("ELN",), event_types=("Battles",), dept="54"), muni_level),
        ("Antioquia, AGC, 2020-2021", Filters(*y(2020, 2021), actors=("AGC",), dept="05"),
         muni_level),
        ("Nariño, violence against civilians, 2024",
         Filters(*y(2024), event_types=("Violence against civilians",), dept="52"), muni_level),
        ("Arauca, ELN, explosions",
         Filters(actors=("ELN",), event_types=("Explosions/Remote violence",), dept="81"),
         muni_level),
        ("Tibú, ELN", Filters(actors=("ELN",), dept="54", muni="54810"), muni_level),
        ("Neiva, protests", Filters(event_types=("Protests",), dept="41", muni="41001"), muni_level),
        ("national, State forces, 2019", Filters(*y(2019), actors=("State forces",)), dept_level),
        ("national, Battles, first half 2024",
         Filters(date(2024, 1, 1), date(2024, 6, 30), event_types=("Battles",)), muni_level),
    ]
    assert len(c) == 50, len(c)
    return c


def phase_query(db: str, passes: int) -> dict[str, object]:
    from conflictmap import geodata, queries, store
    from conflictmap.geography import load_geography
    from conflictmap.mapping import POINT_BUDGET
    from conflictmap.view import TerritoryOptions, _territories, choropleth_level, load_view

    b = geodata.load_boundaries()
    geo = load_geography()
    known = set(b.municipalities["muni_code"])
    combos = filter_combinations()
    missing = [f.muni for _, f, _ in combos if f.muni and f.muni not in known]
    assert not missing, f"unknown municipality codes {missing}"
    terr = TerritoryOptions()  # what the dashboard passes by default (declared territories on)
    rows = max(5000, POINT_BUDGET)  # load_view's table_limit and point budget

    def core(con, f, o):  # noqa: ANN001, ANN202
        """The queries of one view, as load_view runs them, on an open connection."""
        counts = queries.overview(con, f)
        if f.muni:  # a municipality is shown within its department
            queries.aggregate(con, f.with_place(f.dept, None), choropleth_level(f, o))
        queries.newest(con, f, rows)
        return counts.figures.incidents

    from conflictmap.shared_reader import SHARED

    # the first view after the shared instance was released (idle): open + first query, once.
    # Every later view reuses the open instance with warm buffers.
    _, f0, _ = combos[0]
    SHARED.close()
    t0 = time.perf_counter()
    with store.connect(db, read_only=True) as con:
        t1 = time.perf_counter()
        queries.overview(con, f0)
        t2 = time.perf_counter()
    open_ms, open_first_ms = (t1 - t0) * 1000, (t2 - t0) * 1000

    # core: the queries of one view on one connection, for all passes
    core_t = [[] for _ in combos]
    counts: list[int] = []
    with store.connect(db, read_only=True) as con:
        for p in range(passes + 1):  # pass 0 warms the OS page cache and DuckDB: not counted
            for i, (_, f, o) in enumerate(combos):
                t0 = time.perf_counter()
                n = core(con, f, o)
                if p:
                    core_t[i].append(time.perf_counter() - t0)
                else:
                    counts.append(n)
    # load_view as the page calls it: a cursor of the process's shared read-only instance
    # (conflictmap.shared_reader), with every query and the declared territories
    view_t = [[] for _ in combos]
    for p in range(passes + 1):
        for i, (_, f, o) in enumerate(combos):
            t0 = time.perf_counter()
            load_view(f, o, db=db, territory_options=terr)
            if p:
                view_t[i].append(time.perf_counter() - t0)
    core_ms = [statistics.median(t) * 1000 for t in core_t]
    view_ms = [statistics.median(t) * 1000 for t in view_t]

    # every piece of load_view on its own (one connection), to see where the time goes
    pieces: dict[str, list[float]] = {}

    def piece(name, fn):  # noqa: ANN001, ANN202
        t0 = time.perf_counter()
        fn()
        pieces.setdefault(name, []).append((time.perf_counter() - t0) * 1000)

    t0 = time.perf_counter()
    with store.connect(db, read_only=True) as con:
        connect_ms = (time.perf_counter() - t0) * 1000
        for _, f, o in combos:
            ctx = f.with_place(f.dept, None)
            # the lambdas run at once, inside piece(): binding the loop variables is not needed,
            # but default arguments make that explicit
            piece("overview (figures, departments, municipalities, datasets)",
                  lambda f=f: queries.overview(con, f))
            if f.muni:
                piece("aggregate (department context, combinations with a municipality)",
                      lambda f=f, o=o, c=ctx: queries.aggregate(con, c, choropleth_level(f, o)))
            piece(f"newest ({rows:,} rows: table and map points)",
                  lambda f=f: queries.newest(con, f, rows))
            piece("date_bounds", lambda: queries.date_bounds(con))
            piece("territories (declared)", lambda f=f: _territories(con, f, terr, geo))
    slowest = sorted(range(len(combos)), key=lambda i: -view_ms[i])[:5]
    return {
        "combinations": len(combos),
        "passes": passes,
        "core_p50_ms": round(_percentile(core_ms, 50), 1),
        "core_p95_ms": round(_percentile(core_ms, 95), 1),
        "core_max_ms": round(max(core_ms), 1),
        "view_p50_ms": round(_percentile(view_ms, 50), 1),
        "view_p95_ms": round(_percentile(view_ms, 95), 1),
        "view_max_ms": round(max(view_ms), 1),
        "connect_ms": round(connect_ms, 1),
        "open_ms": round(open_ms, 1),
        "open_first_query_ms": round(open_first_ms, 1),
        "pieces": {k: {"p50_ms": round(_percentile(v, 50), 1), "p95_ms": round(_percentile(v, 95), 1)}
                   for k, v in pieces.items()},
        "slowest_views": [{"label": combos[i][0], "load_view_ms": round(view_ms[i], 1),
                           "core_ms": round(core_ms[i], 1), "incidents": counts[i]}
                          for i in slowest],
        "incidents_per_combination": {"min": min(counts), "median": statistics.median(counts),
                                      "max": max(counts)},
    }


# ---------------------------------------------------------------------------------------------
# Phase: folium map build and HTML size


MAP_VIEWS = (
    ("national, departments", {}, "department"),
    ("national, municipalities", {}, "municipality"),
    ("Huila (municipalities)", {"dept": "41"}, "municipality"),
)


def phase_map(db: str, runs: int) -> dict[str, object]:
    from dataclasses import replace

    from conflictmap import geodata, mapping
    from conflictmap.filters import Filters, ViewOptions
    from conflictmap.view import load_view, map_spec

    b = geodata.load_boundaries()
    out: dict[str, object] = {"point_budget": mapping.POINT_BUDGET, "views": {}}
    for label, place, level in MAP_VIEWS:
        filters, options = Filters(**place), ViewOptions(level=level)
        t_view, t_build, t_render = [], [], []
        html = ""
        view = None
        for r in range(runs + 1):  # run 0: first build (geometry caches cold), reported apart
            t0 = time.perf_counter()
            view = load_view(filters, options, db=db)
            t1 = time.perf_counter()
            fmap = mapping.build_map(map_spec(view), b)
            t2 = time.perf_counter()
            html = fmap.get_root().render()
            t3 = time.perf_counter()
            if r == 0:
                first = (t1 - t0, t2 - t1, t3 - t2)
            else:
                t_view.append(t1 - t0)
                t_build.append(t2 - t1)
                t_render.append(t3 - t2)
        spec = map_spec(view)
        sent = min(len(view.points), spec.point_budget)
        bare = mapping.build_map(replace(spec, point_budget=0), b).get_root().render()
        size = len(html.encode("utf-8"))
        out["views"][label] = {
            "load_view_ms": _ms(statistics.median(t_view)),
            "build_map_ms": _ms(statistics.median(t_build)),
            "render_ms": _ms(statistics.median(t_render)),
            "total_ms": _ms(statistics.median(t_view) + statistics.median(t_build)
                            + statistics.median(t_render)),
            "first_total_ms": _ms(sum(first)),
            "html_bytes": size,
            "html_mb": round(size / 1e6, 3),
            "html_without_points_mb": round(len(bare.encode("utf-8")) / 1e6, 3),
            "points_sent": sent,
            "incidents_in_view": int(view.total),
            "legend_says": "most recent" if f"the {sent:,} most recent of" in html else (
                "all incidents" if "Points: all" in html else "?"),
        }
    return out


# ---------------------------------------------------------------------------------------------
# Phase: Streamlit rerun after a filter change (AppTest, in-process)

PAGE_CHANGES = [
    # (widget kind, key, value, label): every resulting filter state is new (no cache hit)
    ("selectbox", "f_dept", "41", "department → Huila"),
    ("selectbox", "f_dept", "19", "department → Cauca"),
    ("multiselect", "f_types", ["Battles"], "event type → Battles"),
    ("selectbox", "f_dept", "54", "department → Norte de Santander"),
    ("date_input", "f_dates", (date(2022, 1, 1), date(2023, 12, 31)), "dates → 2022-2023"),
    ("selectbox", "f_dept", "", "department → all of Colombia"),
    ("multiselect", "f_types", ["Protests", "Riots"], "event types → Protests, Riots"),
    ("multiselect", "f_actors", ["ELN"], "actor → ELN"),
    ("selectbox", "f_dept", "81", "department → Arauca"),
    ("multiselect", "f_actors", [], "actors → all"),
    ("multiselect", "f_types", [], "event types → all"),
    ("selectbox", "f_dept", "05", "department → Antioquia"),
    ("date_input", "f_dates", (date(2018, 1, 1), date(2024, 12, 31)), "dates → 2018-2024"),
    ("selectbox", "f_dept", "", "department → all of Colombia (2018-2024)"),
]
REVISITS = [("selectbox", "f_dept", "41", "department → Huila again (view cached)")]


def _apply(at, kind: str, key: str, value):  # noqa: ANN001, ANN202
    return getattr(at, kind)(key=key).set_value(value)


def phase_page(db: str, changes: int, profile_out: str | None) -> dict[str, object]:
    os.environ["CONFLICTMAP_DB"] = db
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"dashboard failed: {at.exception}")
    t0 = time.perf_counter()
    at.run()
    same = time.perf_counter() - t0
    seen = {repr(at.session_state["cm_filters"])}
    reruns, cache_hits = [], 0
    plan = PAGE_CHANGES[:changes]
    for kind, key, value, label in plan:
        t0 = time.perf_counter()
        _apply(at, kind, key, value).run()
        dt = time.perf_counter() - t0
        if at.exception:
            raise RuntimeError(f"dashboard failed after {label}: {at.exception}")
        state = repr(at.session_state["cm_filters"])
        cache_hits += state in seen
        seen.add(state)
        reruns.append({"change": label, "seconds": round(dt, 3),
                       "incidents": next((m.value for m in at.metric if m.label == "Incidents"), "?")})
    revisits = []
    for kind, key, value, label in REVISITS:
        t0 = time.perf_counter()
        _apply(at, kind, key, value).run()
        revisits.append({"change": label, "seconds": round(time.perf_counter() - t0, 3)})
    result = {
        "first_run_s": round(first, 3),
        "rerun_no_change_s": round(same, 3),
        "rerun_median_s": round(statistics.median(r["seconds"] for r in reruns), 3),
        "rerun_max_s": round(max(r["seconds"] for r in reruns), 3),
        "reruns": reruns,
        "cache_hits_among_changes": cache_hits,
        "revisits": revisits,
    }
    if profile_out:
        result["profile"] = _profile_reruns(at, profile_out)
    return result


def _profile_reruns(at, profile_out: str) -> dict[str, object]:  # noqa: ANN001
    """cProfile of the script thread during three more reruns after filter changes."""
    prof = cProfile.Profile()

    def hook(frame, event, arg):  # noqa: ANN001, ANN202
        sys.setprofile(None)
        if threading.current_thread().name.startswith("ScriptRunner"):
            prof.enable()

    changes = [("selectbox", "f_dept", "52", "Nariño"), ("selectbox", "f_dept", "", "Colombia"),
               ("multiselect", "f_types", ["Violence against civilians"], "VAC")]
    threading.setprofile(hook)
    t0 = time.perf_counter()
    try:
        for kind, key, value, _ in changes:
            _apply(at, kind, key, value).run()
    finally:
        threading.setprofile(None)
    wall = time.perf_counter() - t0
    return _summarise_profile(prof, profile_out, wall, runs=len(changes), stages=PAGE_STAGES)


PAGE_STAGES = [
    ("load_view (all queries)", "view.py", "load_view"),
    ("  queries.overview", "queries.py", "overview"),
    ("  queries.aggregate", "queries.py", "aggregate"),
    ("  queries.newest", "queries.py", "newest"),
    ("  territories", "view.py", "_territories"),
    ("mapping.build_map", "mapping.py", "build_map"),
    ("  mapping._add_points", "mapping.py", "_add_points"),
    ("st_folium (renders the map HTML)", "streamlit_folium/__init__.py", "st_folium"),
    ("  folium/branca render of the map", "branca/element.py", "render"),
    ("view.display_table", "view.py", "display_table"),
    ("st.dataframe (Arrow serialisation)", "arrow.py", "dataframe"),
    ("filters_ui.filter_widgets", "filters_ui.py", "filter_widgets"),
    ("view.breadcrumb", "view.py", "breadcrumb"),
]
IMPORT_STAGES = [
    ("read CSV chunks (pandas.read_csv)", "csvfile.py", "chunks"),
    ("format parse (acled.parse, column-wise)", "acled.py", "parse"),
    ("  cells as stripped text (candidates.texts)", "candidates.py", "texts"),
    ("  distinct values mapped once (candidates.lookup)", "candidates.py", "lookup"),
    ("  original row as JSON (DataFrame.to_json)", "generic.py", "to_json"),
    ("  rows a check failed, per row (parse_rows → acled._row)", "candidates.py", "parse_rows"),
    ("ingest.prepare", "ingest.py", "prepare"),
    ("  ingest._place", "ingest.py", "_place"),
    ("    geodata.assign_admin (point-in-polygon)", "geodata.py", "assign_admin"),
    ("    ingest._count_mismatches (admin1/admin2 check)", "ingest.py", "_count_mismatches"),
    ("  actor names → canonical (list comprehensions)", "ingest.py", "<listcomp>"),
    ("store.Stage.add (Parquet chunk)", "store.py", "add"),
    ("store.Stage.insert (actor numbers and index, one INSERT … read_parquet)", "store.py",
     "insert"),
    ("geodata.load_boundaries", "geodata.py", "load_boundaries"),
]


def _summarise_profile(prof: cProfile.Profile, out: str, wall: float, *, runs: int,
                       stages: list[tuple[str, str, str]]) -> dict[str, object]:
    prof.create_stats()
    stats = pstats.Stats(prof)
    stats.dump_stats(out)
    raw = stats.stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    total = sum(v[2] for v in raw.values())
    staged = []
    for label, file_part, func in stages:
        # the outermost match (nested or recursive render() methods would count twice if summed)
        ct = max((v[3] for k, v in raw.items() if k[2] == func and k[0].endswith(file_part)),
                 default=0.0)
        if func == "<listcomp>":  # only the comprehensions called by ingest.prepare (actor names)
            ct = sum(v[3] for k, v in raw.items() if k[2] == func and k[0].endswith(file_part)
                     and any(c[2] == "prepare" for c in v[4]))
        staged.append({"stage": label, "seconds": round(ct, 3),
                       "share": round(ct / total, 3) if total else 0})
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(14)
    top = []
    for (file, line, func), (_cc, nc, tt, ct, _) in sorted(raw.items(), key=lambda kv: -kv[1][2])[:14]:
        top.append({"function": f"{Path(file).name}:{line}({func})", "calls": nc,
                    "tottime_s": round(tt, 3), "cumtime_s": round(ct, 3)})
    return {"wall_s": round(wall, 3), "profiled_s": round(total, 3), "runs": runs,
            "stages": staged, "top_tottime": top, "pstats_file": out}


# ---------------------------------------------------------------------------------------------
# Phase: snapshot export

SNAPSHOT_VIEWS = (
    ("Huila", {"dept": "41"}, "municipality"),
    ("national", {}, "department"),
)


def phase_snapshot(db: str, runs: int) -> dict[str, object]:
    from conflictmap import export, geodata, queries, store
    from conflictmap.divipola import Gazetteer
    from conflictmap.filters import Filters, ViewOptions

    b = geodata.load_boundaries()
    gaz = Gazetteer.from_boundaries(b)
    out: dict[str, object] = {}
    for label, place, level in SNAPSHOT_VIEWS:
        request = export.SnapshotRequest(Filters(**place), ViewOptions(level=level))
        for fmt in ("png", "html"):
            times, size, first = [], 0, 0.0
            for r in range(runs + 1):
                t0 = time.perf_counter()
                snap = export.snapshot(request, fmt, db=db, boundaries=b, gazetteer=gaz)
                dt = time.perf_counter() - t0
                size = len(snap.content)
                if r == 0:
                    first = dt
                else:
                    times.append(dt)
            out[f"{label} {fmt}"] = {"median_s": round(statistics.median(times), 3),
                                     "first_s": round(first, 3), "bytes": size,
                                     "mb": round(size / 1e6, 3)}
        # part of every snapshot: the content hash of the incidents in view
        with store.connect(db, read_only=True) as con:
            t0 = time.perf_counter()
            queries.content_hash(con, request.filters)
            out[f"{label} content_hash_s"] = round(time.perf_counter() - t0, 3)
    return out


# ---------------------------------------------------------------------------------------------
# Phase: the naive baseline (tutorial style)


def phase_naive(db: str, markers: bool) -> dict[str, object]:
    """The national municipality view as tutorials build it: read every incident, geopandas.sjoin
    with the municipality polygons at query time, a folium.Choropleth from the full boundary
    GeoDataFrame, and one folium.Marker with a popup per incident."""
    import duckdb
    import folium
    import geopandas as gpd

    from conflictmap import geodata

    b = geodata.load_boundaries()  # the boundary file is loaded at start-up in both approaches
    munis = b.municipalities[["muni_code", "muni_name", "dept_code", "dept_name", "geometry"]]
    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    con = duckdb.connect(db, read_only=True)
    df = con.execute(
        "SELECT incident_id, event_date, event_type, sub_event_type, actor1, actor2, fatalities, "
        "latitude, longitude, location, source FROM incidents WHERE latitude IS NOT NULL"
    ).df()
    con.close()
    steps["read incidents"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["longitude"], df["latitude"]),
                           crs="EPSG:4326")
    joined = gpd.sjoin(gdf, munis[["muni_code", "geometry"]], how="left", predicate="within")
    counts = joined.groupby("muni_code").size().rename("incidents").reset_index()
    steps["geopandas.sjoin + count"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    fmap = folium.Map(location=[4.6, -74.1], zoom_start=5)
    folium.Choropleth(
        geo_data=munis, data=counts, columns=["muni_code", "incidents"],
        key_on="feature.properties.muni_code", fill_color="YlOrRd", fill_opacity=0.7,
        line_opacity=0.3, legend_name="Incidents",
    ).add_to(fmap)
    steps["folium.Choropleth"] = time.perf_counter() - t0
    n_markers = 0
    if markers:
        t0 = time.perf_counter()
        for r in df.itertuples(index=False):
            popup = (f"<b>{r.event_type}</b><br>{r.event_date:%Y-%m-%d}<br>{r.sub_event_type}<br>"
                     f"{r.actor1} vs {r.actor2}<br>Fatalities: {r.fatalities}<br>{r.location}<br>"
                     f"Source: {r.source}")
            folium.Marker([r.latitude, r.longitude],
                          popup=folium.Popup(popup, max_width=300)).add_to(fmap)
            n_markers += 1
        steps["one folium.Marker + Popup per incident"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    html = fmap.get_root().render()
    steps["render HTML"] = time.perf_counter() - t0
    size = len(html.encode("utf-8"))
    total = sum(steps.values())
    # not timed: the same map without markers, to show what the boundaries alone weigh
    bare = folium.Map(location=[4.6, -74.1], zoom_start=5)
    folium.Choropleth(
        geo_data=munis, data=counts, columns=["muni_code", "incidents"],
        key_on="feature.properties.muni_code", fill_color="YlOrRd", fill_opacity=0.7,
        line_opacity=0.3, legend_name="Incidents",
    ).add_to(bare)
    bare_mb = len(bare.get_root().render().encode("utf-8")) / 1e6
    return {
        "markers": n_markers,
        "incidents": len(df),
        "steps_s": {k: round(v, 3) for k, v in steps.items()},
        "total_s": round(total, 3),
        "html_bytes": size,
        "html_mb": round(size / 1e6, 3),
        "html_without_markers_mb": round(bare_mb, 3),
        "usable": bool(markers and size / 1e6 <= NAIVE_MAX_HTML_MB and total <= NAIVE_MAX_SECONDS),
    }


# ---------------------------------------------------------------------------------------------
# Phase: cProfile of an import


def phase_profile_import(csv_path: str, db: str, profile_out: str) -> dict[str, object]:
    from conflictmap import geodata, ingest

    geodata.load_boundaries()  # as the CLI does before importing (not what is profiled)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    report = ingest.import_file(csv_path, fmt="acled", db=db, dataset=DATASET)
    prof.disable()
    wall = time.perf_counter() - t0
    out = _summarise_profile(prof, profile_out, wall, runs=1, stages=IMPORT_STAGES)
    out["rows"] = report.read
    return out


# ---------------------------------------------------------------------------------------------
# Phase: where the import's memory goes (as shipped, and the chunk-by-chunk inserts before it)


IMPORT_CHUNK_NOTE = "50,000 rows (`ingest.CHUNK_ROWS`)"
MEMORY_MODES = {
    "as-is": "as shipped: each chunk staged as Parquet (`store.Stage`), one `INSERT … "
             "read_parquet` in the import's transaction",
    "python-only": "Python side only (`store.Stage.add` and `Stage.insert` replaced by no-ops)",
    "chunk-inserts": "before: each chunk inserted from pandas in the import's transaction "
                     "(`store.insert_batch`)",
}


def phase_memory_import(csv_path: str, db: str, mode: str) -> dict[str, object]:
    """RSS after every chunk of an import, in one of three modes:

    - ``as-is``: ``ingest.import_file`` as shipped (each prepared chunk staged as a Parquet file
      by ``store.Stage``, then one ``INSERT … SELECT FROM read_parquet`` in the same transaction);
    - ``python-only``: the same with ``store.Stage.add`` and ``store.Stage.insert`` replaced by
      no-ops: the Python side (read, parse, place, prepare) alone;
    - ``chunk-inserts``: the behaviour before staging, for comparison: each chunk inserted with
      ``store.insert_batch`` inside the one transaction (DuckDB holds every uncommitted row).
    """
    from conflictmap import geodata, ingest, store

    geodata.load_boundaries()
    samples: list[tuple[int, float]] = []
    if mode == "python-only":
        store.Stage.add = lambda self, records: None
        store.Stage.insert = lambda self: store.InsertResult(0, 0)
    elif mode == "chunk-inserts":
        def add(self, records):  # noqa: ANN001, ANN202
            r = store.insert_batch(self._con, records)
            self.bench_inserted = getattr(self, "bench_inserted", 0) + r.inserted
            self.bench_duplicates = getattr(self, "bench_duplicates", 0) + r.duplicates

        store.Stage.add = add
        store.Stage.insert = lambda self: store.InsertResult(
            getattr(self, "bench_inserted", 0), getattr(self, "bench_duplicates", 0))
    elif mode != "as-is":
        raise ValueError(f"unknown memory mode {mode!r}")
    start_rss = self_rss_mb()
    t0 = time.perf_counter()
    report = ingest.import_file(csv_path, fmt="acled", db=db, dataset=DATASET,
                                progress=lambda n: samples.append((n, self_rss_mb())))
    t1 = time.perf_counter()
    samples.append((report.read, self_rss_mb()))  # after the final INSERT and the commit
    return {"mode": mode, "rows": report.read, "inserted": int(report.inserted),
            "wall_s": round(t1 - t0, 1),
            "start_rss_mb": round(start_rss or 0), "peak_rss_mb": round(self_peak_rss_mb() or 0),
            "rss_curve": [(n, round(r or 0)) for n, r in samples]}


# ---------------------------------------------------------------------------------------------
# The run


def label(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def parse_size(text: str) -> int:
    t = text.strip().lower().replace("_", "").replace(",", "")
    mult = 1_000_000 if t.endswith("m") else 1000 if t.endswith("k") else 1
    return int(float(t.rstrip("mk")) * mult)


def machine() -> dict[str, object]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = round(kb / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    packages = {}
    for name in ("duckdb", "pandas", "numpy", "pyarrow", "shapely", "geopandas", "pyogrio",
                 "folium", "branca", "streamlit", "streamlit-folium", "matplotlib", "jinja2"):
        try:
            packages[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            packages[name] = "not installed"
    git = {}
    try:
        git["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                       capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.split("\n")
        git["modified_files"] = [line[3:] for line in dirty if line.strip()]
    except OSError:
        pass
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gib": mem, "platform": platform.platform(),
        "python": platform.python_version(), "packages": packages, "git": git,
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
    }


def run(args: argparse.Namespace) -> dict[str, object]:
    from conflictmap import geodata, mapping

    sizes = [QUICK_SIZE] if args.quick else sorted(parse_size(s) for s in args.sizes.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="cm-scale-"))
    logs = tmp / "logs"
    logs.mkdir()
    env = dict(os.environ)
    env.pop("CONFLICTMAP_DB", None)
    quick = args.quick
    results: dict[str, object] = {
        "machine": machine(), "tmp": str(tmp), "quick": quick, "sizes": {},
        "point_budget": mapping.POINT_BUDGET, "seed": SEED,
        "geodata": os.environ.get(geodata.ENV_GEODATA, "(boundary cache)"),
    }
    results_path = tmp / "results.json"
    print(f"temporary folder: {tmp}", flush=True)
    b = geodata.load_boundaries()
    naive_stopped_at: int | None = None
    for size in sizes:
        lab = label(size)
        res: dict[str, object] = {}
        results["sizes"][lab] = res

        def save() -> None:
            results_path.write_text(json.dumps(results, indent=1, default=str))

        # 1. generate
        t0 = time.perf_counter()
        frame = generate_acled(size, b)
        t_gen = time.perf_counter() - t0
        csv_path = tmp / f"acled-{lab}.csv"
        t0 = time.perf_counter()
        write_csv(frame, csv_path)
        t_write = time.perf_counter() - t0
        res["generate"] = {"generate_s": round(t_gen, 2), "write_csv_s": round(t_write, 2),
                           "csv_mb": round(csv_path.stat().st_size / 1e6, 1), **data_profile(frame)}
        del frame
        print(f"[{lab}] generated in {t_gen:.1f} s (+{t_write:.1f} s CSV, "
              f"{res['generate']['csv_mb']} MB)", flush=True)
        save()

        # 2. import (child process: conflictmap import), fresh database each run
        n_runs = 1 if quick else (args.import_runs_1m if size >= 1_000_000 else args.import_runs)
        runs = []
        db = tmp / f"bench-{lab}.duckdb"
        cli = str(Path(sys.executable).with_name("conflictmap"))
        for r in range(n_runs):
            for p in (db, db.with_name(db.name + ".wal")):
                p.unlink(missing_ok=True)
            m = run_measured([cli, "import", str(csv_path), "--db", str(db), "--format", "acled",
                              "--dataset", DATASET], log_dir=logs, name=f"import-{lab}-{r}", env=env)
            if m["rc"] != 0:
                raise RuntimeError(f"import failed: {m['stderr_tail']}")
            report = json.loads(m["stdout"])
            runs.append({**_process(m), "inserted": report["inserted"],
                         "rejected": report["rejected"], "warnings": report.get("warnings", {})})
            print(f"[{lab}] import run {r + 1}/{n_runs}: {m['wall_s']:.1f} s, "
                  f"peak {m['peak_rss_mb']:.0f} MB, {report['inserted']:,} inserted, "
                  f"{report['rejected']:,} rejected", flush=True)
        wall = statistics.median(r["wall_s"] for r in runs)
        res["import"] = {
            "runs": n_runs, "wall_s": round(wall, 2),
            "wall_all_s": [round(r["wall_s"], 2) for r in runs],
            "rows_per_s": round(size / wall), "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs)),
            "cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 1),
            "inserted": runs[-1]["inserted"], "rejected": runs[-1]["rejected"],
            "warnings": runs[-1]["warnings"],
            "db_mb": round(db.stat().st_size / 1e6, 1),
        }
        try:
            import duckdb

            with duckdb.connect(str(db), read_only=True) as con:
                orig, notes = con.execute(
                    "SELECT sum(strlen(original)), sum(strlen(notes)) FROM incidents").fetchone()
            res["import"]["original_mb"] = round((orig or 0) / 1e6, 1)
            res["import"]["notes_mb"] = round((notes or 0) / 1e6, 1)
        except Exception as exc:  # noqa: BLE001 - a diagnostic only
            res["import"]["original_mb_error"] = str(exc)
        save()

        # 3-6. queries, map, page, snapshot (each in its own process, on the last database)
        passes = 1 if quick else args.query_passes
        res["query"] = worker("query", ["--db", str(db), "--passes", str(passes)], log_dir=logs,
                              name=f"query-{lab}", env=env)
        print(f"[{lab}] query: {_brief(res['query'], 'core_p95_ms', 'view_p95_ms')}", flush=True)
        save()
        res["map"] = worker("map", ["--db", str(db), "--runs", str(1 if quick else 3)],
                            log_dir=logs, name=f"map-{lab}", env=env)
        print(f"[{lab}] map: " + ("; ".join(
            f"{k}: {v['total_ms']:.0f} ms, {v['html_mb']} MB, {v['points_sent']} points"
            for k, v in res["map"].get("views", {}).items()) or res["map"].get("error", "")), flush=True)
        save()
        page_args = ["--db", str(db), "--changes", str(4 if quick else len(PAGE_CHANGES))]
        profile_page = (args.profile or size == max(sizes))
        if profile_page:
            page_args += ["--profile-out", str(tmp / f"page-{lab}.pstats")]
        res["page"] = worker("page", page_args, log_dir=logs, name=f"page-{lab}", env=env)
        print(f"[{lab}] page: {_brief(res['page'], 'first_run_s', 'rerun_median_s', 'rerun_max_s')}",
              flush=True)
        save()
        res["snapshot"] = worker("snapshot", ["--db", str(db), "--runs", str(1 if quick else 3)],
                                 log_dir=logs, name=f"snapshot-{lab}", env=env)
        print(f"[{lab}] snapshot: " + ("; ".join(
            f"{k}: {v['median_s']:.2f} s" for k, v in res["snapshot"].items()
            if isinstance(v, dict) and "median_s" in v) or res["snapshot"].get("error", "")),
            flush=True)
        save()

        # 7. the naive baseline, until it becomes unusable
        if args.no_naive:
            res["naive"] = {"skipped": "--no-naive"}
        else:
            markers = naive_stopped_at is None
            nv = worker("naive", ["--db", str(db)] + ([] if markers else ["--no-markers"]),
                        log_dir=logs, name=f"naive-{lab}", env=env, timeout=NAIVE_TIMEOUT_S)
            if nv.get("error"):
                nv["usable"] = False
                nv["total_s"] = nv["process"]["wall_s"] if "process" in nv else None
            if not markers:
                nv["stopped"] = f"not attempted: unusable at {label(naive_stopped_at)}"
            elif not nv.get("usable"):
                naive_stopped_at = size
            res["naive"] = nv
            print(f"[{lab}] naive: {_brief(nv, 'total_s', 'html_mb', 'usable')}", flush=True)
        save()

        # profile of the import where the 1M target (scaled) is missed: profiled at <= 100k rows
        if args.profile or size == max(sizes):
            prof_size = size if size <= 100_000 or args.profile_full else 100_000
            prof_csv = csv_path
            if prof_size != size:
                prof_csv = tmp / f"acled-{label(prof_size)}.csv"
                if not prof_csv.exists():
                    write_csv(generate_acled(prof_size, b), prof_csv)
            prof_db = tmp / f"profile-{label(prof_size)}.duckdb"
            prof_db.unlink(missing_ok=True)
            res["import_profile"] = worker(
                "profile-import", ["--csv", str(prof_csv), "--db", str(prof_db), "--profile-out",
                                   str(tmp / f"import-{label(prof_size)}.pstats")],
                log_dir=logs, name=f"profile-import-{lab}", env=env)
            res["import_profile"]["size"] = label(prof_size)
            prof_db.unlink(missing_ok=True)
            save()
        # where the import's memory goes (at the largest size): as shipped, the Python side
        # alone, and the chunk-by-chunk inserts it replaced
        if size == max(sizes):
            res["import_memory"] = {}
            for mode in ("as-is", "python-only", "chunk-inserts"):
                mem_db = tmp / f"memory-{mode}.duckdb"
                mem_db.unlink(missing_ok=True)
                res["import_memory"][mode] = worker(
                    "memory-import", ["--csv", str(csv_path), "--db", str(mem_db), "--mode", mode],
                    log_dir=logs, name=f"memory-import-{mode}-{lab}", env=env)
                mem_db.unlink(missing_ok=True)
                print(f"[{lab}] import memory, {mode}: "
                      f"{_brief(res['import_memory'][mode], 'wall_s', 'peak_rss_mb', 'inserted')}",
                      flush=True)
            save()
        if not args.keep:
            csv_path.unlink(missing_ok=True)
            if size != max(sizes):
                db.unlink(missing_ok=True)
    results_path.write_text(json.dumps(results, indent=1, default=str))
    print(f"raw results: {results_path}", flush=True)
    return results


def _brief(result: dict[str, object], *keys: str) -> str:
    if result.get("error"):
        return f"ERROR {result['error']}: {result.get('stderr_tail', '')[-500:]}"
    return ", ".join(f"{k}={result.get(k)}" for k in keys) + (
        f", peak {result['process']['peak_rss_mb']:.0f} MB" if "process" in result else "")


# ---------------------------------------------------------------------------------------------
# Report


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("**met**" if ok else "**not met**")


def _g(d: dict, *path, default=None):  # noqa: ANN001, ANN202
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return default
        d = d[p]
    return d


def _f(value, fmt: str = "{:,.0f}", default: str = "—") -> str:  # noqa: ANN001
    if value is None:
        return default
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def targets(results: dict[str, object]) -> list[dict[str, object]]:
    sizes = results["sizes"]
    largest = list(sizes)[-1]
    r = sizes[largest]
    html = [v["html_mb"] for s in sizes.values() for v in _g(s, "map", "views", default={}).values()]
    mem = {
        "import": _g(r, "import", "peak_rss_mb"),
        "dashboard process (AppTest)": _g(r, "page", "process", "peak_rss_mb"),
        "query process": _g(r, "query", "process", "peak_rss_mb"),
        "snapshot process": _g(r, "snapshot", "process", "peak_rss_mb"),
    }
    worst_mem = max((v for v in mem.values() if v is not None), default=None)
    rows = [
        {"target": f"import ≤ {TARGET_IMPORT_S:.0f} s at 1M", "size": largest,
         "measured": f"{_f(_g(r, 'import', 'wall_s'), '{:.1f}')} s "
                     f"({_f(_g(r, 'import', 'rows_per_s'))} rows/s)",
         "met": None if _g(r, "import", "wall_s") is None else _g(r, "import", "wall_s") <= TARGET_IMPORT_S},
        {"target": f"query p95 ≤ {TARGET_QUERY_P95_MS:.0f} ms (50 filter combinations; the queries "
                   "of one view on an open connection)",
         "size": largest, "measured": f"{_f(_g(r, 'query', 'core_p95_ms'), '{:.0f}')} ms",
         "met": None if _g(r, "query", "core_p95_ms") is None else
         _g(r, "query", "core_p95_ms") <= TARGET_QUERY_P95_MS},
        {"target": f"query p95 ≤ {TARGET_QUERY_P95_MS:.0f} ms, whole load_view as the page "
                   "calls it (cursor of the shared read-only instance)",
         "size": largest, "measured": f"{_f(_g(r, 'query', 'view_p95_ms'), '{:.0f}')} ms",
         "met": None if _g(r, "query", "view_p95_ms") is None else
         _g(r, "query", "view_p95_ms") <= TARGET_QUERY_P95_MS},
        {"target": f"rerun after a filter change ≤ {TARGET_RERUN_S} s (median)", "size": largest,
         "measured": f"{_f(_g(r, 'page', 'rerun_median_s'), '{:.2f}')} s "
                     f"(max {_f(_g(r, 'page', 'rerun_max_s'), '{:.2f}')} s)",
         "met": None if _g(r, "page", "rerun_median_s") is None else
         _g(r, "page", "rerun_median_s") <= TARGET_RERUN_S},
        {"target": f"map HTML ≤ {TARGET_HTML_MB} MB whatever the incident count", "size": "all",
         "measured": f"largest {max(html):.2f} MB" if html else "—",
         "met": (max(html) <= TARGET_HTML_MB) if html else None},
        {"target": f"memory ≤ {TARGET_MEMORY_GB:.0f} GB (peak RSS)", "size": largest,
         "measured": "; ".join(f"{k} {_f(v)} MB" for k, v in mem.items() if v is not None),
         "met": None if worst_mem is None else worst_mem <= TARGET_MEMORY_GB * 1000},
    ]
    return rows


def report(results: dict[str, object]) -> str:
    m = results["machine"]
    sizes = results["sizes"]
    labs = list(sizes)
    lines: list[str] = []
    add = lines.append
    add("# ConflictMap scale benchmark — results")
    add("")
    add(f"Generated by `bench/bench_scale.py`{' --quick' if results.get('quick') else ''} on "
        f"{m['date']}. Every number below was measured in that run.")
    add("")
    add("## Machine and software")
    add("")
    add(f"- CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram_gib']} GiB; {m['platform']}")
    add(f"- Python {m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()))
    git = m.get("git", {})
    if git:
        mod = git.get("modified_files") or []
        add(f"- Code: commit `{git.get('commit', '?')}`"
            + (f" plus uncommitted changes in {', '.join(f'`{x}`' for x in mod)}" if mod else ""))
    add(f"- Boundaries: DANE MGN 2018 ({results.get('geodata')}); seed {results['seed']}; "
        f"point budget {results['point_budget']:,}")
    add("")
    add("## Targets (issue 7)")
    add("")
    add("| target | at | measured | |")
    add("|---|---|---|---|")
    for t in targets(results):
        add(f"| {t['target']} | {t['size']} | {t['measured']} | {_met(t['met'])} |")
    add("")

    def row(name: str, fn) -> None:  # noqa: ANN001
        vals = []
        for lab in labs:
            try:
                vals.append(fn(sizes[lab]))
            except (KeyError, TypeError, ValueError, IndexError):
                vals.append("—")
        add(f"| {name} | " + " | ".join(vals) + " |")

    def max_load(s: dict) -> str:
        loads: list[float] = []

        def walk(d: object) -> None:
            if isinstance(d, dict):
                for k, v in d.items():
                    if k == "load_before_after" and isinstance(v, list):
                        loads.extend(x for x in v if x is not None)
                    else:
                        walk(v)
            elif isinstance(d, list):
                for v in d:
                    walk(v)

        walk(s)
        return f"{max(loads):.1f}" if loads else "—"

    add("## All figures by size")
    add("")
    add("| | " + " | ".join(labs) + " |")
    add("|---|" + "---|" * len(labs))
    add("| **Data** |" + " |" * len(labs))
    row("generate (s) + write CSV (s)", lambda s: f"{s['generate']['generate_s']:.1f} + "
        f"{s['generate']['write_csv_s']:.1f}")
    row("CSV size (MB)", lambda s: f"{s['generate']['csv_mb']:,.1f}")
    row("distinct coordinates / rows on a shared point", lambda s: f"{s['generate']['distinct_points']:,}"
        f" / {s['generate']['rows_on_shared_points']:.0%}")
    row("share in the six hot-spot departments",
        lambda s: f"{s['generate']['share_six_hot_departments']:.0%}")
    row(f"machine load: highest 1-min load average seen ({m['cores']} cores)", max_load)
    add("| **Import** (`conflictmap import`, child process) |" + " |" * len(labs))
    row("runs (median taken)", lambda s: f"{s['import']['runs']}")
    row("wall time (s), incl. start-up and point-in-polygon",
        lambda s: f"{s['import']['wall_s']:.1f}" + (
            f" ({', '.join(f'{x:.1f}' for x in s['import']['wall_all_s'])})"
            if s["import"]["runs"] > 1 else ""))
    row("rows/s", lambda s: f"{s['import']['rows_per_s']:,}")
    row("CPU time (s)", lambda s: f"{s['import']['cpu_s']:.1f}")
    row("peak RSS (MB)", lambda s: f"{s['import']['peak_rss_mb']:,}")
    row("inserted / rejected", lambda s: f"{s['import']['inserted']:,} / {s['import']['rejected']:,}")
    row("database file (MB)", lambda s: f"{s['import']['db_mb']:,.0f}")
    add("| **Query** (50 filter combinations, median of passes) |" + " |" * len(labs))
    row("core: overview (+ aggregate) + newest, open connection, p50 / p95 (ms)",
        lambda s: f"{s['query']['core_p50_ms']:.0f} / {s['query']['core_p95_ms']:.0f}")
    row("load_view (page's call: shared instance, all queries), p50 / p95 (ms)",
        lambda s: f"{s['query']['view_p50_ms']:.0f} / {s['query']['view_p95_ms']:.0f}")
    row("first view after an idle release: open + first query, once (ms)",
        lambda s: f"{s['query']['open_first_query_ms']:.0f} (open {s['query']['open_ms']:.0f})")
    row("slowest load_view (ms)", lambda s: f"{s['query']['slowest_views'][0]['load_view_ms']:.0f} "
        f"({s['query']['slowest_views'][0]['label']})")
    row("query process peak RSS (MB)", lambda s: f"{s['query']['process']['peak_rss_mb']:,.0f}")
    add("| **Map** (load_view + build_map + render; median of 3) |" + " |" * len(labs))
    for view_label, _, _ in MAP_VIEWS:
        row(f"{view_label}: time (ms)", lambda s, v=view_label: (
            f"{s['map']['views'][v]['total_ms']:,.0f} (build {s['map']['views'][v]['build_map_ms']:,.0f}"
            f", render {s['map']['views'][v]['render_ms']:,.0f})"))
        row(f"{view_label}: HTML (MB) / without points", lambda s, v=view_label: (
            f"{s['map']['views'][v]['html_mb']:.2f} / {s['map']['views'][v]['html_without_points_mb']:.2f}"))
        row(f"{view_label}: points sent / incidents in view", lambda s, v=view_label: (
            f"{s['map']['views'][v]['points_sent']:,} / {s['map']['views'][v]['incidents_in_view']:,}"))
    add("| **Page** (Streamlit AppTest, in-process) |" + " |" * len(labs))
    row("first run (s)", lambda s: f"{s['page']['first_run_s']:.2f}")
    row("rerun after a filter change, median / max (s)",
        lambda s: f"{s['page']['rerun_median_s']:.2f} / {s['page']['rerun_max_s']:.2f} "
                  f"(n={len(s['page']['reruns'])})")
    row("rerun, nothing changed (s)", lambda s: f"{s['page']['rerun_no_change_s']:.2f}")
    row("rerun back to a cached view (s)", lambda s: f"{s['page']['revisits'][0]['seconds']:.2f}")
    row("dashboard process peak RSS (MB)", lambda s: f"{s['page']['process']['peak_rss_mb']:,.0f}")
    add("| **Snapshot** (export.snapshot, median of 3 after a first call) |" + " |" * len(labs))
    for key in ("Huila png", "Huila html", "national png", "national html"):
        row(f"{key}: s (first) / MB", lambda s, k=key: (
            f"{s['snapshot'][k]['median_s']:.2f} ({s['snapshot'][k]['first_s']:.2f}) / "
            f"{s['snapshot'][k]['mb']:.2f}"))
    row("of which queries.content_hash, Huila / national (s)", lambda s: (
        f"{s['snapshot']['Huila content_hash_s']:.2f} / {s['snapshot']['national content_hash_s']:.2f}"))
    add("")

    # naive
    add("## Naive baseline (same run, same database)")
    add("")
    add("The national municipality view built the way tutorials do it: read every incident, "
        "`geopandas.sjoin` with the municipality polygons at query time, `folium.Choropleth` fed the "
        "full boundary GeoDataFrame, and one `folium.Marker` with a `folium.Popup` per incident; "
        "time from the database to rendered HTML (boundary file loading excluded on both sides). "
        f"**Stop rule:** the baseline is unusable when its HTML exceeds {NAIVE_MAX_HTML_MB:.0f} MB or "
        f"it takes more than {NAIVE_MAX_SECONDS:.0f} s (or it is killed after "
        f"{NAIVE_TIMEOUT_S:.0f} s); larger sizes are then not attempted with markers (the query-time "
        "sjoin is still measured).")
    add("")
    add("| | " + " | ".join(labs) + " |")
    add("|---|" + "---|" * len(labs))

    def naive_cell(s: dict, what: str) -> str:
        nv = s.get("naive", {})
        if nv.get("skipped"):
            return "skipped"
        if nv.get("error") and what != "status":
            return "—"
        ours = _g(s, "map", "views", "national, municipalities", default={})
        if what == "status":
            if nv.get("stopped"):
                return nv["stopped"]
            if nv.get("error"):
                return f"failed/killed after {nv.get('process', {}).get('wall_s', 0):.0f} s: unusable"
            return "usable" if nv.get("usable") else "**unusable** (stop rule)"
        if what == "time":
            return f"{nv['total_s']:.1f}" + ("" if nv.get("markers") else " (no markers)")
        if what == "html":
            return f"{nv['html_mb']:.1f}" if nv.get("markers") else "—"
        if what == "html_bare":
            return f"{nv['html_without_markers_mb']:.1f}"
        if what == "markers":
            return f"{nv['markers']:,}"
        if what == "sjoin":
            return f"{nv['steps_s']['geopandas.sjoin + count']:.2f}"
        if what == "markers_s":
            return f"{nv['steps_s'].get('one folium.Marker + Popup per incident', 0):.1f}"
        if what == "render":
            return f"{nv['steps_s']['render HTML']:.1f}"
        if what == "rss":
            return f"{nv['process']['peak_rss_mb']:,.0f}"
        if what == "ours":
            return f"{ours['total_ms'] / 1000:.2f} s, {ours['html_mb']:.2f} MB"
        if what == "ratio_time":
            return f"{ours['total_ms'] / 1000 / nv['total_s']:.4f}" if nv.get("markers") else "—"
        if what == "ratio_size":
            return f"{ours['html_mb'] / nv['html_mb']:.4f}" if nv.get("markers") else "—"
        return "?"

    for name, what in [("status", "status"), ("markers drawn", "markers"),
                       ("total time, DB → HTML (s)", "time"), ("  of which sjoin + count (s)", "sjoin"),
                       ("  of which Marker objects (s)", "markers_s"), ("  of which render (s)", "render"),
                       ("HTML (MB)", "html"), ("  of which choropleth alone (MB)", "html_bare"),
                       ("peak RSS (MB)", "rss"),
                       ("ours, same view: time, HTML", "ours"),
                       ("**ratio ours/naive, time**", "ratio_time"),
                       ("**ratio ours/naive, payload**", "ratio_size")]:
        add(f"| {name} | " + " | ".join(naive_cell(sizes[lab], what) for lab in labs) + " |")
    add("")

    # points basis
    add("## How points are limited")
    add("")
    add(f"The map sends at most `POINT_BUDGET` = {results['point_budget']:,} incident points: the "
        "**most recent** incidents in view with coordinates, taken from the rows of the incident "
        "table (`queries.newest`: `ORDER BY event_date DESC, incident_id`, then "
        "`queries.points_from`), drawn as clustered circle markers from one compact payload "
        "(shared string "
        "table). The choropleth counts **all** incidents in view (DuckDB `GROUP BY` on the codes "
        "assigned at import), and the map legend says so (\"Points: the 3,000 most recent of N "
        "incidents in view; colours count all N\"). Boundary geometry is simplified and rounded to 4 "
        "decimals; its size does not depend on the incident count.")
    add("")

    # profiles
    add("## Where the time goes (targets not met, and the largest size)")
    add("")
    largest = sizes[labs[-1]]
    for t in targets(results):
        if t["met"] is False:
            add(f"- Not met: {t['target']} — {t['measured']}")
    add("")
    ip = largest.get("import_profile")
    if ip and not ip.get("error"):
        add(f"### Import, cProfile of `ingest.import_file` at {ip['size']} rows "
            f"({ip['wall_s']:.1f} s under the profiler, {ip['profiled_s']:.1f} s profiled)")
        add("")
        add("| stage (cumulative) | s | share |")
        add("|---|---|---|")
        for st in ip["stages"]:
            add(f"| {st['stage']} | {st['seconds']:.2f} | {st['share']:.0%} |")
        add("")
        add("Top functions by own time:")
        add("")
        add("| function | calls | own s | cumulative s |")
        add("|---|---|---|---|")
        for f in ip["top_tottime"][:10]:
            add(f"| `{f['function']}` | {f['calls']:,} | {f['tottime_s']:.2f} | {f['cumtime_s']:.2f} |")
        add("")
    im = largest.get("import_memory")
    if im:
        add(f"### Import memory at {labs[-1]}: RSS after each chunk of {IMPORT_CHUNK_NOTE}")
        add("")
        add("| mode | wall s | peak RSS MB | RSS (MB) after 25% / 50% / 75% / 100% of the rows / "
            "after the import returned |")
        add("|---|---|---|---|")
        for mode, v in im.items():
            if v.get("error"):
                add(f"| {mode} | failed | | {v['error']} |")
                continue
            curve = v["rss_curve"]
            marks = []
            for frac in (0.25, 0.5, 0.75, 1.0):
                want = frac * v["rows"]
                marks.append(next((f"{r:,}" for n, r in curve if n >= want), "—"))
            marks.append(f"{curve[-1][1]:,}" if curve else "—")
            add(f"| {MEMORY_MODES.get(mode, mode)} | {v['wall_s']:.1f} | {v['peak_rss_mb']:,} | "
                f"{' / '.join(marks)} |")
        add("")
    q = largest.get("query")
    if q and not q.get("error"):
        add(f"### Queries at {labs[-1]}, each piece of `load_view` timed alone over the 50 combinations")
        add("")
        add("| query | p50 ms | p95 ms |")
        add("|---|---|---|")
        for k, v in q["pieces"].items():
            add(f"| {k} | {v['p50_ms']:.1f} | {v['p95_ms']:.1f} |")
        add(f"| (a cursor of the shared read-only instance) | {q['connect_ms']:.1f} | |")
        if q.get("open_first_query_ms") is not None:
            add(f"| (first view after an idle release, once: open {q['open_ms']:.1f} ms + "
                f"overview) | {q['open_first_query_ms']:.1f} | |")
        add("")
        add("Slowest combinations (load_view): " + "; ".join(
            f"{s['label']} {s['load_view_ms']:.0f} ms ({s['incidents']:,} incidents)"
            for s in q["slowest_views"]))
        add("")
    pp = _g(largest, "page", "profile")
    if pp:
        add(f"### Page rerun at {labs[-1]}, cProfile of the script thread over {pp['runs']} reruns "
            f"after filter changes ({pp['wall_s']:.1f} s wall under the profiler)")
        add("")
        add("| stage (cumulative, all reruns) | s | share |")
        add("|---|---|---|")
        for st in pp["stages"]:
            add(f"| {st['stage']} | {st['seconds']:.2f} | {st['share']:.0%} |")
        add("")
        add("Top functions by own time:")
        add("")
        add("| function | calls | own s | cumulative s |")
        add("|---|---|---|---|")
        for f in pp["top_tottime"][:10]:
            add(f"| `{f['function']}` | {f['calls']:,} | {f['tottime_s']:.2f} | {f['cumtime_s']:.2f} |")
        add("")
    findings(results, add)
    add("## Method notes")
    add("")
    imp_runs = {lab: sizes[lab].get("import", {}).get("runs") for lab in labs}
    add("- Data: `generate_acled` (numpy/pandas, vectorised): municipalities drawn with department "
        "weights (Cauca, Norte de Santander, Antioquia, Nariño, Huila, Arauca heaviest) times a gamma "
        f"factor per municipality; {TOWN_SHARE:.0%} of rows on a per-municipality town point, "
        f"{DEPT_ONLY_SHARE:.0%} at the department capital with geo_precision 3, the rest uniform inside "
        "the municipality polygon (rejection sampling with `shapely.contains_xy`); coordinates at 4 "
        "decimals as ACLED publishes them; ACLED event/sub-event mix, ACLED actor names (state forces "
        "by government period), associated actors, sources, notes; dates 2018-01-01 to 2024-12-31, "
        "rising over time.")
    add(f"- Import runs per size: {imp_runs} (median; one run at 1M unless `--import-runs-1m` "
        "says more). Wall time of the `conflictmap import` child, so Python start-up and loading "
        "the boundary cache are included; CPU time from `os.wait4`.")
    add("- Query: for each of the 50 combinations, the median over the timed passes (one untimed "
        "warm-up pass first); p50/p95 are taken over the 50 medians (nearest rank). \"Core\" runs "
        "the queries of one view on one read-only connection opened once for the phase: "
        "`overview`, `aggregate` with the department context when a municipality is selected, "
        "and `newest` (5,000 rows); \"load_view\" is the dashboard's whole call, which takes a "
        "cursor of the process's shared read-only instance (`conflictmap/shared_reader.py`), "
        "builds the view's DataFrames and adds date bounds and declared territories. The first "
        "view after the instance was released (idle) also pays for opening it: measured once, "
        "separately.")
    add("- Page: `AppTest.from_file('dashboard.py')` with `CONFLICTMAP_DB` on the bench database; "
        "each change gives a filter state not seen before (checked), so `st.cache_data` misses; the "
        "rerun includes `st_folium` rendering the map HTML.")
    add("- Each phase runs in its own child process; \"peak RSS\" is that process's maximum "
        "resident set size as GNU `time -f %M` reports it (the child's own `ru_maxrss` from "
        "`os.wait4` would include the benchmark parent's high-water mark, which Linux carries "
        "over fork + exec); the phase workers' own `VmHWM` agrees.")
    add("- The machine may be shared: the highest 1-min load average seen during each size's "
        "phases is in the table; above the core count, other work (e.g. a test suite) was "
        "competing for the CPU and wall times are inflated accordingly.")
    for note in results.get("notes", []):
        add(f"- {note}")
    add("")
    return "\n".join(lines)


def findings(results: dict[str, object], add) -> None:  # noqa: ANN001, C901
    """Hotspots (and changes proposed where still open), with the numbers of this run."""
    from conflictmap.shared_reader import IDLE_SECONDS

    sizes = results["sizes"]
    labs = list(sizes)
    top = sizes[labs[-1]]
    add("## Hotspots and proposed changes (package code not changed by the benchmark)")
    add("")
    n = 0

    def item(text: str) -> None:
        nonlocal n
        n += 1
        add(f"{n}. {text}")

    im = top.get("import_memory") or {}
    as_is, py_only, before = (im.get(k) or {} for k in ("as-is", "python-only", "chunk-inserts"))
    imp = top.get("import", {})
    if as_is and not as_is.get("error"):
        peak = as_is["peak_rss_mb"]
        verdict = "within" if peak <= TARGET_MEMORY_GB * 1000 else "**over**"
        text = (f"**Import memory at {labs[-1]}: {peak:,} MB peak as shipped** ({verdict} the "
                f"{TARGET_MEMORY_GB:.0f} GB target; the `conflictmap import` child measured "
                f"{_f(imp.get('peak_rss_mb'))} MB). The import stages each prepared chunk as a "
                "Parquet file (`store.Stage`) and runs one `INSERT … SELECT FROM read_parquet` in "
                "the same transaction (still all or nothing)")
        if py_only and not py_only.get("error"):
            text += (f"; the Python side alone (read, parse, place, prepare, in chunks of "
                     f"{IMPORT_CHUNK_NOTE}) peaks at {py_only['peak_rss_mb']:,} MB")
        if before and not before.get("error"):
            text += (f". Before (each chunk inserted from pandas with `store.insert_batch` inside "
                     f"the transaction, so DuckDB held every uncommitted row until COMMIT): "
                     f"**{before['peak_rss_mb']:,} MB** peak in {before['wall_s']:.1f} s, against "
                     f"{peak:,} MB in {as_is['wall_s']:.1f} s as shipped (same conditions)")
        text += "."
        if imp.get("original_mb"):
            text += (f" The largest column is the raw-row JSON `original`: "
                     f"{imp['original_mb']:,.0f} MB of text at {labs[-1]} (the notes: "
                     f"{imp['notes_mb']:,.0f} MB); keeping it out of the hot table would also "
                     "shrink the database file.")
        item(text)

    q = top.get("query", {})
    if q and not q.get("error") and (q.get("view_p95_ms", 0) > TARGET_QUERY_P95_MS
                                     or q.get("core_p95_ms", 0) > TARGET_QUERY_P95_MS):
        slow = ", ".join(s_["label"] for s_ in q["slowest_views"][:4])
        pieces = q["pieces"]
        core_ok = q["core_p95_ms"] <= TARGET_QUERY_P95_MS
        text = (f"**Query p95 at {labs[-1]}: {q['core_p95_ms']:.0f} ms for the queries of one view "
                f"on an open connection ({'within' if core_ok else '**over**'} the "
                f"{TARGET_QUERY_P95_MS:.0f} ms target), {q['view_p95_ms']:.0f} ms for the whole "
                f"`load_view` as the page calls it** (p50 {q['core_p50_ms']:.0f} / "
                f"{q['view_p50_ms']:.0f} ms; slowest views: {slow}). Per piece at p95: "
                + ", ".join(f"{k} {v['p95_ms']:.0f} ms" for k, v in pieces.items()) + ".")
        if q["view_p95_ms"] > TARGET_QUERY_P95_MS:
            gap = q["view_p95_ms"] - q["core_p95_ms"]
            text += (f" The gap between the two measures ({gap:.0f} ms at p95) is `date_bounds`, "
                     "the declared territories and the DataFrames `load_view` builds, which the "
                     "core measure does not run.")
        item(text)
    if q and not q.get("error") and q.get("open_first_query_ms") is not None:
        item(f"**Shared read-only instance.** Views take a cursor of one read-only DuckDB "
             f"instance per process (`conflictmap/shared_reader.py`), reopened when the file "
             f"changes and released after {IDLE_SECONDS:.0f} s without a view so that imports "
             f"from the command line can take the file. Only the first view after a release "
             f"pays for opening: {q['open_first_query_ms']:.0f} ms for open + the first "
             f"`overview` here (open {q['open_ms']:.0f} ms), against {q['view_p50_ms']:.0f} ms "
             f"for a whole `load_view` (p50) once the instance is open. Before, every view "
             f"opened its own connection and paid that cost each time.")

    pp = _g(top, "page", "profile")
    if pp:
        st = {x["stage"].strip(): x["seconds"] for x in pp["stages"]}
        per = pp["runs"]
        item(f"**Page rerun (target met: median {top['page']['rerun_median_s']:.2f} s at "
             f"{labs[-1]}).** Per rerun under the profiler: `st_folium` "
             f"{st.get('st_folium (renders the map HTML)', 0) / per * 1000:.0f} ms (of which folium/"
             f"branca rendering {st.get('folium/branca render of the map', 0) / per * 1000:.0f} ms), "
             f"`mapping.build_map` {st.get('mapping.build_map', 0) / per * 1000:.0f} ms (of which "
             f"`_add_points` {st.get('mapping._add_points', 0) / per * 1000:.0f} ms, built "
             "column-wise), `load_view` "
             f"{st.get('load_view (all queries)', 0) / per * 1000:.0f} ms. Proposed: cache the "
             "rendered map per view key (or put the map in an `st.fragment`) so that widget "
             "changes that do not touch the map do not re-render it.")

    snaps = {lab: sizes[lab].get("snapshot", {}) for lab in labs}
    if all(snaps[lab] and not snaps[lab].get("error") for lab in labs) and len(labs) > 1:
        a, b = labs[-2], labs[-1]
        item(f"**Snapshot grows with the data:** national PNG {snaps[a]['national png']['median_s']:.2f} s "
             f"at {a} → {snaps[b]['national png']['median_s']:.2f} s at {b}, national HTML "
             f"{snaps[a]['national html']['median_s']:.2f} → {snaps[b]['national html']['median_s']:.2f} s, "
             "although the image itself does not change size. Every snapshot computes "
             "`queries.content_hash`: a `string_agg` of every incident in view sorted by id, then "
             "SHA-256 — O(N) with a sort"
             + (f" ({snaps[b]['national content_hash_s']:.2f} s of the national snapshot at {b}, "
                f"{snaps[b]['Huila content_hash_s']:.2f} s for Huila)"
                if "national content_hash_s" in snaps[b] else "")
             + ". Proposed: an order-independent aggregate "
             "(e.g. `bit_xor(hash(…))` plus the count) or the hash cached per (database version, "
             "filters).")

    nv = [sizes[lab].get("naive", {}) for lab in labs]
    usable = [lab for lab, v in zip(labs, nv, strict=True) if v.get("usable")]
    if usable:
        lab = usable[-1]
        v = sizes[lab]["naive"]
        ours = sizes[lab]["map"]["views"]["national, municipalities"]
        item(f"**Naive baseline:** usable only up to {lab} ({v['total_s']:.1f} s, "
             f"{v['html_mb']:.1f} MB of HTML, {v['html_without_markers_mb']:.1f} MB of it the "
             "full-resolution choropleth); ours at the same size "
             f"{ours['total_ms'] / 1000:.2f} s and {ours['html_mb']:.2f} MB, independent of the "
             "incident count.")
    add("")


def print_table(results: dict[str, object]) -> None:
    text = report(results)
    # the console gets the target table and the figures (markdown is readable as is)
    start = text.index("## Targets")
    end = text.index("## How points are limited")
    print(text[start:end])


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(label(s) for s in DEFAULT_SIZES),
                        help="comma-separated sizes, e.g. 10k,100k,1M (default: all three)")
    parser.add_argument("--quick", action="store_true", help=f"smoke run with {QUICK_SIZE:,} incidents")
    parser.add_argument("--import-runs", type=int, default=3, help="import runs below 1M (median)")
    parser.add_argument("--import-runs-1m", type=int, default=1, help="import runs at 1M (median)")
    parser.add_argument("--query-passes", type=int, default=3)
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    parser.add_argument("--profile", action="store_true", help="profile at every size, not the largest")
    parser.add_argument("--profile-full", action="store_true",
                        help="profile the import at the full size (default: at most 100k rows)")
    parser.add_argument("--keep", action="store_true", help="keep CSVs and databases in the temp folder")
    parser.add_argument("--out", help="markdown report (default: bench/RESULTS.md; none for --quick)")
    parser.add_argument("--report-only", metavar="RESULTS_JSON", help="rewrite the report from a run")
    # internal: one phase in a child process
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--passes", type=int, default=3, help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=3, help=argparse.SUPPRESS)
    parser.add_argument("--changes", type=int, default=len(PAGE_CHANGES), help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", help=argparse.SUPPRESS)
    parser.add_argument("--no-markers", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        phases = {
            "query": lambda: phase_query(args.db, args.passes),
            "map": lambda: phase_map(args.db, args.runs),
            "page": lambda: phase_page(args.db, args.changes, args.profile_out),
            "snapshot": lambda: phase_snapshot(args.db, args.runs),
            "naive": lambda: phase_naive(args.db, not args.no_markers),
            "profile-import": lambda: phase_profile_import(args.csv, args.db, args.profile_out),
            "memory-import": lambda: phase_memory_import(args.csv, args.db, args.mode),
        }
        result = phases[args.worker]()
        result["self_peak_rss_mb"] = self_peak_rss_mb()
        _dump(args.json_out, result)
        return

    if args.report_only:
        results = json.loads(Path(args.report_only).read_text())
    else:
        results = run(args)
    print_table(results)
    out = args.out or (None if (results.get("quick") and not args.report_only) else
                       str(ROOT / "bench" / "RESULTS.md"))
    if out:
        Path(out).write_text(report(results) + "\n", encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
