"""Sample data loaded into an empty database.

By default the sample is real: the two seed incidents (seed-events.csv) and the UCDP GED Colombia
file (ucdp_ged_colombia_1989_2018_hdx.csv, CC BY 4.0; provenance and citation in the folder's
README.md and conflictmap/sources.py), plus one dated annotation. The files ship inside the
package (``conflictmap/data/sample/``, read with importlib.resources), so ``conflictmap sample``
works from any folder and from an installed package.

For scale tests, ``synthetic=True`` (``conflictmap sample --synthetic``) loads the seed incidents
with a synthetic demo set instead of the UCDP file, and synthetic territory claims. The synthetic
set is generated, not shipped: a fixed seed over the real municipalities gives the same ~5,000
incidents on every machine (it needs the boundaries, which are never committed). Every synthetic
record says so in its dataset ("synthetic-demo"), source and notes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from conflictmap import ingest, sources, store
from conflictmap.geography import Geography, load_geography
from conflictmap.i18n import N_
from conflictmap.messages import Message
from conflictmap.schema import EVENT_TYPES

# a package installed by pip is a folder on disk, so the packaged files have real paths
SAMPLE_DIR = Path(str(resources.files("conflictmap") / "data" / "sample"))
SEED_FILE = SAMPLE_DIR / "seed-events.csv"
SEED_DATASET = "seed-events"
UCDP_FILE = SAMPLE_DIR / "ucdp_ged_colombia_1989_2018_hdx.csv"
UCDP_DATASET = "ucdp-ged-colombia"
ANNOTATION = (date(2022, 8, 7), "New government takes office (Petro)")
DEMO_DATASET = "synthetic-demo"


def is_synthetic(dataset: object, sources: list[object] | tuple[object, ...] = ()) -> bool:
    """The one rule for synthetic demo data: the demo datasets (incidents and territory claims
    are named "synthetic-…") or the generator's source under any dataset name."""
    return str(dataset).startswith("synthetic") or DEMO_SOURCE in sources


DEMO_SOURCE = "ConflictMap synthetic demo generator (not real incidents)"
DEMO_SEED = 20220902
DEMO_SIZE = 5000
DEMO_START, DEMO_END = date(2018, 1, 1), date(2024, 12, 31)

# Relative weight of each department; the hot spots named by the foundation issue are denser.
DEPT_WEIGHTS = {"19": 14, "54": 13, "05": 11, "41": 8, "52": 9, "81": 8}
OTHER_DEPT_WEIGHT = 1.2

EVENT_MIX = {
    "Battles": 0.28,
    "Explosions/Remote violence": 0.14,
    "Violence against civilians": 0.30,
    "Protests": 0.14,
    "Riots": 0.05,
    "Strategic developments": 0.09,
}
SUB_EVENTS = {
    "Battles": [
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ],
    "Explosions/Remote violence": ["Remote explosive/landmine/IED", "Grenade", "Air/drone strike"],
    "Violence against civilians": ["Attack", "Abduction/forced disappearance", "Sexual violence"],
    "Protests": ["Peaceful protest", "Protest with intervention"],
    "Riots": ["Violent demonstration", "Mob violence"],
    "Strategic developments": ["Disrupted weapons use", "Arrests", "Looting/property destruction"],
}
MEAN_FATALITIES = {
    "Battles": 1.1,
    "Explosions/Remote violence": 0.7,
    "Violence against civilians": 0.9,
    "Protests": 0.0,
    "Riots": 0.05,
    "Strategic developments": 0.05,
}
# Armed groups active by department (synthetic, loosely following public reporting on who is where).
GROUPS_BY_DEPT = {
    "19": ["Dagoberto Ramos Mobile Column", "Carlos Patiño Front", "Jaime Martínez Front", "ELN"],
    "54": ["ELN", "Frente 33", "Clan del Golfo"],
    "05": ["Clan del Golfo", "ELN", "Estado Mayor Central"],
    "41": ["Dagoberto Ramos Mobile Column", "Ismael Ruiz Front", "Estado Mayor Central"],
    "52": ["Segunda Marquetalia", "ELN", "Estado Mayor Central", "Clan del Golfo"],
    "81": ["ELN", "Estado Mayor Central"],
    "27": ["ELN", "Clan del Golfo"],
    "23": ["Clan del Golfo"],
    "13": ["Clan del Golfo", "ELN"],
    "47": ["ACSN", "Clan del Golfo"],
    "44": ["ACSN"],
}
DEFAULT_GROUPS = ["Clan del Golfo", "ELN", "FARC dissidents", "Unidentified armed group"]
TARGETS = ["Military", "Police", "Civilians"]


