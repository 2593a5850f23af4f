"""Interface strings in one place: English msgids, translated where they are shown.

A constant marked ``N_("…")`` is in the gettext catalogue (conflictmap/i18n.py): the page shows
it as ``_(text.NAME)``. Unmarked constants are still English-only (their pages are not
translated yet).
"""

from __future__ import annotations

import re

from conflictmap.i18n import N_, _

PAGE_TITLE = N_("ConflictMap — Colombia")
DATA_IN_VIEW = N_("Data in view")
NO_DATA = N_("No incidents match the filters.")
DEMO_NOTICE = N_(
    "Synthetic demo data is in view: those incidents are generated for demonstration and are "
    "not real events. Import real data with `conflictmap import FILE` (see README)."
)
DEMO_CAPTION = N_("⚠️ Includes SYNTHETIC demo incidents (dataset “synthetic-demo”) — not real events.")
NO_BOUNDARIES = N_(
    "The boundary file could not be loaded, so the map cannot be drawn. Nothing was changed."
)
DB_BUSY = N_("The database is busy: another program is writing to it. Nothing was changed.")
ACTOR_HELP = N_(
    "Matches actor 1, actor 2 and associated actors. Aliases are merged (AGC = Clan del Golfo); "
    "an umbrella such as 'FARC dissidents' includes its factions."
)

DETAIL_HINT = N_("Select a row to see the incident's notes, every stored field and the source record.")
DETAIL_TITLE = N_("Incident")
DETAIL_ORIGINAL = N_("Original record, as imported from the source")
DETAIL_GONE = N_("That incident is no longer in the database (its dataset was deleted).")


# The characters Markdown and Streamlit give a meaning, backslash-escaped (CommonMark shows an
# escaped punctuation character as itself): \ escapes; ` code; * _ ~ emphasis and strikethrough;
# [ ] ( ) ! links and images; < > HTML, autolinks and quotes; & entities; # + - . = headings and
# lists; | tables; $ LaTeX; : { } Streamlit's :red[...]{...} directives and :shortcodes:.
_MD_SPECIAL = re.compile(r"[\\`*_~\[\]()!<>&#+\-.=|$:{}]")
# What a backslash cannot stop, because the browser side matches it in the text after the
# escapes are resolved, or in the raw source before parsing: GFM's bare links
# (``http://…``, ``www.…``, ``name@host``), Streamlit's ``:material/icon:`` and ``:streamlit:``
# shortcodes, and its typographic replacements (``->`` becomes an arrow). A WORD JOINER
# (U+2060, invisible, no line break) goes between the characters those patterns need adjacent.
_MD_JOINED = re.compile(
    r"(?i)(?<=:)(?=[a-z/])|(?<=@)(?=\S)|(?<=www)(?=\.)|(?<=[-<>~])(?=[-<>=])"
)
WORD_JOINER = "\u2060"


def md_escape(value: object) -> str:
    """``value`` as Markdown that Streamlit shows as the same text, and nothing else.

    For every value that comes from outside (a URL, a file, a form, the database, an exception
    message) and is shown by a Markdown-rendering call (st.markdown, st.write, st.caption,
    alerts, toasts, labels, help, tab and expander titles): no link, image, HTML, emphasis,
    heading, list, table, LaTeX, coloured text, icon or shortcode comes from the value. Each
    character Markdown gives a meaning is backslash-escaped (``_MD_SPECIAL``); the patterns
    matched after escapes are resolved are broken by an invisible word joiner (``_MD_JOINED``).
    """
    joined = _MD_JOINED.sub(WORD_JOINER, str(value))
    return _MD_SPECIAL.sub(r"\\\g<0>", joined)


# ACLED's event types (stored values stay English: conflictmap.schema.EVENT_TYPES) as shown
EVENT_TYPE_LABELS = {
    "Battles": N_("Battles"),
    "Explosions/Remote violence": N_("Explosions/Remote violence"),
    "Violence against civilians": N_("Violence against civilians"),
    "Protests": N_("Protests"),
    "Riots": N_("Riots"),
    "Strategic developments": N_("Strategic developments"),
}


