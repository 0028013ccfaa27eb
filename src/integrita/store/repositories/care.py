"""Complaints, departments and routing: lookups, set-based SLA sweeps and monthly aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    case,
    func,
    insert,
    literal,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from integrita.domain.sla import percentile
from integrita.store.models import (
    Complaint,
    ComplaintPause,
    Department,
    Escalation,
    RoutingRule,
)

CLOSED = "closed"
NOT_VALID = ("invalid", "duplicate")


# -- departments and routing ----------------------------------------------------------------------


def department_by_code(session: Session, code: str) -> Department | None:
    return session.execute(select(Department).where(Department.code == code)).scalar_one_or_none()


def get_department(session: Session, department_id: int) -> Department | None:
    return session.get(Department, department_id)


def list_departments(session: Session) -> list[Department]:
    return list(session.execute(select(Department).order_by(Department.code)).scalars())


def add(session: Session, obj: Any) -> Any:
    session.add(obj)
    session.flush()
    return obj


def routing_rule(session: Session, category: str, product: str | None) -> RoutingRule | None:
    stmt = select(RoutingRule).where(RoutingRule.category == category)
    stmt = stmt.where(
        RoutingRule.product.is_(None) if product is None else RoutingRule.product == product
    )
    return session.execute(stmt).scalar_one_or_none()


def list_routing_rules(session: Session) -> list[RoutingRule]:
    stmt = select(RoutingRule).order_by(RoutingRule.category, RoutingRule.product)
    return list(session.execute(stmt).scalars())


def delete(session: Session, obj: Any) -> None:
    session.delete(obj)
    session.flush()


# -- complaints -----------------------------------------------------------------------------------


def get_complaint(session: Session, complaint_id: int, *, lock: bool = False) -> Complaint | None:
    if lock:
        stmt = select(Complaint).where(Complaint.id == complaint_id).with_for_update()
        return session.execute(stmt).scalar_one_or_none()
    return session.get(Complaint, complaint_id)


def pauses_for(session: Session, complaint_id: int) -> list[ComplaintPause]:
    stmt = (
        select(ComplaintPause)
        .where(ComplaintPause.complaint_id == complaint_id)
        .order_by(ComplaintPause.started_at)
    )
    return list(session.execute(stmt).scalars())


def complaints_for_customer(session: Session, customer_id: str) -> list[Complaint]:
    stmt = (
        select(Complaint)
        .where(Complaint.customer_id == customer_id)
        .order_by(Complaint.received_at.desc())
    )
    return list(session.execute(stmt).scalars())


def _queue_filter(state: str | None, department_id: int | None) -> list[Any]:
    where: list[Any] = []
    if state is not None:
        where.append(Complaint.state == state)
    if department_id is not None:
        where.append(Complaint.department_id == department_id)
    return where


def queue(
    session: Session,
    *,
    state: str | None = None,
    department_id: int | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Complaint]:
    stmt = (
        select(Complaint)
        .where(*_queue_filter(state, department_id))
        .order_by(Complaint.received_at.desc(), Complaint.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.execute(stmt).scalars())


def queue_total(
    session: Session, *, state: str | None = None, department_id: int | None = None
) -> int:
    stmt = select(func.count()).select_from(Complaint).where(*_queue_filter(state, department_id))
    return int(session.execute(stmt).scalar_one())


def queue_counts(session: Session) -> list[tuple[str, int | None, int]]:
    """(state, department_id, count) for every open queue."""
    stmt = (
        select(Complaint.state, Complaint.department_id, func.count())
        .where(Complaint.state != CLOSED)
        .group_by(Complaint.state, Complaint.department_id)
    )
    return [(s, d, int(n)) for s, d, n in session.execute(stmt).tuples()]


def bulk_insert_complaints(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(Complaint), list(rows))


# -- service-level sweep (set-based) --------------------------------------------------------------


def _open_unpaused() -> Any:
    return and_(Complaint.state != CLOSED, Complaint.paused_since.is_(None))


def _overdue(kind: str, now: datetime) -> list[Any]:
    """Open, running deadlines of ``kind`` that have passed without the step being done.

    A complaint imported with its history is overdue only for a deadline that passed after it
    came in (one that passed before is history, not news for a department head), and its first
    response is done when the source system judged it (timely or not) without a time.
    """
    if kind == "first_response":
        due = Complaint.first_response_due_at
        return [
            _open_unpaused(),
            Complaint.first_response_at.is_(None),
            Complaint.first_response_timely.is_(None),
            due < now,
            Complaint.imported_at.is_(None) | (due >= Complaint.imported_at),
        ]
    due = Complaint.resolution_due_at
    return [
        _open_unpaused(),
        Complaint.resolved_at.is_(None),
        due < now,
        Complaint.imported_at.is_(None) | (due >= Complaint.imported_at),
    ]


def escalate_overdue(session: Session, now: datetime) -> dict[str, int]:
    """Escalate every overdue deadline not escalated yet to the department head.

    One INSERT ... SELECT per deadline kind over the partial indexes of running deadlines;
    the unique (complaint, kind, round) index answers "already escalated?".
    """
    counts: dict[str, int] = {}
    for kind in ("first_response", "resolution"):
        # NOT IN over (complaint, round) is evaluated once as a hashed set, whatever the
        # planner believes about the size of the escalations table.
        already = tuple_(Complaint.id, Complaint.reopen_count).in_(
            select(Escalation.complaint_id, Escalation.round).where(Escalation.kind == kind)
        )
        source = (
            select(
                Complaint.id,
                literal(kind),
                Complaint.reopen_count,
                Complaint.department_id,
                Department.head_user_id,
                literal(now, type_=Escalation.__table__.c.escalated_at.type),
            )
            .select_from(Complaint)
            .outerjoin(Department, Department.id == Complaint.department_id)
            .where(*_overdue(kind, now), ~already)
        )
        stmt = insert(Escalation).from_select(
            ["complaint_id", "kind", "round", "department_id", "head_user_id", "escalated_at"],
            source,
        )
        before = _count_escalations(session, kind)
        session.execute(stmt)
        counts[kind] = _count_escalations(session, kind) - before
    return counts


def _count_escalations(session: Session, kind: str) -> int:
    stmt = select(func.count()).select_from(Escalation).where(Escalation.kind == kind)
    return int(session.execute(stmt).scalar_one())


def deadline_list(
    session: Session, now: datetime, until: datetime | None, *, breached: bool, limit: int = 200
) -> list[Complaint]:
    """Open complaints whose next deadline is due before ``until`` (due soon) or has passed."""
    stmt = (
        select(Complaint)
        .where(_open_unpaused(), _deadline_condition(now, until, breached=breached))
        .order_by(Complaint.resolution_due_at)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def deadline_total(
    session: Session, now: datetime, until: datetime | None, *, breached: bool
) -> int:
    """How many open complaints the due-soon or breached list holds in all (it shows the first)."""
    stmt = (
        select(func.count())
        .select_from(Complaint)
        .where(_open_unpaused(), _deadline_condition(now, until, breached=breached))
    )
    return int(session.execute(stmt).scalar_one())


def _deadline_condition(now: datetime, until: datetime | None, *, breached: bool) -> Any:
    if breached:
        cond = (
            and_(
                Complaint.first_response_at.is_(None),
                Complaint.first_response_timely.is_(None),
                Complaint.first_response_due_at < now,
            )
        ) | (and_(Complaint.resolved_at.is_(None), Complaint.resolution_due_at < now))
    else:
        assert until is not None
        cond = (
            and_(
                Complaint.first_response_at.is_(None),
                Complaint.first_response_due_at >= now,
                Complaint.first_response_due_at <= until,
            )
        ) | (
            and_(
                Complaint.resolved_at.is_(None),
                Complaint.resolution_due_at >= now,
                Complaint.resolution_due_at <= until,
            )
        )
    return cond


# -- monthly figures (set-based) ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthlyRow:
    month: str
    department_id: int | None
    received: int
    invalid: int
    responded: int
    responded_on_time: int
    first_response_breached: int
    resolved: int
    reopened: int
    rated: int
    satisfied: int
    satisfaction_sum: int
    open: int


def _responded() -> Any:
    """A first response was given: at a known instant, or judged by the source system."""
    return Complaint.first_response_at.is_not(None) | Complaint.first_response_timely.is_not(None)


def _responded_on_time() -> Any:
    """In time by our clock; for history without a response instant, by the source's verdict."""
    by_clock = and_(
        Complaint.first_response_at.is_not(None),
        Complaint.first_response_at <= Complaint.first_response_due_at,
    )
    by_source = and_(
        Complaint.first_response_at.is_(None), Complaint.first_response_timely.is_(True)
    )
    return by_clock | by_source


