"""Issue 16 item 2: saved watchlists (conflictmap/watchlists.py): storage on DuckDB and
PostgreSQL (``--backend postgresql``), the editor permission and the audit entry, and the
Watchlist page's link ``watch=NAME`` restoring the watchlist's filters."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conflictmap import ingest, permissions, store, users, watchlists
from conflictmap.filters import Filters
from conflictmap.watchlists import Watchlist

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "5_Watchlist.py"
TIBU, CUCUTA = "54810", "54001"


def make_db(folder: Path) -> Path:
    """Tibú: one ELN battle a month for six months, then eight in June 2024, the last on 30 June
    (flagged: the month periods end on 30 June, one 15th in each baseline month)."""
    path = folder / "w.csv"
    days = [f"{m}-15" for m in ("2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05")]
    days += [f"2024-06-{d:02d}" for d in range(23, 31)]  # the last on 30 June
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["incident_id", "event_date", "event_type", "actor1", "fatalities",
                         "municipality", "geo_precision", "source"])  # fmt: skip
        for i, day in enumerate(days):
            writer.writerow([f"w{i}", day, "Battles", "ELN", "1", TIBU, "2", "Test"])
        writer.writerow(["c1", "2024-06-02", "Protests", "Protesters", "0", CUCUTA, "2", "Test"])
    db = folder / "w.duckdb"
    report = ingest.import_file(path, fmt="native", db=db, dataset="w")
    assert (report.inserted, report.rejected) == (len(days) + 1, 0)
    return db


@pytest.fixture()
def db(tmp_path: Path, boundaries, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: ARG001
    path = make_db(tmp_path)
    monkeypatch.setenv("CONFLICTMAP_DB", str(path))
    return path


WATCH = Watchlist(
    name="Catatumbo ELN",
    places=(TIBU, "54"),
    actors=("ELN",),
    period="month",
    metric="incidents",
    event_types=("Battles",),
)


def audit_rows(db: Path) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        return con.execute(
            "SELECT action, who, detail FROM audit_log WHERE action LIKE 'watchlist%' "
            "ORDER BY audit_id"
        ).fetchall()


def test_no_table_no_watchlists(db: Path) -> None:
    assert watchlists.listing(db) == []
    assert watchlists.get("Catatumbo ELN", db) is None


def test_save_read_replace_delete_and_audit(db: Path) -> None:
    stored = watchlists.save(WATCH, db)
    assert stored.saved_by == "local"
    assert watchlists.get(WATCH.name, db) == stored
    assert [w.name for w in watchlists.listing(db)] == ["Catatumbo ELN"]
    assert stored.filters() == Filters(actors=("ELN",), event_types=("Battles",))
    assert stored.link() == "Watchlist?watch=Catatumbo+ELN"

    weekly = watchlists.save(Watchlist("Catatumbo ELN", (TIBU,), ("ELN",), "week"), db)
    assert watchlists.get(WATCH.name, db) == weekly  # same name: replaced
    assert len(watchlists.listing(db)) == 1
    assert watchlists.delete(WATCH.name, db) is True
    assert watchlists.delete(WATCH.name, db) is False
    assert watchlists.listing(db) == []
    trail = audit_rows(db)
    assert [(a, w) for a, w, _d in trail] == [
        ("watchlist_save", "local"), ("watchlist_save", "local"), ("watchlist_delete", "local")
    ]
    assert '"Catatumbo ELN"' in trail[0][2] and TIBU in trail[0][2]


def test_bad_watchlists_are_refused(db: Path) -> None:
    for bad, words in (
        (Watchlist("  ", (TIBU,)), "needs a name"),
        (Watchlist("x" * 81, (TIBU,)), "at most 80"),
        (Watchlist("empty"), "at least one place or actor"),
        (Watchlist("codes", ("Tibú",)), "not DIVIPOLA codes"),
        (Watchlist("p", (TIBU,), period="year"), "unknown period"),
    ):
        with pytest.raises(ValueError, match=words):
            watchlists.check(bad)
    with pytest.raises(ValueError):
        watchlists.save(Watchlist("", (TIBU,)), db)
    assert watchlists.listing(db) == []


def test_saving_needs_the_editor_role(db: Path) -> None:
    users.add("ana", "admin", "a long password 1", db=db)
    admin = permissions.Actor("ana", permissions.Role.ADMIN, "web")
    users.add("vera", "viewer", "a long password 2", db=db, actor=admin)
    users.add("eddy", "editor", "a long password 3", db=db, actor=admin)
    viewer = permissions.Actor("vera", permissions.Role.VIEWER, "web")
    with pytest.raises(PermissionError, match="save or delete watchlists"):
        watchlists.save(WATCH, db, actor=viewer)
    with pytest.raises(PermissionError):
        watchlists.save(WATCH, db)  # users configured: nobody signed in
    editor = permissions.Actor("eddy", permissions.Role.EDITOR, "web")
    assert watchlists.save(WATCH, db, actor=editor).saved_by == "eddy"
    assert [(a, w) for a, w, _d in audit_rows(db)] == [("watchlist_save", "eddy")]


def run(url: dict) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    for key, value in url.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_its_link_restores_its_filters(db: Path) -> None:
    watchlists.save(WATCH, db)
    at = run({"watch": "Catatumbo ELN"})
    state = at.session_state
    assert list(state["f_actors"]) == ["ELN"]
    assert list(state["f_types"]) == ["Battles"]
    assert state["f_dept"] == "" and state["f_muni"] == ""
    assert state["wl_period"] == "month" and state["wl_metric"] == "incidents"
    assert list(state["wl_places"]) == [TIBU, "54"]
    table = at.dataframe[0].value
    # the watched places (Tibú and its department), flagged: 8 against a mean of 1
    assert set(table["Place"]) == {"Tibú", "Norte de Santander"}
    assert table[table["Place"] == "Tibú"].iloc[0]["Rise"] == "700.0 %"
    assert at.query_params["watch"] in ("Catatumbo ELN", ["Catatumbo ELN"])
    assert any("Catatumbo ELN" in c.value for c in at.caption)
    at.radio(key="wl_period").set_value("week").run()  # no longer the watchlist's view
    assert not at.exception, at.exception
    assert "watch" not in at.query_params


def test_an_unknown_watchlist_name_opens_the_plain_view(db: Path) -> None:
    at = run({"watch": "nobody"})
    assert list(at.session_state["wl_places"]) == []
    assert "watch" not in at.query_params


def test_saving_from_the_page(db: Path) -> None:
    at = run({"actor": "ELN", "period": "week"})
    at.multiselect(key="wl_places").set_value([TIBU]).run()
    at.text_input(key="wl_name").set_value("Tibú weekly").run()
    at.button(key="wl_save").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("watch=" in s.value for s in at.success), [s.value for s in at.success]
    saved = watchlists.get("Tibú weekly", db)
    assert saved is not None
    assert (saved.places, saved.actors, saved.period) == ((TIBU,), ("ELN",), "week")


def test_deleting_from_the_page_and_links_keep_the_language(db: Path) -> None:
    watchlists.save(WATCH, db)
    at = run({"lang": "en"})
    links = [m.value for m in at.markdown if "watch=" in m.value]
    assert links == ["[Catatumbo ELN](Watchlist?watch=Catatumbo+ELN&lang=en)"]
    at.selectbox(key="wl_doomed").set_value("Catatumbo ELN").run()
    at.button(key="wl_delete").click().run()
    assert not at.exception, at.exception
    assert watchlists.get("Catatumbo ELN", db) is None
    assert not [m.value for m in at.markdown if "watch=" in m.value]
    assert [r for r in audit_rows(db) if r[0] == "watchlist_delete"]


def test_a_hostile_name_cannot_break_out_of_its_markdown_link() -> None:
    hostile = watchlists.Watchlist(name="x) ![i](http://example.invalid/t.png) [a](javascript:1")
    link = hostile.link("es")
    assert link.startswith("Watchlist?watch=") and link.endswith("&lang=es")
    assert not set(link) & set("()[] !<>"), link