def demo_frame(geo: Geography | None = None, size: int = DEMO_SIZE) -> pd.DataFrame:
    """The synthetic demo incidents as a native-format table (all cells strings), placed in the
    municipalities of ``geo`` (the pinned boundaries' when None)."""
    geo = geo or load_geography()
    rng = np.random.default_rng(DEMO_SEED)
    munis = geo.municipalities.reset_index(drop=True)
    weights = munis["dept_code"].map(DEPT_WEIGHTS).fillna(OTHER_DEPT_WEIGHT).to_numpy(dtype=float)
    # within a department some municipalities are much busier than others
    weights = weights * rng.gamma(0.7, 1.0, len(munis))
    weights = weights / munis.groupby("dept_code")["muni_code"].transform("count").to_numpy()
    chosen = rng.choice(len(munis), size=size, p=weights / weights.sum())
    xs, ys = _points_in(munis.geometry.to_numpy(), chosen, rng)

    kinds = rng.choice(list(EVENT_MIX), size=size, p=list(EVENT_MIX.values()))
    days = (DEMO_END - DEMO_START).days
    dates = [
        DEMO_START.fromordinal(DEMO_START.toordinal() + int(d))
        for d in rng.integers(0, days + 1, size)
    ]
    rows = []
    for i in range(size):
        muni = munis.iloc[chosen[i]]
        kind = str(kinds[i])
        groups = GROUPS_BY_DEPT.get(muni["dept_code"], DEFAULT_GROUPS)
        group = str(groups[min(int(rng.geometric(0.55)) - 1, len(groups) - 1)])
        if kind in ("Protests", "Riots"):
            actor1, actor2 = ("Protesters" if kind == "Protests" else "Rioters"), ""
            if rng.random() < 0.3:
                actor2 = "Police"
        elif kind == "Violence against civilians":
            actor1, actor2 = group, "Civilians"
        elif kind == "Strategic developments":
            actor1, actor2 = ("Military" if rng.random() < 0.6 else "Police"), group
        else:
            actor1 = group
            actor2 = (
                str(rng.choice(TARGETS[:2]))
                if rng.random() < 0.75
                else str(rng.choice([g for g in DEFAULT_GROUPS if g != group]))
            )
        rows.append(
            {
                "incident_id": f"demo:{i + 1:05d}",
                "event_date": dates[i].isoformat(),
                "date_precision": "day",
                "event_type": kind,
                "sub_event_type": str(rng.choice(SUB_EVENTS[kind])),
                "actor1": actor1,
                "actor2": actor2,
                "fatalities": str(int(rng.poisson(MEAN_FATALITIES[kind]))),
                "latitude": f"{ys[i]:.5f}",
                "longitude": f"{xs[i]:.5f}",
                "geo_precision": "1",
                "municipality": "",
                "department": "",
                "location": f"{muni['muni_name']} (synthetic)",
                "source": DEMO_SOURCE,
                "source_url": "",
                "notes": "SYNTHETIC demo record: not a real incident.",
            }
        )
    assert set(EVENT_MIX) == set(EVENT_TYPES)
    return pd.DataFrame(rows)


