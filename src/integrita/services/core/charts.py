"""Charts for every report and page: Vega-Lite specifications built with Altair.

One library draws every picture: a chart is a Vega-Lite specification (a plain dict), rendered
to SVG for pages and to PNG for PDFs by vl-convert, which needs no browser. The same
specification can be handed to vega-embed for an interactive chart. Chinese labels render with
the report font's directory registered (settings ``report_font_path``).

It lives in ``services.core`` because the capabilities' own pages and reports draw charts, and
a capability may import core but never reporting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import altair as alt

Spec = dict[str, Any]

_FONTS_REGISTERED: set[Path] = set()
_BLUE = "#1f5fbf"


def register_fonts(font_path: Path | None) -> None:
    """Let the renderer find the report font (once per directory), so Chinese text draws."""
    import vl_convert

    if font_path is None:
        from integrita.settings import get_settings

        font_path = get_settings().report_font_path
    if not font_path.exists() or font_path.parent in _FONTS_REGISTERED:
        return
    vl_convert.register_font_directory(str(font_path.parent))
    _FONTS_REGISTERED.add(font_path.parent)


def _data(values: list[dict[str, Any]]) -> Any:
    """Inline data: the records travel inside the specification, so a chart is self-contained."""
    return alt.Data(values=values)  # type: ignore[no-untyped-call]


def _nothing_to_draw(title: str, width: int = 520, height: int = 60) -> Spec:
    """A chart that says there is nothing to draw: an empty series has no scale, and the
    renderer refuses a chart of no size rather than drawing an empty frame."""
    chart = (
        alt.Chart(_data([{"text": "No figures for this period"}]))
        .mark_text(color="#555", fontSize=13)
        .encode(text="text:N")
        .properties(width=width, height=height, title=title)
    )
    return dict(chart.to_dict())


def line_chart(
    periods: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    y_title: str,
    percent: bool = False,
) -> Spec:
    """One line per series over the periods (a missing value leaves a gap, not a zero)."""
    values = [
        {"period": p, "series": name, "value": v}
        for name, points in series.items()
        for p, v in zip(periods, points, strict=False)
        if v is not None
    ]
    if not values:
        return _nothing_to_draw(title)
    y = alt.Y("value:Q", title=y_title, axis=alt.Axis(format=".0%") if percent else alt.Axis())
    chart = (
        alt.Chart(_data(values))
        .mark_line(point=True)
        .encode(
            x=alt.X("period:O", title=None, scale=alt.Scale(domain=list(periods))),
            y=y,
            color=alt.Color("series:N", title=None, legend=alt.Legend(labelLimit=320)),
            tooltip=["period:O", "series:N", alt.Tooltip("value:Q", format=".3~")],
        )
        .properties(width=520, height=180, title=title)
    )
    return dict(chart.to_dict())


def bar_chart(
    categories: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    x_title: str,
    domain: tuple[float, float] | None = None,
    errors: Sequence[tuple[float, float] | None] | None = None,
    rule: float | None = None,
    counts: bool = False,
) -> Spec:
    """Horizontal bars per category, optionally with an interval per bar and a reference line."""
    rows: list[dict[str, Any]] = []
    for i, (cat, val) in enumerate(zip(categories, values, strict=True)):
        row: dict[str, Any] = {"category": cat, "value": val}
        interval = errors[i] if errors else None
        if interval is not None:
            row["low"], row["high"] = interval
        rows.append(row)
    if not rows:
        return _nothing_to_draw(title, width=480)
    scale = alt.Scale(domain=list(domain)) if domain else alt.Scale()
    base = alt.Chart(_data(rows)).encode(y=alt.Y("category:N", title=None, sort=list(categories)))
    layers: list[Any] = [
        base.mark_bar(color=_BLUE).encode(
            x=alt.X(
                "value:Q",
                title=x_title,
                scale=scale,
                axis=alt.Axis(tickMinStep=1, format="d") if counts else alt.Axis(),
            ),
            tooltip=["category:N", alt.Tooltip("value:Q", format=".3~")],
        )
    ]
    if errors:
        layers.append(base.mark_rule(color="#222").encode(x="low:Q", x2="high:Q"))
    if rule is not None:
        layers.append(
            alt.Chart(_data([{"rule": rule}]))
            .mark_rule(color="#b3261e", strokeDash=[4, 3])
            .encode(x="rule:Q")
        )
    chart = alt.layer(*layers).properties(width=480, height=max(60, 22 * len(rows)), title=title)
    return dict(chart.to_dict())


def to_svg(spec: Spec, *, font_path: Path | None = None) -> str:
    """The chart as an SVG element for a page (no scripts, no inline styles)."""
    import vl_convert

    register_fonts(font_path)
    return str(vl_convert.vegalite_to_svg(spec))


def to_png(spec: Spec, *, font_path: Path | None = None, scale: float = 2.0) -> bytes:
    """The chart as a PNG for a PDF (``scale`` 2 prints sharply at A4)."""
    import vl_convert

    register_fonts(font_path)
    return bytes(vl_convert.vegalite_to_png(spec, scale=scale))


def curve_chart(
    xs: Sequence[float], ys: Sequence[float], *, title: str, x_title: str, y_title: str
) -> Spec:
    """A curve over two quantities on [0, 1] (e.g. precision against recall), at most 500
    points (evenly thinned, first and last kept) so the specification stays small."""
    step = max(1, len(xs) // 500)
    keep = list(range(0, len(xs), step))
    if xs and keep[-1] != len(xs) - 1:
        keep.append(len(xs) - 1)
    values = [{"x": float(xs[i]), "y": float(ys[i])} for i in keep]
    unit = alt.Scale(domain=[0, 1])
    chart = (
        alt.Chart(_data(values))
        .mark_line(color=_BLUE)
        .encode(
            x=alt.X("x:Q", title=x_title, scale=unit),
            y=alt.Y("y:Q", title=y_title, scale=unit),
            order="x:Q",
        )
        .properties(width=320, height=260, title=title)
    )
    return dict(chart.to_dict())


def matrix_chart(
    rows: Sequence[str], columns: Sequence[str], counts: Sequence[Sequence[int]], *, title: str
) -> Spec:
    """A count per (row, column) cell, shaded by size, with the number printed in the cell."""
    values = [
        {"row": r, "column": c, "count": int(counts[i][j])}
        for i, r in enumerate(rows)
        for j, c in enumerate(columns)
    ]
    base = alt.Chart(_data(values)).encode(
        x=alt.X("column:N", title=None, sort=list(columns), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("row:N", title=None, sort=list(rows)),
    )
    chart = alt.layer(
        base.mark_rect().encode(
            color=alt.Color("count:Q", legend=None, scale=alt.Scale(scheme="blues"))
        ),
        base.mark_text(fontSize=13).encode(text=alt.Text("count:Q", format=",")),
    ).properties(width=300, height=220, title=title)
    return dict(chart.to_dict())
