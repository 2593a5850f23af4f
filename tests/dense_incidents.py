"""A few thousand incidents for the map tests (tests/conftest.py ``dense_db``): points inside
real municipality polygons, dense in Neiva (a third of them on its town centre, as sources code
them), some placed only to a department (Huila, Cauca) or only to Colombia. Deterministic.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import shapely

from conflictmap import ingest

NEIVA = "41001"
# Neiva's town and its surroundings, as a map zoomed to the town shows them
NEIVA_VIEW = (2.86, -75.36, 3.00, -75.20)  # south, west, north, east
NEIVA_TOWN = shapely.Point(-75.2819, 2.9273)  # the town centre, where sources place them
COLUMNS = [
    "incident_id", "event_date", "event_type", "sub_event_type", "actor1", "actor2",
    "fatalities", "latitude", "longitude", "geo_precision", "municipality", "department",
    "location", "source", "source_url", "notes",
]
TYPES = ["Battles", "Explosions/Remote violence", "Violence against civilians", "Protests"]
# municipality -> incidents with a point inside it (Neiva dense; the rest spread over Colombia)
PLACES = {NEIVA: 700, "41551": 250, "19001": 500, "54001": 400, "05001": 500, "52835": 300,
          "81001": 200, "11001": 300, "88001": 30}
N_SPREAD = 600  # further points in random municipalities
N_DEPT_ONLY = {"Huila": 90, "Cauca": 60}  # geo_precision 3
N_COUNTRY = 25  # geo_precision 4, no department


def _points_in(geom, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    minx, miny, maxx, maxy = geom.bounds
    xs: list[float] = []
    ys: list[float] = []
    while len(xs) < n:
        cx = rng.uniform(minx, maxx, 4 * n)
        cy = rng.uniform(miny, maxy, 4 * n)
        inside = shapely.contains_xy(geom, cx, cy)
        xs.extend(cx[inside].tolist())
        ys.extend(cy[inside].tolist())
    return np.round(np.array(xs[:n]), 5), np.round(np.array(ys[:n]), 5)


def write_fixture(path: Path, boundaries) -> int:
    rng = np.random.default_rng(19)
    munis = boundaries.municipalities.set_index("muni_code")
    rows: list[list[object]] = []

    def add(lat, lon, precision, muni, dept, location) -> None:
        i = len(rows)
        rows.append([
            f"t{i}", f"2022-{1 + i % 12:02d}-{1 + i % 28:02d}", TYPES[i % len(TYPES)], "x",
            "ELN" if i % 3 else "AGC", "Civilians", str(i % 4) if i % 7 else "", lat, lon,
            precision, muni, dept, location, "test source", "", "",
        ])

    spread = rng.choice(munis.index.to_numpy(), N_SPREAD)
    wanted = dict(PLACES)
    for code in spread:
        wanted[code] = wanted.get(code, 0) + 1
    for code, n in wanted.items():
        geom = munis.loc[code].geometry
        xs, ys = _points_in(geom, n, rng)
        town = NEIVA_TOWN if code == NEIVA else shapely.point_on_surface(geom)
        for k, (x, y) in enumerate(zip(xs, ys, strict=True)):
            if k % 3 == 0:  # a third on the town point, as sources code them
                x, y = round(town.x, 5), round(town.y, 5)
            add(y, x, 1 if k % 2 else 2, "", "", f"place {code}")
    for dept, n in N_DEPT_ONLY.items():
        for _ in range(n):
            add("", "", 3, "", dept, f"somewhere in {dept}")
    for _ in range(N_COUNTRY):
        add("", "", 4, "", "", "Colombia")
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return len(rows)




def build(folder: Path, boundaries) -> Path:
    """Write the incidents as a native CSV in ``folder`` and import them into a new database."""
    n = write_fixture(folder / "incidents.csv", boundaries)
    db = folder / "dense.duckdb"
    report = ingest.import_file(folder / "incidents.csv", fmt="native", db=db)
    assert (report.inserted, report.rejected) == (n, 0), report.rejects[:3]
    return db
