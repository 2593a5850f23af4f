"""Placement notes: how the importer placed an incident whose point did not decide its place.

The importer (:func:`conflictmap.ingest._place`) stores a note in English on the incident
(``place_note``): stored values never change with the language, and databases written before
the interface spoke Spanish hold the same text. A person reads the note in their own language:
:func:`shown` recognises each note written from the templates below (a regular expression made
from the template itself, so what is written and what is recognised cannot drift apart) and
writes it again in the reader's language; any other text (a note of an older version, a note
typed by hand) is shown as it is stored. Data exports (CSV, GeoJSON) keep the stored value.

The first word of each note (``snapped:``, ``placed by name:``, ``unplaced:``) is what
:mod:`conflictmap.export_terms` and :mod:`conflictmap.store` count by; it is part of the
template.
"""

from __future__ import annotations

import re
import string

from conflictmap import i18n
from conflictmap.i18n import N_

SNAPPED = N_("snapped: the point {point} lies {km} km outside {place}, the nearest municipality")
PLACED_BY_NAME_NOWHERE = N_(
    "placed by name: the point {point} lies outside every municipality; the source names {place}"
)
PLACED_BY_NAME_ELSEWHERE = N_(
    "placed by name: the point {point} lies outside {place}, which the source names"
)
UNPLACED = N_(
    "unplaced: the point {point} lies outside every municipality and the source names no place "
    "that resolves; kept as an event in Colombia"
)
# the most specific first: a note matches one template only, but try the longer ones first
TEMPLATES = (SNAPPED, PLACED_BY_NAME_NOWHERE, PLACED_BY_NAME_ELSEWHERE, UNPLACED)

# what each placeholder holds, as :func:`point` and :func:`snapped` write it
_FIELDS = {
    "point": r"\(-?\d+(?:\.\d+)?, -?\d+(?:\.\d+)?\)",  # (2.93000, -75.28000)
    "km": r"\d+(?:\.\d+)?",  # 1.2 (English decimal point, no grouping)
    "place": r".+",  # "Neiva (41001), Huila" or "Huila (41)": a place label, as it is
}


def point(lat: float, lon: float) -> str:
    """A source's point as the notes write it: ``(2.93000, -75.28000)`` (in every language)."""
    return f"({lat:.5f}, {lon:.5f})"


def snapped(point_text: str, km: float, place: str) -> str:
    """The stored note of a point just outside ``place``, the nearest municipality."""
    return SNAPPED.format(point=point_text, km=f"{km:.1f}", place=place)


def placed_by_name(point_text: str, place: str, *, near: bool) -> str:
    """The stored note of a point placed at the municipality the source names: ``near`` when
    the point lies just outside that municipality, else it lies outside every one."""
    template = PLACED_BY_NAME_ELSEWHERE if near else PLACED_BY_NAME_NOWHERE
    return template.format(point=point_text, place=place)


def unplaced(point_text: str) -> str:
    """The stored note of a point outside every municipality kept as an event in Colombia."""
    return UNPLACED.format(point=point_text)


def _pattern(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(f"(?P<{name}>{_FIELDS[name]})")
    return re.compile("".join(parts))


_PATTERNS = tuple((template, _pattern(template)) for template in TEMPLATES)


def shown(note: str, lang: str | None = None) -> str:
    """A stored placement note as a person reads it in ``lang`` (default: the current
    language); a note no template wrote is returned as it is."""
    lang = i18n.normalize(lang) or i18n.current()
    for template, pattern in _PATTERNS:
        found = pattern.fullmatch(note)
        if found is None:
            continue
        params = found.groupdict()
        if "km" in params:
            params["km"] = i18n.number(float(params["km"]), lang, decimals=1)
        try:
            return i18n.translations(lang).gettext(template).format(**params)
        except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
            return note
    return note
