"""Animated exports of the map playback: an animated GIF or an H.264 MP4 of the choropleth
week by week, month by month, quarter or year over the filtered range.

The frames are the Trends page's playback (:func:`conflictmap.trends_view.load_playback`): one
set of colour classes for every frame, so the legend is the same in each and colours compare
from frame to frame. Each frame is the static map (:mod:`conflictmap.static_map`: title,
filters, legend, scale, attribution line and the citation block the static exports carry) with
the period written on the map.

Memory stays bounded whatever the number of frames: frames are drawn one at a time and each
goes to the encoder before the next is drawn. Only the fills and the period change from frame
to frame, so the first frame is drawn whole and the next ones recolour its shapes (checked
against the first frame's own colours; pixel for pixel the frame drawn whole). The GIF is written block by block (Pillow's
``save(append_images=…)`` would keep every frame until the end): one global palette made from
the first frame (the legend shows every class colour in each frame), each later frame stored as
the rectangle that changed. The MP4 is encoded by PyAV (FFmpeg's libx264, shipped in its wheel;
no download, no system ffmpeg), yuv420p so that any player opens it.

No Streamlit here: the Trends page and ``conflictmap snapshot --animate`` call this module.
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import matplotlib
import numpy as np
from matplotlib.collections import Collection
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import GifImagePlugin, Image, ImageChops

from conflictmap import __version__, i18n, queries, store, text, trends, trends_view
from conflictmap.classify import NO_DATA_COLOUR, ZERO_COLOUR
from conflictmap.filters import Filters, describe
from conflictmap.geography import Geography
from conflictmap.i18n import _, number
from conflictmap.map_model import (
    DEPT_LINE,
    FOCUS_LINE,
    LAND,
    MUNI_LINE,
    SELECTED,
    WATER,
    MapModel,
    as_geography,
    build_model,
)
from conflictmap.static_map import INSET_LAND, PNG_SIZE, RC, Sheet, projected
from conflictmap.static_map import render as render_static
from conflictmap.view import demo_in, place_label, sources_in

Db = str | os.PathLike[str] | None

FORMATS = ("gif", "mp4")
MIME = {"gif": "image/gif", "mp4": "video/mp4"}
MAX_FRAMES = trends.MAX_FRAMES  # the playback's limit: 25 years by month, 5 by week
FRAME_MS = 1000  # each period shown for a second
DPI = 80  # PNG_SIZE (16 x 10 in) at 80 dpi: 1280 x 800 px, even sides as yuv420p needs
MP4_CRF = "20"  # x264 quality: flat colours and text stay sharp, files stay small
MP4_GOP = 10  # a key frame every 10 periods: players can seek
GIF_EXACT = 160  # GIF palette entries kept exactly: the map's own colours, then the commonest


class AnimationError(ValueError):
    """Why no animation can be made for these filters (a sentence: what happened, what to do)."""


def format_of(path: str | os.PathLike[str]) -> str:
    """gif or mp4, from the file name's extension."""
    ext = Path(path).suffix.lower().lstrip(".")
    if ext not in FORMATS:
        raise AnimationError(
            _("an animation is written as .gif or .mp4, not '{name}'").format(name=Path(path).name)
        )
    return ext


def check_frames(window: tuple[date, date], step: str, limit: int = MAX_FRAMES) -> int:
    """The number of frames of ``window`` by ``step``; AnimationError when it exceeds ``limit``
    (naming the finest step that fits)."""
    n = trends.count_periods(*window, step)
    if n <= limit:
        return n
    fits = trends.fit_grain(*window, step, limit, trends.PLAYBACK_STEPS)
    raise AnimationError(
        _(
            "From {start:%Y-%m-%d} to {end:%Y-%m-%d} by {step} would be {n} frames, more than "
            "the {limit} an animation can hold. Nothing was written: animate by {fits} "
            "({m} frames) or narrow the date range."
        ).format(
            start=window[0],
            end=window[1],
            step=text.grain_label(step),
            n=number(n),
            limit=number(limit),
            fits=text.grain_label(fits),
            m=number(trends.count_periods(*window, fits)),
        )
    )


