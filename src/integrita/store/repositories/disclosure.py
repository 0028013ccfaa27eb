"""The records behind the annual disclosure figures, and the published editions of the pack.

Each query takes the bank's local year as ``[start, end)`` instants, so a figure counts the
same records on SQLite and PostgreSQL whatever the server's time zone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from integrita.store import Session
from integrita.store.models import (
    Complaint,
    CustomerRiskStatus,
    DisclosurePublication,
    LargeValueRecord,
    ProductReview,
    ProductReviewOpinion,
    RiskRating,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SuspiciousTransactionReport,
)


def strs_submitted_between(
    session: Session, start: datetime, end: datetime
) -> list[SuspiciousTransactionReport]:
    stmt = (
        select(SuspiciousTransactionReport)
        .where(
            SuspiciousTransactionReport.submitted_at >= start,
            SuspiciousTransactionReport.submitted_at < end,
        )
        .order_by(SuspiciousTransactionReport.id)
    )
    return list(session.execute(stmt).scalars())


def strs_with_date_between(
    session: Session, column: str, start: datetime, end: datetime
) -> list[SuspiciousTransactionReport]:
    """STRs whose ``transferred_at`` or ``filed_at`` falls in the window (the by-date view)."""
    col = {
        "transferred_at": SuspiciousTransactionReport.transferred_at,
        "filed_at": SuspiciousTransactionReport.filed_at,
    }[column]
    stmt = (
        select(SuspiciousTransactionReport)
        .where(col >= start, col < end)
        .order_by(SuspiciousTransactionReport.id)
    )
    return list(session.execute(stmt).scalars())


def large_value_booked_between(
    session: Session, start: datetime, end: datetime
) -> list[LargeValueRecord]:
    stmt = (
        select(LargeValueRecord)
        .where(LargeValueRecord.booked_at >= start, LargeValueRecord.booked_at < end)
        .order_by(LargeValueRecord.id)
    )
    return list(session.execute(stmt).scalars())


def product_reviews_submitted_between(
    session: Session, start: datetime, end: datetime
) -> list[ProductReview]:
    stmt = (
        select(ProductReview)
        .where(ProductReview.submitted_at >= start, ProductReview.submitted_at < end)
        .order_by(ProductReview.id)
    )
    return list(session.execute(stmt).scalars())


def opinions_given_between(
    session: Session, start: datetime, end: datetime
) -> list[tuple[ProductReviewOpinion, ProductReview]]:
    stmt = (
        select(ProductReviewOpinion, ProductReview)
        .join(ProductReview, ProductReview.id == ProductReviewOpinion.review_id)
        .where(ProductReviewOpinion.created_at >= start, ProductReviewOpinion.created_at < end)
        .order_by(ProductReviewOpinion.id)
    )
    return [(o, r) for o, r in session.execute(stmt).tuples()]


def bands_as_of(session: Session, end: datetime) -> list[tuple[str, str]]:
    """Each customer's band from their last rating before ``end`` (an approved override wins
    while it is the customer's current one); ``(customer_id, band)`` sorted by customer."""
    latest = (
        select(RiskRating.customer_id, func.max(RiskRating.id).label("last_id"))
        .where(RiskRating.rated_at < end)
        .group_by(RiskRating.customer_id)
        .subquery()
    )
    stmt = (
        select(RiskRating.customer_id, RiskRating.band, RiskRating.run_id)
        .join(latest, latest.c.last_id == RiskRating.id)
        .order_by(RiskRating.customer_id)
    )
    rated = [(c, b, run) for c, b, run in session.execute(stmt).tuples()]
    overrides: dict[str, tuple[int, str]] = {
        c: (run, band or "")
        for c, run, band in session.execute(
            select(
                CustomerRiskStatus.customer_id,
                CustomerRiskStatus.run_id,
                CustomerRiskStatus.override_band,
            ).where(CustomerRiskStatus.override_band.is_not(None))
        ).tuples()
    }
    out = []
    for customer, band, run in rated:
        override = overrides.get(customer)
        out.append(
            (customer, override[1] if override and override[0] == run and override[1] else band)
        )
    return out


def complaints_received_between(
    session: Session, start: datetime, end: datetime
) -> list[Complaint]:
    stmt = (
        select(Complaint)
        .where(Complaint.received_at >= start, Complaint.received_at < end)
        .order_by(Complaint.id)
    )
    return list(session.execute(stmt).scalars())


def surveys_created_between(session: Session, start: datetime, end: datetime) -> list[Survey]:
    stmt = (
        select(Survey)
        .where(Survey.created_at >= start, Survey.created_at < end)
        .order_by(Survey.id)
    )
    return list(session.execute(stmt).scalars())


def invitations_of(session: Session, survey_ids: list[int]) -> list[SurveyInvitation]:
    if not survey_ids:
        return []
    stmt = (
        select(SurveyInvitation)
        .where(SurveyInvitation.survey_id.in_(survey_ids))
        .order_by(SurveyInvitation.id)
    )
    return list(session.execute(stmt).scalars())


def answers_of(session: Session, survey_ids: list[int]) -> list[SurveyAnswer]:
    if not survey_ids:
        return []
    stmt = (
        select(SurveyAnswer).where(SurveyAnswer.survey_id.in_(survey_ids)).order_by(SurveyAnswer.id)
    )
    return list(session.execute(stmt).scalars())


# -- published editions -------------------------------------------------------------------------


def latest_publication(session: Session, year: int) -> DisclosurePublication | None:
    stmt = (
        select(DisclosurePublication)
        .where(DisclosurePublication.year == year)
        .order_by(DisclosurePublication.edition.desc())
        .limit(1)
    )
    return session.execute(stmt).scalars().first()


def add_publication(session: Session, publication: DisclosurePublication) -> None:
    session.add(publication)
    session.flush()
