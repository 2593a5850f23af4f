"""Performance guards that do not depend on machine speed (issue 7): sizes and counts, not seconds.

Two databases of 10,000 and 100,000 synthetic incidents are written straight into the store
(codes assigned from the generating municipality, so no point-in-polygon work is timed or
needed); the map the browser receives must not grow with the incident count beyond the fixed
point budget, and never carry more points than the budget.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conflictmap import mapping, store
from conflictmap.filters import Filters, ViewOptions
from conflictmap.schema import EVENT_TYPES, RECORD_COLUMNS
from conflictmap.view import load_view, map_spec


def synthetic_db(path: Path, n: int, boundaries) -> Path:
    rng = np.random.default_rng(7)
    munis = boundaries.municipalities
    pick = rng.integers(0, len(munis), n)
    reps = munis.geometry.representative_point()
    frame = pd.DataFrame(
        {
            "incident_id": [f"guard:{i}" for i in range(n)],
            "event_date": pd.to_datetime("2018-01-01")
            + pd.to_timedelta(rng.integers(0, 2500, n), unit="D"),
            "date_precision": "day",
            "event_type": rng.choice(list(EVENT_TYPES), n),
            "sub_event_type": "",
            "event_type_original": "",
            "actor1": rng.choice(["ELN", "Clan del Golfo", "Military", "Police"], n),
            "actor2": None,
            "assoc_actors": [[] for _ in range(n)],
            "actor1_raw": "",
            "actor2_raw": "",
            "assoc_actors_raw": "",
            "fatalities": rng.poisson(0.8, n).astype("int32"),
            "fatalities_low": None,
            "fatalities_high": None,
            "victims": None,
            "latitude": reps.y.to_numpy()[pick],
            "longitude": reps.x.to_numpy()[pick],
            "geo_precision": np.int16(1),
            "dept_code": munis["dept_code"].to_numpy()[pick],
            "muni_code": munis["muni_code"].to_numpy()[pick],
            "place_note": None,
            "location": "",
            "notes": "",
            "source": "guard",
            "source_url": "",
            "dataset": "guard",
            "imported_at": pd.Timestamp(datetime(2024, 1, 1)),
            "original": "",
        }
    )
    frame["event_date"] = frame["event_date"].dt.date
    with store.connect(path) as con, store.transaction(con), store.stage(con, path) as staged:
        staged.add(frame.loc[:, list(RECORD_COLUMNS)])
        staged.insert()
    return path


@pytest.fixture(scope="module")
def dbs(tmp_path_factory: pytest.TempPathFactory, boundaries) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("guards")
    return {n: synthetic_db(folder / f"g{n}.duckdb", n, boundaries) for n in (10_000, 100_000)}


def _html(db: Path, filters: Filters, level: str, boundaries) -> str:
    view = load_view(filters, ViewOptions(level=level), db=db)
    return mapping.build_map(map_spec(view), boundaries).get_root().render()


def _points_in(html: str) -> int:
    match = re.search(r'var d = (\{.*?"rows":.*?\});\n', html, flags=re.S)
    if not match:
        return 0
    payload = json.loads(match.group(1).replace("\\u003c", "<").replace("\\u003e", ">"))
    return len(payload["rows"])


@pytest.mark.parametrize("level", ["department", "municipality"])
def test_national_map_payload_does_not_grow_with_incidents(dbs, boundaries, level: str) -> None:
    small = _html(dbs[10_000], Filters(), level, boundaries)
    large = _html(dbs[100_000], Filters(), level, boundaries)
    # both at the point budget: same geometry, same number of points -> nearly the same size
    assert _points_in(small) == _points_in(large) == mapping.POINT_BUDGET
    assert len(large) < 1.10 * len(small), (len(small), len(large))
    assert len(large.encode()) < 2.5e6  # the budget for any incident count


def test_points_sent_never_exceed_the_budget(dbs, boundaries) -> None:
    for filters in (Filters(), Filters(dept="41"), Filters(date_from=date(2020, 1, 1))):
        html = _html(dbs[100_000], filters, "municipality", boundaries)
        assert _points_in(html) <= mapping.POINT_BUDGET
    # and a view with fewer incidents than the budget sends all of them, no more
    few = Filters(dept="41", date_from=date(2019, 1, 1), date_to=date(2019, 1, 31))
    view = load_view(few, ViewOptions(), db=dbs[100_000])
    assert view.total < mapping.POINT_BUDGET
    assert _points_in(_html(dbs[100_000], few, "municipality", boundaries)) == view.total


def test_legend_says_when_points_are_limited(dbs, boundaries) -> None:
    html = _html(dbs[100_000], Filters(), "department", boundaries)
    assert f"the {mapping.POINT_BUDGET:,} most recent of 100,000 incidents" in html