@dataclass
class Animation:
    """The frames to draw and the texts around them (make it with :func:`plan` or
    :func:`from_playback`)."""

    playback: trends_view.Playback
    geo: Geography
    title: str
    subtitle: str
    citation: str  # the citation block's text, as the static exports print it
    sources: list[str] = field(default_factory=list)
    demo: bool = False
    frame_ms: int = FRAME_MS
    dpi: int = DPI

    @property
    def labels(self) -> list[str]:
        """Each frame's period as written on it, in the current language ("Sep 2022")."""
        return [self.playback.frame_label(label) for label in self.playback.labels]

    @property
    def colours(self) -> list[str]:
        """The colours the map is drawn with (hex): the classes, zero and no data, land, water,
        outlines; kept exact in a GIF's palette."""
        return [*self.playback.classes.colours, ZERO_COLOUR, NO_DATA_COLOUR, LAND, WATER,
                INSET_LAND, DEPT_LINE, MUNI_LINE, FOCUS_LINE, SELECTED, "#ffffff"]

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of a frame in pixels."""
        return round(PNG_SIZE[0] * self.dpi), round(PNG_SIZE[1] * self.dpi)

    @property
    def footer(self) -> str:
        return _(
            "Exported {day} with ConflictMap {version} · {n} frames by {step}, "
            "colour classes fixed across frames"
        ).format(
            day=i18n.day(date.today()),
            version=__version__,
            n=number(len(self.playback.frames)),
            step=text.grain_label(self.playback.step),
        )

    def model(self, label: str) -> MapModel:
        """The map model of the frame called ``label`` (its key, :attr:`Playback.labels`)."""
        spec = self.playback.map_spec(label, demo=self.demo, sources=self.sources)
        spec.caption = None  # the period is written on the map (:meth:`figure`), larger
        return build_model(spec, self.geo)

    def figure(self, label: str, model: MapModel | None = None) -> Figure:
        """The static map of the frame called ``label`` (its key, :attr:`Playback.labels`),
        with its period written on the map. Draw within ``matplotlib.rc_context(RC)``."""
        model = model or self.model(label)
        sheet = Sheet(self.title, self.subtitle, self.footer, self.citation)
        fig = render_static(model, self.geo, sheet, size=PNG_SIZE)
        fig.axes[0].text(
            0.02,
            0.975,
            self.playback.frame_label(label),
            transform=fig.axes[0].transAxes,
            ha="left",
            va="top",
            fontsize=26,
            fontweight="bold",
            color="#222222",
            zorder=30,
            gid=PERIOD_GID,
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#888888", "alpha": 0.9},
        )
        return fig

    def images(self) -> Iterator[tuple[str, np.ndarray]]:
        """(period as written, RGB pixels) of each frame in turn: one frame in memory at a time.

        The classes, legend, texts and outlines are the same in every frame: the first frame is
        drawn whole, the next ones recolour its filled shapes and rewrite its period (checked
        against the first frame's own colours; any frame whose legend or notes differ is drawn
        whole again)."""
        width, height = self.size
        reuse: _Reusable | None = None
        for key in self.playback.labels:
            model = self.model(key)
            period = self.playback.frame_label(key)
            with matplotlib.rc_context(RC):
                if reuse is not None and reuse.fits(model):
                    reuse.recolour(model, period)
                    fig = reuse.fig
                else:
                    fig = self.figure(key, model)
                    reuse = _Reusable.of(fig, model, self.geo)
                buffer = io.BytesIO()
                fig.savefig(buffer, format="raw", dpi=self.dpi)
            rgba = np.frombuffer(buffer.getbuffer(), dtype=np.uint8).reshape(height, width, 4)
            yield period, np.ascontiguousarray(rgba[:, :, :3])
            del fig, buffer, rgba


PERIOD_GID = "conflictmap-period"


def _unchanging(model: MapModel) -> tuple[object, ...]:
    """What a frame shows besides its fills and period: equal in every frame of a playback."""
    legend = model.legend
    return (
        model.layer, model.dept, model.codes, tuple(legend.swatches), legend.title,
        legend.note("unmapped"), legend.note("demo"), model.attribution.print_line,
        model.points.empty, model.territories is None, model.hexagons is None, model.labels,
    )  # fmt: skip


def _shape_codes(model: MapModel, geo: Geography) -> list[list[str]]:
    """The filled shapes' codes in the order :func:`conflictmap.static_map.render` draws them:
    one per shape (geopandas draws a multipolygon as one path), and one per polygon (as older
    geopandas releases drew them). Empty for a layer this does not know."""
    layers = projected(geo)
    munis = layers["municipalities"]
    if model.layer == "departments":
        shapes, key = layers["departments_simplified"], "dept_code"
    elif model.layer == "municipalities":
        shapes, key = layers["municipalities_simplified"], "muni_code"
    elif model.dept:
        shapes, key = munis[munis["dept_code"] == model.dept], "muni_code"
    else:
        return []
    whole = [str(code) for code in shapes[key]]
    parts: list[str] = []
    for code, geom in zip(whole, shapes.geometry, strict=True):
        parts.extend([code] * (len(geom.geoms) if hasattr(geom, "geoms") else 1))
    return [whole] if parts == whole else [whole, parts]


@dataclass
class _Reusable:
    """A drawn frame whose filled shapes can be recoloured for the next frame."""

    fig: Figure
    fills: Collection
    period: Text
    codes: list[str]
    same: tuple[object, ...]

    @classmethod
    def of(cls, fig: Figure, model: MapModel, geo: Geography) -> _Reusable | None:
        """The frame's filled shapes and period text, when exactly one collection of the map
        has the model's colours shape for shape; None otherwise (each frame drawn whole)."""
        texts = [t for t in fig.axes[0].texts if t.get_gid() == PERIOD_GID]
        if len(texts) != 1:
            return None
        found = [
            (collection, codes)
            for codes in _shape_codes(model, geo)
            for collection in fig.axes[0].collections
            if len(collection.get_paths()) == len(codes)
            and np.array_equal(
                collection.get_facecolor(), to_rgba_array([model.fills[c] for c in codes])
            )
        ]
        if len(found) != 1:
            return None
        return cls(fig, found[0][0], texts[0], found[0][1], _unchanging(model))

    def fits(self, model: MapModel) -> bool:
        return _unchanging(model) == self.same

    def recolour(self, model: MapModel, period: str) -> None:
        self.fills.set_facecolor([model.fills[c] for c in self.codes])
        self.period.set_text(period)


