"""Product reviews on the workflow engine: the submitter never opines on, confirms or decides it."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from integrita.errors import InputError, PermissionDeniedError, StateTransitionError
from integrita.services.core.context import Context
from integrita.services.risk import product_reviews
from tests.services.risk.conftest import person

REFUSALS = (PermissionDeniedError, StateTransitionError, InputError)
#: A product owner who also holds the compliance roles: the person most tempted to self-approve.
MAX = person("max", "product_owner", "reviewer", "mlro")


def _submit(ctx: Context, who: object) -> product_reviews.ReviewView:
    return product_reviews.submit(
        ctx,
        actor=who,  # type: ignore[arg-type]
        kind="product",
        title="Prepaid travel card",
        description="A reloadable card for travellers",
        target_customers="retail",
        channels="branch",
        cross_border=True,
        cash=True,
        third_party_payments=False,
    )


def test_a_submitter_holding_every_role_can_neither_opine_confirm_nor_decide(
    ctx: Context,
) -> None:
    review = _submit(ctx, MAX)
    with pytest.raises(StateTransitionError, match="separation of duties"):
        product_reviews.add_opinion(ctx, review.id, actor=MAX, text="fine by me")
    rita = person("rita", "reviewer")
    review = product_reviews.add_opinion(
        ctx,
        review.id,
        actor=rita,
        text="needs a limit",
        required_control="limit",
        due_on=date(2025, 4, 1),
    )
    with pytest.raises(StateTransitionError, match="separation of duties"):
        product_reviews.resolve_opinion(ctx, review.opinions[0].id, "limit set", actor=MAX)
    with pytest.raises(StateTransitionError, match="max submitted this product review"):
        product_reviews.decide(ctx, review.id, "approved_with_conditions", "limit", actor=MAX)
    assert product_reviews.get(ctx, review.id).status == "submitted"


POOL = {
    "pat": {"product_owner"},
    "rita": {"reviewer"},
    "mia": {"mlro"},
    "max": {"product_owner", "reviewer", "mlro"},
    "pete": {"product_owner", "reviewer"},
}
COMPLIANCE = {"reviewer", "mlro"}
UNDER_REVIEW = {"submitted", "approved", "approved_with_conditions"}


class ProductReviewLife(RuleBasedStateMachine):
    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.id: int | None = None
        self.state = "new"
        self.submitter = ""
        self.controls: dict[int, bool] = {}  # opinion id -> resolved (controls only)
        self.opinions = 0
        self.acts: list[tuple[str, str]] = []  # (who, what) for every compliance act

    def _actor(self, who: str) -> object:
        return person(who, *POOL[who])

    @precondition(lambda self: self.id is None)
    @rule(who=st.sampled_from(sorted(POOL)))
    def submit(self, who: str) -> None:
        try:
            view = _submit(self.ctx, self._actor(who))
        except REFUSALS:
            assert "product_owner" not in POOL[who]
            return
        assert "product_owner" in POOL[who]
        self.id, self.state, self.submitter = view.id, "submitted", who

    @precondition(lambda self: self.id is not None)
    @rule(who=st.sampled_from(sorted(POOL)), control=st.booleans())
    def add_opinion(self, who: str, control: bool) -> None:
        expected = bool(POOL[who] & COMPLIANCE) and who != self.submitter
        expected = expected and self.state in UNDER_REVIEW
        try:
            view = product_reviews.add_opinion(
                self.ctx,
                self.id or 0,
                actor=self._actor(who),  # type: ignore[arg-type]
                text="an opinion",
                required_control="a control" if control else None,
                due_on=date(2025, 6, 30) if control else None,
            )
        except REFUSALS:
            assert not expected, f"{who} was refused an opinion in {self.state}"
            return
        assert expected, f"{who} gave an opinion on a review submitted by {self.submitter}"
        self.opinions += 1
        newest = max(view.opinions, key=lambda o: o.id)
        if control:
            self.controls[newest.id] = False
        self.acts.append((who, "opinion"))

    @precondition(lambda self: any(not done for done in self.controls.values()))
    @rule(who=st.sampled_from(sorted(POOL)))
    def resolve(self, who: str) -> None:
        opinion = min(o for o, done in self.controls.items() if not done)
        expected = bool(POOL[who] & COMPLIANCE) and who != self.submitter
        expected = expected and self.state in UNDER_REVIEW
        try:
            product_reviews.resolve_opinion(
                self.ctx,
                opinion,
                "control in place",
                actor=self._actor(who),  # type: ignore[arg-type]
            )
        except REFUSALS:
            assert not expected
            return
        assert expected, f"{who} confirmed a control of a review by {self.submitter}"
        self.controls[opinion] = True
        self.acts.append((who, "resolve"))

    @precondition(lambda self: self.id is not None)
    @rule(
        who=st.sampled_from(sorted(POOL)),
        outcome=st.sampled_from(["approved", "approved_with_conditions", "rejected"]),
    )
    def decide(self, who: str, outcome: str) -> None:
        open_controls = any(not done for done in self.controls.values())
        expected = bool(POOL[who] & COMPLIANCE) and who != self.submitter
        expected = expected and self.state == "submitted" and self.opinions > 0
        expected = expected and not (outcome == "approved" and open_controls)
        try:
            product_reviews.decide(
                self.ctx,
                self.id or 0,
                outcome,
                "conditions",
                actor=self._actor(who),  # type: ignore[arg-type]
            )
        except REFUSALS:
            assert not expected, f"{who} was refused {outcome} in {self.state}"
            return
        assert expected, f"{who} decided {outcome} on a review by {self.submitter}"
        self.state = outcome
        self.acts.append((who, "decide"))

    @precondition(lambda self: self.id is not None)
    @rule(who=st.sampled_from(sorted(POOL)))
    def launch(self, who: str) -> None:
        expected = bool(POOL[who] & {"product_owner", "mlro"})
        expected = expected and self.state in {"approved", "approved_with_conditions"}
        expected = expected and all(self.controls.values())
        try:
            product_reviews.launch(self.ctx, self.id or 0, actor=self._actor(who))  # type: ignore[arg-type]
        except REFUSALS:
            assert not expected
            return
        assert expected
        self.state = "launched"

    @invariant()
    def the_submitter_took_no_compliance_step(self) -> None:
        assert all(who != self.submitter for who, _ in self.acts)

    @invariant()
    def the_record_agrees_with_the_model(self) -> None:
        if self.id is not None:
            assert product_reviews.get(self.ctx, self.id).status == self.state


def test_no_sequence_decides_a_product_review_by_its_submitter(ctx: Context) -> None:
    run_state_machine_as_test(
        lambda: ProductReviewLife(ctx),
        settings=settings(
            max_examples=10,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
