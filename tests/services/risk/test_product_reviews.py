"""AML reviews of new products: opinions, decisions, the launch block and the yearly figures."""

from __future__ import annotations

from datetime import date

import pytest

from integrita.demo import risk as demo
from integrita.errors import InputError, PermissionDeniedError, StateTransitionError
from integrita.services.core.context import Context
from integrita.services.risk import product_reviews
from tests.services.risk.conftest import person

PAT, RITA, ROB = (
    person("pat", "product_owner"),
    person("rita", "reviewer"),
    person("rob", "reviewer"),
)


def _submit(ctx: Context) -> product_reviews.ReviewView:
    return product_reviews.submit(
        ctx,
        actor=PAT,
        kind="channel",
        title="Remote video account opening",
        description="Open accounts by video call",
        target_customers="retail",
        channels="mobile app",
        cross_border=False,
        cash=False,
        third_party_payments=False,
    )


def test_a_product_cannot_launch_while_a_required_control_is_unresolved(ctx: Context) -> None:
    review = _submit(ctx)
    assert review.reference == "PR-2025-0001"
    review = product_reviews.add_opinion(
        ctx,
        review.id,
        actor=RITA,
        text="Liveness risk",
        required_control="Liveness check",
        due_on=date(2025, 4, 1),
    )
    product_reviews.add_opinion(ctx, review.id, actor=ROB, text="No objection")
    with pytest.raises(StateTransitionError, match="conditions"):
        product_reviews.decide(ctx, review.id, "approved", "", actor=ROB)
    decided = product_reviews.decide(
        ctx, review.id, "approved_with_conditions", "after liveness", actor=ROB
    )
    assert decided.status == "approved_with_conditions"
    with pytest.raises(StateTransitionError, match="Liveness check"):
        product_reviews.launch(ctx, review.id, actor=PAT)
    opinion_id = decided.unresolved_controls[0].id
    product_reviews.resolve_opinion(ctx, opinion_id, "tested in UAT", actor=RITA)
    launched = product_reviews.launch(ctx, review.id, actor=PAT)
    assert launched.status == "launched" and launched.launched_at is not None


def test_the_submitter_cannot_decide_and_only_reviewers_give_opinions(ctx: Context) -> None:
    review = _submit(ctx)
    with pytest.raises(PermissionDeniedError):
        product_reviews.add_opinion(ctx, review.id, actor=PAT, text="looks fine")
    with pytest.raises(StateTransitionError, match="no opinion"):
        product_reviews.decide(ctx, review.id, "approved", "", actor=RITA)
    product_reviews.add_opinion(ctx, review.id, actor=RITA, text="ok")
    with pytest.raises(StateTransitionError, match="separation of duties"):
        product_reviews.decide(
            ctx, review.id, "approved", "", actor=person("pat", "product_owner", "reviewer")
        )
    with pytest.raises(InputError) as info:
        product_reviews.add_opinion(ctx, review.id, actor=RITA, text="x", required_control="KYC")
    assert info.value.field == "due_on"


def test_a_rejected_product_never_launches(ctx: Context) -> None:
    review = _submit(ctx)
    product_reviews.add_opinion(ctx, review.id, actor=RITA, text="outside appetite")
    product_reviews.decide(ctx, review.id, "rejected", "outside risk appetite", actor=RITA)
    with pytest.raises(StateTransitionError):
        product_reviews.launch(ctx, review.id, actor=PAT)


def test_review_figures_count_reviews_and_opinions_from_the_records(ctx: Context) -> None:
    opinions = demo.seed_demo_reviews(ctx, count=6, seed=3)
    figures = product_reviews.figures(ctx, 2025)
    assert figures.reviews == 6 and figures.opinions == opinions
    assert (
        figures.controls_resolved + figures.controls_unresolved
        == figures.opinions_with_required_control
    )
    assert sum(figures.by_status.values()) == 6
    assert product_reviews.figures(ctx, 2024).reviews == 0
    register = product_reviews.register(ctx)
    assert sum(r.opinions for r in register) == opinions
