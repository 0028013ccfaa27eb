"""The self-assessment as pictures and paper: a heat map (Vega-Lite) and a PDF on the one
report layout.

A self-assessment drafted for a year with no ledger data reads every ledger share as 0 % — a
number that says nothing about the year's risk but looks like "low". :func:`data_warnings`
names that, and the page, the PDF and the command line print it loudly before any figure. The
year-on-year comparison is made only against the signed assessment of the year before (see
:func:`~integrita.services.risk.assessment.compare`): an unsigned draft is no baseline.
"""

from __future__ import annotations

from typing import Any

from integrita.domain.risk import CONTROL_LEVELS, DIMENSIONS, INHERENT_LEVELS
from integrita.services.core import charts, pdf_layout
from integrita.services.core.context import Context
from integrita.services.core.report_labels import label
from integrita.services.risk.assessment import AssessmentView, ComparisonLine, compare, get

COLOURS = {"low": "#cfe8d5", "medium": "#ffe8a3", "high": "#f4b4ae"}
LABELS = {
    "customers": "Customers",
    "geography": "Geography",
    "products_and_services": "Products & services",
    "channels": "Channels",
}


def data_warnings(body: dict[str, Any]) -> list[str]:
    """Why the figures of this assessment cannot be trusted as they stand (empty when they can)."""
    year = body.get("year")
    warnings = []
    metrics = body.get("metrics", {})
    if not metrics.get("geography", {}).get("transactions"):
        warnings.append(
            f"No ledger transactions were booked in {year}: every share taken from the ledger "
            "(cross-border, high-risk countries, cash, remote channels) reads 0 % and says "
            "nothing about the year's risk. Ingest the year's ledger and draft again."
        )
    if not metrics.get("customers", {}).get("rated_customers"):
        warnings.append(
            "No customer has a money-laundering risk rating: the customer shares read 0 %. "
            "Rate the customers and draft again."
        )
    return warnings


def heat_map_spec(body: dict[str, Any]) -> charts.Spec:
    """The inherent × control matrix coloured by residual risk, each dimension in its cell."""
    matrix = body["config"]["matrix"]
    control = body["control_overall"]["level"]
    placed: dict[tuple[str, str], list[str]] = {}
    for dim in DIMENSIONS:
        placed.setdefault((body["inherent"][dim]["level"], control), []).append(LABELS[dim])
    cells = [
        {
            "inherent": f"inherent {inherent}",
            "control": f"controls {ctl}",
            "residual": matrix[inherent][ctl],
            "dimensions": "\n".join(placed.get((inherent, ctl), [])),
        }
        for inherent in INHERENT_LEVELS
        for ctl in CONTROL_LEVELS
    ]
    x = {
        "field": "control",
        "type": "ordinal",
        "title": None,
        "axis": {"labelAngle": 0},
        "sort": [f"controls {c}" for c in CONTROL_LEVELS],
    }
    y = {
        "field": "inherent",
        "type": "ordinal",
        "title": None,
        "sort": [f"inherent {i}" for i in reversed(INHERENT_LEVELS)],
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": f"Residual money-laundering risk {body['year']}",
        "data": {"values": cells},
        "width": 420,
        "height": 300,
        "encoding": {"x": x, "y": y},
        "layer": [
            {
                "mark": {"type": "rect", "stroke": "white", "strokeWidth": 2},
                "encoding": {
                    "color": {
                        "field": "residual",
                        "type": "nominal",
                        "title": "Residual",
                        "scale": {"domain": list(COLOURS), "range": list(COLOURS.values())},
                    },
                    "tooltip": [{"field": "residual"}, {"field": "dimensions"}],
                },
            },
            {
                "mark": {"type": "text", "fontWeight": "bold", "fontSize": 11, "lineBreak": "\n"},
                "encoding": {"text": {"field": "dimensions"}},
            },
        ],
    }


def heat_map(body: dict[str, Any]) -> str:
    """The heat map as SVG for the page."""
    return charts.to_svg(heat_map_spec(body))


