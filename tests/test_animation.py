"""Animated exports of the map playback (conflictmap/animation.py): an animated GIF and an H.264
MP4, period by period over the filtered range, with fixed colour classes, the period on each
frame, legend, attribution and citation; from the CLI (`snapshot --animate`) and the Trends page.

Expected values are computed here from the calendar and the database, not by the code under
test."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import av
import matplotlib
import numpy as np
import pytest
from matplotlib.legend import Legend
from PIL import Image
from streamlit.testing.v1 import AppTest

from conflictmap import animation, cli, i18n, store
from conflictmap.classify import PALETTE
from conflictmap.filters import Filters
from conflictmap.static_map import RC

ROOT = Path(__file__).resolve().parents[1]
YEAR = 2018  # the real sample (UCDP GED) has incidents in most months of 2018
MONTHS = [date(YEAR, m, 1).strftime("%b %Y") for m in range(1, 13)]  # "Jan 2018" … "Dec 2018"
WIDTH, HEIGHT = 1280, 800  # 16 x 10 inches at 80 dpi


def months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def weeks_between(first: date, last: date) -> int:
    """Calendar weeks (Monday to Sunday) touching [first, last]."""
    monday = first - timedelta(days=first.weekday())
    last_monday = last - timedelta(days=last.weekday())
    return (last_monday - monday).days // 7 + 1


@pytest.fixture(scope="module")
def year_filters() -> Filters:
    return Filters(date_from=date(YEAR, 1, 1), date_to=date(YEAR, 12, 31))


@pytest.fixture(scope="module")
def planned(real_sample_db: Path, year_filters: Filters) -> animation.Animation:
    with i18n.using("en"):
        return animation.plan(year_filters, "month", db=real_sample_db)


@pytest.fixture(scope="module")
def gif(planned: animation.Animation, tmp_path_factory: pytest.TempPathFactory):
    with i18n.using("en"):
        out = tmp_path_factory.mktemp("anim") / "year.gif"
        return animation.write(planned, out)


@pytest.fixture(scope="module")
def mp4(planned: animation.Animation, tmp_path_factory: pytest.TempPathFactory):
    with i18n.using("en"):
        out = tmp_path_factory.mktemp("anim") / "year.mp4"
        return animation.write(planned, out)


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def test_gif_has_one_frame_per_month(
    gif: animation.Written, planned: animation.Animation
) -> None:
    expected = months_between(date(YEAR, 1, 1), date(YEAR, 12, 31))
    assert expected == 12
    assert gif.frames == expected
    with Image.open(gif.path) as im:
        assert im.format == "GIF"
        assert im.n_frames == expected
        assert im.size == (WIDTH, HEIGHT)
        assert im.info["loop"] == 0  # plays on
        assert im.info["duration"] == 1000  # a second per period
        comment = im.info["comment"].decode("utf-8")
        im.seek(0)
        first = im.convert("RGB")
        im.seek(expected - 1)
        last = im.convert("RGB")
    assert first.size == last.size == (WIDTH, HEIGHT)
    assert first.tobytes() != last.tobytes()
    # white stays white and every class colour of the legend is exact in every frame (one
    # palette for all frames, with the map's colours in it)
    assert first.getpixel((2, 2)) == (255, 255, 255)
    classes = planned.playback.classes.colours
    assert len(classes) >= 2 and set(classes) <= set(PALETTE)
    for frame in (first, last):
        present = {colour for _n, colour in frame.getcolors(WIDTH * HEIGHT)}
        assert {rgb(c) for c in classes} <= present
    # the file carries the title, the filters, the attribution and the citation block
    assert "Incidents per month — Colombia" in comment
    assert "1 Jan 2018 – 31 Dec 2018" in comment
    assert "DANE" in comment  # the boundaries' attribution
    # UCDP GED's incidents are in view: its short credit (attribution line) and its citation
    assert "Sundberg & Melander 2013" in comment
    assert "Sundberg, Ralph and Erik Melander (2013)" in comment
    assert "Changes made by ConflictMap" in comment  # the citation block's last section
    assert gif.bytes == gif.path.stat().st_size


def test_mp4_is_h264_with_one_frame_per_month(mp4: animation.Written) -> None:
    with av.open(str(mp4.path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"  # what standard players open
        assert (stream.codec_context.width, stream.codec_context.height) == (WIDTH, HEIGHT)
        meta = dict(container.metadata)
        decoded = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
    assert len(decoded) == 12 == mp4.frames
    assert decoded[0].shape == (HEIGHT, WIDTH, 3)
    assert abs(decoded[0].astype(int) - decoded[-1].astype(int)).sum() > 0
    assert meta["title"] == "Incidents per month — Colombia"
    assert "Sundberg, Ralph and Erik Melander (2013)" in meta["comment"]  # the citation block
    assert "DANE" in meta["copyright"] and "Sundberg & Melander 2013" in meta["copyright"]


def test_each_frame_shows_its_period(
    planned: animation.Animation, gif: animation.Written
) -> None:
    assert gif.labels == tuple(MONTHS)
    assert "Sep 2018" in gif.labels
    with i18n.using("en"), matplotlib.rc_context(RC):
        fig = planned.figure("Sep 2018")
        on_map = [t.get_text() for t in fig.axes[0].texts]
        title = [t.get_text() for t in fig.texts]
    assert "Sep 2018" in on_map
    assert "Incidents per month — Colombia" in title
    # the static map's attribution line is printed under the map
    assert any("DANE" in t for t in title)
    # and the citation block, as the static exports print it
    assert any("Changes made by ConflictMap" in t for t in title)
    # in Spanish the periods are Spanish
    with i18n.using("es"):
        assert "sep 2018" in planned.labels


def test_frames_drawn_by_recolouring_equal_frames_drawn_whole(
    planned: animation.Animation,
) -> None:
    """After the first frame only the fills and the period change: the frames made by
    recolouring the first one are pixel for pixel the frame drawn from scratch."""
    with i18n.using("en"):
        streamed = {label: pixels for label, pixels in planned.images() if label in
                    ("Jan 2018", "Sep 2018", "Dec 2018")}  # fmt: skip
        for label, pixels in streamed.items():
            with matplotlib.rc_context(RC):
                buffer = io.BytesIO()
                planned.figure(label).savefig(buffer, format="raw", dpi=planned.dpi)
            whole = np.frombuffer(buffer.getvalue(), np.uint8).reshape(HEIGHT, WIDTH, 4)
            assert np.array_equal(whole[:, :, :3], pixels), label
    assert not np.array_equal(streamed["Sep 2018"], streamed["Dec 2018"])


def legend_texts(fig) -> list[str]:
    return [t.get_text() for legend in fig.axes[1].findobj(Legend) for t in legend.get_texts()]


def test_classes_are_fixed_across_frames(
    planned: animation.Animation, real_sample_db: Path
) -> None:
    with i18n.using("en"), matplotlib.rc_context(RC):
        legends = [legend_texts(planned.figure(key)) for key in planned.playback.labels]
    assert len(legends) == 12
    assert all(legend == legends[0] for legend in legends)
    # the darkest class ends at the most incidents any department had in any month of the year
    with store.connect(real_sample_db, read_only=True) as con:
        (most,) = con.execute(
            """SELECT max(n) FROM (SELECT date_trunc('month', event_date), dept_code,
                      count(*) AS n FROM incidents
                      WHERE event_date BETWEEN ? AND ? AND dept_code IS NOT NULL GROUP BY 1, 2)""",
            [date(YEAR, 1, 1), date(YEAR, 12, 31)],
        ).fetchone()
    assert most > 1
    classes = [t for t in legends[0] if t[:1].isdigit() and t != "0"]
    assert classes[-1].split(" – ")[-1] == str(most)
    assert "0" in legends[0]


def test_too_many_frames_is_refused(real_sample_db: Path, tmp_path: Path) -> None:
    first, last = date(2012, 1, 1), date(2021, 12, 31)
    weeks = weeks_between(first, last)
    assert weeks == 523 > animation.MAX_FRAMES
    filters = Filters(date_from=first, date_to=last)
    with i18n.using("en"), pytest.raises(animation.AnimationError) as refused:
        animation.plan(filters, "week", db=real_sample_db)
    message = str(refused.value)
    assert f"{weeks:,} frames" in message or f"{weeks} frames" in message
    assert "300" in message
    assert f"by month ({months_between(first, last)} frames)" in message
    assert "Nothing was written" in message


def test_cli_writes_a_monthly_gif(
    real_sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.gif"
    code = cli.main([
        "snapshot", "--animate", "month", "--from", "2022-01-01", "--to", "2022-12-31",
        "--out", str(out), "--db", str(real_sample_db), "--lang", "en",
    ])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    expected = months_between(date(2022, 1, 1), date(2022, 12, 31))
    assert result["frames"] == expected == 12
    assert result["first"] == "Jan 2022" and result["last"] == "Dec 2022"
    assert result["written"] == [str(out)]
    with Image.open(out) as im:
        assert im.n_frames == expected
        assert im.size == (WIDTH, HEIGHT)
    assert "12/12 Dec 2022" in captured.err  # progress, one frame at a time


def test_cli_refuses_what_it_cannot_animate(
    real_sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "weeks.mp4"
    code = cli.main([
        "snapshot", "--animate", "week", "--from", "2012-01-01", "--to", "2021-12-31",
        "--out", str(out), "--db", str(real_sample_db), "--lang", "en",
    ])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "523 frames" in err and "by month (120 frames)" in err
    assert not out.exists()
    code = cli.main([
        "snapshot", "--animate", "month", "--from", "2022-01-01", "--to", "2022-12-31",
        "--out", str(tmp_path / "x.png"), "--db", str(real_sample_db), "--lang", "en",
    ])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and ".gif or .mp4" in err
    assert not (tmp_path / "x.png").exists()
    # the animation is the choropleth, in one file
    code = cli.main([
        "snapshot", "--animate", "month", "--style", "hexagons", "--out", str(tmp_path / "h.gif"),
        "--db", str(real_sample_db), "--lang", "en",
    ])  # fmt: skip
    assert code == 2 and "--animate draws the choropleth" in capsys.readouterr().err
    code = cli.main(["snapshot", "--animate", "year", "--db", str(real_sample_db)])
    assert code == 2 and "--out FILE.gif or FILE.mp4" in capsys.readouterr().err


def test_trends_page_offers_the_animation(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFLICTMAP_DB", str(sample_db))
    at = AppTest.from_file(str(ROOT / "pages" / "3_Trends.py"), default_timeout=120)
    for key, value in {"dept": "41", "from": "2022-01-01", "to": "2022-06-30"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    buttons = {b.key: b for b in at.get("download_button")}
    assert {"dl_playback_gif", "dl_playback_mp4"} <= set(buttons)
    assert buttons["dl_playback_gif"].proto.label == "Animated GIF"
    assert buttons["dl_playback_mp4"].proto.label == "Video (MP4)"
    frames = months_between(date(2022, 1, 1), date(2022, 6, 30))
    assert any(f"{frames} frames, one a second" in c.value for c in at.caption)
    assert len(at.select_slider(key="pb_frame").options) == frames


def test_playback_download_is_the_pages_playback(sample_db: Path) -> None:
    """What the page's GIF button makes: the playback it shows, frame for frame."""
    from conflictmap import trends_view

    filters = Filters(date_from=date(2022, 1, 1), date_to=date(2022, 6, 30), dept="41")
    with i18n.using("en"):
        playback = trends_view.load_playback(filters, "department", "month", "incidents",
                                             db=sample_db)
        files = animation.playback_files(playback, label="Colombia › Huila", db=sample_db)
    assert [f.ext for f in files] == ["gif", "mp4"]
    assert [f.mime for f in files] == ["image/gif", "video/mp4"]
    with i18n.using("es"):  # made later, in the language of the page that offered it
        data = files[0].make()
    with Image.open(io.BytesIO(data)) as im:
        assert im.n_frames == months_between(date(2022, 1, 1), date(2022, 6, 30)) == 6
        comment = im.info["comment"].decode("utf-8")
    assert "Incidents per month — Colombia › Huila" in comment  # English, as offered
