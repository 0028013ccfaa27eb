"""A small bank with one year of records behind every annual figure, and one record of the
year before and after each, so a figure that leaks across years is caught."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from integrita.services.core.context import Context
from integrita.store.models import (
    Case,
    Complaint,
    Customer,
    Department,
    LargeValueRecord,
    ProductReview,
    ProductReviewOpinion,
    RiskRating,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SuspiciousTransactionReport,
)

YEAR = 2024


def at(month: int, day: int, hour: int = 10, year: int = YEAR) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def seed_small_bank(ctx: Context) -> dict[str, int]:
    """Insert the records; return the numbers a person would count by hand."""
    with ctx.db.transaction() as s:
        for i in range(1, 9):
            s.add(
                Customer(
                    customer_id=f"C{i}",
                    customer_type="person",
                    name=f"客户 {i}",
                    id_document_type="id_card",
                    id_number=f"ID{i}",
                )
            )
        s.add(Department(code="cards", name="Card services"))
        s.flush()
        dept = s.query(Department).one().id
        for i in range(1, 6):
            s.add(Case(customer_id=f"C{i}", state="reported"))
        s.flush()
        # STRs: 4 handed over in the year (2 later transferred — one of them in the next year —
        # 1 filed), 1 handed over the year before but transferred in the year, 1 still a draft
        strs = [
            (at(2, 1), at(3, 1), None),
            (at(5, 1), at(1, 10, year=YEAR + 1), at(2, 1, year=YEAR + 1)),
            (at(7, 1), None, None),
            (at(12, 31, 14), None, None),  # 22:00 in Shanghai, still the year's last day
            (at(12, 20, year=YEAR - 1), at(4, 1), None),
        ]
        for n, (submitted, transferred, filed) in enumerate(strs, start=1):
            s.add(
                SuspiciousTransactionReport(
                    case_id=n,
                    customer_id=f"C{n}",
                    status="filed" if filed else ("transferred" if transferred else "submitted"),
                    determined_at=submitted - timedelta(days=3),
                    due_on=(submitted + timedelta(days=5)).date(),
                    content={},
                    submitted_at=submitted,
                    transferred_at=transferred,
                    filed_at=filed,
                )
            )
        s.add(
            SuspiciousTransactionReport(
                case_id=5,
                customer_id="C5",
                status="draft",
                determined_at=at(6, 1),
                due_on=date(YEAR, 6, 10),
                content={},
            )
        )
        # large-value: 3 booked in the year, 2 submitted; 1 booked the year before
        for n, (booked, submitted) in enumerate(
            [
                (at(1, 5), at(1, 6)),
                (at(6, 5), at(6, 6)),
                (at(11, 5), None),
                (at(12, 5, year=YEAR - 1), at(12, 6, year=YEAR - 1)),
            ]
        ):
            s.add(
                LargeValueRecord(
                    txn_id=f"T{n}",
                    rule="cash_50k",
                    customer_id="C1",
                    account_id="A1",
                    booked_at=booked,
                    amount_minor=6_000_000,
                    currency="CNY",
                    amount_cny_minor=6_000_000,
                    due_on=(booked + timedelta(days=5)).date(),
                    status="submitted" if submitted else "pending",
                    submitted_at=submitted,
                )
            )
        # product reviews: 2 in the year with 3 opinions; 1 the year before
        for n, submitted in enumerate([at(3, 1), at(9, 1), at(11, 1, year=YEAR - 1)], start=1):
            s.add(
                ProductReview(
                    reference=f"PR-{n}",
                    kind="product",
                    title=f"新产品 {n}",
                    description="d",
                    target_customers="retail",
                    channels="mobile",
                    cross_border=False,
                    cash=False,
                    third_party_payments=False,
                    submitted_by="owner",
                    submitted_at=submitted,
                    status="approved",
                )
            )
        s.flush()
        for review_id, created in [
            (1, at(3, 5)),
            (1, at(3, 9)),
            (2, at(9, 5)),
            (3, at(11, 5, year=YEAR - 1)),
        ]:
            s.add(
                ProductReviewOpinion(
                    review_id=review_id, reviewer="rev", text="control needed", created_at=created
                )
            )
        # risk ratings: C1..C6 rated in the year (C2 re-rated high later in the year);
        # C7 rated only in the next year
        ratings = [
            ("C1", "low", at(2, 1)),
            ("C2", "low", at(2, 1)),
            ("C2", "high", at(10, 1)),
            ("C3", "medium", at(2, 1)),
            ("C4", "low", at(2, 1)),
            ("C5", "high", at(2, 1)),
            ("C6", "medium", at(2, 1)),
            ("C7", "high", at(1, 5, year=YEAR + 1)),
        ]
        for n, (customer, band, rated) in enumerate(ratings):
            s.add(
                RiskRating(
                    customer_id=customer,
                    run_id=n + 1,
                    rated_at=rated,
                    score=10.0,
                    band=band,
                    contributions=[],
                    config_version=1,
                    trigger="full",
                )
            )
        # complaints: 5 in the year — 4 answered in time, 1 late; 3 rated (2 satisfied);
        # 1 invalid complaint rated 5 (not counted in satisfaction); 1 the year before
        complaints = [
            (at(1, 2), at(1, 2, 12), 5, "valid"),
            (at(2, 2), at(2, 2, 12), 4, "valid"),
            (at(3, 2), at(3, 4, 12), 2, "valid"),  # late
            (at(4, 2), at(4, 2, 11), None, "valid"),
            (at(5, 2), at(5, 2, 11), 5, "invalid"),
            (at(6, 2, year=YEAR - 1), at(6, 2, 11, year=YEAR - 1), 5, "valid"),
        ]
        for received, responded, rating, validity in complaints:
            s.add(
                Complaint(
                    customer_id="C1",
                    channel="phone",
                    category="fees",
                    severity="normal",
                    description="x",
                    state="closed",
                    validity=validity,
                    department_id=dept,
                    received_at=received,
                    received_month=received.strftime("%Y-%m"),
                    first_response_at=responded,
                    first_response_due_at=received + timedelta(hours=24),
                    satisfaction=rating,
                )
            )
        # one survey in the year: 4 invited, 3 responded
        s.add(
            Survey(
                name="Satisfaction 2024",
                dimensions=[{"key": "overall", "label": "Overall", "group": "g", "weight": 1.0}],
                sample_fraction=0.5,
                seed=1,
                mode="internal",
                population=8,
                created_at=at(6, 1),
                created_by="qa",
            )
        )
        s.flush()
        for i in range(1, 5):
            s.add(
                SurveyInvitation(
                    survey_id=1,
                    customer_id=f"C{i}",
                    stratum="retail",
                    invited_at=at(6, 2),
                    responded_at=at(6, 3) if i <= 3 else None,
                )
            )
        for i, answer in zip(range(1, 4), (5, 4, 3), strict=True):
            s.add(
                SurveyAnswer(
                    survey_id=1,
                    customer_id=f"C{i}",
                    dimension="overall",
                    answer=answer,
                    answered_on=date(YEAR, 6, 3),
                    source="internal",
                )
            )
    return {
        "aml.str.handed_over": 4,
        "aml.str.transferred": 2,
        "aml.str.filed": 1,
        "aml.large_value.reports": 3,
        "aml.large_value.submitted": 2,
        "aml.reviews.requested": 2,
        "aml.reviews.opinions": 3,
        "risk.customers.rated": 6,
        "risk.customers.band.low": 2,
        "risk.customers.band.medium": 2,
        "risk.customers.band.high": 2,
        "care.complaints.received": 5,
        "care.surveys.invited": 4,
    }