def assessment_pdf(ctx: Context, assessment_id: int) -> bytes:
    """The self-assessment as a PDF: warnings, signatures, heat map, inherent, controls, data."""
    view = get(ctx, assessment_id)
    return render_pdf(ctx, view)


def _comparison_rows(lines: list[ComparisonLine]) -> list[list[object]]:
    return [
        [
            LABELS[c.dimension],
            f"{c.previous_inherent_score:.1f} {label(c.previous_inherent_level)}"
            if c.previous_inherent_score is not None
            else "-",
            f"{c.inherent_score:.1f} {label(c.inherent_level)}",
            f"{label(c.previous_residual) or '-'} -> {label(c.residual)}",
            c.change,
        ]
        for c in lines
    ]


def render_pdf(ctx: Context, view: AssessmentView) -> bytes:
    body = view.body
    pdf = pdf_layout.new_report(
        ctx, "Money-laundering risk self-assessment", f"{view.year}, version {view.version}"
    )
    for warning in data_warnings(body):
        pdf.paragraph(f"Warning: {warning}", warning=True)
    if view.status != "signed":
        pdf.paragraph(
            f"This version is {label(view.status).lower()}, not signed: it is not the bank's "
            "assessment of the year until the MLRO signs it.",
            warning=True,
        )
    pdf.paragraph(
        "\n".join(
            [
                f"Status: {label(view.status)}",
                f"Drafted by {view.drafted_by} on {view.drafted_at:%Y-%m-%d}",
                f"Reviewed by {view.reviewed_by or '-'}"
                + (f" on {view.reviewed_at:%Y-%m-%d}" if view.reviewed_at else ""),
                f"Signed by {view.signed_by or '-'}"
                + (f" on {view.signed_at:%Y-%m-%d}" if view.signed_at else ""),
            ]
        )
    )
    pdf.chart(
        charts.to_png(heat_map_spec(body), font_path=ctx.settings.report_font_path), width=150
    )
    pdf.section("Inherent and residual risk by dimension")
    rows = []
    for dim in DIMENSIONS:
        inh = body["inherent"][dim]
        adj = body["adjustments"][dim]
        note = f"{adj['steps']:+d}: {adj['reason']}" if adj["steps"] else "none"
        rows.append(
            [
                LABELS[dim],
                f"{inh['score']:.1f}",
                label(inh["level"]),
                label(body["residual"][dim]),
                note,
            ]
        )
    pdf.rows(
        ["Dimension", "Score", "Inherent", "Residual", "Assessor's adjustment"],
        rows,
        col_widths=(40, 22, 28, 28, 62),
    )
    lines = compare(ctx, view.year)
    pdf.section(f"Compared with the signed assessment of {view.year - 1}")
    if lines and lines[0].previous_residual is not None:
        pdf.rows(
            ["Dimension", str(view.year - 1), str(view.year), "Residual", "Change"],
            _comparison_rows(lines),
            col_widths=(40, 35, 35, 45, 25),
        )
    else:
        pdf.paragraph(f"No signed self-assessment of {view.year - 1}: nothing to compare with.")
    overall = body["control_overall"]
    pdf.section(f"Control effectiveness: {label(overall['level'])} ({overall['score']:.2f})")
    pdf.rows(
        ["Control area", "Score", "Level", "Evidence"],
        [
            [
                label(area),
                "-" if result["score"] is None else f"{result['score']:.2f}",
                label(result["level"]),
                "; ".join(a["evidence"] for a in body["answers"][area] if a["evidence"]) or "-",
            ]
            for area, result in body["controls"].items()
        ],
        col_widths=(50, 20, 25, 85),
    )
    pdf.section("Figures from the institution's data")
    pdf.rows(
        ["Dimension", "Metric", "Value"],
        [
            [
                LABELS[dim],
                label(name),
                f"{value:.2%}" if name.endswith("_share") else f"{value:,.0f}",
            ]
            for dim in DIMENSIONS
            for name, value in body["metrics"][dim].items()
        ],
        col_widths=(40, 70, 70),
    )
    return pdf.finish()
