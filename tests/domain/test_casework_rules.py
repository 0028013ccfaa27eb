"""The pure case state machine: roles, states and four-eyes, without a database."""

from __future__ import annotations

import pytest

from integrita.domain.casework import (
    CaseAction,
    CaseState,
    Decision,
    StrAction,
    StrStatus,
    available_case_actions,
    check_case_transition,
    check_str_transition,
    priority_for,
)
from integrita.errors import PermissionDeniedError, StateTransitionError


def test_the_proposer_can_neither_review_approve_nor_return_their_own_proposal() -> None:
    for action in (CaseAction.TAKE_REVIEW, CaseAction.APPROVE, CaseAction.RETURN):
        with pytest.raises(StateTransitionError, match="four-eyes"):
            check_case_transition(
                CaseState.PROPOSED,
                action,
                actor="mia",
                actor_roles={"reviewer"},
                proposed_by="mia",
                decision=Decision.REPORT,
                comment="c",
            )


def test_a_reviewer_approves_someone_elses_proposal() -> None:
    target = check_case_transition(
        CaseState.IN_REVIEW,
        CaseAction.APPROVE,
        actor="rob",
        actor_roles={"reviewer"},
        proposed_by="ana",
        decision=Decision.REPORT,
    )
    assert target is CaseState.APPROVED


def test_wrong_state_and_wrong_role_are_refused() -> None:
    with pytest.raises(StateTransitionError, match="cannot approve a case that is open"):
        check_case_transition(
            CaseState.OPEN, CaseAction.APPROVE, actor="rob", actor_roles={"reviewer"}
        )
    with pytest.raises(PermissionDeniedError, match="analyst, mlro"):
        check_case_transition(
            CaseState.OPEN,
            CaseAction.PROPOSE,
            actor="aud",
            actor_roles={"auditor"},
            decision=Decision.REPORT,
        )


def test_an_approved_report_decision_cannot_be_closed_directly() -> None:
    with pytest.raises(StateTransitionError, match="STR"):
        check_case_transition(
            CaseState.APPROVED,
            CaseAction.CLOSE,
            actor="rob",
            actor_roles={"reviewer"},
            decision=Decision.REPORT,
        )


def test_buttons_offered_follow_role_and_state() -> None:
    assert available_case_actions(
        CaseState.OPEN, actor="ana", actor_roles={"analyst"}, proposed_by=None, decision=None
    ) == [CaseAction.START, CaseAction.PROPOSE]
    assert available_case_actions(
        CaseState.PROPOSED,
        actor="rob",
        actor_roles={"reviewer"},
        proposed_by="ana",
        decision=Decision.REPORT,
    ) == [CaseAction.TAKE_REVIEW, CaseAction.APPROVE, CaseAction.RETURN]


def test_str_lifecycle_order_is_enforced() -> None:
    with pytest.raises(StateTransitionError):
        check_str_transition(
            StrStatus.DRAFT, StrAction.SUBMIT, actor="ana", actor_roles={"analyst"}
        )
    assert (
        check_str_transition(
            StrStatus.SUBMITTED, StrAction.TRANSFER, actor="ana", actor_roles={"analyst"}
        )
        is StrStatus.TRANSFERRED
    )


@pytest.mark.parametrize(
    ("score", "priority"), [(0.95, "high"), (0.5, "medium"), (0.1, "low"), (None, "medium")]
)
def test_priority_comes_from_the_model_score(score: float | None, priority: str) -> None:
    assert priority_for(score) == priority
