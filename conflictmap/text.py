"""Interface strings in one place (English now; a Spanish interface comes later)."""

from __future__ import annotations

import re

PAGE_TITLE = "ConflictMap — Colombia"
DATA_IN_VIEW = "Data in view"
NO_DATA = "No incidents match the filters."
DEMO_NOTICE = (
    "Synthetic demo data is in view: those incidents are generated for demonstration and are "
    "not real events. Import real data with `conflictmap import FILE` (see README)."
)
DEMO_CAPTION = "⚠️ Includes SYNTHETIC demo incidents (dataset “synthetic-demo”) — not real events."
NO_BOUNDARIES = (
    "The boundary file could not be loaded, so the map cannot be drawn. Nothing was changed."
)
ACTOR_HELP = (
    "Matches actor 1, actor 2 and associated actors. Aliases are merged (AGC = Clan del Golfo); "
    "an umbrella such as 'FARC dissidents' includes its factions."
)


def md_escape(value: str) -> str:
    """Data shown through Markdown stays text: no links, images or emphasis from the data."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", str(value))


def about(boundary_attribution: str, sources: list[str]) -> str:
    lines = [
        "**Boundaries.** " + boundary_attribution + ". DANE, Marco Geoestadístico Nacional 2018, "
        "converted to TopoJSON by the public repository caticoa3/colombia_mapa; downloaded from a "
        "pinned URL and verified by SHA-256.",
        "",
        "**Incident sources in view.** " + ("; ".join(md_escape(s) for s in sources) if sources else "none"),
        "",
        "Place and group names are given as used in Colombia. Fatalities are shown as the sources "
        "report them: never estimated or rounded.",
    ]
    return "\n".join(lines)
