"""The self-assessment as pictures and paper: a heat map (matplotlib) and a PDF (fpdf2)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from fpdf import FPDF
from fpdf.fonts import FontFace
from matplotlib.patches import Rectangle

from integrita.domain.risk import CONTROL_LEVELS, DIMENSIONS, INHERENT_LEVELS
from integrita.services.core.context import Context
from integrita.services.risk.assessment import AssessmentView, get

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
# The CJK font has no bold face, so headings are shaded rather than bold.
HEADINGS = FontFace(emphasis="", fill_color=(238, 241, 246))
COLOURS = {"low": "#cfe8d5", "medium": "#ffe8a3", "high": "#f4b4ae"}
LABELS = {
    "customers": "Customers",
    "geography": "Geography",
    "products_and_services": "Products & services",
    "channels": "Channels",
}


def heat_map(body: dict[str, Any], fmt: str = "svg") -> bytes:
    """The inherent × control matrix coloured by residual risk, with each dimension placed in its cell."""
    matrix = body["config"]["matrix"]
    control = body["control_overall"]["level"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for row, inherent in enumerate(INHERENT_LEVELS):
        for col, ctl in enumerate(CONTROL_LEVELS):
            residual = matrix[inherent][ctl]
            ax.add_patch(
                Rectangle((col, row), 1, 1, facecolor=COLOURS[residual], edgecolor="white", lw=2)
            )
            ax.text(
                col + 0.97, row + 0.05, residual, ha="right", va="bottom", fontsize=7, color="#555"
            )
    placed: dict[tuple[int, int], list[str]] = {}
    for dim in DIMENSIONS:
        cell = (
            INHERENT_LEVELS.index(body["inherent"][dim]["level"]),
            CONTROL_LEVELS.index(control),
        )
        placed.setdefault(cell, []).append(LABELS[dim])
    for (row, col), names in placed.items():
        ax.text(
            col + 0.5,
            row + 0.55,
            "\n".join(names),
            ha="center",
            va="center",
            fontsize=8,
            weight="bold",
        )
    ax.set_xlim(0, len(CONTROL_LEVELS))
    ax.set_ylim(0, len(INHERENT_LEVELS))
    ax.set_xticks(
        [i + 0.5 for i in range(len(CONTROL_LEVELS))], [f"controls {c}" for c in CONTROL_LEVELS]
    )
    ax.set_yticks(
        [i + 0.5 for i in range(len(INHERENT_LEVELS))], [f"inherent {i}" for i in INHERENT_LEVELS]
    )
    ax.set_title(f"Residual money-laundering risk {body['year']}")
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt)
    plt.close(fig)
    return buffer.getvalue()


def _font(pdf: FPDF) -> str:
    if CJK_FONT.exists():
        pdf.add_font("wqy", "", str(CJK_FONT))
        return "wqy"
    return "helvetica"


def assessment_pdf(ctx: Context, assessment_id: int) -> bytes:
    """The self-assessment as a PDF: status and signatures, heat map, inherent, controls, residual."""
    view = get(ctx, assessment_id)
    return render_pdf(view)


def render_pdf(view: AssessmentView) -> bytes:
    body = view.body
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    font = _font(pdf)
    pdf.set_font(font, size=16)
    pdf.cell(
        0, 10, f"Money-laundering risk self-assessment {view.year}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(font, size=10)
    lines = [
        f"Version {view.version} - status {view.status}",
        f"Drafted by {view.drafted_by} on {view.drafted_at:%Y-%m-%d}",
        f"Reviewed by {view.reviewed_by or '-'}"
        + (f" on {view.reviewed_at:%Y-%m-%d}" if view.reviewed_at else ""),
        f"Signed by {view.signed_by or '-'}"
        + (f" on {view.signed_at:%Y-%m-%d}" if view.signed_at else ""),
    ]
    for line in lines:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.image(io.BytesIO(heat_map(body, "png")), w=150)
    pdf.ln(2)
    pdf.set_font(font, size=12)
    pdf.cell(0, 8, "Inherent and residual risk by dimension", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, size=9)
    with pdf.table(headings_style=HEADINGS, col_widths=(40, 22, 28, 28, 62)) as table:
        table.row(["Dimension", "Score", "Inherent", "Residual", "Assessor's adjustment"])
        for dim in DIMENSIONS:
            inh = body["inherent"][dim]
            adj = body["adjustments"][dim]
            note = f"{adj['steps']:+d}: {adj['reason']}" if adj["steps"] else "none"
            table.row(
                [LABELS[dim], f"{inh['score']:.1f}", inh["level"], body["residual"][dim], note]
            )
    pdf.ln(3)
    pdf.set_font(font, size=12)
    overall = body["control_overall"]
    pdf.cell(
        0,
        8,
        f"Control effectiveness: {overall['level']} ({overall['score']:.2f})",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(font, size=9)
    with pdf.table(headings_style=HEADINGS, col_widths=(50, 20, 25, 85)) as table:
        table.row(["Control area", "Score", "Level", "Evidence"])
        for area, result in body["controls"].items():
            evidence = "; ".join(a["evidence"] for a in body["answers"][area] if a["evidence"])
            score = "-" if result["score"] is None else f"{result['score']:.2f}"
            table.row([area.replace("_", " "), score, result["level"], evidence or "-"])
    pdf.ln(3)
    pdf.set_font(font, size=12)
    pdf.cell(0, 8, "Figures from the institution's data", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, size=9)
    with pdf.table(headings_style=HEADINGS, col_widths=(40, 70, 70)) as table:
        table.row(["Dimension", "Metric", "Value"])
        for dim in DIMENSIONS:
            for name, value in body["metrics"][dim].items():
                shown = f"{value:.2%}" if name.endswith("_share") else f"{value:,.0f}"
                table.row([LABELS[dim], name.replace("_", " "), shown])
    return bytes(pdf.output())
