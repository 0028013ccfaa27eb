"""Risk API: customer ratings, risk events, overrides, AML reviews of new products."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from integrita.domain.roles import Role
from integrita.errors import NotFoundError
from integrita.http.deps import get_ctx, require_roles
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.risk import events, overrides, product_reviews, rating

router = APIRouter(prefix="/v1/risk", tags=["risk"])

READERS = (Role.ANALYST, Role.REVIEWER, Role.MLRO, Role.AUDITOR)
COMPLIANCE = (Role.ANALYST, Role.REVIEWER, Role.MLRO)
APPROVERS = (Role.REVIEWER, Role.MLRO)
REVIEW_READERS = (*READERS, Role.PRODUCT_OWNER)


@router.get("/customers/{customer_id}/rating")
def customer_rating(
    customer_id: str,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*READERS)),
) -> dict[str, Any]:
    """The customer's current rating with every factor's contribution."""
    breakdown = rating.rating_breakdown(ctx, customer_id)
    if breakdown is None:
        raise NotFoundError(f"customer {customer_id} has no rating")
    return asdict(breakdown)


@router.get("/distribution")
def distribution(
    ctx: Context = Depends(get_ctx), user: UserView = Depends(require_roles(*READERS))
) -> dict[str, int]:
    """Customers per effective band."""
    return rating.band_distribution(ctx)


@router.get("/due")
def due(
    on: date | None = None,
    limit: int = 200,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*READERS)),
) -> list[dict[str, Any]]:
    """Customers due for a periodic review or a first rating."""
    return [asdict(i) for i in rating.due_for_review(ctx, on=on, limit=min(limit, 1000))]


class RiskEventIn(BaseModel):
    kind: str = Field(description="alert | str | large_value | key_data_change")
    reference: str = Field(min_length=1, max_length=128)


@router.post("/customers/{customer_id}/events", status_code=201)
def record_event(
    customer_id: str,
    body: RiskEventIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*COMPLIANCE)),
) -> dict[str, Any]:
    """Record a risk event (idempotent on customer, kind and reference); marks the customer for re-rating."""
    return asdict(events.record(ctx, customer_id, body.kind, body.reference, actor=user.username))


class OverrideIn(BaseModel):
    to_band: str
    reason: str


@router.post("/customers/{customer_id}/overrides", status_code=201)
def request_override(
    customer_id: str,
    body: OverrideIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*COMPLIANCE)),
) -> dict[str, Any]:
    """Ask for a manual band change; a second person must approve it."""
    return asdict(
        overrides.request_override(ctx, customer_id, body.to_band, body.reason, actor=user)
    )


class DecisionIn(BaseModel):
    approve: bool
    note: str = ""
    #: Bring the next review forward (bank-local date); never beyond the policy's interval.
    next_review_on: date | None = None


@router.post("/overrides/{override_id}/decision")
def decide_override(
    override_id: int,
    body: DecisionIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*APPROVERS)),
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


class ProductReviewIn(BaseModel):
    kind: str
    title: str
    description: str
    target_customers: str
    channels: str
    cross_border: bool
    cash: bool
    third_party_payments: bool


@router.get("/product-reviews")
def list_reviews(
    status: str | None = None,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*REVIEW_READERS)),
) -> list[dict[str, Any]]:
    """The register of AML reviews with opinion and open-control counts."""
    return [asdict(r) for r in product_reviews.register(ctx, status)]


@router.post("/product-reviews", status_code=201)
def submit_review(
    body: ProductReviewIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(Role.PRODUCT_OWNER)),
) -> dict[str, Any]:
    """A product owner submits a new product, business or channel for AML review."""
    return asdict(product_reviews.submit(ctx, actor=user, **body.model_dump()))


@router.get("/product-reviews/figures")
def review_figures(
    year: int,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*REVIEW_READERS)),
) -> dict[str, Any]:
    """Reviews and opinions recorded in the year."""
    return asdict(product_reviews.figures(ctx, year))


@router.get("/product-reviews/{review_id}")
def get_review(
    review_id: int,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*REVIEW_READERS)),
) -> dict[str, Any]:
    """One review with its opinions."""
    return asdict(product_reviews.get(ctx, review_id))


class OpinionIn(BaseModel):
    text: str
    required_control: str | None = None
    due_on: date | None = None


@router.post("/product-reviews/{review_id}/opinions", status_code=201)
def add_opinion(
    review_id: int,
    body: OpinionIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*APPROVERS)),
) -> dict[str, Any]:
    """A compliance reviewer's opinion, possibly requiring a control by a due date."""
    return asdict(product_reviews.add_opinion(ctx, review_id, actor=user, **body.model_dump()))


class ResolveIn(BaseModel):
    note: str


@router.post("/product-review-opinions/{opinion_id}/resolution")
def resolve_opinion(
    opinion_id: int,
    body: ResolveIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*APPROVERS)),
) -> dict[str, Any]:
    """Confirm that a required control is in place."""
    return asdict(product_reviews.resolve_opinion(ctx, opinion_id, body.note, actor=user))


class OutcomeIn(BaseModel):
    outcome: str = Field(description="approved | approved_with_conditions | rejected")
    note: str = ""


@router.post("/product-reviews/{review_id}/decision")
def decide_review(
    review_id: int,
    body: OutcomeIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*APPROVERS)),
) -> dict[str, Any]:
    """End the review (not by the submitter)."""
    return asdict(product_reviews.decide(ctx, review_id, body.outcome, body.note, actor=user))


@router.post("/product-reviews/{review_id}/launch")
def launch(
    review_id: int,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(Role.PRODUCT_OWNER, Role.MLRO)),
) -> dict[str, Any]:
    """Mark the product launched; refused (409) while a required control is unresolved."""
    return asdict(product_reviews.launch(ctx, review_id, actor=user))
