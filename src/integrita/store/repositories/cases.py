"""Cases, notes, STRs and the queues that list them (filter, sort, page)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Select, String, cast, func, select, type_coerce, update
from sqlalchemy.orm import Session, load_only

from integrita.store.models import (
    Alert,
    AuditEvent,
    Case,
    CaseNote,
    LargeValueRecord,
    SuspiciousTransactionReport,
)

#: Every offered sort has an index behind it, with or without the status filter.
ALERT_SORTS = {
    "score": (Alert.score.desc(), Alert.id.desc()),
    "-score": (Alert.score.asc(), Alert.id.asc()),
    "raised_at": (Alert.raised_at.desc(), Alert.id.desc()),
    "-raised_at": (Alert.raised_at.asc(), Alert.id.asc()),
}
CASE_SORTS = {
    "priority": (Case.priority_rank.desc(), Case.opened_at.asc(), Case.id.asc()),
    "opened_at": (Case.opened_at.desc(), Case.id.desc()),
    "-opened_at": (Case.opened_at.asc(), Case.id.asc()),
    "updated_at": (Case.updated_at.desc(), Case.id.desc()),
    "score": (Case.score.desc(), Case.id.desc()),
    "customer": (Case.customer_id.asc(), Case.id.asc()),
}


@dataclass(frozen=True, slots=True)
class PageOf:
    rows: list[Any]
    total: int


def _page(
    session: Session,
    stmt: Select[Any],
    conditions: Sequence[Any],
    order: Sequence[Any],
    page: int,
    size: int,
) -> PageOf:
    """One page of rows plus the total; the count selects nothing but the filter."""
    entity = stmt.column_descriptions[0]["entity"]
    total = int(
        session.execute(select(func.count()).select_from(entity).where(*conditions)).scalar_one()
    )
    query = stmt.where(*conditions).order_by(*order).limit(size).offset((page - 1) * size)
    return PageOf(list(session.execute(query).scalars()), total)


#: The columns a queue shows; evidence and explanations stay on disk until a case is opened.
_QUEUE_COLUMNS = (
    Alert.id,
    Alert.customer_id,
    Alert.source,
    Alert.raised_at,
    Alert.typologies,
    Alert.score,
    Alert.status,
    Alert.case_id,
)


def _like_literal(text: str) -> str:
    """``text`` for a LIKE pattern, its wildcards escaped with a backslash."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def alert_queue(
    session: Session,
    *,
    status: str | None,
    customer_id: str | None,
    source: str | None,
    min_score: float | None,
    sort: str,
    page: int,
    size: int,
    typology: str | None = None,
    raised_from: datetime | None = None,
    raised_before: datetime | None = None,
) -> PageOf:
    conditions: list[Any] = []
    if status:
        conditions.append(Alert.status == status)
    if typology:
        # the typologies are a JSON list of names; a name appears in its text quoted
        pattern = f'%"{_like_literal(typology)}"%'
        conditions.append(cast(Alert.typologies, String).like(pattern, escape="\\"))
    if raised_from is not None:
        conditions.append(Alert.raised_at >= raised_from)
    if raised_before is not None:
        conditions.append(Alert.raised_at < raised_before)
    if customer_id:
        conditions.append(Alert.customer_id == customer_id)
    if source:
        conditions.append(Alert.source == source)
    if min_score is not None:
        conditions.append(Alert.score >= min_score)
    stmt = select(Alert).options(load_only(*_QUEUE_COLUMNS))
    return _page(session, stmt, conditions, ALERT_SORTS[sort], page, size)


def case_queue(
    session: Session,
    *,
    states: Sequence[str],
    priority: str | None,
    assignee: str | None,
    customer_id: str | None,
    sort: str,
    page: int,
    size: int,
    opened_from: datetime | None = None,
    opened_before: datetime | None = None,
) -> PageOf:
    conditions: list[Any] = []
    if opened_from is not None:
        conditions.append(Case.opened_at >= opened_from)
    if opened_before is not None:
        conditions.append(Case.opened_at < opened_before)
    if states:
        conditions.append(Case.state.in_(list(states)))
    if priority:
        conditions.append(Case.priority == priority)
    if assignee:
        conditions.append(Case.assignee == assignee)
    if customer_id:
        conditions.append(Case.customer_id == customer_id)
    return _page(session, select(Case), conditions, CASE_SORTS[sort], page, size)


@dataclass(frozen=True, slots=True)
class NewAlert:
    """The few columns of a new alert that opening a case needs (evidence stays unread)."""

    id: int
    customer_id: str
    score: float | None
    typologies: list[str]


