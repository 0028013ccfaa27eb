"""Risk API: customer ratings, risk events, overrides, AML reviews of new products."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from integrita.domain.permissions import Permission
from integrita.errors import NotFoundError
from integrita.http.deps import get_ctx, require
from integrita.http.fields import (
    Bool,
    BoundedDate,
    Code,
    Id,
    KeyPath,
    LongText,
    Name,
    Note,
    StrictModel,
    Year,
)
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.risk import events, overrides, product_reviews, rating

router = APIRouter(prefix="/v1/risk", tags=["risk"])


@router.get("/customers/{customer_id}/rating", response_model=rating.RatingBreakdown)
def customer_rating(
    customer_id: KeyPath,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.RISK_READ)),
) -> dict[str, Any]:
    """The customer's current rating with every factor's contribution."""
    breakdown = rating.rating_breakdown(ctx, customer_id)
    if breakdown is None:
        raise NotFoundError(f"customer {customer_id} has no rating")
    return asdict(breakdown)


@router.get("/distribution", response_model=dict[str, int])
def distribution(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require(Permission.RISK_READ))
) -> dict[str, int]:
    """Customers per effective band."""
    return rating.band_distribution(ctx)


class DueQuery(StrictModel):
    on: BoundedDate | None = None
    limit: int = Field(default=200, ge=1, le=1000)


@router.get("/due", response_model=list[rating.DueItem])
def due(
    query: Annotated[DueQuery, Query()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.RISK_READ)),
) -> list[dict[str, Any]]:
    """Customers due for a periodic review or a first rating."""
    return [asdict(i) for i in rating.due_for_review(ctx, on=query.on, limit=query.limit)]


class RiskEventIn(StrictModel):
    kind: Code = Field(description="alert | str | large_value | key_data_change")
    reference: Name


@router.post(
    "/customers/{customer_id}/events", status_code=201, response_model=events.RecordedRiskEvent
)
def record_event(
    customer_id: KeyPath,
    body: RiskEventIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.RISK_EVENT_RECORD)),
) -> dict[str, Any]:
    """Record a risk event (idempotent on customer, kind and reference); marks the customer for re-rating."""
    return asdict(events.record(ctx, customer_id, body.kind, body.reference, actor=user.username))


class OverrideIn(StrictModel):
    to_band: Code
    reason: Note


@router.post(
    "/customers/{customer_id}/overrides", status_code=201, response_model=overrides.OverrideView
)
def request_override(
    customer_id: KeyPath,
    body: OverrideIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.RISK_OVERRIDE_REQUEST)),
) -> dict[str, Any]:
    """Ask for a manual band change; a second person must approve it."""
    return asdict(
        overrides.request_override(ctx, customer_id, body.to_band, body.reason, actor=user)
    )


class DecisionIn(StrictModel):
    approve: Bool
    note: Note = ""
    #: Bring the next review forward (bank-local date); never beyond the policy's interval.
    next_review_on: BoundedDate | None = None


@router.post("/overrides/{override_id}/decision", response_model=overrides.OverrideView)
def decide_override(
    override_id: Id,
    body: DecisionIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.RISK_OVERRIDE_DECIDE)),
) -> dict[str, Any]:
    """Approve or reject an override (never the requester)."""
    return asdict(
        overrides.decide_override(
            ctx,
            override_id,
            body.approve,
            body.note,
            actor=user,
            next_review_on=body.next_review_on,
        )
    )


class ProductReviewIn(StrictModel):
    kind: Code
    title: Name
    description: LongText
    target_customers: Note
    channels: Note
    cross_border: Bool
    cash: Bool
    third_party_payments: Bool


class ReviewQuery(StrictModel):
    status: Code | None = None


@router.get("/product-reviews", response_model=list[product_reviews.ReviewRow])
def list_reviews(
    query: Annotated[ReviewQuery, Query()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.PRODUCT_REVIEW_READ)),
) -> list[dict[str, Any]]:
    """The register of AML reviews with opinion and open-control counts."""
    return [asdict(r) for r in product_reviews.register(ctx, query.status)]


@router.post("/product-reviews", status_code=201, response_model=product_reviews.ReviewView)
def submit_review(
    body: ProductReviewIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.PRODUCT_REVIEW_SUBMIT)),
) -> dict[str, Any]:
    """A product owner submits a new product, business or channel for AML review."""
    return asdict(product_reviews.submit(ctx, actor=user, **body.model_dump()))


class YearQuery(StrictModel):
    year: Year


@router.get("/product-reviews/figures", response_model=product_reviews.ReviewFigures)
def review_figures(
    query: Annotated[YearQuery, Query()],
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.PRODUCT_REVIEW_READ)),
) -> dict[str, Any]:
    """Reviews and opinions recorded in the year."""
    return asdict(product_reviews.figures(ctx, query.year))


@router.get("/product-reviews/{review_id}", response_model=product_reviews.ReviewView)
def get_review(
    review_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.PRODUCT_REVIEW_READ)),
) -> dict[str, Any]:
    """One review with its opinions."""
    return asdict(product_reviews.get(ctx, review_id))


class OpinionIn(StrictModel):
    text: Note
    required_control: Note | None = None
    due_on: BoundedDate | None = None


@router.post(
    "/product-reviews/{review_id}/opinions",
    status_code=201,
    response_model=product_reviews.ReviewView,
)
def add_opinion(
    review_id: Id,
    body: OpinionIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.PRODUCT_REVIEW_OPINE)),
) -> dict[str, Any]:
    """A compliance reviewer's opinion, possibly requiring a control by a due date."""
    return asdict(product_reviews.add_opinion(ctx, review_id, actor=user, **body.model_dump()))


class ResolveIn(StrictModel):
    note: Note


@router.post(
    "/product-review-opinions/{opinion_id}/resolution", response_model=product_reviews.ReviewView
)
def resolve_opinion(
    opinion_id: Id,
    body: ResolveIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.PRODUCT_REVIEW_OPINE)),
) -> dict[str, Any]:
    """Confirm that a required control is in place."""
    return asdict(product_reviews.resolve_opinion(ctx, opinion_id, body.note, actor=user))


class OutcomeIn(StrictModel):
    outcome: Code = Field(description="approved | approved_with_conditions | rejected")
    note: Note = ""


@router.post("/product-reviews/{review_id}/decision", response_model=product_reviews.ReviewView)
def decide_review(
    review_id: Id,
    body: OutcomeIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.PRODUCT_REVIEW_OPINE)),
) -> dict[str, Any]:
    """End the review (not by the submitter)."""
    return asdict(product_reviews.decide(ctx, review_id, body.outcome, body.note, actor=user))


@router.post("/product-reviews/{review_id}/launch", response_model=product_reviews.ReviewView)
def launch(
    review_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.PRODUCT_REVIEW_LAUNCH)),
) -> dict[str, Any]:
    """Mark the product launched; refused (409) while a required control is unresolved."""
    return asdict(product_reviews.launch(ctx, review_id, actor=user))