def _valid() -> Any:
    """Valid complaints (or not yet judged): invalid and duplicate ones count apart."""
    return Complaint.validity.is_(None) | Complaint.validity.not_in(NOT_VALID)


def monthly_rows(
    session: Session,
    now: datetime,
    month: str | None = None,
    customer_ids: Sequence[str] | None = None,
) -> list[MonthlyRow]:
    """Counts per month and department; ``month`` limits to one month."""
    valid = _valid()

    def count_if(cond: Any) -> Any:
        return func.sum(case((cond, 1), else_=0))

    stmt = select(
        Complaint.received_month,
        Complaint.department_id,
        func.count(),
        count_if(Complaint.validity.in_(NOT_VALID)),
        count_if(_responded()),
        count_if(_responded_on_time()),
        count_if(
            Complaint.first_response_breached.is_(True) | and_(*_overdue("first_response", now))
        ),
        count_if(and_(valid, Complaint.resolved_at.is_not(None))),
        count_if(and_(valid, Complaint.reopen_count > 0)),
        count_if(and_(valid, Complaint.satisfaction.is_not(None))),
        count_if(and_(valid, Complaint.satisfaction >= 4)),
        func.coalesce(func.sum(case((valid, Complaint.satisfaction), else_=None)), 0),
        count_if(Complaint.state != CLOSED),
    ).group_by(Complaint.received_month, Complaint.department_id)
    if month is not None:
        stmt = stmt.where(Complaint.received_month == month)
    if customer_ids is not None:
        stmt = stmt.where(Complaint.customer_id.in_(list(customer_ids)))
    return [
        MonthlyRow(m, d, *(int(v or 0) for v in rest))
        for m, d, *rest in session.execute(stmt).tuples()
    ]


