"""Service-level sweeps, due-soon and breached lists, and the care figures per department and month."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from integrita.logging import get_logger
from integrita.services.care.complaints import complaint_dict
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.store.repositories import care as care_repo
from integrita.store.repositories import users as users_repo

log = get_logger(__name__)

#: Targets the group publishes: every complaint answered in time, satisfaction above 92 %.
TARGET_ON_TIME_RATE = 1.0
TARGET_SATISFACTION_RATE = 0.92
PERCENTILES = (0.5, 0.9)
#: The most breached complaints one list shows.
BREACHED_LIST_LIMIT = 5000


@dataclass(frozen=True, slots=True)
class SweepResult:
    at: datetime
    first_response_breaches: int
    resolution_breaches: int
    escalations: dict[str, int]


def sweep(ctx: Context, actor: str = "system") -> SweepResult:
    """Escalate every deadline that passed since the last sweep to the department head.

    Set-based: one INSERT ... SELECT per deadline kind, whatever the number of complaints.
    Breaches themselves need no sweep: lists and figures compare the due time with the clock.
    """
    now = ctx.now()
    with ctx.db.transaction() as session:
        escalations = care_repo.escalate_overdue(session, now)
        first, resolution = escalations["first_response"], escalations["resolution"]
        audit.record(
            session,
            at=now,
            actor=actor,
            action="care.sla_swept",
            entity_type="care_sla",
            entity_id=now.strftime("%Y%m%dT%H%M%S"),
            after={
                "first_response_breaches": first,
                "resolution_breaches": resolution,
                "escalations": escalations,
            },
        )
    log.info("care sla sweep", extra={"first": first, "resolution": resolution, **escalations})
    return SweepResult(now, first, resolution, escalations)


def due_soon(ctx: Context, limit: int = 200) -> list[dict[str, Any]]:
    now = ctx.now()
    until = now + timedelta(hours=ctx.settings.care_due_soon_hours)
    with ctx.db.transaction() as session:
        rows = care_repo.deadline_list(session, now, until, breached=False, limit=limit)
        return [complaint_dict(c) for c in rows]


def breached(ctx: Context, limit: int = 200) -> list[dict[str, Any]]:
    with ctx.db.transaction() as session:
        rows = care_repo.deadline_list(session, ctx.now(), None, breached=True, limit=limit)
        return [complaint_dict(c) for c in rows]


@dataclass(frozen=True, slots=True)
class DeadlineTotals:
    """How many open complaints are due soon and breached in all (the lists show the first)."""

    due_soon: int
    breached: int


def deadline_totals(ctx: Context) -> DeadlineTotals:
    now = ctx.now()
    until = now + timedelta(hours=ctx.settings.care_due_soon_hours)
    with ctx.db.transaction() as session:
        return DeadlineTotals(
            care_repo.deadline_total(session, now, until, breached=False),
            care_repo.deadline_total(session, now, None, breached=True),
        )


@dataclass(frozen=True, slots=True)
class Figures:
    """The care figures for one month and department (or all departments)."""

    month: str
    department: str | None
    received: int
    invalid: int
    on_time_first_response_rate: float | None
    first_response_breaches: int
    resolution_hours_p50: float | None
    resolution_hours_p90: float | None
    reopen_rate: float | None
    satisfaction_rate: float | None
    average_satisfaction: float | None
    open: int


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _figures(
    month: str, department: str | None, rows: Sequence[care_repo.MonthlyRow], pct: list[Any]
) -> Figures:
    def total(name: str) -> int:
        return sum(int(getattr(r, name)) for r in rows)

    received, invalid = total("received"), total("invalid")
    p50, p90 = (None if v is None else v / 3600 for v in pct) if pct else (None, None)
    return Figures(
        month=month,
        department=department,
        received=received,
        invalid=invalid,
        on_time_first_response_rate=_ratio(
            total("responded_on_time"), total("responded") + _late_unanswered(rows)
        ),
        first_response_breaches=total("first_response_breached"),
        resolution_hours_p50=p50,
        resolution_hours_p90=p90,
        reopen_rate=_ratio(total("reopened"), total("resolved")),
        satisfaction_rate=_ratio(total("satisfied"), total("rated")),
        average_satisfaction=_ratio(total("satisfaction_sum"), total("rated")),
        open=total("open"),
    )


def _late_unanswered(rows: Sequence[care_repo.MonthlyRow]) -> int:
    """Breached first responses still without an answer count against the on-time rate."""
    return sum(
        max(0, r.first_response_breached - (r.responded - r.responded_on_time)) for r in rows
    )


def figures(ctx: Context, month: str | None = None) -> list[Figures]:
    """Figures per month and department, then one line per month for all departments."""
    with ctx.db.transaction() as session:
        rows = care_repo.monthly_rows(session, ctx.now(), month)
        pct = care_repo.resolution_percentiles(session, PERCENTILES, month)
        depts = {d.id: d.code for d in care_repo.list_departments(session)}
    out: list[Figures] = []
    months = sorted({r.month for r in rows})
    for m in months:
        month_rows = [r for r in rows if r.month == m]
        for r in sorted(month_rows, key=lambda r: depts.get(r.department_id or 0, "")):
            label = depts.get(r.department_id) if r.department_id else "(unassigned)"
            out.append(_figures(m, label, [r], pct.get((m, r.department_id), [])))
        out.append(_figures(m, None, month_rows, _overall_pct(ctx, m, pct, month_rows)))
    return out


def _overall_pct(
    ctx: Context, month: str, pct: dict[Any, Any], rows: Sequence[care_repo.MonthlyRow]
) -> list[Any]:
    if len(rows) == 1:
        return list(pct.get((month, rows[0].department_id), []))
    with ctx.db.transaction() as session:
        merged = care_repo.resolution_percentiles(session, PERCENTILES, month, by_department=False)
    return list(merged.get((month, None), []))


def overall(ctx: Context) -> Figures:
    """All months and departments together."""
    with ctx.db.transaction() as session:
        rows = care_repo.monthly_rows(session, ctx.now())
    return _figures("all", None, rows, [])


def escalations(ctx: Context, limit: int = 50) -> list[dict[str, Any]]:
    """Open complaints escalated to a department head, newest first."""
    with ctx.db.transaction() as session:
        depts = {d.id: (d.code, d.head_user_id) for d in care_repo.list_departments(session)}
        heads = {
            u.id: u.username
            for u in users_repo.list_users(session)
            if u.id in {h for _, h in depts.values()}
        }
        return [
            {
                "complaint_id": c.id,
                "kind": e.kind,
                "round": e.round,
                "escalated_at": e.escalated_at,
                "department": depts.get(e.department_id or 0, (None, None))[0],
                "head": heads.get(e.head_user_id or 0),
                "state": c.state,
            }
            for e, c in care_repo.recent_escalations(session, limit)
        ]
