"""Issue 17 on the Trends page: every chart download (PNG, SVG, CSV) carries the view's citation
block, as the map page's exports do: each source with its citation, terms and access date, the
filters in effect, and what ConflictMap changed; in the page's language (issue 15)."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from conflictmap import i18n, ingest, source_terms, trends_view
from conflictmap.filters import Filters
from conflictmap.url_params import TrendOptions

CSV = (
    "event_date,event_type,source,latitude,longitude,fatalities,actor1\n"
    "2022-03-01,Battles,El Tiempo,2.93,-75.28,1,ELN\n"
    "2022-04-02,Battles,El Tiempo,2.93,-75.28,2,ELN\n"
    "2022-05-03,Riots,El Tiempo,2.93,-75.28,3,ELN\n"
)


@pytest.fixture()
def db(tmp_path: Path, boundaries) -> Path:  # noqa: ARG001, ANN001
    path = tmp_path / "trends.duckdb"
    source = tmp_path / "huila.csv"
    source.write_text(CSV, encoding="utf-8")
    ingest.import_file(source, db=path, dataset="huila-press", access_date=date(2024, 5, 1))
    source_terms.set_terms(
        "huila-press", db=path, citation="El Tiempo, press reports 2022 (compiled)."
    )
    return path


def files(db: Path, lang: str) -> dict[str, bytes]:
    filters = Filters(date_from=date(2022, 1, 1), date_to=date(2022, 12, 31), dept="41")
    with i18n.using(lang):
        view = trends_view.load_trends_view(
            filters, TrendOptions(), label="Colombia › Huila", db=db
        )
        made = trends_view.chart_files(view.time_chart(), view.series, cite=view.citation)
    # the files are made later (a click), outside the page run: the language was kept
    return {f.ext: f.make() for f in made}


def test_every_trends_chart_download_carries_the_citation_block(db: Path) -> None:
    out = files(db, "en")
    png = Image.open(io.BytesIO(out["png"]))
    cite = png.info["Citation"]
    assert cite.startswith("ConflictMap view, exported ")
    assert (
        "- huila-press: El Tiempo, press reports 2022 (compiled). Terms: Own or unspecified "
        "terms; redistribution: yes. Accessed 2024-05-01." in cite
    )
    assert "Filters: 1 Jan 2022 – 31 Dec 2022 · all event types · all actors · Colombia › Huila" in cite
    assert "Changes made by ConflictMap:" in cite
    block = json.loads(png.info["conflictmap"])["citation_block"]
    assert block["text"] == cite
    assert block["sources"][0]["access_date"] == "2024-05-01"
    assert block["filter_params"]["dept"] == "41"
    assert block["filter_params"]["from"] == "2022-01-01"
    # SVG: the block in <metadata>
    svg = out["svg"].decode("utf-8")
    meta = re.search(r'<metadata id="conflictmap-citation">(.*?)</metadata>', svg, re.S)
    assert meta is not None
    assert json.loads(html.unescape(meta.group(1)))["citation_block"]["text"] == cite
    # CSV: the text in a last column, on the first row
    table = pd.read_csv(io.BytesIO(out["csv"]), keep_default_na=False)
    assert table.columns[-1] == "citation"
    assert table["citation"].iloc[0] == cite and set(table["citation"].iloc[1:]) <= {""}


def test_the_citation_of_a_spanish_trends_page_is_in_spanish(db: Path) -> None:
    out = files(db, "es")
    cite = Image.open(io.BytesIO(out["png"])).info["Citation"]
    assert cite.startswith("Vista de ConflictMap, exportada el ")
    assert "redistribución: yes. Consultado el 2024-05-01." in cite
    assert "Filtros: 1 ene. 2022 – 31 dic. 2022 · todos los tipos de evento" in cite
    assert "Cambios hechos por ConflictMap:" in cite