def from_playback(
    playback: trends_view.Playback,
    *,
    label: str,
    geo: Geography | None = None,
    sources: list[str] | None = None,
    demo: bool = False,
    title: str | None = None,
    citation: str | None = None,
    db: Db = None,
) -> Animation:
    """The animation of a playback already loaded (the Trends page's). ``label`` names the
    filtered place ("Colombia › Huila"); ``citation``: the citation block's text (default: the
    view's, read from the database)."""
    if not playback.frames or playback.window is None:
        raise AnimationError(_(text.NO_DATA) + " " + _("Nothing was written."))
    check_frames(playback.window, playback.step)
    filters = playback.filters
    if citation is None:
        citation = str(trends_view.citation_block(filters, label, db)["text"])
    heading = _("{metric} per {grain}").format(
        metric=trends_view.metric_label(playback.metric), grain=text.grain_label(playback.step)
    )
    return Animation(
        playback=playback,
        geo=geo if geo is not None else as_geography(None),
        title=title or f"{heading} — {label}",
        subtitle=describe(filters, label),
        citation=citation,
        sources=list(sources or []),
        demo=demo,
    )


def plan(
    filters: Filters,
    step: str = "month",
    *,
    level: str | None = None,
    metric: str = "incidents",
    title: str | None = None,
    geo: Geography | None = None,
    db: Db = None,
) -> Animation:
    """The animation of the filtered map by ``step``; AnimationError when the window would need
    more than :data:`MAX_FRAMES` frames (never a coarser step than asked, as the page's
    playback would) or no incident matches an open range."""
    if step not in trends.PLAYBACK_STEPS:
        raise AnimationError(
            _("animate by one of: {steps}").format(steps=", ".join(trends.PLAYBACK_STEPS))
        )
    geo = geo if geo is not None else as_geography(None)
    with store.connect(db, read_only=True) as con:
        _used, window = trends.playback_step(con, filters, step)
        datasets = queries.datasets_in_view(con, filters)
    if window is None:
        raise AnimationError(_(text.NO_DATA) + " " + _("Nothing was written."))
    check_frames(window, step)
    playback = trends_view.load_playback(filters, level or "department", step, metric, db=db)
    return from_playback(
        playback,
        label=place_label(filters, geo),
        geo=geo,
        sources=sources_in(datasets),
        demo=demo_in(datasets),
        title=title,
        db=db,
    )


