"""The density view (H3 hexagons, conflictmap/hexagons.py) on the map and in the exports: the
choropleth's classes and legend conventions, every mappable incident in some hexagon."""

from __future__ import annotations

from pathlib import Path

import pytest

from conflictmap import export, mapping, store
from conflictmap.classify import ZERO_COLOUR, classify
from conflictmap.filters import Filters, ViewOptions
from conflictmap.geography import load_geography
from conflictmap.map_model import LAND, build_model
from conflictmap.view import load_view, map_spec

HEX = ViewOptions(style="hexagons")


@pytest.fixture(scope="module")
def geo(boundaries):
    return load_geography(allow_download=False)


def mappable(db: Path, where: str = "TRUE") -> int:
    with store.connect(db, read_only=True) as con:  # either store
        return int(con.execute(
            f"SELECT count(*) FROM incidents WHERE {where} AND geo_precision <= 2 "
            "AND latitude IS NOT NULL").fetchone()[0])


def test_hexagon_classes_follow_the_choropleth_conventions(sample_db: Path, geo) -> None:
    for metric in ("incidents", "fatalities"):
        view = load_view(Filters(), ViewOptions(metric=metric, style="hexagons"), db=sample_db)
        assert view.hexagons is not None
        model = build_model(map_spec(view), geo)
        values = view.hexagons.cells[metric].tolist()
        classes = classify(values)
        assert model.classes == classes
        assert list(model.hex_fills) == [classes.colour(v) for v in values]
        assert set(model.fills.values()) == {LAND}  # no choropleth under the hexagons
        legend = model.legend
        assert legend.title.startswith(f"{metric.capitalize()} per hexagon (H3 res. 5, ≈ 253 km²")
        assert legend.title.endswith("; quantiles)")
        labels = [s.label for s in legend.swatches if s.kind == "class"]
        assert labels == classes.labels()  # numbers in the legend, not only colours
        zero = [s for s in legend.swatches if s.kind == "zero"]
        # a hexagon exists only where incidents are: "0" only means 0 fatalities
        assert bool(zero) == (metric == "fatalities")
        if zero:
            assert zero[0].colour == ZERO_COLOUR
        assert model.points.empty and not legend.point_types
        note = legend.note("points") or ""
        assert f"all {mappable(sample_db):,} incidents" in note


def test_the_interactive_map_draws_the_hexagons_escaped(sample_db: Path, geo) -> None:
    view = load_view(Filters(dept="41"), HEX, db=sample_db)
    assert view.hexagons is not None and view.hexagons.resolution == 6
    page = mapping.build_map(map_spec(view), geo).get_root().render()
    assert "HexLoader" not in page  # the element's script, not its class name
    assert page.count("L.polygon(ring") == 1  # one loader builds every hexagon
    assert "Incidents per hexagon (H3 res. 6" in page
    assert view.hexagons.incidents == mappable(sample_db, "dept_code = '41'")


@pytest.mark.parametrize("fmt", ["png", "html"])
def test_exports_carry_the_hexagons(sample_db: Path, geo, fmt: str) -> None:
    request = export.SnapshotRequest(Filters(dept="41"), ViewOptions(
        level="municipality", style="hexagons"))
    snap = export.snapshot(request, fmt, db=sample_db, boundaries=geo)
    assert snap.metadata["view"]["style"] == "hexagons"
    if fmt == "png":
        assert snap.content[:8] == b"\x89PNG\r\n\x1a\n"
        plain = export.snapshot(
            export.SnapshotRequest(Filters(dept="41"), ViewOptions(level="municipality")),
            "png", db=sample_db, boundaries=geo)
        assert snap.content != plain.content
    else:
        text = snap.content.decode()
        assert "L.polygon(ring" in text and "per hexagon" in text


def test_cli_snapshot_takes_the_hexagon_style(
    sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from conflictmap import cli

    out = tmp_path / "hex.png"
    capsys.readouterr()
    args = ["snapshot", "--db", str(sample_db), "--style", "hexagons", "--out", str(out)]
    assert cli.main(args) == 0
    meta = json.loads(capsys.readouterr().out)["metadata"]
    assert meta["view"] == {"level": "department", "metric": "incidents", "style": "hexagons"}
    assert "style=hexagons" in meta["view_url"]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # an unknown style is refused by the parser, not drawn as something else
    assert pytest.raises(SystemExit, cli.main, [*args[:-4], "--style", "dots", "--out", str(out)])
