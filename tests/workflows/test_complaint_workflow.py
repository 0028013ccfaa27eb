"""Complaints on the workflow engine: quality assurance is never the rectifier's own check."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from integrita.api.app import create_app
from integrita.errors import PermissionDeniedError, StateTransitionError
from integrita.services.care import complaints
from integrita.services.care.complaints import Actor
from integrita.services.core.context import Context
from integrita.services.core.users import add_user
from tests.conftest import send_csrf_token
from tests.services.care_support import DEPARTMENT, OFFICER, QA, complaint_input, set_up_care

RECTIFICATION = {
    "root_cause": "rims stacked without separators",
    "corrective_action": "replace the 4 rims",
    "preventive_action": "foam separators on the packing line",
    "meeting_record": "analysis meeting: QA, packing, logistics",
}
PASSWORD = "a long test password"
#: One person holding every care role: the bypass the issue reports.
MAX = Actor("max", frozenset({"complaints_officer", "product_owner", "quality_assurance"}))


def _to_rectified_by(ctx: Context, customer: str, rectifier: Actor) -> int:
    cid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    complaints.transition(ctx, cid, "judge_valid", OFFICER)
    complaints.transition(ctx, cid, "assign", OFFICER)
    complaints.transition(ctx, cid, "rectify", rectifier, RECTIFICATION)
    return cid


def test_complaint_qa_by_the_rectifier_is_refused_even_with_every_role(ctx: Context) -> None:
    customer = set_up_care(ctx)
    cid = _to_rectified_by(ctx, customer, MAX)
    with pytest.raises(StateTransitionError, match="max rectified this complaint"):
        complaints.transition(ctx, cid, "pass_verification", MAX)
    with pytest.raises(StateTransitionError, match="separation of duties"):
        complaints.transition(ctx, cid, "fail_verification", MAX, {"note": "self-check"})
    assert complaints.get_complaint(ctx, cid).complaint["state"] == "rectified"
    assert complaints.transition(ctx, cid, "pass_verification", QA) == "verified"


def test_a_rectifier_of_an_earlier_round_cannot_verify_a_later_one(ctx: Context) -> None:
    customer = set_up_care(ctx)
    cid = _to_rectified_by(ctx, customer, MAX)
    complaints.transition(ctx, cid, "fail_verification", QA, {"note": "one rim missed"})
    complaints.transition(ctx, cid, "rectify", DEPARTMENT, RECTIFICATION)
    with pytest.raises(StateTransitionError, match="separation of duties"):
        complaints.transition(ctx, cid, "pass_verification", MAX)


def test_complaint_qa_by_the_rectifier_is_refused_through_the_api(
    ctx: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    customer = set_up_care(ctx)
    token = make_user("max", "complaints_officer", "product_owner", "quality_assurance")
    auth = {"authorization": f"Bearer {token}"}
    cid = _to_rectified_by(ctx, customer, MAX)
    refused = client.post(
        f"/v1/care/complaints/{cid}/transitions",
        json={"action": "pass_verification", "fields": {}},
        headers=auth,
    )
    assert refused.status_code == 409, refused.text
    assert "separation of duties" in refused.json()["detail"]
    assert complaints.get_complaint(ctx, cid).complaint["state"] == "rectified"


def test_complaint_qa_by_the_rectifier_is_refused_through_the_page(ctx: Context) -> None:
    customer = set_up_care(ctx)
    add_user(ctx, "max", "Max", PASSWORD, sorted(MAX.roles))
    page = TestClient(create_app(ctx))
    page.post("/signin", data={"username": "max", "password": PASSWORD, "next": "/"})
    send_csrf_token(page)
    cid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    for action, fields in (("judge_valid", {}), ("assign", {}), ("rectify", RECTIFICATION)):
        done = page.post(f"/care/complaints/{cid}/step", data={"action": action, **fields})
        assert done.status_code in (200, 303)
    assert complaints.get_complaint(ctx, cid).complaint["state"] == "rectified"
    assert complaints.offered_actions(ctx, cid, MAX) == []  # the page offers no QA step to max
    assert complaints.offered_actions(ctx, cid, QA) == ["pass_verification", "fail_verification"]
    refused = page.post(f"/care/complaints/{cid}/step", data={"action": "pass_verification"})
    assert "separation of duties" in refused.text
    assert complaints.get_complaint(ctx, cid).complaint["state"] == "rectified"


# -- random sequences by people with overlapping roles -------------------------------------------

POOL = {
    "olivia": {"complaints_officer"},
    "dana": {"product_owner"},
    "quinn": {"quality_assurance"},
    "max": {"complaints_officer", "product_owner", "quality_assurance"},
    "pete": {"product_owner", "quality_assurance"},
}
#: The independent model: action -> (role needed, from states, to state).
MODEL = {
    "judge_valid": ("complaints_officer", {"received"}, "preprocessed"),
    "judge_invalid": ("complaints_officer", {"received"}, "closed"),
    "assign": ("complaints_officer", {"preprocessed", "reopened"}, "assigned"),
    "rectify": ("product_owner", {"assigned"}, "rectified"),
    "pass_verification": ("quality_assurance", {"rectified"}, "verified"),
    "fail_verification": ("quality_assurance", {"rectified"}, "assigned"),
    "inform_customer": ("complaints_officer", {"verified"}, "customer_informed"),
    "close": ("complaints_officer", {"customer_informed"}, "closed"),
    "reopen": ("complaints_officer", {"customer_informed", "closed"}, "reopened"),
}
FIELDS: dict[str, dict[str, object]] = {
    "judge_invalid": {"reason": "not our product"},
    "rectify": RECTIFICATION,
    "fail_verification": {"note": "not yet effective"},
    "inform_customer": {"outcome": "replaced", "satisfaction": 4},
    "reopen": {"reason": "customer disputes"},
}


class ComplaintLife(RuleBasedStateMachine):
    def __init__(self, ctx: Context, customer: str) -> None:
        super().__init__()
        self.ctx = ctx
        self.cid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
        self.state = "received"
        self.rectifiers: set[str] = set()
        self.verified_by: list[tuple[str, set[str]]] = []

    @rule(who=st.sampled_from(sorted(POOL)), pick=st.integers(min_value=0, max_value=8))
    def take_a_step_the_state_offers(self, who: str, pick: int) -> None:
        offered = sorted(a for a, (_, sources, _) in MODEL.items() if self.state in sources)
        self.act(who, offered[pick % len(offered)])

    @rule(who=st.sampled_from(sorted(POOL)), action=st.sampled_from(sorted(MODEL)))
    def act(self, who: str, action: str) -> None:
        role, sources, target = MODEL[action]
        expected = role in POOL[who] and self.state in sources
        if action in {"pass_verification", "fail_verification"}:
            expected = expected and who not in self.rectifiers
        actor = Actor(who, frozenset(POOL[who]))
        try:
            got = complaints.transition(self.ctx, self.cid, action, actor, FIELDS.get(action))
        except (PermissionDeniedError, StateTransitionError):
            assert not expected, f"{who} was refused {action} from {self.state}"
            return
        assert expected, f"{who} took {action} from {self.state}"
        assert got == target
        if action == "rectify":
            self.rectifiers.add(who)
        if action == "pass_verification":
            self.verified_by.append((who, set(self.rectifiers)))
        self.state = target

    @invariant()
    def no_one_verified_their_own_rectification(self) -> None:
        for verifier, rectifiers in self.verified_by:
            assert verifier not in rectifiers

    @invariant()
    def the_record_agrees_with_the_model(self) -> None:
        assert complaints.get_complaint(self.ctx, self.cid).complaint["state"] == self.state


def test_no_sequence_verifies_a_complaint_by_its_rectifier(ctx: Context) -> None:
    customer = set_up_care(ctx)
    run_state_machine_as_test(
        lambda: ComplaintLife(ctx, customer),
        settings=settings(
            max_examples=10,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