def event_type_label(value: str) -> str:
    """An event type as shown in the current language (an unknown one as it is stored)."""
    label = EVENT_TYPE_LABELS.get(value)
    return _(label) if label else value


def about(boundary_attribution: str, sources: list[str]) -> str:
    lines = [
        _("**Boundaries.**")
        + " "
        + boundary_attribution
        + ". "
        + _(
            "DANE, Marco Geoestadístico Nacional 2018, converted to TopoJSON by the public "
            "repository caticoa3/colombia_mapa; downloaded from a pinned URL and verified by "
            "SHA-256."
        ),
        "",
        _("**Incident sources in view.**")
        + " "
        + ("; ".join(md_escape(s) for s in sources) if sources else _("none")),
        "",
        _(
            "Place and group names are given as used in Colombia. Fatalities are shown as the "
            "sources report them: never estimated or rounded."
        ),
    ]
    return "\n".join(lines)


IMPORT_HELP = N_(
    "Upload an ACLED export, a UCDP GED file, a file in ConflictMap's native format, or any "
    "other table (CSV in any encoding and separator, Excel .xlsx, LibreOffice .ods): the "
    "memory centre's case tables and the Policía's open-data exports are recognised from their "
    "header; for other tables you map the columns once and save the layout. You see what would "
    "happen to every row before anything is stored; the import then runs in one transaction: "
    "all or nothing."
)
UPLOAD_LIMITS = N_(
    "At most {mb} MB per file (Streamlit's `server.maxUploadSize` in .streamlit/config.toml "
    "sets it) and {rows} rows (the environment variable `{env}` raises it; "
    "`conflictmap import` on the command line has no size limit)."
)
LAYOUT_HELP = N_(
    "How the file's columns become incidents. A layout recognised from the header is chosen "
    "for you; pick 'Map the columns myself' to start from a proposal made from the column "
    "names, correct it in the table and save it under a name for the next file like this one."
)
WARNINGS = {
    "admin_mismatch": N_(
        "{n} rows name a department or municipality (admin1/admin2) that differs from where "
        "their "
        "point falls; the point's municipality was kept."
    ),
    "place_mismatch": N_(
        "{n} rows name a municipality that differs from where their coordinates fall; the "
        "coordinates' municipality was kept."
    ),
    "snapped": N_(
        "{n} rows have a point just outside every municipality (coast, river, border: within "
        "5 km); each was given the nearest municipality, as its placement note says."
    ),
    "placed_by_name": N_(
        "{n} rows have a point outside every municipality; each was placed by the place names "
        "the source gives (municipality, or department only), as its placement note says."
    ),
    "unplaced_outside": N_(
        "{n} rows from a source that says the event is in Colombia have a point outside the "
        "country and no place name that resolves; they are kept, counted, and not drawn."
    ),
    "repeated_rows": N_(
        "{n} rows repeat an earlier row of the file exactly (the file has no ids); each is "
        "stored as the publisher counts it, with its own id."
    ),
    "date_order_assumed": N_(
        "Every numeric date in the file reads both as day/month and month/day; they were read "
        "in the order shown under 'date order' (the layout's date order can change it)."
    ),
}
HXL_NOTE = N_(
    "; the HXL hashtag row under the header (#date, #adm1…, as HDX files carry) describes the "
    "columns and is not imported"
)
REPORT_CAPTION = N_(
    "Fatalities read {read} = stored {stored} + duplicates {duplicate} + rejected "
    "{rejected} {check}. Every row read is on one line below."
)
UNKNOWN_ACTORS_HELP = N_(
    "Names no registry group or class resolves are stored as written. Map one to a group or "
    "class below (or `conflictmap actors map \"NAME\" --to GROUP`): the stored incidents and "
    "every later import follow. Names that belong in the registry for everyone go in "
    "conflictmap/actors.toml."
)

