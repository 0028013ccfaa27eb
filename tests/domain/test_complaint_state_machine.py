from __future__ import annotations

import pytest

from integrita.domain.complaint import (
    COMPLAINT_WORKFLOW,
    ComplaintAction,
    ComplaintState,
    allowed_actions,
    next_state,
)
from integrita.domain.roles import Role
from integrita.errors import PermissionDeniedError, StateTransitionError

S, A = ComplaintState, ComplaintAction

#: (action, from, to, the one role allowed)
EXPECTED = [
    (A.JUDGE_VALID, S.RECEIVED, S.PREPROCESSED, Role.COMPLAINTS_OFFICER),
    (A.JUDGE_INVALID, S.RECEIVED, S.CLOSED, Role.COMPLAINTS_OFFICER),
    (A.MARK_DUPLICATE, S.RECEIVED, S.CLOSED, Role.COMPLAINTS_OFFICER),
    (A.ASSIGN, S.PREPROCESSED, S.ASSIGNED, Role.COMPLAINTS_OFFICER),
    (A.ASSIGN, S.REOPENED, S.ASSIGNED, Role.COMPLAINTS_OFFICER),
    (A.RECTIFY, S.ASSIGNED, S.RECTIFIED, Role.PRODUCT_OWNER),
    (A.PASS_VERIFICATION, S.RECTIFIED, S.VERIFIED, Role.QUALITY_ASSURANCE),
    (A.FAIL_VERIFICATION, S.RECTIFIED, S.ASSIGNED, Role.QUALITY_ASSURANCE),
    (A.INFORM_CUSTOMER, S.VERIFIED, S.CUSTOMER_INFORMED, Role.COMPLAINTS_OFFICER),
    (A.CLOSE, S.CUSTOMER_INFORMED, S.CLOSED, Role.COMPLAINTS_OFFICER),
    (A.REOPEN, S.CLOSED, S.REOPENED, Role.COMPLAINTS_OFFICER),
    (A.REOPEN, S.CUSTOMER_INFORMED, S.REOPENED, Role.COMPLAINTS_OFFICER),
]


@pytest.mark.parametrize(("action", "source", "target", "role"), EXPECTED)
def test_each_transition_goes_where_the_policy_says_for_its_role(
    action: A, source: S, target: S, role: Role
) -> None:
    assert next_state(source, action, {role.value}) is target


@pytest.mark.parametrize(("action", "source", "target", "role"), EXPECTED)
def test_every_other_role_is_refused_each_transition(
    action: A, source: S, target: S, role: Role
) -> None:
    for other in Role:
        if other is role:
            continue
        with pytest.raises(PermissionDeniedError):
            next_state(source, action, {other.value})


def test_the_table_has_exactly_the_expected_transitions() -> None:
    table = {
        (A(t.action), S(s), S(t.target or s))
        for t in COMPLAINT_WORKFLOW.steps.values()
        for s in t.source
    }
    assert table == {(a, s, t) for a, s, t, _ in EXPECTED}


def test_no_step_is_allowed_from_a_state_it_does_not_start_from() -> None:
    for action, step in COMPLAINT_WORKFLOW.steps.items():
        for state in set(ComplaintState) - {S(s) for s in step.source}:
            with pytest.raises(StateTransitionError):
                next_state(state, action, {r.value for r in Role})


def test_the_page_offers_only_the_steps_the_role_may_take() -> None:
    assert allowed_actions(S.RECTIFIED, {Role.QUALITY_ASSURANCE.value}) == [
        "pass_verification",
        "fail_verification",
    ]
    assert allowed_actions(S.RECTIFIED, {Role.COMPLAINTS_OFFICER.value}) == []
