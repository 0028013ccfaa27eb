"""The monthly quality report: the PDCA view of targets, actuals and open actions, and its PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from integrita.errors import InputError
from integrita.services.care import sla as care_sla
from integrita.services.care.sla import TARGET_ON_TIME_RATE, TARGET_SATISFACTION_RATE, Figures
from integrita.services.core.context import Context
from integrita.store.repositories import care as care_repo

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@dataclass(frozen=True, slots=True)
class TargetLine:
    name: str
    target: str
    actual: str
    met: bool | None


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    month: str
    overall: Figures | None
    by_department: list[Figures]
    targets: list[TargetLine]
    open_actions: list[dict[str, Any]]
    open_count: int
    actions_taken: list[dict[str, Any]]


def check_month(month: str) -> str:
    try:
        if len(month) != 7:
            raise ValueError(month)
        datetime.strptime(month, "%Y-%m")
    except ValueError as exc:
        raise InputError(f"month must look like 2025-03, not {month!r}", field="month") from exc
    return month


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def monthly_report(ctx: Context, month: str) -> MonthlyReport:
    """Plan (targets), do and check (actuals per department), act (open and taken actions)."""
    check_month(month)
    rows = care_sla.figures(ctx, month)
    overall = next((f for f in rows if f.department is None), None)
    on_time = overall.on_time_first_response_rate if overall else None
    sat = overall.satisfaction_rate if overall else None
    targets = [
        TargetLine(
            "On-time initial response (24 h)",
            _pct(TARGET_ON_TIME_RATE),
            _pct(on_time),
            None if on_time is None else on_time >= TARGET_ON_TIME_RATE,
        ),
        TargetLine(
            "Customer satisfaction rate",
            f"> {TARGET_SATISFACTION_RATE:.0%}",
            _pct(sat),
            None if sat is None else sat > TARGET_SATISFACTION_RATE,
        ),
    ]
    with ctx.db.transaction() as session:
        depts = {d.id: d.code for d in care_repo.list_departments(session)}

        def line(c: Any) -> dict[str, Any]:
            return {
                "id": c.id,
                "state": c.state,
                "department": depts.get(c.department_id),
                "category": c.category,
                "severity": c.severity,
                "corrective_action": c.corrective_action,
                "preventive_action": c.preventive_action,
                "resolution_due_at": c.resolution_due_at,
            }

        open_actions = [line(c) for c in care_repo.open_actions(session, month)]
        open_count = care_repo.count_open_for_month(session, month)
        taken = [line(c) for c in care_repo.closed_in_month_with_actions(session, month)]
    return MonthlyReport(
        month=month,
        overall=overall,
        by_department=[f for f in rows if f.department is not None],
        targets=targets,
        open_actions=open_actions,
        open_count=open_count,
        actions_taken=taken,
    )


def report_pdf(report: MonthlyReport) -> bytes:
    """The report as a PDF (fpdf2; the CJK font when installed, so Chinese text prints)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    head = FontFace(emphasis="", fill_color=(238, 241, 246))

    pdf = FPDF(orientation="L")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    family = "helvetica"
    if CJK_FONT.exists():
        pdf.add_font("cjk", "", str(CJK_FONT))
        family = "cjk"

    def text(value: object) -> str:
        s = "" if value is None else str(value)
        return s if family == "cjk" else s.encode("latin-1", "replace").decode("latin-1")

    pdf.set_font(family, size=16)
    pdf.cell(0, 10, text(f"Monthly quality report {report.month}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=10)
    pdf.cell(0, 7, "Plan: targets and actuals", new_x="LMARGIN", new_y="NEXT")
    with pdf.table(col_widths=(90, 40, 40, 30), headings_style=head) as table:
        table.row(["Measure", "Target", "Actual", "Met"])
        for t in report.targets:
            table.row(
                [
                    text(t.name),
                    t.target,
                    t.actual,
                    "n/a" if t.met is None else ("yes" if t.met else "no"),
                ]
            )
    pdf.ln(4)
    pdf.cell(0, 7, "Do / check: figures per department", new_x="LMARGIN", new_y="NEXT")
    with pdf.table(headings_style=head) as table:
        table.row(
            [
                "Department",
                "Received",
                "Invalid",
                "On time",
                "P50 h",
                "P90 h",
                "Reopen",
                "Satisfied",
                "Open",
            ]
        )
        for f in [*report.by_department, *([report.overall] if report.overall else [])]:
            table.row(
                [
                    text(f.department or "all"),
                    str(f.received),
                    str(f.invalid),
                    _pct(f.on_time_first_response_rate),
                    _hours(f.resolution_hours_p50),
                    _hours(f.resolution_hours_p90),
                    _pct(f.reopen_rate),
                    _pct(f.satisfaction_rate),
                    str(f.open),
                ]
            )
    pdf.ln(4)
    pdf.cell(
        0,
        7,
        f"Act: open actions ({report.open_count} open complaints)",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    with pdf.table(col_widths=(20, 30, 30, 30, 130), headings_style=head) as table:
        table.row(["#", "State", "Department", "Severity", "Corrective action"])
        for a in report.open_actions[:40]:
            table.row(
                [
                    str(a["id"]),
                    a["state"],
                    text(a["department"] or ""),
                    a["severity"],
                    text(a["corrective_action"] or "-"),
                ]
            )
    return bytes(pdf.output())


def _hours(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"