DECLARED_HELP = N_(
    "Presence recorded by analysts (e.g. early-warning reports), municipality by municipality, "
    "valid in the date range. Darker = recurrent presence, lighter = occasional, palest = transit."
)
INFERRED_HELP = N_(
    "Municipalities where an armed group took part in at least k of the filtered incidents: "
    "labelled 'inferred from incidents', drawn dashed."
)
NO_TERRITORIES = N_("No territories in view: none declared for the filters, and inferred ones are off.")
TERRITORIES_HELP = N_(
    "Presence of armed groups recorded municipality by municipality: a claim is a group, a "
    "municipality, a validity period and a level (recurrent, occasional, transit) with its source. "
    "A municipality claimed by two or more groups at once is shown as contested."
)
DEMO_TERRITORIES = N_(
    "The claims of dataset “synthetic-demo-territories” are SYNTHETIC demo data, not real "
    "assessments."
)
TERRITORY_IMPORT_HELP = N_(
    "CSV columns: group, municipality (DANE code or name), department (only for ambiguous names), "
    "valid_from, valid_to (empty: open), level, source. GeoJSON: polygons with a `group` property "
    "(and optionally valid_from, valid_to, level, source); each becomes claims on the "
    "municipalities it covers by at least a quarter (25 %) of their area."
)

# ---- Data page (conflictmap.data_admin); numbers arrive formatted (i18n.number)
PREVIEW_CAPTION = N_("Preview of {rows} rows (first {first})")
PREVIEW_CAPTION_UNCOUNTED = N_("Preview (first {first} rows)")
IMPORT_SUMMARY = N_(
    "Imported {inserted} incidents into “{dataset}”; {duplicates} duplicates skipped, "
    "{rejected} rejected."
)
INCIDENT_SAVED = N_("Saved in dataset “{dataset}”. It is on the map now.")
INCIDENT_DUPLICATE = N_("An identical incident is already stored; nothing was added.")
INCIDENT_NOT_SAVED = N_("Not saved: {reason}. Correct the form and save again.")

# ---- Territories page (conflictmap.territory_editor); numbers arrive formatted (i18n.number)
CLAIMS_SAVED = N_("Saved: {inserted} claims added or changed, {removed} removed or replaced.")
CLAIMS_NOT_SAVED = N_("Nothing was saved. Fix these rows and save again:")
CLAIMS_IMPORTED = N_(
    "Read {read}; inserted {inserted} claims, {duplicates} duplicates, {rejected} rejected."
)
CLAIMS_UNKNOWN_GROUP = N_(
    "{n} claims name a group the actor registry does not know; kept as written."
)

# ---- Trends page (conflictmap.trends_view); numbers arrive formatted (i18n.number)
# the periods of the charts and the playback, as a noun inside a sentence (capitalised alone)
GRAIN_LABELS = {"week": N_("week"), "month": N_("month"), "quarter": N_("quarter"), "year": N_("year")}
COARSER_NOTE = N_(
    "From {start:%Y-%m-%d} to {end:%Y-%m-%d} by {wanted} would be {n} {what}: shown by "
    "{used} instead ({m} {what}; at most {limit}). Narrow the date range to see {wanted}s."
)
BARS = N_("bars")
FRAMES = N_("frames")
PIVOT_OUTSIDE = N_("{problem}. Choose a date inside the filtered range.")
RATE_CHANGE = N_("Daily incident rate after vs before: {incidents} · daily fatality rate: {fatalities}")
NO_INCIDENTS_BEFORE = N_("n/a (no incidents before)")
NO_FATALITIES_BEFORE = N_("n/a (no fatalities before)")
UNEQUAL_WINDOWS = N_(" · the windows differ in length: compare the rates, not the counts.")
PLAYBACK_CAPTION = N_("{n} frames; colour classes fixed across frames ({classes}).")


# a territory claim's level (stored English: conflictmap.territory_claims.LEVELS) as shown; the
# Spanish names are those of the early-warning reports, which an import also reads
TERRITORY_LEVELS = {
    "recurrent": N_("recurrent"),
    "occasional": N_("occasional"),
    "transit": N_("transit"),
}


def territory_level_label(level: str) -> str:
    """A claim's level in the current language ("presencia recurrente"); unknown ones as stored."""
    label = TERRITORY_LEVELS.get(level)
    return _(label) if label else level


def grain_label(grain: str) -> str:
    """A period ("month") in the current language, lower case as inside a sentence."""
    label = GRAIN_LABELS.get(grain)
    return _(label) if label else grain
