"""Self-assessments on the workflow engine, and the one-MLRO bank that signs through a deputy."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from integrita.api.app import create_app
from integrita.domain.roles import Role
from integrita.errors import (
    InputError,
    PermissionDeniedError,
    StaleVersionError,
    StateTransitionError,
)
from integrita.services.core import auth, delegations, users
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.risk import assessment
from tests.conftest import FixedClock, send_csrf_token
from tests.services.risk.conftest import person

PASSWORD = "a long test password"
ADMIN = UserView(0, "root", "root", frozenset({Role.ADMINISTRATOR.value}), True)
REFUSALS = (PermissionDeniedError, StateTransitionError, InputError)


def _complete_draft(ctx: Context, drafter: UserView, year: int = 2025) -> int:
    view = assessment.draft(ctx, year, actor=drafter)
    for area, items in view.body["answers"].items():
        for i in range(len(items)):
            assessment.answer(ctx, view.id, area, i, "yes", "tested", actor=drafter)
    return view.id


def _one_mlro_bank(ctx: Context) -> dict[str, UserView]:
    """Molly is the bank's only MLRO; Rita reviews; Dev is the deputy-to-be."""
    users.add_user(ctx, "molly", "Molly", PASSWORD, ["mlro"])
    users.add_user(ctx, "rita", "Rita", PASSWORD, ["reviewer"])
    users.add_user(ctx, "dev", "Dev", PASSWORD, ["reviewer"])
    return {name: auth.sign_in(ctx, name, PASSWORD) for name in ("molly", "rita")}


def test_a_one_mlro_bank_signs_its_mlros_own_assessment_through_a_deputy(
    ctx: Context, clock: FixedClock
) -> None:
    people = _one_mlro_bank(ctx)
    aid = _complete_draft(ctx, people["molly"])
    assessment.review(ctx, aid, actor=people["rita"])
    with pytest.raises(StateTransitionError, match="molly changed and drafted"):
        assessment.sign(ctx, aid, actor=people["molly"])
    with pytest.raises(PermissionDeniedError):
        assessment.sign(ctx, aid, actor=auth.sign_in(ctx, "dev", PASSWORD))
    today = ctx.local_date()
    named = delegations.delegate(
        ctx,
        "mlro",
        "dev",
        today,
        today + timedelta(days=6),
        "MLRO drafted this year's",
        actor=ADMIN,
    )
    assert named.in_force
    dev = auth.sign_in(ctx, "dev", PASSWORD)
    assert "mlro" in dev.roles
    signed = assessment.sign(ctx, aid, actor=dev)
    assert (signed.status, signed.signed_by, signed.drafted_by) == ("signed", "dev", "molly")
    clock.advance(days=7)
    assert "mlro" not in auth.sign_in(ctx, "dev", PASSWORD).roles  # the period is over


def test_a_deputy_who_drafted_still_cannot_sign(ctx: Context) -> None:
    _one_mlro_bank(ctx)
    today = ctx.local_date()
    delegations.delegate(ctx, "mlro", "dev", today, today, "MLRO on leave", actor=ADMIN)
    dev = auth.sign_in(ctx, "dev", PASSWORD)
    aid = _complete_draft(ctx, dev)
    assessment.review(ctx, aid, actor=auth.sign_in(ctx, "rita", PASSWORD))
    with pytest.raises(StateTransitionError, match="dev changed and drafted"):
        assessment.sign(ctx, aid, actor=dev)


