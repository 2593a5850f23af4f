"""The map page with an actor chosen by alias: the key figures are the canonical group's.

The actor filter offers the canonical names stored in the database (aliases are merged, so
"AGC" and "Urabeños" are not offered separately); an alias arrives through a link
(``?actor=Urabeños``), which the page accepts. Expected figures are SQL written here over the
canonical name "Clan del Golfo" (conflictmap/actors.toml lists "AGC", "Urabeños" and "Los
Urabeños" as its aliases) in any role: actor 1, actor 2 or associated.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
CANONICAL = "Clan del Golfo"
NAMES_IT = "(? IN (actor1, actor2) OR list_contains(assoc_actors, ?))"


def db_figures(db: Path, where: str = "TRUE", params: list | None = None) -> dict[str, str]:
    """The four key figures of the incidents naming Clan del Golfo (and ``where``), by SQL."""
    sql = f"FROM incidents WHERE {NAMES_IT} AND {where}"
    args = [CANONICAL, CANONICAL, *(params or [])]
    with duckdb.connect(str(db), read_only=True) as con:
        n, dead, munis = con.execute(
            f"SELECT count(*), coalesce(sum(fatalities), 0), count(DISTINCT muni_code) {sql}", args
        ).fetchone()
        actors = con.execute(
            f"""SELECT count(DISTINCT a) FROM (
                    SELECT actor1 AS a {sql} UNION ALL SELECT actor2 {sql}) WHERE a IS NOT NULL""",
            args + args,
        ).fetchone()[0]
    return {
        "Incidents": f"{n:,}",
        "Fatalities": f"{dead:,}",
        "Actors": f"{actors:,}",
        "Municipalities affected": f"{munis:,}",
    }


def figures(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture()
def app(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("CONFLICTMAP_DB", str(sample_db))
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)


def test_the_sample_has_clan_del_golfo_and_other_actors(sample_db: Path) -> None:
    """The fixture has what the tests need: Clan del Golfo incidents, and incidents of other
    actors (so a filter that does nothing would show)."""
    with duckdb.connect(str(sample_db), read_only=True) as con:
        total = con.execute("SELECT count(*) FROM incidents").fetchone()[0]
    n = int(db_figures(sample_db)["Incidents"].replace(",", ""))
    assert 0 < n < total


@pytest.mark.parametrize("alias", ["Urabeños", "AGC", "los urabenos"])
def test_an_alias_in_the_link_shows_the_canonical_groups_figures(
    app: AppTest, sample_db: Path, alias: str
) -> None:
    app.query_params["actor"] = alias
    app.run()
    assert not app.exception, app.exception
    assert app.multiselect(key="f_actors").value == [alias]
    assert figures(app) == db_figures(sample_db)
    assert not [w.value for w in app.warning if "Link:" in w.value]


def test_the_widget_offers_the_canonical_name_not_the_aliases(app: AppTest,
                                                              sample_db: Path) -> None:
    app.run()
    assert not app.exception, app.exception
    actors = app.multiselect(key="f_actors")
    assert CANONICAL in actors.options or any(o.startswith(f"{CANONICAL} (") for o in actors.options)
    assert not [o for o in actors.options if o.startswith(("AGC", "Urabeños", "Los Urabeños"))]
    actors.set_value([CANONICAL]).run()
    assert not app.exception, app.exception
    assert figures(app) == db_figures(sample_db)


def test_an_alias_and_a_department_with_a_leading_zero(app: AppTest, sample_db: Path) -> None:
    app.query_params["actor"] = "Urabeños"
    app.query_params["dept"] = "05"  # Antioquia
    app.run()
    assert not app.exception, app.exception
    assert app.selectbox(key="f_dept").value == "05"
    want = db_figures(sample_db, "dept_code = ?", ["05"])
    assert int(want["Incidents"].replace(",", "")) > 0
    assert figures(app) == want
