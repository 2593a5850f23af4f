"""Altair charts for the Trends page and their offline export (PNG/SVG through vl-convert).

Event types keep the map's colours; annotations are drawn on every time chart; every exported
chart carries the title, the filters in words, the attribution and, when relevant, the
synthetic-data notice.
"""

from __future__ import annotations

import html
import io
import json
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd
from altair.utils.schemapi import SchemaBase

from conflictmap import i18n
from conflictmap.i18n import N_, _
from conflictmap.schema import EVENT_TYPES
from conflictmap.sources import BOUNDARY_SHORT_ATTRIBUTION
from conflictmap.spreadsheet import neutralise_frame

if TYPE_CHECKING:
    # any top-level chart: Chart, LayerChart, FacetChart, the concatenations (altair >= 5.4)
    from altair.typing import ChartType

ATTRIBUTION = BOUNDARY_SHORT_ATTRIBUTION
DEMO_NOTE = N_("Includes SYNTHETIC demo data — not real incidents")
WIDTH = 760
HEIGHT = 300
PLACE_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d"]
# Vega's number and time formats in Colombian Spanish (1.234 · ene 2022); English: Vega's own
VEGA_LOCALE_ES = {
    "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["$", ""]},
    "time": {
        "dateTime": "%A, %e de %B de %Y, %X",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["a. m.", "p. m."],
        "days": ["domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"],
        "shortDays": ["dom", "lun", "mar", "mié", "jue", "vie", "sáb"],
        "months": [
            "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
            "septiembre", "octubre", "noviembre", "diciembre",
        ],
        "shortMonths": [
            "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
        ],
    },
}  # fmt: skip


def _localised(chart: Any) -> Any:
    """The top-level chart with the current language's Vega formats (month names, 1.234)."""
    if i18n.current() == "es":
        return chart.configure(locale=VEGA_LOCALE_ES)
    return chart


def _event_label_expr() -> Any:
    """A legend label expression showing the stored (English) event types translated."""
    from conflictmap.text import event_type_label

    if i18n.current() == "en":
        return alt.Undefined
    pairs = ", ".join(f"{json.dumps(t)}: {json.dumps(event_type_label(t))}" for t in EVENT_TYPES)
    return f"({{{pairs}}})[datum.label] || datum.label"


def _subtitle(subtitle: str, sources: list[str], demo: bool) -> list[str]:
    shown = "; ".join(sources) if sources else _("none")
    lines = [subtitle, f"{ATTRIBUTION}. " + _("Incidents: {sources}.").format(sources=shown)]
    if demo:
        lines.append(_(DEMO_NOTE))
    return lines


def _title(title: str, subtitle: str, sources: list[str], demo: bool) -> alt.TitleParams:
    return alt.TitleParams(
        title,
        subtitle=_subtitle(subtitle, sources, demo),
        anchor="start",
        subtitleColor="#444444",
        fontSize=16,
    )


def _rules(annotations: pd.DataFrame | None) -> alt.LayerChart | None:
    if annotations is None or annotations.empty:
        return None
    data = annotations.assign(day=pd.to_datetime(annotations["day"]))
    rule = (
        alt.Chart(data)
        .mark_rule(color="#333333", strokeDash=[4, 3])
        .encode(
            x="day:T",
            tooltip=[
                alt.Tooltip("day:T", title=_("Date"), format="%Y-%m-%d"),
                alt.Tooltip("label:N", title=_("Annotation")),
            ],
        )
    )
    label = (
        alt.Chart(data)
        .mark_text(align="left", dx=4, dy=-4, baseline="top", fontSize=11, color="#333333")
        .encode(x="day:T", y=alt.value(2), text="label:N")
    )
    return rule + label


