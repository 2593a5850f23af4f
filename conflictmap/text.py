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


IMPORT_HELP = (
    "Upload an ACLED export, a UCDP GED file or a file in ConflictMap's native format (UTF-8 or "
    "Latin-1, comma or semicolon separated). You see what would happen to every row before "
    "anything is stored; the import then runs in one transaction: all or nothing."
)
WARNINGS = {
    "admin_mismatch": (
        "{n:,} rows name a department or municipality (admin1/admin2) that differs from where their "
        "point falls; the point's municipality was kept."
    ),
    "place_mismatch": (
        "{n:,} rows name a municipality that differs from where their coordinates fall; the "
        "coordinates' municipality was kept."
    ),
}
UNKNOWN_ACTORS_HELP = (
    "These names are stored as written. Add them to conflictmap/actors.toml (as a group or an "
    "alias) to merge them with known groups."
)
