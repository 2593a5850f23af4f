"""Territories as the map draws them: declared areas (one per group and level), inferred areas
(one per group), contested municipalities, each dissolved from municipality boundaries, and
the groups' colours.

A municipality claimed by two or more groups in the same window is *contested* (derived, never
entered).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import pandas as pd
import shapely

from conflictmap.geography import Geography, load_geography
from conflictmap.territory_claims import DEFAULT_MIN_INCIDENTS, LEVELS

LEVEL_OPACITY = {"recurrent": 0.55, "occasional": 0.35, "transit": 0.18}


# Stable colours: the headline groups fixed, others from a palette by a hash of the name.
# No purples (the choropleth) and no event-type hues at full strength.
FIXED_COLOURS = {
    "ELN": "#b2182b",
    "Clan del Golfo": "#2166ac",
    "Dagoberto Ramos Mobile Column": "#1b7837",
    "Frente 33": "#8c510a",
    "Estado Mayor Central": "#35978f",
    "Segunda Marquetalia": "#c51b7d",
    "ACSN": "#4d4d4d",
}
PALETTE = ("#e08214", "#01665e", "#7f3b08", "#543005", "#d6604d", "#4393c3", "#878787", "#b35806")


def group_colour(group: str) -> str:
    if group in FIXED_COLOURS:
        return FIXED_COLOURS[group]
    digest = int(hashlib.md5(group.encode("utf-8")).hexdigest(), 16)
    return PALETTE[digest % len(PALETTE)]


def contested(claim_frame: pd.DataFrame) -> pd.DataFrame:
    """Municipalities claimed by two or more groups: muni_code, groups (sorted list)."""
    if claim_frame.empty:
        return pd.DataFrame(columns=["muni_code", "groups"])
    per_muni = claim_frame.groupby("muni_code")["group_name"].agg(lambda s: sorted(set(s)))
    out = per_muni[per_muni.map(len) >= 2]
    return out.rename("groups").reset_index()


@dataclass(frozen=True)
class Area:
    group: str
    kind: str  # "declared" | "inferred"
    level: str | None  # declared: recurrent/occasional/transit; inferred: None
    municipalities: tuple[str, ...]
    sources: tuple[str, ...]
    valid_from: date | None
    valid_to: date | None  # None: open
    colour: str
    geometry: shapely.Geometry


@dataclass(frozen=True)
class ContestedArea:
    muni_code: str
    groups: tuple[str, ...]
    geometry: shapely.Geometry


@dataclass
class TerritoryView:
    areas: list[Area]
    contested: list[ContestedArea]
    min_incidents: int = DEFAULT_MIN_INCIDENTS

    @property
    def groups(self) -> list[str]:
        return sorted({a.group for a in self.areas})


def _validity(frame: pd.DataFrame) -> tuple[date | None, date | None]:
    start = pd.to_datetime(frame["valid_from"]).min()
    ends = frame["valid_to"]
    end = None if ends.isna().any() else pd.to_datetime(ends).max()
    return (start.date() if pd.notna(start) else None, end.date() if end is not None else None)


def build_view(
    claim_frame: pd.DataFrame,
    inferred_frame: pd.DataFrame | None = None,
    *,
    geo: Geography | None = None,
    simplified: bool = True,
    min_incidents: int = DEFAULT_MIN_INCIDENTS,
) -> TerritoryView:
    """Declared areas (one per group and level), inferred areas (one per group) and contested
    municipalities, each dissolved by ``geo`` (the pinned boundaries' when None)."""
    geo = geo or load_geography()
    areas: list[Area] = []
    for (group_key, level_key), part in claim_frame.groupby(["group_name", "level"], sort=True):
        group, level = str(group_key), str(level_key)  # text columns (NULL keys are dropped)
        codes = tuple(sorted(set(part["muni_code"])))
        start, end = _validity(part)
        areas.append(
            Area(
                group,
                "declared",
                level,
                codes,
                tuple(sorted(set(part["source"]))),
                start,
                end,
                group_colour(group),
                geo.dissolve(codes, simplified=simplified),
            )
        )
    if inferred_frame is not None and not inferred_frame.empty:
        for group_key, part in inferred_frame.groupby("group_name", sort=True):
            group = str(group_key)
            codes = tuple(sorted(set(part["muni_code"])))
            areas.append(
                Area(
                    group,
                    "inferred",
                    None,
                    codes,
                    ("inferred from incidents",),
                    None,
                    None,
                    group_colour(group),
                    geo.dissolve(codes, simplified=simplified),
                )
            )
    both = contested(claim_frame)
    disputed = [
        ContestedArea(code, tuple(groups), geo.dissolve((code,), simplified=simplified))
        for code, groups in zip(both["muni_code"], both["groups"], strict=True)
    ]
    areas.sort(key=lambda a: (a.kind, a.group, LEVELS.index(a.level) if a.level else 0))
    return TerritoryView(areas, disputed, min_incidents)