def new_alerts(session: Session, customer_limit: int) -> list[NewAlert]:
    """Every new alert of the next ``customer_limit`` customers that have new alerts."""
    customers = select(Alert.customer_id).where(Alert.status == "new").distinct()
    chosen = list(
        session.execute(customers.order_by(Alert.customer_id).limit(customer_limit)).scalars()
    )
    if not chosen:
        return []
    stmt = (
        select(Alert.id, Alert.customer_id, Alert.score, Alert.typologies)
        .where(Alert.status == "new", Alert.customer_id.in_(chosen))
        .order_by(Alert.customer_id, Alert.id)
    )
    return [
        NewAlert(r.id, r.customer_id, r.score, list(r.typologies or []))
        for r in session.execute(stmt)
    ]


def attach_alerts(session: Session, alert_ids: Sequence[int], case_id: int) -> None:
    session.execute(
        update(Alert).where(Alert.id.in_(list(alert_ids))).values(status="in_case", case_id=case_id)
    )


def open_cases_for(
    session: Session, customer_ids: Sequence[str], open_states: Sequence[str]
) -> dict[str, Case]:
    """Each customer's oldest open case, for many customers in a few queries."""
    found: dict[str, Case] = {}
    ids = list(customer_ids)
    for start in range(0, len(ids), 900):
        stmt = (
            select(Case)
            .where(
                Case.customer_id.in_(ids[start : start + 900]), Case.state.in_(list(open_states))
            )
            .order_by(Case.id.desc())
        )
        for case in session.execute(stmt).scalars():
            found[case.customer_id] = case  # descending, so the oldest wins
    return found


def get(session: Session, case_id: int, *, for_update: bool = False) -> Case | None:
    if for_update:
        return session.execute(
            select(Case).where(Case.id == case_id).with_for_update()
        ).scalar_one_or_none()
    return session.get(Case, case_id)


def add_case(session: Session, **fields: Any) -> Case:
    case = Case(**fields)
    session.add(case)
    session.flush()
    return case


def alerts_of(session: Session, case_id: int) -> list[Alert]:
    stmt = select(Alert).where(Alert.case_id == case_id).order_by(Alert.raised_at, Alert.id)
    return list(session.execute(stmt).scalars())


def add_note(session: Session, **fields: Any) -> CaseNote:
    note = CaseNote(**fields)
    session.add(note)
    session.flush()
    return note


def notes_of(session: Session, case_id: int) -> list[CaseNote]:
    stmt = select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.id)
    return list(session.execute(stmt).scalars())


def events_of_case(session: Session, case_id: int, str_ids: Sequence[int]) -> list[AuditEvent]:
    """The case's own events and those of its STRs, in chain order."""
    conditions = (AuditEvent.entity_type == "case") & (AuditEvent.entity_id == str(case_id))
    if str_ids:
        conditions = conditions | (
            (AuditEvent.entity_type == "str")
            & (AuditEvent.entity_id.in_([str(i) for i in str_ids]))
        )
    return list(
        session.execute(select(AuditEvent).where(conditions).order_by(AuditEvent.seq)).scalars()
    )


# -- STRs -------------------------------------------------------------------------------------


def add_str(session: Session, **fields: Any) -> SuspiciousTransactionReport:
    report = SuspiciousTransactionReport(**fields)
    session.add(report)
    session.flush()
    return report


def get_str(
    session: Session, str_id: int, *, for_update: bool = False
) -> SuspiciousTransactionReport | None:
    if for_update:
        return session.execute(
            select(SuspiciousTransactionReport)
            .where(SuspiciousTransactionReport.id == str_id)
            .with_for_update()
        ).scalar_one_or_none()
    return session.get(SuspiciousTransactionReport, str_id)


def strs_of_case(session: Session, case_id: int) -> list[SuspiciousTransactionReport]:
    stmt = (
        select(SuspiciousTransactionReport)
        .where(SuspiciousTransactionReport.case_id == case_id)
        .order_by(SuspiciousTransactionReport.id)
    )
    return list(session.execute(stmt).scalars())


def strs_due_by(
    session: Session, day: date | None, statuses: Sequence[str], limit: int = 1000
) -> list[SuspiciousTransactionReport]:
    stmt = select(SuspiciousTransactionReport).where(
        SuspiciousTransactionReport.status.in_(list(statuses))
    )
    if day is not None:
        stmt = stmt.where(SuspiciousTransactionReport.due_on <= day)
    stmt = stmt.order_by(SuspiciousTransactionReport.due_on, SuspiciousTransactionReport.id)
    return list(session.execute(stmt.limit(limit)).scalars())


def large_value_due_by(
    session: Session, day: date | None, statuses: Sequence[str], limit: int = 1000
) -> list[LargeValueRecord]:
    stmt = select(LargeValueRecord).where(LargeValueRecord.status.in_(list(statuses)))
    if day is not None:
        stmt = stmt.where(LargeValueRecord.due_on <= day)
    stmt = stmt.order_by(LargeValueRecord.due_on, LargeValueRecord.id)
    return list(session.execute(stmt.limit(limit)).scalars())


def get_large_value(session: Session, record_id: int) -> LargeValueRecord | None:
    return session.get(LargeValueRecord, record_id)


