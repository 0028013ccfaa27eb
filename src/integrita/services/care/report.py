"""The monthly quality report: the PDCA view of targets, actuals and open actions, and its PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrita.errors import InputError
from integrita.services.care import sla as care_sla
from integrita.services.care.sla import TARGET_ON_TIME_RATE, TARGET_SATISFACTION_RATE, Figures
from integrita.services.core import charts, pdf_layout
from integrita.services.core.context import Context
from integrita.services.core.report_labels import label
from integrita.store.repositories import care as care_repo


@dataclass(frozen=True, slots=True)
class TargetLine:
    name: str
    target: str
    actual: str
    met: bool | None


@dataclass(frozen=True, slots=True)
class TrendPoint:
    month: str
    received: int
    on_time_rate: float | None
    satisfaction_rate: float | None


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    month: str
    overall: Figures | None
    by_department: list[Figures]
    targets: list[TargetLine]
    open_actions: list[dict[str, Any]]
    open_count: int
    actions_taken: list[dict[str, Any]]
    trend: list[TrendPoint]
    #: department code -> name, so figures per department print names, not codes
    department_names: dict[str, str]


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
        departments = care_repo.list_departments(session)
        depts = {d.id: d.name for d in departments}
        names = {d.code: d.name for d in departments}

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

        open_actions = [
            line(c) for c in care_repo.open_actions(session, month, limit=OPEN_ACTIONS_LISTED)
        ]
        open_count = care_repo.count_open_for_month(session, month)
        taken = [
            line(c)
            for c in care_repo.closed_in_month_with_actions(
                session, month, limit=OPEN_ACTIONS_LISTED
            )
        ]
    return MonthlyReport(
        month=month,
        overall=overall,
        by_department=[f for f in rows if f.department is not None],
        targets=targets,
        open_actions=open_actions,
        open_count=open_count,
        actions_taken=taken,
        trend=trend(ctx, month),
        department_names=names,
    )


#: Months of history the trend chart shows, ending with the report's month.
TREND_MONTHS = 6
#: Open actions listed one by one; beyond this the report says how many more there are.
OPEN_ACTIONS_LISTED = 200


def _months_back(month: str, count: int) -> list[str]:
    year, mon = int(month[:4]), int(month[5:])
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{mon:02d}")
        year, mon = (year - 1, 12) if mon == 1 else (year, mon - 1)
    return out[::-1]


def trend(ctx: Context, month: str) -> list[TrendPoint]:
    """The overall figures of the last :data:`TREND_MONTHS` months (the report's month last)."""
    points = []
    for m in _months_back(month, TREND_MONTHS):
        overall = next((f for f in care_sla.figures(ctx, m) if f.department is None), None)
        points.append(
            TrendPoint(
                month=m,
                received=overall.received if overall else 0,
                on_time_rate=overall.on_time_first_response_rate if overall else None,
                satisfaction_rate=overall.satisfaction_rate if overall else None,
            )
        )
    return points


def trend_chart(report: MonthlyReport) -> charts.Spec:
    months = [p.month for p in report.trend]
    return charts.line_chart(
        months,
        {
            "Initial response within 24 h": [p.on_time_rate for p in report.trend],
            "Satisfied customers": [p.satisfaction_rate for p in report.trend],
        },
        title=f"Trend over {len(months)} months",
        y_title="Share",
        percent=True,
    )


def report_pdf(ctx: Context, report: MonthlyReport) -> bytes:
    """The report on the one report layout: targets, figures per department, trend, actions."""
    pdf = pdf_layout.new_report(ctx, "Monthly quality report (PDCA)", report.month, landscape=True)
    pdf.section("Plan: targets and actuals")
    pdf.rows(
        ["Measure", "Target", "Actual", "Met"],
        [
            [t.name, t.target, t.actual, "n/a" if t.met is None else ("yes" if t.met else "no")]
            for t in report.targets
        ],
        col_widths=(90, 40, 40, 30),
    )
    pdf.section("Do and check: figures per department")
    pdf.rows(
        [
            "Department",
            "Received",
            "Invalid",
            "Initial response within 24 h",
            "Resolution median (h)",
            "Resolution 90th percentile (h)",
            "Reopened",
            "Satisfied",
            "Open",
        ],
        [
            [
                report.department_names.get(f.department or "", f.department or "All departments"),
                f.received,
                f.invalid,
                _pct(f.on_time_first_response_rate),
                _hours(f.resolution_hours_p50),
                _hours(f.resolution_hours_p90),
                _pct(f.reopen_rate),
                _pct(f.satisfaction_rate),
                f.open,
            ]
            for f in [*report.by_department, *([report.overall] if report.overall else [])]
        ],
    )
    pdf.section("Trend")
    pdf.chart(
        charts.to_png(trend_chart(report), font_path=ctx.settings.report_font_path), width=200
    )
    pdf.rows(
        ["Month", "Received", "Initial response within 24 h", "Satisfied customers"],
        [
            [p.month, p.received, _pct(p.on_time_rate), _pct(p.satisfaction_rate)]
            for p in report.trend
        ],
    )
    pdf.section(f"Act: open actions ({report.open_count} open complaints)")
    pdf.rows(
        ["Complaint", "State", "Department", "Severity", "Corrective action", "Resolution due"],
        [_action_row(ctx, a) for a in report.open_actions],
        col_widths=(22, 32, 45, 22, 110, 36),
    )
    hidden = report.open_count - len(report.open_actions)
    if hidden > 0:
        pdf.paragraph(
            f"{hidden} more open complaints of {report.month} are not listed here; "
            "the care desk lists them all."
        )
    pdf.section(f"Act: actions taken ({len(report.actions_taken)})")
    pdf.rows(
        ["Complaint", "State", "Department", "Corrective action", "Preventive action"],
        [
            [
                f"#{a['id']}",
                label(a["state"]),
                a["department"] or "",
                a["corrective_action"] or "",
                a["preventive_action"] or "",
            ]
            for a in report.actions_taken
        ],
        col_widths=(22, 32, 45, 84, 84),
    )
    if not report.actions_taken:
        pdf.paragraph("No corrective action was recorded on this month's complaints.")
    return pdf.finish()


def _action_row(ctx: Context, a: dict[str, Any]) -> list[object]:
    due = a["resolution_due_at"]
    return [
        f"#{a['id']}",
        label(a["state"]),
        a["department"] or "",
        label(a["severity"]),
        a["corrective_action"] or "-",
        due.astimezone(ctx.zone).strftime("%Y-%m-%d %H:%M") if due else "",
    ]


def _hours(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"
