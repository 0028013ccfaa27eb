"""The pure case and STR workflows: permissions, states and separation of duties, no database."""

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
    score_text,
)
from integrita.domain.workflow import Actor, Involvement, Participation
from integrita.errors import PermissionDeniedError, StaleVersionError, StateTransitionError
from integrita.services.core.permissions import SYSTEM_ACTOR


def _actor(name: str, *roles: str) -> Actor:
    return Actor(name, frozenset(roles))


PROPOSED_BY_MIA = [Participation("mia", Involvement.PROPOSED)]


def test_the_proposer_can_neither_review_approve_nor_return_their_own_proposal() -> None:
    for action in (CaseAction.TAKE_REVIEW, CaseAction.APPROVE, CaseAction.RETURN):
        with pytest.raises(StateTransitionError, match="separation of duties"):
            check_case_transition(
                CaseState.PROPOSED,
                action,
                _actor("mia", "reviewer"),
                PROPOSED_BY_MIA,
                decision=Decision.REPORT,
                comment="c",
            )


def test_someone_who_proposed_in_an_earlier_round_cannot_approve_either() -> None:
    history = [*PROPOSED_BY_MIA, Participation("ana", Involvement.PROPOSED)]
    with pytest.raises(StateTransitionError, match="mia proposed"):
        check_case_transition(
            CaseState.PROPOSED, CaseAction.APPROVE, _actor("mia", "mlro"), history
        )


def test_a_reviewer_approves_someone_elses_proposal() -> None:
    target = check_case_transition(
        CaseState.IN_REVIEW,
        CaseAction.APPROVE,
        _actor("rob", "reviewer"),
        [Participation("ana", Involvement.PROPOSED)],
        decision=Decision.REPORT,
    )
    assert target is CaseState.APPROVED


def test_wrong_state_and_wrong_role_are_refused() -> None:
    with pytest.raises(StateTransitionError, match="cannot approve a case that is open"):
        check_case_transition(CaseState.OPEN, CaseAction.APPROVE, _actor("rob", "reviewer"))
    with pytest.raises(PermissionDeniedError, match="analyst, mlro"):
        check_case_transition(
            CaseState.OPEN, CaseAction.PROPOSE, _actor("aud", "auditor"), decision=Decision.REPORT
        )


def test_the_system_actor_can_approve_nothing() -> None:
    with pytest.raises(PermissionDeniedError):
        check_case_transition(CaseState.PROPOSED, CaseAction.APPROVE, SYSTEM_ACTOR)
    robot = Actor("system:batch", frozenset({"reviewer"}), is_system=True)
    with pytest.raises(PermissionDeniedError, match="person"):
        check_case_transition(CaseState.PROPOSED, CaseAction.APPROVE, robot)


def test_an_approved_report_decision_cannot_be_closed_directly() -> None:
    with pytest.raises(StateTransitionError, match="STR"):
        check_case_transition(
            CaseState.APPROVED,
            CaseAction.CLOSE,
            _actor("rob", "reviewer"),
            decision=Decision.REPORT,
        )


def test_buttons_offered_follow_role_state_and_history() -> None:
    assert available_case_actions(CaseState.OPEN, _actor("ana", "analyst"), decision=None) == [
        CaseAction.START,
        CaseAction.PROPOSE,
    ]
    history = [Participation("ana", Involvement.PROPOSED)]
    assert available_case_actions(
        CaseState.PROPOSED, _actor("rob", "reviewer"), history, decision=Decision.REPORT
    ) == [CaseAction.TAKE_REVIEW, CaseAction.APPROVE, CaseAction.RETURN]
    assert (
        available_case_actions(
            CaseState.PROPOSED, _actor("ana", "analyst", "reviewer"), history, decision=None
        )
        == []
    )


def test_str_lifecycle_order_is_enforced() -> None:
    with pytest.raises(StateTransitionError):
        check_str_transition(StrStatus.DRAFT, StrAction.SUBMIT, _actor("ana", "analyst"))
    assert (
        check_str_transition(StrStatus.SUBMITTED, StrAction.TRANSFER, _actor("ana", "analyst"))
        is StrStatus.TRANSFERRED
    )


def test_an_str_approver_is_none_of_its_authors_and_names_the_current_version() -> None:
    history = [
        Participation("ana", Involvement.PROPOSED),  # from the linked case
        Participation("lee", Involvement.CHANGED, 2),
    ]
    for author in ("ana", "lee"):
        with pytest.raises(StateTransitionError, match="separation of duties"):
            check_str_transition(
                StrStatus.DRAFT,
                StrAction.APPROVE,
                _actor(author, "mlro"),
                history,
                seen_version=2,
                current_version=2,
            )
    with pytest.raises(StaleVersionError):
        check_str_transition(
            StrStatus.DRAFT,
            StrAction.APPROVE,
            _actor("rob", "reviewer"),
            history,
            seen_version=1,
            current_version=2,
        )


@pytest.mark.parametrize(
    ("score", "priority"), [(0.95, "high"), (0.5, "medium"), (0.1, "low"), (None, "medium")]
)
def test_priority_comes_from_the_model_score(score: float | None, priority: str) -> None:
    assert priority_for(score) == priority


def test_strong_alert_scores_are_shown_with_the_decimals_that_separate_them() -> None:
    shown = [score_text(s) for s in (0.9973, 0.9991, 0.99991, 0.999994)]
    assert shown == ["0.9973", "0.99910", "0.999910", "0.999994"]
    assert len(set(shown)) == 4 and "1.00" not in shown
    assert score_text(0.5) == "0.50" and score_text(0.95) == "0.950"
    assert score_text(None) == "–" and score_text(1.0) == "1.000000"