def test_the_deputy_signs_through_the_api_and_is_refused_once_the_period_ends(
    ctx: Context, clock: FixedClock, make_user: Callable[..., str]
) -> None:
    people = _one_mlro_bank(ctx)
    admin = {"authorization": f"Bearer {make_user('root', 'administrator')}"}
    dev = {"authorization": f"Bearer {users.issue_token(ctx, 'dev', 'test')}"}
    client = TestClient(create_app(ctx))
    old = _complete_draft(ctx, people["molly"], 2024)
    assessment.review(ctx, old, actor=people["rita"])
    aid = _complete_draft(ctx, people["molly"])
    assessment.review(ctx, aid, actor=people["rita"])
    assert (
        client.post(f"/v1/risk/assessments/{aid}/signature", json={}, headers=dev).status_code
        == 403
    )
    today = ctx.local_date()
    named = client.post(
        "/v1/delegations",
        json={
            "role": "mlro",
            "deputy": "dev",
            "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=1)).isoformat(),
            "reason": "the MLRO drafted it",
        },
        headers=admin,
    )
    assert named.status_code == 201 and named.json()["in_force"] is True
    listed = client.get("/v1/delegations", headers=admin).json()
    assert [(d["role"], d["deputy"]) for d in listed] == [("mlro", "dev")]
    assert client.get("/v1/delegations", headers=dev).status_code == 403
    revision = client.get(f"/v1/risk/assessments/{aid}", headers=dev).json()["revision"]
    signed = client.post(
        f"/v1/risk/assessments/{aid}/signature", json={"seen_revision": revision}, headers=dev
    )
    assert signed.status_code == 200 and signed.json()["signed_by"] == "dev", signed.text
    clock.advance(days=2)
    auth.CHECKED_TOKENS.clear()  # the token check is remembered for a few seconds
    late = client.post(f"/v1/risk/assessments/{old}/signature", json={}, headers=dev)
    assert late.status_code == 403


def test_the_deputy_signs_through_the_page_until_the_delegation_is_revoked(
    ctx: Context,
) -> None:
    people = _one_mlro_bank(ctx)
    first = _complete_draft(ctx, people["molly"], 2024)
    assessment.review(ctx, first, actor=people["rita"])
    second = _complete_draft(ctx, people["molly"])
    assessment.review(ctx, second, actor=people["rita"])
    today = ctx.local_date()
    named = delegations.delegate(
        ctx, "mlro", "dev", today, today + timedelta(days=3), "MLRO drafted it", actor=ADMIN
    )
    page = TestClient(create_app(ctx))
    page.post("/signin", data={"username": "dev", "password": PASSWORD, "next": "/"})
    send_csrf_token(page)
    shown = page.post(f"/risk/assessments/{first}/sign")
    assert shown.status_code == 200 and assessment.get(ctx, first).signed_by == "dev"
    delegations.revoke(ctx, named.id, actor=ADMIN)
    assert page.post(f"/risk/assessments/{second}/sign").status_code == 403
    assert assessment.get(ctx, second).status == "reviewed"


def test_a_review_of_a_revision_that_changed_since_is_refused(ctx: Context) -> None:
    ana = person("ana", "analyst")
    aid = _complete_draft(ctx, ana)
    seen = assessment.get(ctx, aid).revision
    assessment.adjust(ctx, aid, "geography", 1, "new correspondent line", actor=ana)
    with pytest.raises(StaleVersionError, match=f"since version {seen}"):
        assessment.review(ctx, aid, actor=person("rita", "reviewer"), seen_revision=seen)
    reviewed = assessment.review(ctx, aid, actor=person("rita", "reviewer"), seen_revision=seen + 1)
    assert reviewed.status == "reviewed"


# -- random sequences by people with overlapping roles -------------------------------------------

POOL = {
    "ana": {"analyst"},
    "rita": {"reviewer"},
    "mia": {"mlro"},
    "max": {"analyst", "reviewer", "mlro"},
    "rex": {"reviewer", "mlro"},
}
WRITERS = {"analyst", "reviewer", "mlro"}


