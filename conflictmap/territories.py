"""Armed-group territories: declared claims, claims inferred from incidents, dissolved areas.

A facade over the modules that do the work, so callers can keep importing one name:

- :mod:`conflictmap.territory_claims`: the claim record, its levels and dates, checking claim
  rows, reading claim CSV and GeoJSON files (no database);
- :mod:`conflictmap.territory_store`: the SQL: importing and storing checked claims in one
  transaction, replacing them from the editor, claims valid in a window, inferred claims;
- :mod:`conflictmap.territory_view`: the areas the map draws (dissolved by group and level),
  contested municipalities, group colours;
- :mod:`conflictmap.territory_export`: territories as a GeoJSON FeatureCollection;
- :mod:`conflictmap.territory_editor`: the Territories page's view model (saving reads the
  data editor's own edited, added and deleted rows).
"""

from __future__ import annotations

from conflictmap.territory_claims import (
    CLAIM_COLUMNS,
    DEFAULT_MIN_INCIDENTS,
    LEVEL_SYNONYMS,
    LEVELS,
    MANUAL_DATASET,
    OVERLAP_THRESHOLD,
    REQUIRED,
    STORED_COLUMNS,
    ClaimReport,
    TerritoryError,
    _parse_day,
    geojson_rows,
    parse_level,
    read_file,
    validate,
)
from conflictmap.territory_export import FeatureCollection, export_collection, export_geojson
from conflictmap.territory_store import (
    claims,
    import_claims,
    inferred,
    replace_claims,
    store_claims,
)
from conflictmap.territory_view import (
    FIXED_COLOURS,
    LEVEL_OPACITY,
    PALETTE,
    Area,
    ContestedArea,
    TerritoryView,
    build_view,
    contested,
    group_colour,
)

__all__ = [
    "CLAIM_COLUMNS",
    "DEFAULT_MIN_INCIDENTS",
    "FIXED_COLOURS",
    "LEVELS",
    "LEVEL_OPACITY",
    "LEVEL_SYNONYMS",
    "MANUAL_DATASET",
    "OVERLAP_THRESHOLD",
    "PALETTE",
    "REQUIRED",
    "STORED_COLUMNS",
    "Area",
    "ClaimReport",
    "ContestedArea",
    "FeatureCollection",
    "TerritoryError",
    "TerritoryView",
    "_parse_day",
    "build_view",
    "claims",
    "contested",
    "export_collection",
    "export_geojson",
    "geojson_rows",
    "group_colour",
    "import_claims",
    "inferred",
    "parse_level",
    "read_file",
    "replace_claims",
    "store_claims",
    "validate",
]