# ---- writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """What :func:`write` wrote."""

    path: Path
    fmt: str
    frames: int
    width: int
    height: int
    bytes: int
    labels: tuple[str, ...]  # each frame's period, as written on it


def write(
    animation: Animation,
    out: str | os.PathLike[str],
    fmt: str | None = None,
    *,
    on_frame: Callable[[int, str], None] | None = None,
) -> Written:
    """Draw the frames one by one and stream them into ``out`` (format from its extension
    unless ``fmt``); ``on_frame(index, period)`` after each frame (progress)."""
    fmt = fmt or format_of(out)
    if fmt not in FORMATS:
        raise AnimationError(_("an animation is written as .gif or .mp4, not '{name}'").format(
            name=fmt))
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    labels: list[str] = []

    def frames() -> Iterator[np.ndarray]:
        for i, (label, pixels) in enumerate(animation.images()):
            labels.append(label)
            yield pixels
            if on_frame:
                on_frame(i, label)

    width, height = animation.size
    try:
        with path.open("wb") as fp:
            if fmt == "gif":
                write_gif(fp, frames(), (width, height), animation.frame_ms,
                          comment=_comment(animation), colours=animation.colours)
            else:
                write_mp4(fp, frames(), (width, height), animation.frame_ms,
                          metadata=_mp4_metadata(animation))
    except BaseException:  # no half-written file left behind (interrupted, or a failure)
        path.unlink(missing_ok=True)
        raise
    return Written(path, fmt, len(labels), width, height, path.stat().st_size, tuple(labels))


def animation_bytes(animation: Animation, fmt: str) -> bytes:
    """The animation as a file's bytes (for a download): written to a temporary file frame by
    frame, then read."""
    with tempfile.TemporaryDirectory(prefix="conflictmap-animation-") as folder:
        written = write(animation, Path(folder) / f"animation.{fmt}", fmt)
        return written.path.read_bytes()


def _attribution(animation: Animation) -> str:
    from conflictmap.map_model import SHORT_ATTRIBUTION

    sources = "; ".join(animation.sources) if animation.sources else "none"
    return f"{SHORT_ATTRIBUTION}. Incidents: {sources}."


def _comment(animation: Animation) -> str:
    """The GIF's comment block: title, filters, attribution, citation block, export line."""
    parts = [animation.title, animation.subtitle, _attribution(animation), animation.citation,
             animation.footer]
    return "\n\n".join(p for p in parts if p)