def count_strs_between(session: Session, column: str, start: datetime, end: datetime) -> int:
    field = getattr(SuspiciousTransactionReport, column)
    stmt = select(func.count()).where(field >= start, field < end)
    return int(session.execute(stmt).scalar_one())


def strs_submitted_between(
    session: Session, start: datetime, end: datetime
) -> list[SuspiciousTransactionReport]:
    stmt = select(SuspiciousTransactionReport).where(
        SuspiciousTransactionReport.submitted_at >= start,
        SuspiciousTransactionReport.submitted_at < end,
    )
    return list(session.execute(stmt).scalars())


def review_events_between(session: Session, start: datetime, end: datetime) -> list[AuditEvent]:
    """Reviewers' decisions on proposals (approve / return), from the audit trail."""
    stmt = select(AuditEvent).where(
        AuditEvent.entity_type == "case",
        AuditEvent.action.in_(["case.approve", "case.return"]),
        AuditEvent.occurred_at >= start,
        AuditEvent.occurred_at < end,
    )
    return list(session.execute(stmt.order_by(AuditEvent.seq)).scalars())


def decision_in(event: AuditEvent) -> str | None:
    """The decision recorded in a case event's after-image."""
    if not event.after:
        return None
    value = orjson.loads(event.after).get("decision")
    return str(value) if value is not None else None


# -- audit trail reading -----------------------------------------------------------------------


def audit_page(
    session: Session,
    *,
    actor: str | None,
    action: str | None,
    entity_type: str | None,
    entity_id: str | None,
    since: datetime | None,
    until: datetime | None,
    page: int,
    size: int | None,
) -> PageOf:
    conditions: list[Any] = []
    if actor:
        conditions.append(AuditEvent.actor == actor)
    if action:
        conditions.append(AuditEvent.action.startswith(action))
    if entity_type:
        conditions.append(AuditEvent.entity_type == entity_type)
    if entity_id:
        conditions.append(AuditEvent.entity_id == entity_id)
    if since:
        conditions.append(AuditEvent.occurred_at >= since)
    if until:
        conditions.append(AuditEvent.occurred_at < until)
    stmt = select(AuditEvent)
    if size is None:
        return PageOf(
            list(session.execute(stmt.where(*conditions).order_by(AuditEvent.seq)).scalars()), 0
        )
    return _page(session, stmt, conditions, (AuditEvent.seq.desc(),), page, size)


#: (kind, record id, customer id, status, due date): what the deadline list shows, no more.
DeadlineRow = tuple[str, int, str | None, str, date]


def _rows(kind: str, raw: Sequence[Any]) -> list[DeadlineRow]:
    """Rows with their due dates parsed once per distinct date (100,000 rows share a few
    hundred dates; SQLite hands them over as text, PostgreSQL as dates)."""
    parsed: dict[Any, date] = {}
    out: list[DeadlineRow] = []
    for record_id, customer_id, status, due in raw:
        day = parsed.get(due)
        if day is None:
            day = parsed[due] = due if isinstance(due, date) else date.fromisoformat(str(due))
        out.append((kind, record_id, customer_id, status, day))
    return out


def open_deadlines(
    session: Session,
    statuses: Sequence[str],
    lvr_statuses: Sequence[str],
    *,
    due_by: date,
    later_limit: int,
) -> tuple[list[DeadlineRow], list[DeadlineRow]]:
    """Open STRs and large-value records due by ``due_by`` (all), and the next ``later_limit``
    STRs due after it; only the columns the list shows, as Core rows, so 100,000 read fast."""
    strs = SuspiciousTransactionReport
    lvr = LargeValueRecord
    conn = session.connection()
    str_cols = (strs.id, strs.customer_id, strs.status, type_coerce(strs.due_on, String))
    lvr_cols = (lvr.id, lvr.customer_id, lvr.status, type_coerce(lvr.due_on, String))
    soon = _rows(
        "STR",
        conn.execute(
            select(*str_cols).where(strs.status.in_(list(statuses)), strs.due_on <= due_by)
        ).all(),
    )
    soon += _rows(
        "LVR",
        conn.execute(
            select(*lvr_cols).where(lvr.status.in_(list(lvr_statuses)), lvr.due_on <= due_by)
        ).all(),
    )
    later = _rows(
        "STR",
        conn.execute(
            select(*str_cols)
            .where(strs.status.in_(list(statuses)), strs.due_on > due_by)
            .order_by(strs.due_on, strs.id)
            .limit(later_limit)
        ).all(),
    )
    return soon, later


def open_alert_typologies(session: Session) -> dict[str, int]:
    """New alerts per typology name (an alert with two typologies counts under each)."""
    counts: dict[str, int] = {}
    for names in session.execute(select(Alert.typologies).where(Alert.status == "new")).scalars():
        for name in set(names or ()):
            counts[str(name)] = counts.get(str(name), 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