def _points_in(
    geoms: np.ndarray, chosen: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A uniform random point inside the chosen municipality for each entry (rejection sampling)."""
    xs = np.empty(len(chosen))
    ys = np.empty(len(chosen))
    for muni in np.unique(chosen):
        slots = np.flatnonzero(chosen == muni)
        geom = geoms[muni]
        minx, miny, maxx, maxy = geom.bounds
        filled = 0
        while filled < len(slots):
            need = (len(slots) - filled) * 4 + 8
            cx = rng.uniform(minx, maxx, need)
            cy = rng.uniform(miny, maxy, need)
            inside = shapely.contains_xy(geom, cx, cy)
            take = min(int(inside.sum()), len(slots) - filled)
            xs[slots[filled : filled + take]] = cx[inside][:take]
            ys[slots[filled : filled + take]] = cy[inside][:take]
            filled += take
    return xs, ys


@dataclass
class SampleResult:
    loaded: bool
    reports: list[ingest.ImportReport]
    message: str


def load_sample(
    db: str | os.PathLike[str] | None = None, *, force: bool = False, synthetic: bool = False
) -> SampleResult:
    """Load the sample, only into an empty database (unless ``force``).

    Default: the seed incidents, the UCDP GED Colombia file and the annotation: all real.
    ``synthetic``: the seed incidents, the synthetic demo incidents, the synthetic territory
    claims and the annotation, without the UCDP file (a known set for scale tests; load both
    with ``load_sample(db)`` then ``load_sample(db, synthetic=True, force=True)``).
    """
    with store.connect(db) as con:
        existing = store.count_incidents(con)
    if existing and not force:
        said = Message(
            N_("database already holds {n} incidents; sample not loaded"), n=int(existing)
        )
        return SampleResult(False, [], said)
    reports = [ingest.import_file(Path(SEED_FILE), fmt="native", db=db, dataset=SEED_DATASET)]
    if synthetic:
        reports.append(
            ingest.import_frame(
                demo_frame(), name="synthetic-demo", fmt="native", db=db, dataset=DEMO_DATASET
            )
        )
    else:
        reports.append(ingest.import_file(Path(UCDP_FILE), fmt="ucdp", db=db, dataset=UCDP_DATASET))
    claims = load_sample_territories(db) if synthetic else 0
    from conflictmap import annotations

    with store.connect(db) as con:
        if annotations.all_annotations(con).empty:
            annotations.add(con, *ANNOTATION)
    seed, second = reports
    # the message: English in the JSON output, the reader's language when printed or shown
    message: str
    if synthetic:
        message = Message(
            N_(
                "loaded {seed} seed incidents, {demo} SYNTHETIC demo incidents and {claims} "
                "SYNTHETIC territory claims (not real)"
            ),
            seed=seed.inserted,
            demo=second.inserted,
            claims=claims,
        )
    else:
        message = Message(
            N_("loaded {seed} seed incidents and {n} incidents from {source}"),
            seed=seed.inserted,
            n=second.inserted,
            source=sources.UCDP.attribution,
        )
        if second.rejected:
            message = Message(
                N_("{loaded}; {n} UCDP rows rejected (see {file})"),
                loaded=message,
                n=second.rejected,
                file=str(second.rejects_file),
            )
    return SampleResult(True, reports, message)


TERRITORY_FILE = SAMPLE_DIR / "territories-synthetic.csv"
TERRITORY_DATASET = "synthetic-demo-territories"


def load_sample_territories(db: str | os.PathLike[str] | None = None) -> int:
    """Load the synthetic demo claims into a database that has none; return how many."""
    from conflictmap import territories

    with store.connect(db) as con:
        existing = con.execute("SELECT count(*) FROM territory_claims").fetchall()[0][0]
    if existing:
        return 0
    report = territories.import_claims(TERRITORY_FILE, db=db, dataset=TERRITORY_DATASET)
    return report.inserted