def _mp4_metadata(animation: Animation) -> dict[str, str]:
    return {
        "title": animation.title,
        "description": animation.subtitle,
        "copyright": _attribution(animation),
        "comment": animation.citation,
        "encoder": f"ConflictMap {__version__}",
    }


def write_gif(
    fp: BinaryIO,
    frames: Iterator[np.ndarray],
    size: tuple[int, int],
    frame_ms: int = FRAME_MS,
    *,
    comment: str = "",
    loop: int = 0,
    colours: Iterable[str] = (),
) -> int:
    """An animated GIF of RGB ``frames`` written to ``fp`` as they come; the frame count.

    One global palette of 256 colours for every frame: ``colours`` (hex: the class colours,
    land, water, lines) exactly, the first frame's commonest colours exactly, then a median
    cut of it; no dithering, so flat map colours stay flat. Each later frame is the rectangle
    that changed."""
    width, height = size
    palette: list[int] | None = None
    palette_rgb = np.zeros((256, 3), dtype=np.int32)
    previous: bytes | None = None
    count = 0
    for pixels in frames:
        image = Image.fromarray(pixels, "RGB")
        if image.size != size:
            raise ValueError(f"frame {count} is {image.size}, not {size}")
        if palette is None:
            palette = gif_palette(image, colours)
            palette_rgb = np.asarray(palette, dtype=np.int32).reshape(256, 3)
            _gif_header(fp, size, palette, comment, loop)
        raw = _indices(pixels, palette_rgb).tobytes()
        indexed = Image.frombytes("P", size, raw)
        indexed.putpalette(palette)
        box = (0, 0, width, height)
        if previous is not None:
            changed = ImageChops.difference(
                Image.frombytes("L", size, previous), Image.frombytes("L", size, raw)
            ).getbbox()
            box = changed or (0, 0, 1, 1)  # an unchanged frame is still a frame
        part = indexed if box == (0, 0, width, height) else indexed.crop(box)
        # disposal 1: keep this frame under the next one, which only redraws what changed
        for chunk in GifImagePlugin.getdata(part, offset=box[:2], duration=frame_ms, disposal=1):
            fp.write(chunk)
        previous = raw
        count += 1
    if palette is None:
        raise ValueError("no frame to write")
    fp.write(b";")  # trailer
    return count


def gif_palette(image: Image.Image, required: Iterable[str] = ()) -> list[int]:
    """256 colours for every frame: ``required`` (hex) exactly, then the first frame's most
    frequent colours exactly (background, land, water, text), then a median cut of it for the
    anti-aliased edges."""
    pixels = np.asarray(image.convert("RGB"))
    colours, counts = np.unique(_packed(pixels).ravel(), return_counts=True)
    wanted = [int(h.lstrip("#")[:6], 16) for h in dict.fromkeys(required)][:GIF_EXACT]
    common = [int(c) for c in colours[np.argsort(-counts, kind="stable")] if int(c) not in wanted]
    exact = wanted + common[: GIF_EXACT - len(wanted)]
    flat = [v for c in exact for v in ((c >> 16) & 255, (c >> 8) & 255, c & 255)]
    cut = image.quantize(256 - len(exact), method=Image.Quantize.MEDIANCUT,
                         dither=Image.Dither.NONE)
    flat += (cut.getpalette() or [])[: (256 - len(exact)) * 3]
    return flat + [0] * (256 * 3 - len(flat))


def _packed(pixels: np.ndarray) -> np.ndarray:
    """RGB pixels as one 24-bit integer each."""
    red, green, blue = (pixels[..., i].astype(np.uint32) for i in range(3))
    return (red << 16) | (green << 8) | blue


