"""AppTest of pages/3_Trends.py on the sample database: URL filters, charts, place comparison,
before/after, annotations, map playback, and filters kept when moving between pages."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from conflictmap import sample, store

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "3_Trends.py"
START, END = date(2021, 1, 1), date(2023, 12, 31)
PIVOT = date(2022, 8, 7)
URL = {"dept": "41", "from": "2021-01-01", "to": "2023-12-31", "type": ["Battles"]}


@pytest.fixture()
def db(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONFLICTMAP_DB", str(sample_db))
    return sample_db


@pytest.fixture()
def writable_db(sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "copy.duckdb"
    if store.is_postgres(copy):  # no file to copy: the same sample, loaded again
        assert sample.load_sample(copy, synthetic=True).loaded
    else:
        shutil.copy(sample_db, copy)
        wal = sample_db.with_name(sample_db.name + ".wal")
        if wal.exists():
            shutil.copy(wal, copy.with_name(copy.name + ".wal"))
    monkeypatch.setenv("CONFLICTMAP_DB", str(copy))
    return copy


def page(url: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    for key, value in (url or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def sql(db: Path, query: str, params: list | None = None) -> list[tuple]:
    with store.connect(db, read_only=True) as con:  # either store
        return con.execute(query, params or []).fetchall()


def stored_annotations(db: Path) -> list[tuple]:
    return sql(db, "SELECT day, label FROM annotations ORDER BY day, annotation_id")


def vega_charts(at: AppTest) -> list:
    return [e for e in at.main if getattr(e, "type", None) == "vega_lite_chart"]


def chart_titles(at: AppTest) -> list[str]:
    return [json.loads(c.proto.spec)["title"]["text"] for c in vega_charts(at)]


def chart_rows(chart) -> list[dict]:
    rows: list[dict] = []
    for ds in chart.proto.datasets:
        rows += pa.ipc.open_stream(ds.data.data).read_all().to_pylist()
    return rows


def map_script(at: AppTest) -> str:
    maps = [
        e for e in at.main
        if getattr(e, "type", None) == "component_instance"
        and e.proto.component_name.endswith("st_folium")
    ]  # fmt: skip
    assert len(maps) == 1
    return json.loads(maps[0].proto.json_args)["script"]


def qp(at: AppTest) -> dict[str, list[str]]:
    return {k: at.query_params[k] if isinstance(at.query_params[k], list) else [at.query_params[k]]
            for k in at.query_params}  # fmt: skip


# ----------------------------------------------------------------------------------------------


def test_filters_come_from_the_url_and_stay_in_it(db: Path) -> None:
    at = page(URL)
    assert at.selectbox(key="f_dept").value == "41"
    assert at.multiselect(key="f_types").value == ["Battles"]
    assert tuple(at.date_input(key="f_dates").value) == (START, END)
    assert qp(at) == {
        "dept": ["41"], "from": ["2021-01-01"], "to": ["2023-12-31"], "type": ["Battles"],
        "grain": ["month"], "metric": ["incidents"],
    }  # fmt: skip
    # grain and metric from the URL too
    at = page({**URL, "grain": "quarter", "metric": "fatalities"})
    assert at.radio(key="tr_grain").value == "quarter"
    assert at.radio(key="tr_metric").value == "fatalities"
    assert qp(at)["grain"] == ["quarter"] and qp(at)["metric"] == ["fatalities"]
    assert chart_titles(at)[0] == "Fatalities per quarter — Colombia › Huila"
    # a bad grain falls back to months
    at = page({**URL, "grain": "fortnight"})
    assert at.radio(key="tr_grain").value == "month"


def test_charts_present_with_attribution_and_filters(db: Path) -> None:
    at = page(URL)
    titles = chart_titles(at)
    assert titles == [
        "Incidents per month — Colombia › Huila",
        "Incidents per month: Huila vs Norte de Santander",
        "Most active actors — Colombia › Huila",
        "Actor × event type — Colombia › Huila",
    ]
    time_chart = vega_charts(at)[0]
    spec = json.loads(time_chart.proto.spec)
    subtitle = spec["title"]["subtitle"]
    assert "1 Jan 2021 – 31 Dec 2023" in subtitle[0] and "Battles" in subtitle[0]
    assert "Límites: DANE" in subtitle[1]
    assert "SYNTHETIC" in subtitle[-1]
    assert any(p["name"] == "brush" for p in spec["params"])
    rows = chart_rows(time_chart)
    series = [r for r in rows if "event_type" in r]
    assert {r["event_type"] for r in series} == {"Battles"}
    # 36 months, zeros included; the total equals the database
    assert len(series) == 36
    (n,) = sql(db, "SELECT count(*) FROM incidents WHERE dept_code = '41' AND event_type = "
                   "'Battles' AND event_date BETWEEN ? AND ?", [START, END])[0]  # fmt: skip
    assert sum(r["incidents"] for r in series) == n
    # the 7 Aug 2022 annotation is drawn on the time chart and on the place chart
    for chart in vega_charts(at)[:2]:
        labels = [r.get("label", "") for r in chart_rows(chart)]
        assert any(label.startswith("New government takes office") for label in labels)
    # every chart can be downloaded as PNG, SVG and CSV
    keys = {b.key for b in at.get("download_button")}
    for name in ("time", "places", "actors", "matrix"):
        assert {f"dl_{name}_png", f"dl_{name}_svg", f"dl_{name}_csv"} <= keys


def test_compare_places_totals_equal_the_database(db: Path) -> None:
    at = page(URL)
    assert at.multiselect(key="tr_places").value == ["41", "54"]
    totals = next(d.value for d in at.dataframe if "Huila" in list(d.value.index))
    assert list(totals.index) == ["Huila", "Norte de Santander"]
    want = {
        code: (n, fat) for code, n, fat in sql(
            db,
            "SELECT dept_code, count(*), coalesce(sum(fatalities), 0) FROM incidents "
            "WHERE event_type = 'Battles' AND event_date BETWEEN ? AND ? "
            "AND dept_code IN ('41', '54') GROUP BY 1",
            [START, END],
        )
    }  # fmt: skip
    for name, code in (("Huila", "41"), ("Norte de Santander", "54")):
        got = tuple(int(v) for v in totals.loc[name, ["incidents", "fatalities"]])
        assert got == want[code], name
    assert want["41"][0] > 0 and want["54"][0] > 0


def test_before_after_table_equals_independent_computation(db: Path) -> None:
    at = page(URL)
    assert at.date_input(key="ba_pivot").value == PIVOT
    table = next(d.value for d in at.dataframe if "window" in d.value.columns)
    rows = {r["window"]: r for r in table.to_dict("records")}
    assert set(rows) == {"Before", "After"}
    windows = {"Before": (START, date(2022, 8, 6)), "After": (PIVOT, END)}
    for name, (lo, hi) in windows.items():
        n, fat = sql(
            db,
            "SELECT count(*), coalesce(sum(fatalities), 0) FROM incidents WHERE dept_code = '41' "
            "AND event_type = 'Battles' AND event_date BETWEEN ? AND ?",
            [lo, hi],
        )[0]
        days = (hi - lo).days + 1
        row = rows[name]
        assert date.fromisoformat(str(row["from"])[:10]) == lo
        assert date.fromisoformat(str(row["to"])[:10]) == hi
        assert (row["days"], row["incidents"], row["fatalities"]) == (days, n, fat)
        assert row["incidents per day"] == pytest.approx(round(n / days, 3))
        assert row["fatalities per day"] == pytest.approx(round(fat / days, 3))
    assert date.fromisoformat(str(rows["After"]["from"])[:10]) == PIVOT
    before, after = rows["Before"], rows["After"]
    change = (after["incidents"] / after["days"]) / (before["incidents"] / before["days"]) - 1
    text = " ".join(m.value for m in at.markdown if "Daily incident rate" in m.value)
    assert f"**{change:+.0%}**" in text
    assert "differ in length" in text
    # with a number of days each side, both windows have that length
    at.number_input(key="ba_days").set_value(30).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "window" in d.value.columns)
    assert table["days"].tolist() == [30, 30]
    # a pivot outside the range is explained, not fatal
    at.date_input(key="ba_pivot").set_value(date(2020, 1, 1)).run()
    assert not at.exception
    assert any("inside the filtered range" in w.value for w in at.warning)


def test_seed_annotation_is_listed(db: Path) -> None:
    at = page()
    listed = [m.value for m in at.markdown if m.value.startswith("2022-08-07 —")]
    assert len(listed) == 1 and "New government takes office" in listed[0]
    (ann_id,) = sql(db, "SELECT annotation_id FROM annotations")[0]
    assert at.button(key=f"ann_del_{ann_id}").label == "Delete"


def test_add_and_delete_an_annotation(writable_db: Path) -> None:
    at = page(URL)
    before = stored_annotations(writable_db)
    at.date_input(key="ann_day").set_value(date(2021, 4, 28))
    at.text_input(key="ann_label").set_value("Paro nacional <b>starts</b>")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    assert not at.error
    after = stored_annotations(writable_db)
    assert len(after) == len(before) + 1
    assert (date(2021, 4, 28), "Paro nacional <b>starts</b>") in after
    listed = [m.value for m in at.markdown if m.value.startswith("2021-04-28 —")]
    assert len(listed) == 1
    # drawn on the time chart at once
    labels = [r.get("label") for r in chart_rows(vega_charts(at)[0])]
    assert "Paro nacional <b>starts</b>" in labels
    query = "SELECT annotation_id FROM annotations WHERE day = '2021-04-28'"
    (new_id,) = sql(writable_db, query)[0]
    at.button(key=f"ann_del_{new_id}").click().run()
    assert not at.exception
    assert stored_annotations(writable_db) == before
    assert not [m.value for m in at.markdown if m.value.startswith("2021-04-28 —")]
    assert not any(
        r.get("label") == "Paro nacional <b>starts</b>" for r in chart_rows(vega_charts(at)[0])
    )


def test_delete_the_seed_annotation(writable_db: Path) -> None:
    at = page()
    (ann_id,) = sql(writable_db, "SELECT annotation_id FROM annotations")[0]
    at.button(key=f"ann_del_{ann_id}").click().run()
    assert not at.exception
    assert stored_annotations(writable_db) == []
    assert not [m.value for m in at.markdown if m.value.startswith("2022-08-07 —")]


def test_annotation_without_label_or_date_is_refused(writable_db: Path) -> None:
    at = page()
    before = stored_annotations(writable_db)
    at.date_input(key="ann_day").set_value(date(2021, 4, 28))
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    assert any("Not added" in e.value for e in at.error)
    at.text_input(key="ann_label").set_value("No date")
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    assert any("Not added" in e.value for e in at.error)
    assert stored_annotations(writable_db) == before


def test_playback_has_one_frame_per_month_and_captions_the_map(db: Path) -> None:
    at = page(URL)
    slider = at.select_slider(key="pb_frame")
    months = [date(y, m, 1).strftime("%b %Y") for y in (2021, 2022, 2023) for m in range(1, 13)]
    assert list(slider.options) == months
    assert len(slider.options) == 36
    assert slider.value == "Jan 2021"
    first = map_script(at)
    assert json.dumps("Jan 2021 — incidents", ensure_ascii=False) in first
    captions = " ".join(c.value for c in at.caption)
    assert "36 frames" in captions
    at.select_slider(key="pb_frame").set_value("Aug 2022").run()
    assert not at.exception
    second = map_script(at)
    assert second != first
    assert json.dumps("Aug 2022 — incidents", ensure_ascii=False) in second
    assert "Jan 2021 — incidents" not in second
    # by week: every (clipped) week of the range
    at.radio(key="pb_step").set_value("week").run()
    assert not at.exception
    weeks = at.select_slider(key="pb_frame").options
    assert len(weeks) == 157  # Fri 1 Jan 2021 .. Sun 3 Jan: 1 clipped week, then 156 full weeks
    assert weeks[0] == "1 Jan 2021 – 3 Jan 2021"
    assert weeks[-1] == "25 Dec 2023 – 31 Dec 2023"


def test_filters_persist_across_pages(db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    assert not at.exception
    at.selectbox(key="f_dept").set_value("54").run()
    at.multiselect(key="f_types").set_value(["Battles"]).run()
    assert not at.exception
    at.switch_page("pages/3_Trends.py").run()
    assert not at.exception
    assert at.title[0].value == "Trends"
    assert at.selectbox(key="f_dept").value == "54"
    assert at.multiselect(key="f_types").value == ["Battles"]
    assert chart_titles(at)[0] == "Incidents per month — Colombia › Norte de Santander"
    assert qp(at)["dept"] == ["54"]