class AssessmentLife(RuleBasedStateMachine):
    def __init__(self, ctx: Context, year: int) -> None:
        super().__init__()
        self.ctx, self.year = ctx, year
        self.id: int | None = None
        self.state = "new"
        self.authors: set[str] = set()
        self.revision = 0
        self.reviewer: str | None = None
        self.signer: str | None = None

    def _actor(self, who: str) -> UserView:
        return person(who, *POOL[who])

    @precondition(lambda self: self.id is None)
    @rule(who=st.sampled_from(sorted(POOL)))
    def draft(self, who: str) -> None:
        try:
            self.id = _complete_draft(self.ctx, self._actor(who), self.year)
        except REFUSALS:
            assert not POOL[who] & WRITERS
            return
        self.state, self.authors = "draft", {who}
        self.revision = assessment.get(self.ctx, self.id).revision

    @precondition(lambda self: self.id is not None)
    @rule(who=st.sampled_from(sorted(POOL)))
    def change(self, who: str) -> None:
        expected = bool(POOL[who] & WRITERS) and self.state == "draft"
        try:
            assessment.answer(
                self.ctx, self.id or 0, "training", 0, "partly", "half", actor=self._actor(who)
            )
        except REFUSALS:
            assert not expected
            return
        assert expected
        self.authors.add(who)
        self.revision += 1

    @precondition(lambda self: self.id is not None)
    @rule(who=st.sampled_from(sorted(POOL)), stale=st.booleans())
    def review(self, who: str, stale: bool) -> None:
        expected = bool(POOL[who] & {"reviewer", "mlro"}) and self.state == "draft"
        expected = expected and who not in self.authors and not stale
        seen = self.revision - 1 if stale else self.revision
        try:
            assessment.review(self.ctx, self.id or 0, actor=self._actor(who), seen_revision=seen)
        except (*REFUSALS, StaleVersionError):
            assert not expected, f"{who} was refused the review"
            return
        assert expected, f"{who} reviewed a draft written by {self.authors} (stale={stale})"
        self.state, self.reviewer = "reviewed", who

    @precondition(lambda self: self.id is not None)
    @rule(who=st.sampled_from(sorted(POOL)))
    def sign(self, who: str) -> None:
        expected = "mlro" in POOL[who] and self.state == "reviewed"
        expected = expected and who not in self.authors
        try:
            assessment.sign(self.ctx, self.id or 0, actor=self._actor(who))
        except (*REFUSALS, StaleVersionError):
            assert not expected, f"{who} was refused the signature"
            return
        assert expected, f"{who} signed a version written by {self.authors}"
        self.state, self.signer = "signed", who

    @invariant()
    def no_author_reviewed_or_signed(self) -> None:
        assert self.reviewer not in self.authors and self.signer not in self.authors

    @invariant()
    def the_record_agrees_with_the_model(self) -> None:
        if self.id is not None:
            view = assessment.get(self.ctx, self.id)
            assert (view.status, view.revision) == (self.state, self.revision)


def test_no_sequence_signs_a_self_assessment_unless_the_constraints_held(ctx: Context) -> None:
    years = itertools.count(2030)
    run_state_machine_as_test(
        lambda: AssessmentLife(ctx, next(years)),
        settings=settings(
            max_examples=8,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


def test_delegations_are_validated_audited_listed_and_revocable(ctx: Context) -> None:
    _one_mlro_bank(ctx)
    today = ctx.local_date()
    with pytest.raises(PermissionDeniedError):
        delegations.delegate(
            ctx, "mlro", "dev", today, today, "cover", actor=person("rita", "reviewer")
        )
    with pytest.raises(InputError, match="ends before it starts"):
        delegations.delegate(
            ctx, "mlro", "dev", today, today - timedelta(days=1), "cover", actor=ADMIN
        )
    with pytest.raises(InputError, match="themselves"):
        delegations.delegate(ctx, "mlro", "root", today, today, "cover", actor=ADMIN)
    with pytest.raises(InputError, match="already holds"):
        delegations.delegate(ctx, "mlro", "molly", today, today, "cover", actor=ADMIN)
    later = delegations.delegate(
        ctx,
        "mlro",
        "dev",
        today + timedelta(days=5),
        date(2025, 12, 31),
        "MLRO on leave",
        actor=ADMIN,
    )
    assert not later.in_force and "mlro" not in auth.sign_in(ctx, "dev", PASSWORD).roles
    revoked = delegations.revoke(ctx, later.id, actor=ADMIN)
    assert revoked.revoked_by == "root" and not revoked.in_force
    with pytest.raises(StateTransitionError):
        delegations.revoke(ctx, later.id, actor=ADMIN)
    from integrita.store.repositories import audit as audit_repo

    with ctx.db.transaction() as session:
        actions = [e.action for e in audit_repo.iter_events(session)]
    assert actions.count("user.role_delegated") == 1
    assert actions.count("user.delegation_revoked") == 1
    assert [d.id for d in delegations.list_delegations(ctx, actor=ADMIN)] == [later.id]