def resolution_percentiles(
    session: Session,
    fractions: Sequence[float],
    month: str | None = None,
    *,
    by_department: bool = True,
) -> dict[tuple[str, int | None], list[float | None]]:
    """Resolution-time percentiles (seconds) per month (and department, unless told otherwise).

    Only valid complaints count: an invalid one that was reopened and worked anyway must not
    move P50/P90, as invalid complaints count apart in every other figure.
    """
    has = and_(Complaint.resolution_seconds.is_not(None), _valid())
    where: list[Any] = [has] if month is None else [has, Complaint.received_month == month]
    dept = Complaint.department_id if by_department else literal(None, type_=Integer)
    keys = (Complaint.received_month, dept)
    group = (
        (Complaint.received_month, Complaint.department_id)
        if by_department
        else (Complaint.received_month,)
    )
    if session.get_bind().dialect.name == "postgresql":
        cols = [
            func.percentile_cont(f).within_group(Complaint.resolution_seconds) for f in fractions
        ]
        stmt = select(Complaint.received_month, *group[1:], *cols).where(*where).group_by(*group)
        out: dict[tuple[str, int | None], list[float | None]] = {}
        for row in session.execute(stmt):
            values = list(row)
            key = (values[0], values[1] if by_department else None)
            out[key] = [float(v) for v in values[len(group) :]]
        return out
    # SQLite has no percentile aggregate: stream the sorted values and interpolate.
    stmt2 = (
        select(*keys, Complaint.resolution_seconds)
        .where(*where)
        .order_by(*group, Complaint.resolution_seconds)
    )
    groups: dict[tuple[str, int | None], list[float]] = {}
    for m, d, v in session.execute(stmt2).tuples():
        groups.setdefault((m, d), []).append(float(v or 0.0))
    return {k: [percentile(v, f) for f in fractions] for k, v in groups.items()}


def open_actions(session: Session, month: str, limit: int = 100) -> list[Complaint]:
    """Complaints of the month still open (their corrective actions are not yet verified)."""
    stmt = (
        select(Complaint)
        .where(Complaint.received_month == month, Complaint.state != CLOSED)
        .order_by(Complaint.received_at)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def count_open_for_month(session: Session, month: str) -> int:
    stmt = (
        select(func.count())
        .select_from(Complaint)
        .where(Complaint.received_month == month, Complaint.state != CLOSED)
    )
    return int(session.execute(stmt).scalar_one())


def closed_in_month_with_actions(session: Session, month: str, limit: int = 50) -> list[Complaint]:
    stmt = (
        select(Complaint)
        .where(
            Complaint.received_month == month,
            Complaint.corrective_action.is_not(None),
        )
        .order_by(Complaint.received_at)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def recent_escalations(session: Session, limit: int = 50) -> list[tuple[Escalation, Complaint]]:
    stmt = (
        select(Escalation, Complaint)
        .join(Complaint, Complaint.id == Escalation.complaint_id)
        .where(Complaint.state != CLOSED)
        .order_by(Escalation.escalated_at.desc(), Escalation.id.desc())
        .limit(limit)
    )
    return [(e, c) for e, c in session.execute(stmt).tuples()]
