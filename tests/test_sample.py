"""The default sample is real (issue 12, item 6): seed incidents + UCDP GED Colombia, cited.

Expected figures are computed here from the shipped CSVs with Python's csv module, never with
the importer under test: a UCDP event is a row whose ``id`` is a number (the HXL hashtag row is
not), its fatalities are ``best``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from conflictmap import annotations, cli, export, ingest, sample, sources, store
from conflictmap.filters import Filters, ViewOptions
from conflictmap.view import DEMO_LABEL, citations_in, demo_in, load_view, sources_in

SAMPLE_DIR = sample.SAMPLE_DIR  # shipped in the package: conflictmap/data/sample/
UCDP_CSV = sample.UCDP_FILE
SEED_CSV = sample.SEED_FILE
CLAIMS_CSV = sample.TERRITORY_FILE
UCDP_SHA256 = "f1b6bd30e7b904363c54da2876e3e95b67cfb0c490197422e7a7be44da5c8b83"
CITATION = sources.UCDP.attribution
YEAR_2022 = Filters(date_from=date(2022, 1, 1), date_to=date(2022, 12, 31))  # only the seeds


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def ucdp_events() -> list[dict[str, str]]:
    return [r for r in csv_rows(UCDP_CSV) if r["id"].strip().isdigit()]


def query(db: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    with store.connect(db, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def per_dataset(db: Path) -> dict[str, int]:
    return dict(query(db, "SELECT dataset, count(*) FROM incidents GROUP BY 1"))


# --------------------------------------------------------------------------------------------
# The shipped file


def test_ucdp_file_is_the_documented_byte_for_byte_copy() -> None:
    # fails if the file is edited, re-encoded or has its CRLF normalised (git EOL conversion)
    assert hashlib.sha256(UCDP_CSV.read_bytes()).hexdigest() == UCDP_SHA256
    readme = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    for needed in (
        UCDP_SHA256,
        "CC BY 4.0",
        "Sundberg",
        "Melander",
        "2013",
        "Högbladh",
        "2019",
        "19.1",
        "bb5ddadeaad230f35cfeb690fcf3f338a92882e6",
    ):
        assert needed in readme, needed


# --------------------------------------------------------------------------------------------
# Default: real


def test_default_sample_is_the_seed_incidents_and_ucdp(real_sample_db: Path) -> None:
    # fails if the default loads the synthetic demo, or under other dataset names
    counts = per_dataset(real_sample_db)
    assert set(counts) == {sample.SEED_DATASET, sample.UCDP_DATASET}
    assert sample.UCDP_DATASET == "ucdp-ged-colombia"
    assert counts[sample.SEED_DATASET] == len(csv_rows(SEED_CSV)) == 2


def test_default_sample_stores_every_ucdp_event(real_sample_db: Path) -> None:
    # fails while the importer rejects vague places (it stored 4,369 and rejected 264)
    events = ucdp_events()
    assert len(events) == 4632
    assert per_dataset(real_sample_db)[sample.UCDP_DATASET] == len(events)
    ids = {
        r[0]
        for r in query(
            real_sample_db, "SELECT incident_id FROM incidents WHERE dataset = 'ucdp-ged-colombia'"
        )
    }
    assert ids == {f"ucdp:{r['id'].strip()}" for r in events}
    [(fatalities,)] = query(
        real_sample_db, "SELECT sum(fatalities) FROM incidents WHERE dataset = 'ucdp-ged-colombia'"
    )
    assert fatalities == sum(int(r["best"]) for r in events)


def test_default_sample_has_no_synthetic_incidents_or_claims(real_sample_db: Path) -> None:
    # fails if the synthetic claims (or incidents) are still loaded by default
    assert query(real_sample_db, "SELECT count(*) FROM territory_claims") == [(0,)]
    demo = "SELECT count(*) FROM incidents WHERE incident_id LIKE 'demo:%' OR source = ?"
    assert query(real_sample_db, demo, [sample.DEMO_SOURCE]) == [(0,)]
    view = load_view(Filters(), ViewOptions(), db=real_sample_db)
    assert not view.demo_in_view
    assert not any("synthetic" in s.lower() for s in view.sources)


def test_default_sample_has_the_annotation(real_sample_db: Path) -> None:
    # fails if the annotation is loaded only with --synthetic
    with store.connect(real_sample_db, read_only=True) as con:
        notes = annotations.all_annotations(con)
    days = notes["day"].astype(str).str[:10].tolist()
    assert list(zip(days, notes["label"], strict=True)) == [
        ("2022-08-07", "New government takes office (Petro)")
    ]


# --------------------------------------------------------------------------------------------
# --synthetic: the scale-test set, labelled


def test_synthetic_sample_is_seed_plus_labelled_synthetic_data(sample_db: Path) -> None:
    # fails if --synthetic drops the seed events, loads UCDP too, or leaves the claims out
    counts = per_dataset(sample_db)
    assert counts == {sample.SEED_DATASET: 2, sample.DEMO_DATASET: sample.DEMO_SIZE}
    assert query(sample_db, "SELECT count(*) FROM incidents WHERE incident_id LIKE 'ucdp:%'") == [
        (0,)
    ]
    demo = query(
        sample_db,
        "SELECT DISTINCT source, starts_with(notes, 'SYNTHETIC') "
        "FROM incidents WHERE dataset = 'synthetic-demo'",
    )
    assert demo == [(sample.DEMO_SOURCE, True)]
    claims = query(sample_db, "SELECT dataset, count(*) FROM territory_claims GROUP BY 1")
    assert claims == [(sample.TERRITORY_DATASET, len(csv_rows(CLAIMS_CSV)))]
    view = load_view(Filters(), ViewOptions(), db=sample_db)
    assert view.demo_in_view and DEMO_LABEL in view.sources
    assert CITATION not in view.sources and view.citations == []


def test_cli_passes_synthetic_through(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # fails if `sample --synthetic` does not reach load_sample (or the default asks for it)
    calls: list[dict] = []

    def fake(db, **kwargs):
        calls.append(kwargs)
        return sample.SampleResult(False, [], "not loaded")

    monkeypatch.setattr(sample, "load_sample", fake)
    db = str(tmp_path / "x.duckdb")
    assert cli.main(["sample", "--synthetic", "--db", db]) == 0
    assert cli.main(["sample", "--db", db]) == 0
    assert [c["synthetic"] for c in calls] == [True, False]
    capsys.readouterr()
    with pytest.raises(SystemExit):
        cli.main(["sample", "--help"])
    assert "--synthetic" in capsys.readouterr().out


def test_cli_sample_loads_the_real_sample_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `make run` on a fresh machine; a second run (or --synthetic) into the non-empty database
    # loads nothing: fails if the emptiness check is dropped or inverted
    db = tmp_path / "fresh.duckdb"
    assert cli.main(["sample", "--db", str(db)]) == 0
    captured = capsys.readouterr()
    first = json.loads(captured.out)
    assert first["loaded"] is True
    assert [(i["dataset"], i["format"]) for i in first["imports"]] == [
        ("seed-events", "native"),
        ("ucdp-ged-colombia", "ucdp"),
    ]
    assert "UCDP GED (CC BY 4.0)" in captured.err
    before = query(db, "SELECT count(*) FROM incidents")
    for extra in ([], ["--synthetic"]):
        assert cli.main(["sample", "--db", str(db), *extra]) == 0
        again = json.loads(capsys.readouterr().out)
        assert again["loaded"] is False and again["imports"] == []
    assert query(db, "SELECT count(*) FROM incidents") == before
    assert query(db, "SELECT count(*) FROM territory_claims") == [(0,)]
    assert query(db, "SELECT count(*) FROM annotations") == [(1,)]


def test_sample_not_loaded_over_other_data(empty_db: Path) -> None:
    ingest.import_file(SEED_CSV, fmt="native", db=empty_db, dataset="mine")
    result = sample.load_sample(empty_db, synthetic=True)
    assert not result.loaded and "already holds 2 incidents" in result.message
    assert per_dataset(empty_db) == {"mine": 2}
    assert query(empty_db, "SELECT count(*) FROM annotations") == [(0,)]


# --------------------------------------------------------------------------------------------
# Attribution in view


def test_citation_in_view_sources_only_while_ucdp_is_in_view(real_sample_db: Path) -> None:
    # fails if sources_in never adds the citation, or adds it without UCDP data in view
    everything = load_view(Filters(), ViewOptions(), db=real_sample_db)
    assert everything.sources[0] == CITATION  # first: never cut by a "+ N more" attribution
    assert everything.sources.count(CITATION) == 1
    assert not any(s.startswith("UCDP GED (") and s != CITATION for s in everything.sources)
    assert [c.format for c in everything.citations] == ["ucdp"]
    assert any(s.startswith("InSight Crime") for s in everything.sources)  # the seeds' sources
    only_seeds = load_view(YEAR_2022, ViewOptions(), db=real_sample_db)
    assert set(only_seeds.datasets["dataset"]) == {"seed-events"}
    assert CITATION not in only_seeds.sources and only_seeds.citations == []
    assert not any("UCDP" in s for s in only_seeds.sources)


def test_ucdp_recognised_by_its_source_not_the_dataset_name() -> None:
    # fails if recognition goes by dataset name (which users choose)
    datasets = pd.DataFrame(
        {
            "dataset": ["my-import", "ucdp-ged-colombia", "synthetic-copy"],
            "incidents": [5, 3, 2],
            "sources": [["UCDP GED", "UCDP GED (Reuters)"], ["El Tiempo"], [sample.DEMO_SOURCE]],
        }
    )
    assert sources_in(datasets) == [CITATION, "El Tiempo", DEMO_LABEL]
    assert citations_in(datasets) == [sources.UCDP]
    assert citations_in(datasets.iloc[1:]) == [] and CITATION not in sources_in(datasets.iloc[1:])
    assert demo_in(datasets) and not demo_in(datasets.iloc[:2])
    # a name that merely starts like the source is not UCDP
    assert sources.format_of_source("UCDP GEDANKEN blog") is None


# --------------------------------------------------------------------------------------------
# Exports


def test_png_snapshot_cites_ucdp(
    real_sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # fails if the export's metadata or image attribution leaves the UCDP citation out
    from PIL import Image

    out = tmp_path / "colombia.png"
    code = cli.main(["snapshot", "--db", str(real_sample_db), "--out", str(out), "--sidecar"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    meta = json.loads(captured.out)["metadata"]
    assert meta["synthetic_demo_data"] is False
    assert meta["incident_sources"][0] == CITATION
    [cite] = meta["citations"]
    assert cite["attribution"] == CITATION and cite["licence"] == "CC BY 4.0"
    assert any("Sundberg" in r and "2013" in r for r in cite["references"])
    assert any("Högbladh" in r and "2019" in r for r in cite["references"])
    text = Image.open(out).text  # tEXt and iTXt chunks
    assert CITATION in text["Source"] and text["Source"].startswith("Límites: DANE")
    assert json.loads(text["conflictmap"]) == meta
    assert json.loads((tmp_path / "colombia.png.json").read_text(encoding="utf-8")) == meta


def test_svg_attribution_line_shows_the_citation(real_sample_db: Path, boundaries) -> None:
    # the visible attribution line of the image (SVG keeps it as text)
    request = export.SnapshotRequest(Filters(dept="41"), ViewOptions(level="municipality"))
    snap = export.snapshot(request, "svg", db=real_sample_db, boundaries=boundaries)
    root = ET.fromstring(snap.content)
    texts = ["".join(t.itertext()).strip() for t in root.iter("{http://www.w3.org/2000/svg}text")]
    line = next(t for t in texts if t.startswith("Límites: DANE"))
    assert f"Incidents: {CITATION}" in line
    assert not any("SYNTHETIC" in t for t in texts)


def test_html_attribution_cites_ucdp(real_sample_db: Path, boundaries) -> None:
    request = export.SnapshotRequest(Filters(dept="41"), ViewOptions(level="municipality"))
    page = export.snapshot(request, "html", db=real_sample_db, boundaries=boundaries).content
    text = page.decode("utf-8")
    assert "UCDP GED (CC BY 4.0)" in text and "Högbladh 2019" in text
    assert "SYNTHETIC" not in text


def test_data_exports_carry_the_citation_per_row(real_sample_db: Path, boundaries) -> None:
    # fails if the CSV/GeoJSON lose the citation column or fill it by dataset name
    import io

    request = export.SnapshotRequest(Filters(), ViewOptions())
    snap = export.snapshot(request, "csv", db=real_sample_db, boundaries=boundaries)
    frame = pd.read_csv(io.BytesIO(snap.content), dtype=str, keep_default_na=False)
    ucdp = frame["incident_id"].str.startswith("ucdp:")
    assert ucdp.sum() == per_dataset(real_sample_db)[sample.UCDP_DATASET]
    assert (frame.loc[ucdp, "citation"] == CITATION).all()
    assert (frame.loc[~ucdp, "citation"] == "").all() and (~ucdp).sum() == 2
    assert [c["attribution"] for c in snap.metadata["citations"]] == [CITATION]
    geo = json.loads(
        export.snapshot(request, "geojson", db=real_sample_db, boundaries=boundaries).content
    )
    cites = {
        f["properties"]["incident_id"][:5]: f["properties"]["citation"] for f in geo["features"]
    }
    assert cites["ucdp:"] == CITATION and cites["seed:"] in ("", None)


def test_exports_without_ucdp_carry_no_citation(
    real_sample_db: Path, sample_db: Path, boundaries
) -> None:
    # 2022 holds only the seeds: no citation; the synthetic label only with synthetic data
    request = export.SnapshotRequest(YEAR_2022, ViewOptions())
    real = export.snapshot(request, "aggregates.csv", db=real_sample_db, boundaries=boundaries)
    assert real.metadata["citations"] == [] and real.metadata["synthetic_demo_data"] is False
    assert not any("UCDP" in s for s in real.metadata["incident_sources"])
    synthetic = export.snapshot(request, "aggregates.csv", db=sample_db, boundaries=boundaries)
    assert synthetic.metadata["citations"] == []
    assert synthetic.metadata["synthetic_demo_data"] is True
    assert DEMO_LABEL in synthetic.metadata["incident_sources"]


def test_export_finds_ucdp_beyond_the_views_first_sources(
    empty_db: Path, boundaries, tmp_path: Path
) -> None:
    """A dataset that mixes UCDP events with five other sources sorting before "UCDP": the
    view's per-dataset source list (first five) misses UCDP, the export still cites it (by the
    ``ucdp:`` incident ids). Fails if the export relies on the view's sources alone."""
    lines = UCDP_CSV.read_bytes().decode("utf-8").split("\r\n")
    events = [r for r in ucdp_events() if r["where_prec"] == "1"][:3]
    part = tmp_path / "ucdp-part.csv"
    with part.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=next(csv.reader([lines[0]])))
        writer.writeheader()
        writer.writerows(events)
    report = ingest.import_file(part, fmt="ucdp", db=empty_db, dataset="mine")
    assert report.inserted == 3
    others = pd.DataFrame(
        [
            {
                "incident_id": f"x:{i}",
                "event_date": "2018-06-01",
                "event_type": "Battles",
                "source": f"A source {i}",
                "municipality": "41001",
            }
            for i in range(5)
        ]
    )
    ingest.import_frame(others, name="others.csv", fmt="native", db=empty_db, dataset="mine")
    request = export.SnapshotRequest(Filters(), ViewOptions())
    view = load_view(Filters(), ViewOptions(), db=empty_db)
    assert CITATION not in view.sources  # the limit this test is about
    snap = export.snapshot(request, "aggregates.csv", db=empty_db, boundaries=boundaries)
    assert [c["attribution"] for c in snap.metadata["citations"]] == [CITATION]
    assert snap.metadata["incident_sources"][0] == CITATION
