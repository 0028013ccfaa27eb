"""Self-assessment versions, and AML reviews of new products with their opinions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from integrita.store.models import ProductReview, ProductReviewOpinion, RiskSelfAssessment

# -- self-assessments -----------------------------------------------------------------------------


def add_assessment(session: Session, **fields: Any) -> RiskSelfAssessment:
    row = RiskSelfAssessment(**fields)
    session.add(row)
    session.flush()
    return row


def get_assessment(session: Session, assessment_id: int) -> RiskSelfAssessment | None:
    return session.get(RiskSelfAssessment, assessment_id)


def assessments(session: Session, year: int | None = None) -> list[RiskSelfAssessment]:
    stmt = select(RiskSelfAssessment)
    if year is not None:
        stmt = stmt.where(RiskSelfAssessment.year == year)
    stmt = stmt.order_by(RiskSelfAssessment.year.desc(), RiskSelfAssessment.version.desc())
    return list(session.execute(stmt).scalars())


def latest_version(session: Session, year: int) -> int:
    stmt = select(func.max(RiskSelfAssessment.version)).where(RiskSelfAssessment.year == year)
    return int(session.execute(stmt).scalar_one() or 0)


# -- product reviews ------------------------------------------------------------------------------


def add_review(session: Session, **fields: Any) -> ProductReview:
    row = ProductReview(**fields)
    session.add(row)
    session.flush()
    return row


def get_review(session: Session, review_id: int) -> ProductReview | None:
    return session.get(ProductReview, review_id)


def review_by_reference(session: Session, reference: str) -> ProductReview | None:
    stmt = select(ProductReview).where(ProductReview.reference == reference)
    return session.execute(stmt).scalar_one_or_none()


def count_reviews_between(session: Session, start: datetime, end: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(ProductReview)
        .where(ProductReview.submitted_at >= start, ProductReview.submitted_at < end)
    )
    return int(session.execute(stmt).scalar_one())


def reviews(session: Session, status: str | None = None, limit: int = 500) -> list[ProductReview]:
    stmt = select(ProductReview)
    if status:
        stmt = stmt.where(ProductReview.status == status)
    return list(session.execute(stmt.order_by(ProductReview.id.desc()).limit(limit)).scalars())


def reviews_between(session: Session, start: datetime, end: datetime) -> list[ProductReview]:
    stmt = select(ProductReview).where(
        ProductReview.submitted_at >= start, ProductReview.submitted_at < end
    )
    return list(session.execute(stmt).scalars())


def add_opinion(session: Session, **fields: Any) -> ProductReviewOpinion:
    row = ProductReviewOpinion(**fields)
    session.add(row)
    session.flush()
    return row


def get_opinion(session: Session, opinion_id: int) -> ProductReviewOpinion | None:
    return session.get(ProductReviewOpinion, opinion_id)


def opinions(session: Session, review_id: int) -> list[ProductReviewOpinion]:
    stmt = (
        select(ProductReviewOpinion)
        .where(ProductReviewOpinion.review_id == review_id)
        .order_by(ProductReviewOpinion.id)
    )
    return list(session.execute(stmt).scalars())


def opinions_between(
    session: Session, start: datetime, end: datetime
) -> list[ProductReviewOpinion]:
    stmt = select(ProductReviewOpinion).where(
        ProductReviewOpinion.created_at >= start, ProductReviewOpinion.created_at < end
    )
    return list(session.execute(stmt).scalars())


def opinion_counts(session: Session) -> dict[int, tuple[int, int]]:
    """review id -> (opinions, unresolved required controls)."""
    open_control = and_(
        ProductReviewOpinion.required_control.is_not(None), ProductReviewOpinion.resolved.is_(False)
    )
    unresolved = func.sum(case((open_control, 1), else_=0))
    stmt = select(ProductReviewOpinion.review_id, func.count(), unresolved).group_by(
        ProductReviewOpinion.review_id
    )
    return {int(r): (int(n), int(u or 0)) for r, n, u in session.execute(stmt).tuples()}