def time_chart(
    frame: pd.DataFrame,
    *,
    metric: str,
    grain: str,
    annotations: pd.DataFrame | None,
    title: str,
    subtitle: str,
    sources: list[str],
    demo: bool,
    brush: bool = True,
) -> alt.LayerChart | alt.FacetChart:
    """Stacked bars per period by event type, annotations as dashed rules; x brushable."""
    from conflictmap.text import event_type_label

    data = frame.assign(period=pd.to_datetime(frame["period"]))
    if "event_type" in data:
        data = data.assign(event_label=data["event_type"].map(event_type_label))
    types = [t for t in EVENT_TYPES if t in set(data.get("event_type", []))] or list(EVENT_TYPES)
    measure = _metric_title(metric)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("period:T", title=None),
            y=alt.Y(f"sum({metric}):Q", title=measure, stack=True),
            color=alt.Color(
                "event_type:N",
                title=_("Event type"),
                scale=alt.Scale(domain=types, range=[EVENT_TYPES[t] for t in types]),
                legend=alt.Legend(orient="bottom", columns=3, labelExpr=_event_label_expr()),
            ),
            tooltip=[
                alt.Tooltip("period:T", title=_grain_title(grain), format="%Y-%m-%d"),
                alt.Tooltip("event_label:N", title=_("Event type")),
                alt.Tooltip(f"{metric}:Q", title=measure, format=","),
            ],
        )
    )
    if brush:
        selection = alt.selection_interval(encodings=["x"], name="brush")
        bars = bars.add_params(selection)
    layers: list[alt.Chart | alt.LayerChart] = [bars]
    rules = _rules(annotations)
    if rules is not None:
        layers.append(rules)
    return _localised(
        alt.layer(*layers).properties(
            width=WIDTH, height=HEIGHT, title=_title(title, subtitle, sources, demo)
        )
    )


def _metric_title(metric: str) -> str:
    from conflictmap.map_model import METRIC_LABELS

    label = METRIC_LABELS.get(metric)
    return _(label) if label else metric.capitalize()


def _grain_title(grain: str) -> str:
    from conflictmap.text import grain_label

    return grain_label(grain).capitalize()


def place_chart(
    frame: pd.DataFrame,
    names: dict[str, str],
    *,
    metric: str,
    annotations: pd.DataFrame | None,
    title: str,
    subtitle: str,
    sources: list[str],
    demo: bool,
) -> alt.LayerChart | alt.FacetChart:
    """One line per place on the same y scale."""
    data = frame.assign(
        period=pd.to_datetime(frame["period"]),
        place_name=frame["place"].map(lambda c: names.get(c, c)),
    )
    order = [names.get(c, c) for c in dict.fromkeys(frame["place"])]
    lines = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title=None),
            y=alt.Y(f"{metric}:Q", title=_metric_title(metric)),
            color=alt.Color(
                "place_name:N",
                title=_("Place"),
                sort=order,
                scale=alt.Scale(domain=order, range=PLACE_COLOURS[: max(len(order), 1)]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("period:T", format="%Y-%m-%d"),
                alt.Tooltip("place_name:N", title=_("Place")),
                alt.Tooltip(f"{metric}:Q", title=_metric_title(metric), format=","),
            ],
        )
    )
    layers: list[alt.Chart | alt.LayerChart] = [lines]
    rules = _rules(annotations)
    if rules is not None:
        layers.append(rules)
    return _localised(
        alt.layer(*layers).properties(
            width=WIDTH, height=HEIGHT, title=_title(title, subtitle, sources, demo)
        )
    )


def actor_chart(
    frame: pd.DataFrame, *, title: str, subtitle: str, sources: list[str], demo: bool
) -> alt.Chart:
    chart = (
        alt.Chart(frame)
        .mark_bar(color="#4d4d4d")
        .encode(
            x=alt.X("incidents:Q", title=_("Incidents (as actor 1 or 2)")),
            y=alt.Y("actor:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            tooltip=[
                alt.Tooltip("actor:N", title=_("Actor")),
                alt.Tooltip("incidents:Q", title=_metric_title("incidents"), format=","),
                alt.Tooltip("fatalities:Q", title=_metric_title("fatalities"), format=","),
            ],
        )
        .properties(
            width=WIDTH - 200,
            height=max(120, 22 * len(frame)),
            title=_title(title, subtitle, sources, demo),
        )
    )
    return _localised(chart)


def matrix_chart(
    frame: pd.DataFrame, *, title: str, subtitle: str, sources: list[str], demo: bool
) -> alt.Chart:
    base = alt.Chart(frame).encode(
        x=alt.X(
            "event_type:N",
            title=None,
            sort=list(EVENT_TYPES),
            axis=alt.Axis(labelAngle=-30, labelExpr=_event_label_expr()),
        ),
        y=alt.Y("actor:N", title=None, axis=alt.Axis(labelLimit=260)),
    )
    heat = base.mark_rect().encode(
        color=alt.Color(
            "incidents:Q", scale=alt.Scale(scheme="greys"), title=_metric_title("incidents")
        ),
        tooltip=[
            alt.Tooltip("actor:N", title=_("Actor")),
            alt.Tooltip("event_type:N", title=_("Event type")),
            alt.Tooltip("incidents:Q", title=_metric_title("incidents"), format=","),
        ],
    )
    threshold = float(frame["incidents"].max()) / 2 if len(frame) else 0.0
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("incidents:Q", format=","),
        color=alt.condition(
            alt.datum.incidents > threshold, alt.value("white"), alt.value("black")
        ),
    )
    return _localised(
        (heat + text).properties(
            width=WIDTH - 250,
            height=max(120, 22 * frame["actor"].nunique()),
            title=_title(title, subtitle, sources, demo),
        )
    )