def _indices(pixels: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Each pixel's nearest palette entry (exact colours map to themselves; Pillow's
    ``quantize(palette=…)`` looks colours up at reduced precision and would not)."""
    colours, inverse = np.unique(_packed(pixels).ravel(), return_inverse=True)
    rgb = np.stack([(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], axis=1)
    nearest = np.empty(len(colours), dtype=np.uint8)
    for start in range(0, len(colours), 4096):  # bounded: 4,096 colours x 256 entries at a time
        chunk = rgb[start : start + 4096].astype(np.int32)
        distance = ((chunk[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
        nearest[start : start + 4096] = distance.argmin(axis=1)
    return nearest[inverse].reshape(pixels.shape[:2])


def _gif_header(
    fp: BinaryIO, size: tuple[int, int], palette: list[int], comment: str, loop: int
) -> None:
    colours = bytes(palette[: 256 * 3])
    # logical screen: global colour table of 256 entries (flags: table, 8-bit colour, size 7)
    fp.write(b"GIF89a" + struct.pack("<HHBBB", size[0], size[1], 0xF7, 0, 0) + colours)
    # loop forever (Netscape application extension)
    fp.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", loop) + b"\0")
    if comment:
        data = comment.encode("utf-8")
        fp.write(b"!\xfe")
        for i in range(0, len(data), 255):
            block = data[i : i + 255]
            fp.write(bytes([len(block)]) + block)
        fp.write(b"\0")


def write_mp4(
    fp: BinaryIO,
    frames: Iterator[np.ndarray],
    size: tuple[int, int],
    frame_ms: int = FRAME_MS,
    *,
    metadata: dict[str, str] | None = None,
) -> int:
    """An H.264 MP4 (yuv420p, BT.709) of RGB ``frames``, each encoded as it comes; the frame
    count."""
    import av

    width, height = size
    container = av.open(fp, mode="w", format="mp4")
    count = 0
    try:
        for key, value in (metadata or {}).items():
            container.metadata[key] = value
        stream = container.add_stream("libx264", rate=Fraction(1000, frame_ms))
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = MP4_GOP
        stream.codec_context.colorspace = av.video.reformatter.Colorspace.ITU709
        stream.codec_context.color_range = av.video.reformatter.ColorRange.MPEG
        stream.options = {"crf": MP4_CRF, "preset": "medium", "tune": "stillimage"}
        for pixels in frames:
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame = frame.reformat(
                format="yuv420p",
                dst_colorspace=av.video.reformatter.Colorspace.ITU709,
                dst_color_range=av.video.reformatter.ColorRange.MPEG,
            )
            frame.pts = count
            for packet in stream.encode(frame):
                container.mux(packet)
            count += 1
        for packet in stream.encode(None):  # flush the encoder
            container.mux(packet)
    finally:
        container.close()
    if count == 0:
        raise ValueError("no frame to write")
    return count


# ---- the Trends page's downloads -----------------------------------------------------------


@dataclass(frozen=True)
class AnimationFile:
    """One download of the playback: the button's label, the file's extension and type, and how
    to make its bytes (only when the button is clicked)."""

    label: str
    ext: str
    mime: str
    make: Callable[[], bytes]


def playback_files(
    playback: trends_view.Playback,
    *,
    label: str,
    geo: Geography | None = None,
    sources: list[str] | None = None,
    demo: bool = False,
    db: Db = None,
) -> list[AnimationFile]:
    """The playback as an animated GIF and an MP4, made when a button is clicked, in the
    language of the page that offered them."""
    lang = i18n.current()

    def maker(fmt: str) -> Callable[[], bytes]:
        def make() -> bytes:
            with i18n.using(lang):  # a download runs outside the page run that set the language
                animation = from_playback(
                    playback, label=label, geo=geo, sources=sources, demo=demo, db=db
                )
                return animation_bytes(animation, fmt)

        return make

    return [
        AnimationFile(_("Animated GIF"), "gif", MIME["gif"], maker("gif")),
        AnimationFile(_("Video (MP4)"), "mp4", MIME["mp4"], maker("mp4")),
    ]
