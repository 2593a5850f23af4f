"""The one reader (and writer) of URL query parameters, for every page.

A shared link carries the same names on every page: ``from``, ``to``, ``actor`` and ``type``
(repeatable), ``dept`` and ``muni`` (the :class:`~conflictmap.filters.Filters`), ``level`` and
``metric`` (the map's :class:`~conflictmap.filters.ViewOptions`), and ``grain`` with ``metric``
(the Trends page's :class:`TrendOptions`), and ``lang`` (``es`` or ``en``: the interface language,
written only when it is not the default, so a link keeps it on every page). Reading is lenient: a bad value is dropped (the
filters say why in ``problems``), never fatal. A page hands over ``st.query_params`` as a plain
mapping of name -> list of values and gets everything it needs back from :func:`read`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from conflictmap import i18n
from conflictmap.filters import (
    METRICS,
    Filters,
    Params,
    ViewOptions,
    clamp_dates,
    param_value,
)
from conflictmap.trends import GRAINS

FILTER_KEYS = ("from", "to", "actor", "type", "dept", "muni", "count")


@dataclass(frozen=True)
class TrendOptions:
    """The Trends page's chart options: the period of a bar and the measure."""

    grain: str = "month"
    metric: str = "incidents"

    def __post_init__(self) -> None:
        if self.grain not in GRAINS:
            raise ValueError(f"unknown period '{self.grain}' (use one of: {', '.join(GRAINS)})")
        if self.metric not in METRICS:
            raise ValueError(f"unknown measure '{self.metric}' (use one of: {', '.join(METRICS)})")

    def to_params(self) -> dict[str, str]:
        return {"grain": self.grain, "metric": self.metric}

    @classmethod
    def from_params(cls, params: Params) -> TrendOptions:
        grain, metric = param_value(params, "grain"), param_value(params, "metric")
        return cls(
            grain=grain if grain in GRAINS else "month",
            metric=metric if metric in METRICS else "incidents",
        )


@dataclass(frozen=True)
class UrlState:
    """What a link asks for. ``filters`` are kept within the days a date widget can show
    (``problems`` say what was moved or ignored); ``has_filters`` is whether the link names any
    filter at all (else a page keeps the filters the user set on another page)."""

    params: Mapping[str, tuple[str, ...]]
    filters: Filters
    problems: tuple[str, ...]
    has_filters: bool
    trend: TrendOptions
    lang: str | None = None  # the link's language (None: the link names none, or a bad one)

    def view_options(self, *, has_dept: bool | None = None) -> ViewOptions:
        """The map's level and metric; without a level in the link, a chosen department (by
        default the link's) shows its municipalities."""
        dept = bool(self.filters.dept) if has_dept is None else has_dept
        return ViewOptions.from_params(self.params, has_dept=dept)


def _as_lists(params: Params) -> dict[str, tuple[str, ...]]:
    return {
        str(k): (v,) if isinstance(v, str) else tuple(str(x) for x in v)
        for k, v in params.items()
    }


def read(params: Params, *, last: date | None = None) -> UrlState:
    """Everything a link says, read once. ``last`` is the newest stored day: a link may name a
    later one only up to it (or today), see :func:`~conflictmap.filters.clamp_dates`."""
    lists = _as_lists(params)
    filters, problems = Filters.from_params(lists)
    date_from, date_to, moved = clamp_dates(filters.date_from, filters.date_to, last=last)
    if moved:
        filters = replace(filters, date_from=date_from, date_to=date_to)
    return UrlState(
        params=lists,
        filters=filters,
        problems=tuple(problems + moved),
        has_filters=any(k in lists for k in FILTER_KEYS),
        trend=TrendOptions.from_params(lists),
        lang=i18n.normalize(param_value(lists, "lang")),
    )


def write(
    filters: Filters, *options: ViewOptions | TrendOptions, lang: str | None = None
) -> dict[str, str | list[str]]:
    """The URL parameters of a view: the filters, then each page's options, then the language
    (left out when it is the default one: old links and the default stay short)."""
    out: dict[str, str | list[str]] = dict(filters.to_params())
    for o in options:
        out.update(o.to_params())
    chosen = i18n.normalize(lang)
    if chosen and chosen != i18n.default_language():
        out["lang"] = chosen
    return out


def same(current: Params, wanted: Params) -> bool:
    """Whether the address bar already says ``wanted`` (a value or a list of values per name):
    then a page does not rewrite it (no needless rerun)."""
    return _as_lists(current) == _as_lists(wanted)
