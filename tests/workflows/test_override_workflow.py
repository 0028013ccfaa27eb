"""Risk overrides on the workflow engine: four-eyes, the MLRO for STR subjects, review bounded."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from integrita.api.app import create_app
from integrita.domain.risk import add_months
from integrita.errors import (
    ConflictError,
    InputError,
    PermissionDeniedError,
    StateTransitionError,
)
from integrita.services.core.context import Context
from integrita.services.core.users import add_user
from integrita.services.risk import overrides, rating
from tests.conftest import send_csrf_token
from tests.services.risk.conftest import person
from tests.workflows.risk_support import rated_customers

RITA, RON = person("rita", "reviewer"), person("ron", "reviewer")
MIA = person("mia", "mlro")
CLEANER = person("cleaner", "reviewer")
PASSWORD = "a long test password"


def _three_years_on(ctx: Context) -> date:
    return add_months(ctx.local_date(), 36)


def test_two_reviewers_cannot_lower_an_str_subject_to_low_with_a_three_year_review(
    ctx: Context,
) -> None:
    rated_customers(ctx, [], ["S1"])
    assert rating.rating_breakdown(ctx, "S1").effective_band == "high"  # type: ignore[union-attr]
    asked = overrides.request_override(ctx, "S1", "low", "long-standing salary account", actor=RITA)
    with pytest.raises(StateTransitionError, match="filed STR: lowering them below high needs"):
        overrides.decide_override(
            ctx, asked.id, True, "ok", actor=RON, next_review_on=_three_years_on(ctx)
        )
    breakdown = rating.rating_breakdown(ctx, "S1")
    assert breakdown is not None and breakdown.effective_band == "high"
    assert overrides.list_overrides(ctx, customer_id="S1")[0].status == "pending"
    approved = overrides.decide_override(ctx, asked.id, True, "MLRO agrees", actor=MIA)
    assert approved.status == "approved" and approved.decided_by == "mia"


def test_an_override_review_later_than_the_policy_interval_for_its_band_is_refused(
    ctx: Context,
) -> None:
    rated_customers(ctx, ["C1"], [])
    asked = overrides.request_override(ctx, "C1", "high", "adverse media on the owner", actor=RITA)
    six_months = add_months(ctx.local_date(), 6)
    with pytest.raises(StateTransitionError, match="later than the policy allows for a high"):
        overrides.decide_override(
            ctx, asked.id, True, "ok", actor=RON, next_review_on=six_months + timedelta(days=40)
        )
    overrides.decide_override(ctx, asked.id, True, "ok", actor=RON, next_review_on=six_months)
    breakdown = rating.rating_breakdown(ctx, "C1")
    assert breakdown is not None and breakdown.next_review_due == six_months


def test_two_reviewers_lowering_an_str_subject_are_refused_through_the_api(
    ctx: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    rated_customers(ctx, [], ["S1"])
    rita, ron = make_user("rita", "reviewer"), make_user("ron", "reviewer")
    asked = client.post(
        "/v1/risk/customers/S1/overrides",
        json={"to_band": "low", "reason": "long-standing salary account"},
        headers={"authorization": f"Bearer {rita}"},
    )
    assert asked.status_code == 201, asked.text
    refused = client.post(
        f"/v1/risk/overrides/{asked.json()['id']}/decision",
        json={"approve": True, "next_review_on": _three_years_on(ctx).isoformat()},
        headers={"authorization": f"Bearer {ron}"},
    )
    assert refused.status_code == 409 and "needs the MLRO" in refused.json()["detail"]


def test_two_reviewers_lowering_an_str_subject_are_refused_through_the_page(ctx: Context) -> None:
    rated_customers(ctx, [], ["S1"])
    asked = overrides.request_override(ctx, "S1", "low", "long-standing salary account", actor=RITA)
    add_user(ctx, "ron", "Ron", PASSWORD, ["reviewer"])
    page = TestClient(create_app(ctx))
    page.post("/signin", data={"username": "ron", "password": PASSWORD, "next": "/"})
    send_csrf_token(page)
    shown = page.post(
        f"/risk/overrides/{asked.id}/decide",
        data={"decision": "approve", "back": "/risk/customers/S1"},
    )
    assert shown.status_code == 200 and "needs the MLRO" in shown.text
    assert overrides.list_overrides(ctx, customer_id="S1")[0].status == "pending"


# -- random sequences by people with overlapping roles -------------------------------------------

POOL = {
    "ana": {"analyst"},
    "rita": {"reviewer"},
    "ron": {"reviewer"},
    "mia": {"mlro"},
    "max": {"analyst", "reviewer", "mlro"},
}
ORDER = ["low", "medium", "high", "prohibited"]
MONTHS = {"low": 36, "medium": 12, "high": 6, "prohibited": 1}


class OverrideLife(RuleBasedStateMachine):
    def __init__(self, ctx: Context, customer: str, str_subject: bool) -> None:
        super().__init__()
        self.ctx, self.customer, self.str_subject = ctx, customer, str_subject
        for left in overrides.list_overrides(ctx, "pending", customer):  # from an earlier run
            overrides.decide_override(ctx, left.id, False, "clean slate", actor=CLEANER)
        breakdown = rating.rating_breakdown(ctx, customer)
        assert breakdown is not None
        self.band = breakdown.effective_band
        self.pending: tuple[int, str, str, str] | None = None  # id, requester, from, to
        self.approvals: list[tuple[str, str, str, str]] = []  # requester, decider, from, to

    @rule(who=st.sampled_from(sorted(POOL)), to=st.sampled_from(ORDER))
    def request(self, who: str, to: str) -> None:
        expected = bool(POOL[who] & {"analyst", "reviewer", "mlro"}) and self.pending is None
        expected = expected and to != self.band
        try:
            got = overrides.request_override(
                self.ctx, self.customer, to, "reason long enough", actor=person(who, *POOL[who])
            )
        except (PermissionDeniedError, StateTransitionError, InputError, ConflictError):
            assert not expected
            return
        assert expected
        self.pending = (got.id, who, self.band, to)

    @rule(
        who=st.sampled_from(sorted(POOL)),
        approve=st.booleans(),
        review=st.sampled_from(["default", "near", "too far"]),
    )
    def decide(self, who: str, approve: bool, review: str) -> None:
        if self.pending is None:
            return
        oid, requester, old, new = self.pending
        today = self.ctx.local_date()
        review_on = {
            "default": None,
            "near": today + timedelta(days=7),
            "too far": add_months(today, MONTHS[new]) + timedelta(days=40),
        }[review]
        expected = bool(POOL[who] & {"reviewer", "mlro"}) and who != requester
        lowered = ORDER.index(new) < ORDER.index(old) and ORDER.index(new) < ORDER.index("high")
        if approve:
            if self.str_subject and lowered:
                expected = expected and "mlro" in POOL[who]
            expected = expected and review != "too far"
        try:
            overrides.decide_override(
                self.ctx,
                oid,
                approve,
                "a decision note",
                actor=person(who, *POOL[who]),
                next_review_on=review_on,
            )
        except (PermissionDeniedError, StateTransitionError, InputError):
            assert not expected, f"{who} was refused deciding {old}->{new}"
            return
        assert expected, f"{who} decided {old}->{new} requested by {requester}"
        self.pending = None
        if approve:
            self.band = new
            self.approvals.append((requester, who, old, new))

    @invariant()
    def every_approval_kept_the_constraints(self) -> None:
        for requester, decider, old, new in self.approvals:
            assert decider != requester
            if self.str_subject and ORDER.index(new) < min(ORDER.index(old), ORDER.index("high")):
                assert "mlro" in POOL[decider]

    @invariant()
    def the_effective_band_agrees_with_the_model(self) -> None:
        breakdown = rating.rating_breakdown(self.ctx, self.customer)
        assert breakdown is not None and breakdown.effective_band == self.band


def test_no_sequence_approves_an_override_unless_the_constraints_held(ctx: Context) -> None:
    plain = [f"P{i}" for i in range(12)]
    subjects = [f"S{i}" for i in range(12)]
    rated_customers(ctx, plain, subjects)
    books = itertools.cycle(zip(plain, subjects, strict=True))

    def machine() -> OverrideLife:
        customer, subject = next(books)
        # alternate: half the runs are about a customer with a filed STR
        use_subject = int(customer[1:]) % 2 == 0
        return OverrideLife(ctx, subject if use_subject else customer, use_subject)

    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=10,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
