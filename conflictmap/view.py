"""One dashboard view: everything a page shows for a Filters value, computed in one place.

The Streamlit pages only read widgets, call :func:`load_view` (cached by the page) and draw what
comes back; the snapshot export builds from the same objects.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from conflictmap import geodata, queries, store
from conflictmap.divipola import Gazetteer
from conflictmap.filters import Filters, ViewOptions
from conflictmap.mapping import POINT_BUDGET, MapSpec
from conflictmap.sample import DEMO_DATASET


@dataclass
class ViewData:
    filters: Filters
    options: ViewOptions
    figures: queries.KeyFigures
    aggregates: pd.DataFrame  # for the choropleth: the focused department, not only a municipality
    points: pd.DataFrame
    total: int
    table: pd.DataFrame
    datasets: pd.DataFrame
    first_date: object
    last_date: object

    @property
    def demo_in_view(self) -> bool:
        return bool((self.datasets["dataset"] == DEMO_DATASET).any()) if len(self.datasets) else False

    @property
    def sources(self) -> list[str]:
        """Incident data sources in view, for attribution (synthetic data named as such)."""
        out: list[str] = []
        for row in self.datasets.itertuples(index=False):
            if row.dataset == DEMO_DATASET:
                out.append("synthetic demo data (not real incidents)")
            else:
                out.extend(s for s in list(row.sources) if s not in out)
        return out


def choropleth_level(filters: Filters, options: ViewOptions) -> str:
    return "municipality" if filters.dept else options.level


def load_view(
    filters: Filters,
    options: ViewOptions,
    *,
    db: str | os.PathLike[str] | None = None,
    point_budget: int = POINT_BUDGET,
    table_limit: int = 5000,
) -> ViewData:
    context = filters.with_place(filters.dept, None)
    level = choropleth_level(filters, options)
    with store.connect(db, read_only=True) as con:
        figures = queries.key_figures(con, filters)
        aggregates = queries.aggregate(con, context, level)
        points, total = queries.points(con, filters, point_budget)
        table = queries.incident_table(con, filters, table_limit)
        datasets = queries.datasets_in_view(con, filters)
        first, last = queries.date_bounds(con)
    return ViewData(
        filters=filters,
        options=options,
        figures=figures,
        aggregates=aggregates,
        points=points,
        total=total,
        table=table,
        datasets=datasets,
        first_date=first,
        last_date=last,
    )


def map_spec(view: ViewData, basemap: str = "none") -> MapSpec:
    return MapSpec(
        level=choropleth_level(view.filters, view.options),
        metric=view.options.metric,
        aggregates=view.aggregates,
        points=view.points,
        total_incidents=view.total,
        dept=view.filters.dept,
        muni=view.filters.muni,
        demo_in_view=view.demo_in_view,
        sources=view.sources,
        basemap=basemap,
    )


def breadcrumb(filters: Filters, gazetteer: Gazetteer) -> list[tuple[str, Filters]]:
    """("Colombia", filters without place), ("Huila", ...), ("Neiva", ...): each a way back."""
    crumbs = [("Colombia", filters.with_place(None, None))]
    if filters.dept:
        crumbs.append((gazetteer.department(filters.dept).dept_name, filters.with_place(filters.dept)))
    if filters.muni:
        place = gazetteer.municipality(filters.muni)
        crumbs.append((place.muni_name or filters.muni, filters))
    return crumbs


def place_label(filters: Filters, gazetteer: Gazetteer) -> str:
    return " › ".join(label for label, _ in breadcrumb(filters, gazetteer))


def display_table(table: pd.DataFrame, boundaries: geodata.Boundaries) -> pd.DataFrame:
    """The incident table with place names instead of bare codes (codes kept beside them)."""
    depts = dict(zip(boundaries.departments["dept_code"], boundaries.departments["dept_name"], strict=True))
    munis = dict(
        zip(boundaries.municipalities["muni_code"], boundaries.municipalities["muni_name"], strict=True)
    )
    out = table.copy()
    out.insert(6, "department", out["dept_code"].map(depts))
    out.insert(7, "municipality", out["muni_code"].map(munis))
    return out
