"""What an export may carry under each source's terms (conflictmap/export_terms.py), function by
function: the policy's dataset lists and note, aggregate rows, the citation block, and what
ConflictMap changed, counted on a small database written row by row. Expected values are literals
worked out by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import Point

from conflictmap import export_terms, source_terms, store
from conflictmap.export_terms import ExportPolicy
from conflictmap.filters import Filters
from conflictmap.source_terms import Terms

ACLED_URL = "https://acleddata.com/terms-of-use/"
ACLED = Terms("acled", "ACLED Terms of Use", ACLED_URL, "aggregates", "ACLED cite.", date(2024, 3, 1))
ZETA = Terms("zeta", "Zeta licence", None, "aggregates", None, None)
CONF = Terms("conf", "Confidential", None, "no", None, None)
GED = Terms("ged", "CC BY 4.0", "https://cc/by", "yes", "Sundberg 2013.", date(2024, 1, 2))
# not in name order: every list the policy gives is sorted
POLICY = ExportPolicy({"zeta": ZETA, "ged": GED, "conf": CONF, "acled": ACLED})
OWN_USE = ExportPolicy(dict(POLICY.terms), own_use=True)

AGGREGATE_SENTENCE = (
    "acled, zeta are given as counts per municipality (or department) and month, not as incident "
    "rows: their terms allow sharing only aggregates (acled: ACLED Terms of Use "
    f"({ACLED_URL}); zeta: Zeta licence)."
)
WITHHELD_SENTENCE = "conf are left out: their terms allow no redistribution (confidential)."
OWN_USE_SENTENCE = (
    "Exported for the exporter's own use: incident rows of acled, conf, zeta are included "
    "although their terms allow sharing only aggregates or nothing. Do not share this file."
)
PLACES_LINE = (
    "Places: every incident with a point was assigned its DANE department and municipality by "
    "point in polygon (MGN 2018)."
)


# ---- the policy --------------------------------------------------------------------------------


def test_policy_lists_are_sorted_and_split_by_redistribution() -> None:
    assert POLICY.aggregated == ["acled", "zeta"]
    assert POLICY.withheld == ["conf"]
    assert POLICY.overridden == []
    assert POLICY.allowed_datasets == ["ged"]
    assert POLICY.restricted is True
    assert [POLICY.rows_allowed(d) for d in ("acled", "conf", "ged", "not-in-view")] == [
        False, False, True, True
    ]


def test_own_use_lifts_every_restriction_and_names_the_overridden() -> None:
    assert (OWN_USE.aggregated, OWN_USE.withheld) == ([], [])
    assert OWN_USE.overridden == ["acled", "conf", "zeta"]
    assert OWN_USE.allowed_datasets == ["acled", "conf", "ged", "zeta"]
    assert OWN_USE.restricted is False
    assert OWN_USE.rows_allowed("conf") is True


@pytest.mark.parametrize(
    "policy",
    [ExportPolicy({"ged": GED}), ExportPolicy({"zeta": ZETA}), ExportPolicy({"conf": CONF})],
)
def test_restricted_means_aggregated_or_withheld(policy: ExportPolicy) -> None:
    assert policy.restricted is (policy.terms != {"ged": GED})
    assert ExportPolicy({"ged": GED}, own_use=True).overridden == []


def test_note_with_counts_without_counts_and_own_use() -> None:
    assert POLICY.note(1234, 5) == f"1,234 incidents of {AGGREGATE_SENTENCE} 5 incidents of {WITHHELD_SENTENCE}"
    assert POLICY.note() == f"{AGGREGATE_SENTENCE} {WITHHELD_SENTENCE}"
    assert POLICY.note(0, 0) == POLICY.note()
    assert OWN_USE.note(3, 4) == OWN_USE_SENTENCE
    assert ExportPolicy({"ged": GED}).note(7, 7) == ""
    assert ExportPolicy({"conf": CONF}).note(None, 2) == f"2 incidents of {WITHHELD_SENTENCE}"
    two = ExportPolicy({"zconf": Terms("zconf", "Own", None, "no", None, None), "conf": CONF})
    assert two.note() == "conf, zconf are left out: their terms allow no redistribution (confidential)."


def test_note_in_spanish_counts_with_a_dot() -> None:
    from conflictmap import i18n

    with i18n.using("es"):
        note = ExportPolicy({"zeta": ZETA}).note(4632)
    assert note.startswith("4.632 ")


def test_policy_as_json() -> None:
    counts = {"acled": 3, "zeta": 2, "conf": 4, "ged": 7}
    assert POLICY.as_json(counts) == {
        "incident_rows_from": ["ged"],
        "aggregated_datasets": ["acled", "zeta"],
        "withheld_datasets": ["conf"],
        "aggregated_incidents": 5,
        "withheld_incidents": 4,
        "own_use": False,
        "own_use_datasets": [],
        "note": f"5 incidents of {AGGREGATE_SENTENCE} 4 incidents of {WITHHELD_SENTENCE}",
    }
    assert OWN_USE.as_json()["own_use"] is True
    assert OWN_USE.as_json()["own_use_datasets"] == ["acled", "conf", "zeta"]
    assert POLICY.as_json()["aggregated_incidents"] == 0
    assert POLICY.as_json()["note"] == POLICY.note()


# ---- rows, aggregates and the note row ---------------------------------------------------------

COLUMNS = ["incident_id", "dataset", "event_date", "dept_code", "muni_code", "fatalities",
           "latitude", "notes", "citation"]
# not in group order: the aggregates come out sorted by dataset, place and month
FRAME_ROWS = [
    ("g1", "ged", "2022-09-02", "41", "41001", 2, 2.93, "n1", "Sundberg 2013."),
    ("a1", "acled", "2022-09-20", "41", "41001", 3, 2.9, "", ""),
    ("a2", "acled", "2022-10-05", "41", "41001", 0, 2.9, "", ""),
    ("a3", "acled", "2022-09-01", "54", "54810", 1, 8.6, "", ""),
    ("a4", "acled", "2022-09-03", "05", None, 4, None, "", ""),
    ("c1", "conf", "2022-09-04", "08", "08001", 9, 11.0, "", ""),
    ("a5", "acled", "2022-09-30", "41", "41001", 2, 2.9, "", ""),
    ("a6", "acled", "2022-09-05", None, None, 0, None, "", ""),
    ("g2", "ged", "2024-02-29", "11", "11001", 1, 4.6, "n2", "Sundberg 2013."),
]


def frame() -> pd.DataFrame:
    return pd.DataFrame(FRAME_ROWS, columns=COLUMNS)


def plain(df: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(None if pd.isna(v) else v for v in row) for row in df[columns].itertuples(index=False)]


def test_aggregate_rows_count_per_dataset_place_and_month() -> None:
    out = export_terms.aggregate_rows(frame(), ExportPolicy({"acled": ACLED, "ged": GED}))
    assert list(out.columns) == [*COLUMNS, "row_kind", "month", "incidents"]
    assert plain(out, ["dataset", "dept_code", "muni_code", "month", "incidents", "fatalities",
                       "row_kind", "incident_id", "event_date", "latitude"]) == [
        ("acled", None, None, "2022-09", 1, 0, "aggregate", None, None, None),
        ("acled", "05", None, "2022-09", 1, 4, "aggregate", None, None, None),
        ("acled", "41", "41001", "2022-09", 2, 5, "aggregate", None, None, None),
        ("acled", "41", "41001", "2022-10", 1, 0, "aggregate", None, None, None),
        ("acled", "54", "54810", "2022-09", 1, 1, "aggregate", None, None, None),
    ]
    assert out["notes"].tolist()[2] == "2 incidents of acled in 2022-09 (aggregate: ACLED Terms of Use)"
    assert out["citation"].tolist() == ["ACLED cite."] * 5
    # the incident columns of an aggregate row are empty cells (None), not NaN
    assert out["incident_id"].tolist() == [None] * 5 and out["event_date"].tolist() == [None] * 5


def test_aggregate_rows_without_a_citation_column_or_a_citation() -> None:
    df = frame().drop(columns=["citation"])
    out = export_terms.aggregate_rows(df, ExportPolicy({"zeta": ZETA}))
    assert len(out) == 0 and list(out.columns) == [*COLUMNS[:-1], "row_kind", "month", "incidents"]
    df.loc[df["dataset"] == "conf", "dataset"] = "zeta"
    out = export_terms.aggregate_rows(df, ExportPolicy({"zeta": ZETA}))
    assert "citation" not in out.columns
    assert out["notes"].tolist() == ["1 incidents of zeta in 2022-09 (aggregate: Zeta licence)"]
    with_cite = frame()
    with_cite.loc[with_cite["dataset"] == "conf", "dataset"] = "zeta"
    assert export_terms.aggregate_rows(with_cite, ExportPolicy({"zeta": ZETA}))["citation"].tolist() == [""]


def test_apply_policy_keeps_allowed_rows_then_aggregates_then_the_note() -> None:
    out = export_terms.apply_policy(frame(), POLICY)
    assert list(out.columns) == [*COLUMNS, "row_kind", "month", "incidents"]
    assert out.index.tolist() == list(range(8))  # one row per position, no repeated labels
    assert plain(out, ["row_kind", "incident_id", "dataset", "muni_code", "month", "incidents",
                       "fatalities"]) == [
        ("incident", "g1", "ged", "41001", None, 1, 2),
        ("incident", "g2", "ged", "11001", None, 1, 1),
        ("aggregate", None, "acled", None, "2022-09", 1, 0),
        ("aggregate", None, "acled", None, "2022-09", 1, 4),
        ("aggregate", None, "acled", "41001", "2022-09", 2, 5),
        ("aggregate", None, "acled", "41001", "2022-10", 1, 0),
        ("aggregate", None, "acled", "54810", "2022-09", 1, 1),
        ("note", None, None, None, None, None, None),
    ]
    # 6 acled rows aggregated, 1 conf row left out
    assert out["notes"].iloc[-1] == f"6 incidents of {AGGREGATE_SENTENCE} 1 incidents of {WITHHELD_SENTENCE}"
    # counts stay whole numbers (odd ones too); coordinates stay decimals
    assert str(out["fatalities"].dtype) == "Int64"
    assert str(out["incidents"].dtype) == "Int64"
    assert out["latitude"].dtype == "float64"
    assert out["latitude"].tolist()[:2] == [2.93, 4.6]


def test_apply_policy_leaves_an_unrestricted_frame_as_it_is() -> None:
    df = frame()
    assert export_terms.apply_policy(df, ExportPolicy({"ged": GED})) is df
    assert export_terms.apply_policy(df, ExportPolicy({})) is df


def test_apply_policy_own_use_keeps_every_row_and_says_so() -> None:
    out = export_terms.apply_policy(frame(), OWN_USE)
    assert out["incident_id"].tolist()[:-1] == [r[0] for r in FRAME_ROWS]
    assert out["row_kind"].tolist() == ["incident"] * 9 + ["note"]
    assert out["notes"].iloc[-1] == OWN_USE_SENTENCE


def test_aggregate_points_at_the_municipality_else_the_department() -> None:
    reps = {"41001": (-75.28, 2.93), "05": (-75.5, 7.0)}
    df = pd.DataFrame(
        {
            "row_kind": ["aggregate", "aggregate", "aggregate", "aggregate", "aggregate",
                         "incident", "note"],
            "muni_code": ["41001", None, "", "99999", None, "41001", None],
            "dept_code": ["41", "05", "05", "99", None, "41", None],
        },
        index=[10, 11, 12, 13, 14, 15, 16],
    )
    points = export_terms.aggregate_points(df, reps)
    assert points.index.tolist() == [10, 11, 12, 13, 14, 15, 16]
    got = [None if p is None else (p.x, p.y) for p in points]
    assert got == [(-75.28, 2.93), (-75.5, 7.0), (-75.5, 7.0), None, None, None, None]
    assert isinstance(points[10], Point)


def test_restrict_points_keeps_allowed_datasets_only() -> None:
    points = pd.DataFrame({"dataset": ["acled", "ged", "conf", "ged"], "x": [1, 2, 3, 4]},
                          index=[5, 6, 7, 8])
    kept = export_terms.restrict_points(points, POLICY)
    assert kept.to_dict("list") == {"dataset": ["ged", "ged"], "x": [2, 4]}
    assert kept.index.tolist() == [0, 1]
    assert export_terms.restrict_points(points, ExportPolicy({"ged": GED})) is points
    assert export_terms.restrict_points(points, OWN_USE) is points
    empty = points.iloc[0:0]
    assert export_terms.restrict_points(empty, POLICY) is empty


# ---- the citation block ------------------------------------------------------------------------


def test_change_lines_in_order_and_only_what_happened() -> None:
    changes = {"snapped": 2, "placed by name": 1, "unplaced": 0, "repeated": 1234, "matched": 3}
    assert export_terms.change_lines(changes, "2 names merged") == [
        "Actor names: aliases merged to canonical names by the actor registry and by analysts' "
        "mappings — 2 names merged",
        "2 incidents placed in the nearest municipality (the source's point lay just outside it).",
        "1 incidents placed by the municipality the source names (its point lay elsewhere).",
        "3 reports describe an event another dataset also reports and were counted once, with that "
        "event (cross-source matching rules: ConflictMap README).",
        "1,234 rows repeated identically in their file were kept as separate incidents (as often as "
        "the source lists them).",
        PLACES_LINE,
    ]
    assert export_terms.change_lines({"unplaced": 5}, None) == [
        "5 incidents kept as events in Colombia (no place that resolves).", PLACES_LINE
    ]
    assert export_terms.change_lines({}, "") == [PLACES_LINE]


def test_change_lines_in_spanish() -> None:
    from conflictmap import i18n

    with i18n.using("es"):
        lines = export_terms.change_lines({"snapped": 4632}, None)
    assert lines[0].startswith("4.632 ")
    assert "nearest" not in lines[0]


CITATION_TEXT = "\n".join([
    "ConflictMap view, exported 2024-02-29.",
    "",
    "Sources:",
    f"- acled: ACLED cite. Terms: ACLED Terms of Use <{ACLED_URL}>; redistribution: aggregates. "
    "Accessed 2024-03-01.",
    "- conf: (no citation recorded) Terms: Confidential; redistribution: no. Accessed unknown.",
    "- ged: Sundberg 2013. Terms: CC BY 4.0 <https://cc/by>; redistribution: yes. Accessed 2024-01-02.",
    "- zeta: (no citation recorded) Terms: Zeta licence; redistribution: aggregates. Accessed unknown.",
    "",
    "Filters: Huila, 2022",
    "",
    "Changes made by ConflictMap:",
    "- one change",
    "- another",
    "",
    f"{AGGREGATE_SENTENCE} {WITHHELD_SENTENCE}",
])


def test_citation_text() -> None:
    text = export_terms.citation_text(POLICY, "Huila, 2022", ["one change", "another"], date(2024, 2, 29))
    assert text == CITATION_TEXT


def test_citation_text_of_an_empty_view_is_dated_today() -> None:
    text = export_terms.citation_text(ExportPolicy(), "Colombia", [])
    assert text == "\n".join([
        f"ConflictMap view, exported {date.today().isoformat()}.",
        "",
        "Sources:",
        "- no incidents in view",
        "",
        "Filters: Colombia",
        "",
        "Changes made by ConflictMap:",
    ])


def test_citation_block() -> None:
    block = export_terms.citation_block(
        POLICY, filters_text="Huila, 2022", filter_params={"dept": "41"},
        changes=["one change", "another"], exported=date(2024, 2, 29),
    )
    assert block == {
        "sources": [
            {"dataset": "acled", "terms": "ACLED Terms of Use", "terms_url": ACLED_URL,
             "redistribution": "aggregates", "citation": "ACLED cite.", "access_date": "2024-03-01"},
            {"dataset": "conf", "terms": "Confidential", "terms_url": None,
             "redistribution": "no", "citation": "", "access_date": None},
            {"dataset": "ged", "terms": "CC BY 4.0", "terms_url": "https://cc/by",
             "redistribution": "yes", "citation": "Sundberg 2013.", "access_date": "2024-01-02"},
            {"dataset": "zeta", "terms": "Zeta licence", "terms_url": None,
             "redistribution": "aggregates", "citation": "", "access_date": None},
        ],
        "filters": "Huila, 2022",
        "filter_params": {"dept": "41"},
        "changes": ["one change", "another"],
        "exported": "2024-02-29",
        "text": CITATION_TEXT,
    }
    today = export_terms.citation_block(ExportPolicy(), filters_text="", filter_params={}, changes=[])
    assert today["exported"] == date.today().isoformat()
    assert str(today["text"]).startswith(f"ConflictMap view, exported {date.today().isoformat()}.")


# ---- counted in a database ---------------------------------------------------------------------

INSERT = (
    "INSERT INTO incidents (incident_id, event_date, date_precision, event_type, fatalities, "
    "geo_precision, dept_code, muni_code, place_note, source, dataset, imported_at, actor_bits, "
    "actor1_raw) VALUES (?, ?, 'day', 'Battles', 1, 2, ?, ?, ?, 'test', ?, "
    "TIMESTAMP '2024-03-01 00:00:00', 0, ?)"
)
# (id, date, dept, muni, place_note, dataset)
DB_ROWS = [
    ("a1", "2022-09-02", "41", "41001", "snapped: 12 m outside", "acled"),
    ("a2", "2022-09-03", "41", "41001", "placed by name: Neiva", "acled"),
    ("g1", "2022-09-04", None, None, "unplaced: no place (said: 'snapped:')", "ged"),
    ("ged:0123456789abcdef-2", "2022-09-05", "05", "05001", None, "ged"),
    ("ged:0123456789abcdef-1", "2022-09-06", "05", "05001", "placed by name: Medellín", "ged"),
    ("ged:0123456789abcde-1", "2022-09-07", "05", "05001", None, "ged"),  # 15 hex digits
    ("ged:0123456789ABCDEF-1", "2022-09-08", "08", "08001", None, "ged"),  # upper case
    ("c1", "2022-09-09", "41", "41001", "snapped: 3 m", "conf"),
]


def _write_db(path: Path, matched: bool) -> Path:
    with store.connect(path) as con:
        for row in DB_ROWS:
            raw = {"a1": "Ejército de Liberación Nacional", "c1": "Ejercito de Liberacion Nacional",
                   "g1": "Autodefensas Gaitanistas de Colombia"}.get(row[0])
            con.execute(INSERT, [row[0], row[1], row[2], row[3], row[4], row[5], raw])
        con.execute(source_terms.SCHEMA)
        con.execute(
            "INSERT INTO dataset_terms (dataset, terms_name, terms_url, redistribution, citation, "
            "access_date) VALUES ('acled', 'ACLED Terms of Use', ?, 'aggregates', 'ACLED cite.', "
            "DATE '2024-03-01'), ('conf', 'Confidential', NULL, 'no', NULL, NULL)",
            [ACLED_URL],
        )
        if matched:  # a1 (acled) reports the event g1 (ged) reports: a1 is counted with it
            con.execute(
                "INSERT INTO event_matches (incident_id, event_id, score, explanation) VALUES "
                "('g1', 'g1', 90, 'primary'), ('a1', 'g1', 90, 'same day and place')"
            )
    return path


@pytest.fixture(scope="module")
def terms_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_db(tmp_path_factory.mktemp("terms") / "terms.duckdb", matched=False)


@pytest.fixture(scope="module")
def matched_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_db(tmp_path_factory.mktemp("matched") / "matched.duckdb", matched=True)


def test_datasets_in_view_and_their_policy(terms_db: Path) -> None:
    with store.connect(terms_db, read_only=True) as con:
        assert export_terms.datasets_in(con, Filters()) == {"acled": 2, "conf": 1, "ged": 5}
        assert export_terms.datasets_in(con, Filters(dept="41")) == {"acled": 2, "conf": 1}
        policy, counts = export_terms.policy_for(con, Filters(dept="05"), own_use=True)
    assert counts == {"ged": 3}
    assert policy == ExportPolicy(
        {"ged": Terms("ged", "Own or unspecified terms", None, "yes", None, None)}, own_use=True
    )
    with store.connect(terms_db, read_only=True) as con:
        policy, _ = export_terms.policy_for(con, Filters(dept="41"))
    assert policy.own_use is False and policy.aggregated == ["acled"] and policy.withheld == ["conf"]


def test_changes_counts_placements_and_repeated_rows(terms_db: Path) -> None:
    with store.connect(terms_db, read_only=True) as con:
        assert export_terms.changes_in(con, Filters()) == {
            "snapped": 2, "placed by name": 2, "unplaced": 1, "repeated": 2
        }
        assert export_terms.changes_in(con, Filters(dept="08")) == {
            "snapped": 0, "placed by name": 0, "unplaced": 0, "repeated": 0
        }


def test_changes_count_the_reports_matched_to_another(matched_db: Path) -> None:
    with store.connect(matched_db, read_only=True) as con:
        # counting events, a1 is counted with g1's event: not in view itself
        assert export_terms.changes_in(con, Filters()) == {
            "snapped": 1, "placed by name": 2, "unplaced": 1, "repeated": 2, "matched": 1
        }
        assert export_terms.changes_in(con, Filters(count="reports")) == {
            "snapped": 2, "placed by name": 2, "unplaced": 1, "repeated": 2
        }
        # in Huila: a1 is matched (its event's primary, g1, has no place)
        assert export_terms.changes_in(con, Filters(dept="41")) == {
            "snapped": 1, "placed by name": 1, "unplaced": 0, "repeated": 0, "matched": 1
        }


def test_view_policy_sentence(terms_db: Path) -> None:
    policy, sentence = export_terms.view_policy(Filters(), terms_db)
    assert policy.aggregated == ["acled"] and policy.withheld == ["conf"]
    assert sentence == (
        "2 incidents of acled are given as counts per municipality (or department) and month, not "
        f"as incident rows: their terms allow sharing only aggregates (acled: ACLED Terms of Use "
        f"({ACLED_URL})). 1 incidents of conf are left out: their terms allow no redistribution "
        "(confidential)."
    )
    own, sentence = export_terms.view_policy(Filters(dept="41"), terms_db, own_use=True)
    assert own.overridden == ["acled", "conf"]
    assert sentence == (
        "Exported for the exporter's own use: incident rows of acled, conf are included although "
        "their terms allow sharing only aggregates or nothing. Do not share this file."
    )
    assert export_terms.view_policy(Filters(dept="05"), terms_db) == (
        ExportPolicy({"ged": Terms("ged", "Own or unspecified terms", None, "yes", None, None)}), ""
    )


def test_cite_view_lists_sources_filters_and_changes(terms_db: Path, mini_geography) -> None:
    lines = export_terms.cite_view(Filters(dept="41"), mini_geography, terms_db).splitlines()
    assert lines[0] == f"ConflictMap view, exported {date.today().isoformat()}."
    assert lines[3:5] == [
        f"- acled: ACLED cite. Terms: ACLED Terms of Use <{ACLED_URL}>; redistribution: aggregates. "
        "Accessed 2024-03-01.",
        "- conf: (no citation recorded) Terms: Confidential; redistribution: no. Accessed unknown.",
    ]
    assert lines[5] == ""
    assert lines[6].startswith("Filters: ") and "Huila" in lines[6]
    assert "- 2 incidents placed in the nearest municipality (the source's point lay just outside it)." in lines
    assert "- 1 incidents placed by the municipality the source names (its point lay elsewhere)." in lines
    assert f"- {PLACES_LINE}" in lines
    # ELN in two spellings in Huila (a1, c1); AGC (g1) is outside it
    actor_line = (
        "- Actor names: aliases merged to canonical names by the actor registry and by analysts' "
        "mappings — {n} distinct actor names: {n} resolved by the actor registry, 0 by hand "
        "mappings, 0 unresolved (kept as written)."
    )
    assert lines[lines.index("Changes made by ConflictMap:") + 1] == actor_line.format(n=1)
    everywhere = export_terms.cite_view(Filters(), mini_geography, terms_db).splitlines()
    assert actor_line.format(n=2) in everywhere


def test_reading_a_missing_database_creates_no_file(tmp_path: Path, mini_geography) -> None:
    missing = tmp_path / "missing.duckdb"
    assert export_terms.view_policy(Filters(), missing) == (ExportPolicy(), "")
    text = export_terms.cite_view(Filters(), None, missing)  # the pinned boundaries
    assert text.splitlines()[2:4] == ["Sources:", "- no incidents in view"]
    assert not missing.exists()


def test_apply_policy_counts_only_the_datasets_in_the_frame() -> None:
    # conf is withheld by the policy but has no row here: the note gives no count for it
    df = frame()
    out = export_terms.apply_policy(df[df["dataset"] != "conf"], POLICY)
    assert out["notes"].iloc[-1] == f"6 incidents of {AGGREGATE_SENTENCE} {WITHHELD_SENTENCE}"


def test_apply_policy_of_only_withheld_rows_is_the_note_row_with_every_column() -> None:
    df = frame()
    out = export_terms.apply_policy(df[df["dataset"] == "conf"], ExportPolicy({"conf": CONF}))
    assert list(out.columns) == [*COLUMNS, "row_kind", "month", "incidents"]
    assert plain(out, ["row_kind", "incident_id", "fatalities", "incidents", "notes"]) == [
        ("note", None, None, None, f"1 incidents of {WITHHELD_SENTENCE}")
    ]