def _inline(chart: SchemaBase) -> SchemaBase:
    """A copy of the chart whose data frames are inline values (sanitised as altair does):
    no data transformer runs, so no row limit and no process-wide setting to switch (Streamlit
    switches altair's transformer while it draws charts on other threads)."""
    out = chart.copy(deep=False)
    data = getattr(out, "data", alt.Undefined)
    if isinstance(data, pd.DataFrame):
        out.data = alt.InlineData(values=alt.utils.data.to_values(data)["values"])
    for key in ("layer", "hconcat", "vconcat", "concat"):
        parts = getattr(out, key, alt.Undefined)
        if isinstance(parts, list):
            setattr(out, key, [_inline(p) for p in parts])
    return out


def spec_json(chart: ChartType) -> str:
    """The chart's Vega-Lite JSON with its data inline, however many rows: altair refuses more
    than 5,000 by default, and 70 years of months by event type are more."""
    return _inline(chart).to_json()


def to_png(
    chart: ChartType, *, scale: float = 2.0, citation: dict[str, object] | None = None
) -> bytes:
    """Offline PNG (vl-convert renders Vega-Lite without a browser or the network). With a
    ``citation`` block (conflictmap.export_terms) its text is a "Citation" text chunk and the
    block a "conflictmap" JSON chunk, as in the map page's PNG exports."""
    import vl_convert as vlc

    png = vlc.vegalite_to_png(spec_json(chart), scale=scale)
    return png if citation is None else _png_with_citation(png, citation)


def _png_with_citation(png: bytes, citation: dict[str, object]) -> bytes:
    from PIL import Image, PngImagePlugin

    from conflictmap import __version__

    image = Image.open(io.BytesIO(png))
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", f"ConflictMap {__version__}")
    info.add_text("Citation", str(citation.get("text", "")))  # iTXt when not Latin-1
    info.add_text("conflictmap", json.dumps({"citation_block": citation}, ensure_ascii=False))
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, dpi=image.info.get("dpi", (72, 72)))
    return out.getvalue()


def to_svg(chart: ChartType, *, citation: dict[str, object] | None = None) -> bytes:
    """The chart as SVG; with a ``citation`` block, the block (JSON) in its ``<metadata>``."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(spec_json(chart))
    if citation is not None:
        blob = json.dumps({"citation_block": citation}, ensure_ascii=False)
        meta = f'<metadata id="conflictmap-citation">{html.escape(blob, quote=False)}</metadata>'
        end = svg.index(">", svg.index("<svg")) + 1
        svg = svg[:end] + meta + svg[end:]
    return svg.encode("utf-8")


def to_csv(frame: pd.DataFrame, *, citation: dict[str, object] | None = None) -> bytes:
    """The chart's data; with a ``citation`` block, its text in a last column ``citation``
    (on the first row)."""
    if citation is not None:
        text = str(citation.get("text", ""))
        frame = frame.assign(citation=[text] + [""] * (len(frame) - 1) if len(frame) else [])
    buffer = io.StringIO()
    neutralise_frame(frame).to_csv(buffer, index=False)  # no cell runs as a formula
    return buffer.getvalue().encode("utf-8")


def _day(value: object) -> date | None:
    """A brush end as a date: epoch milliseconds (negative before 1970), or an ISO string."""
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            stamp = datetime(1970, 1, 1) + timedelta(milliseconds=value)
            return stamp.date()
        return pd.Timestamp(str(value)).date()
    except (ValueError, OverflowError, TypeError):
        return None


def brushed_range(
    selection: object, within: tuple[date, date] | None = None
) -> tuple[date, date] | None:
    """The date range of a brush selection returned by st.altair_chart(on_select=...), in
    order; with ``within``, clipped to it (the bars of a period start before a range that begins
    mid-period, and the axis runs past its end). None without a usable selection."""
    try:
        values = selection["selection"]["brush"]["period"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    if not values or len(values) != 2:
        return None
    days = [d for d in (_day(v) for v in values) if d is not None]
    if len(days) != 2:
        return None
    start, end = sorted(days)
    if within:
        start, end = max(start, within[0]), min(end, within[1])
        if start > end:
            return None
    return start, end
