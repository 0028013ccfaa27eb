"""Orders, customer notes and satisfaction surveys: lookups and bulk writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import Session

from integrita.store.models import (
    Complaint,
    Customer,
    CustomerNote,
    CustomerOrder,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyMessage,
)
from integrita.store.repositories.customers import _upsert


def upsert_orders(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    _upsert(session, CustomerOrder, "order_id", rows)


def existing_customer_ids(session: Session, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    unique = sorted(set(ids))
    for start in range(0, len(unique), 900):
        part = unique[start : start + 900]
        found.update(
            session.execute(
                select(Customer.customer_id).where(Customer.customer_id.in_(part))
            ).scalars()
        )
    return found


def existing_order_ids(session: Session, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    unique = sorted(set(ids))
    for start in range(0, len(unique), 900):
        part = unique[start : start + 900]
        found.update(
            session.execute(
                select(CustomerOrder.order_id).where(CustomerOrder.order_id.in_(part))
            ).scalars()
        )
    return found


def set_delivery(session: Session, order_id: str, status: str, delivered_on: date | None) -> None:
    session.execute(
        update(CustomerOrder)
        .where(CustomerOrder.order_id == order_id)
        .values(delivery_status=status, delivered_on=delivered_on)
    )


def orders_for(session: Session, customer_id: str) -> list[CustomerOrder]:
    stmt = (
        select(CustomerOrder)
        .where(CustomerOrder.customer_id == customer_id)
        .order_by(CustomerOrder.ordered_on.desc())
    )
    return list(session.execute(stmt).scalars())


def notes_for(session: Session, customer_id: str) -> list[CustomerNote]:
    stmt = (
        select(CustomerNote)
        .where(CustomerNote.customer_id == customer_id)
        .order_by(CustomerNote.noted_on.desc(), CustomerNote.id.desc())
    )
    return list(session.execute(stmt).scalars())


def answers_for_customer(session: Session, customer_id: str) -> list[tuple[str, SurveyAnswer]]:
    stmt = (
        select(Survey.name, SurveyAnswer)
        .join(Survey, Survey.id == SurveyAnswer.survey_id)
        .where(SurveyAnswer.customer_id == customer_id)
        .order_by(SurveyAnswer.answered_on.desc(), SurveyAnswer.dimension)
    )
    return [(n, a) for n, a in session.execute(stmt).tuples()]


def active_customers(session: Session, since: date) -> dict[str, str]:
    """customer_id → segment for customers with an order on or after ``since``."""
    stmt = (
        select(Customer.customer_id, Customer.segment)
        .where(
            select(CustomerOrder.order_id)
            .where(
                CustomerOrder.customer_id == Customer.customer_id,
                CustomerOrder.ordered_on >= since,
            )
            .exists()
        )
        .order_by(Customer.customer_id)
    )
    return dict(session.execute(stmt).tuples().all())


def all_customer_segments(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Customer.customer_id, Customer.segment)).tuples().all())


def get_survey(session: Session, survey_id: int) -> Survey | None:
    return session.get(Survey, survey_id)


def list_surveys(session: Session) -> list[Survey]:
    return list(session.execute(select(Survey).order_by(Survey.id.desc())).scalars())


def invitations(session: Session, survey_id: int) -> list[SurveyInvitation]:
    stmt = (
        select(SurveyInvitation)
        .where(SurveyInvitation.survey_id == survey_id)
        .order_by(SurveyInvitation.customer_id)
    )
    return list(session.execute(stmt).scalars())


def invitation(session: Session, survey_id: int, customer_id: str) -> SurveyInvitation | None:
    stmt = select(SurveyInvitation).where(
        SurveyInvitation.survey_id == survey_id, SurveyInvitation.customer_id == customer_id
    )
    return session.execute(stmt).scalar_one_or_none()


def bulk_insert(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(model), list(rows))


def insert_invitations(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    bulk_insert(session, SurveyInvitation, rows)


def insert_messages(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    bulk_insert(session, SurveyMessage, rows)


def insert_answers(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    bulk_insert(session, SurveyAnswer, rows)


def message_counts(session: Session, survey_id: int) -> dict[tuple[str, str], int]:
    stmt = (
        select(SurveyMessage.kind, SurveyMessage.status, func.count())
        .where(SurveyMessage.survey_id == survey_id)
        .group_by(SurveyMessage.kind, SurveyMessage.status)
    )
    return {(k, s): int(n) for k, s, n in session.execute(stmt).tuples()}


def reached_customers(session: Session, survey_id: int) -> set[str]:
    """Customers with at least one message of the survey handed to the outbox."""
    stmt = select(SurveyMessage.customer_id).where(
        SurveyMessage.survey_id == survey_id, SurveyMessage.status == "enqueued"
    )
    return {str(c) for c in session.execute(stmt).scalars()}


def answers(session: Session, survey_id: int) -> list[SurveyAnswer]:
    stmt = select(SurveyAnswer).where(SurveyAnswer.survey_id == survey_id)
    return list(session.execute(stmt).scalars())


# -- trends ---------------------------------------------------------------------------------------


def _month(column: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def volume_by_segment_month(
    session: Session, customer_id: str | None = None
) -> list[tuple[str, str, int, int]]:
    """(month, segment, orders, amount in minor units)."""
    month = _month(CustomerOrder.ordered_on, session.get_bind().dialect.name)
    stmt = (
        select(month, Customer.segment, func.count(), func.sum(CustomerOrder.amount_minor))
        .join(Customer, Customer.customer_id == CustomerOrder.customer_id)
        .group_by(month, Customer.segment)
        .order_by(month)
    )
    if customer_id is not None:
        stmt = stmt.where(CustomerOrder.customer_id == customer_id)
    return [(m, s, int(n), int(a or 0)) for m, s, n, a in session.execute(stmt).tuples()]


def complaints_by_segment_month(session: Session) -> list[tuple[str, str, int, int, int]]:
    """(month, segment, complaints, rated, satisfied)."""
    stmt = (
        select(
            Complaint.received_month,
            Customer.segment,
            func.count(),
            func.count(Complaint.satisfaction),
            func.sum(case((Complaint.satisfaction >= 4, 1), else_=0)),
        )
        .join(Customer, Customer.customer_id == Complaint.customer_id)
        .group_by(Complaint.received_month, Customer.segment)
        .order_by(Complaint.received_month)
    )
    return [(m, s, int(n), int(r), int(k or 0)) for m, s, n, r, k in session.execute(stmt).tuples()]
