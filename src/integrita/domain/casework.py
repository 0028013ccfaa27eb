"""The case and STR state machines: states, allowed transitions and who may take each.

Pure rules, no storage. Services call :func:`check_case_transition` /
:func:`check_str_transition` inside the transaction that applies the change and
writes its audit event, so a refused transition changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from integrita.domain.roles import Role
from integrita.errors import PermissionDeniedError, StateTransitionError


class CaseState(StrEnum):
    OPEN = "open"
    INVESTIGATING = "investigating"
    PROPOSED = "proposed"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RETURNED = "returned"
    REPORTED = "reported"
    CLOSED = "closed"


class Decision(StrEnum):
    """What the analyst proposes at the end of an investigation."""

    NOT_SUSPICIOUS = "not_suspicious"
    REPORT = "report"


class CaseAction(StrEnum):
    START = "start"
    PROPOSE = "propose"
    TAKE_REVIEW = "take_review"
    APPROVE = "approve"
    RETURN = "return"
    RESUME = "resume"
    MARK_REPORTED = "mark_reported"
    CLOSE = "close"


#: States in which a case still collects new alerts for its customer.
OPEN_STATES = frozenset(
    {CaseState.OPEN, CaseState.INVESTIGATING, CaseState.RETURNED, CaseState.PROPOSED}
)
FINAL_STATES = frozenset({CaseState.REPORTED, CaseState.CLOSED})

_INVESTIGATORS = frozenset({Role.ANALYST, Role.MLRO})
_REVIEWERS = frozenset({Role.REVIEWER, Role.MLRO})


@dataclass(frozen=True, slots=True)
class Transition:
    action: CaseAction
    source: frozenset[CaseState]
    target: CaseState
    roles: frozenset[Role]
    meaning: str


CASE_TRANSITIONS: dict[CaseAction, Transition] = {
    t.action: t
    for t in (
        Transition(
            CaseAction.START,
            frozenset({CaseState.OPEN}),
            CaseState.INVESTIGATING,
            _INVESTIGATORS,
            "An analyst starts investigating.",
        ),
        Transition(
            CaseAction.PROPOSE,
            frozenset({CaseState.OPEN, CaseState.INVESTIGATING, CaseState.RETURNED}),
            CaseState.PROPOSED,
            _INVESTIGATORS,
            "The analyst proposes 'not suspicious' or 'report' with a reason.",
        ),
        Transition(
            CaseAction.TAKE_REVIEW,
            frozenset({CaseState.PROPOSED}),
            CaseState.IN_REVIEW,
            _REVIEWERS,
            "A reviewer takes the proposal into review.",
        ),
        Transition(
            CaseAction.APPROVE,
            frozenset({CaseState.PROPOSED, CaseState.IN_REVIEW}),
            CaseState.APPROVED,
            _REVIEWERS,
            "A reviewer other than the proposer approves the proposal (four-eyes).",
        ),
        Transition(
            CaseAction.RETURN,
            frozenset({CaseState.PROPOSED, CaseState.IN_REVIEW}),
            CaseState.RETURNED,
            _REVIEWERS,
            "A reviewer other than the proposer returns the proposal with a comment.",
        ),
        Transition(
            CaseAction.RESUME,
            frozenset({CaseState.RETURNED}),
            CaseState.INVESTIGATING,
            _INVESTIGATORS,
            "The analyst resumes work on a returned proposal.",
        ),
        Transition(
            CaseAction.MARK_REPORTED,
            frozenset({CaseState.APPROVED}),
            CaseState.REPORTED,
            _INVESTIGATORS | _REVIEWERS,
            "The approved report has been submitted to the FIU.",
        ),
        Transition(
            CaseAction.CLOSE,
            frozenset({CaseState.APPROVED}),
            CaseState.CLOSED,
            _INVESTIGATORS | _REVIEWERS,
            "An approved 'not suspicious' decision closes the case.",
        ),
    )
}


def _holds(roles: Iterable[str], allowed: frozenset[Role]) -> bool:
    return bool({str(r) for r in roles} & {r.value for r in allowed})


def check_case_transition(
    state: CaseState,
    action: CaseAction,
    *,
    actor: str,
    actor_roles: Iterable[str],
    proposed_by: str | None = None,
    decision: Decision | None = None,
    comment: str | None = None,
) -> CaseState:
    """Return the new state, or raise when the role, the state or a rule forbids the action."""
    transition = CASE_TRANSITIONS[action]
    if not _holds(actor_roles, transition.roles):
        allowed = ", ".join(sorted(r.value for r in transition.roles))
        raise PermissionDeniedError(f"'{action.value}' on a case needs one of the roles: {allowed}")
    if state not in transition.source:
        raise StateTransitionError(f"cannot {action.value} a case that is {state.value}")
    if (
        action in (CaseAction.TAKE_REVIEW, CaseAction.APPROVE, CaseAction.RETURN)
        and actor == proposed_by
    ):
        raise StateTransitionError(
            f"four-eyes: {actor} proposed this decision and cannot {action.value} it; "
            "another reviewer must"
        )
    if action is CaseAction.PROPOSE and decision is None:
        raise StateTransitionError("a proposal needs a decision: not_suspicious or report")
    if action is CaseAction.RETURN and not (comment and comment.strip()):
        raise StateTransitionError("a returned proposal needs the reviewer's comment")
    if action is CaseAction.MARK_REPORTED and decision is not Decision.REPORT:
        raise StateTransitionError("only an approved 'report' decision can be marked reported")
    if action is CaseAction.CLOSE and decision is not Decision.NOT_SUSPICIOUS:
        raise StateTransitionError(
            "an approved 'report' decision is closed by submitting its STR, not directly"
        )
    return transition.target


def available_case_actions(
    state: CaseState,
    *,
    actor: str,
    actor_roles: Iterable[str],
    proposed_by: str | None,
    decision: Decision | None,
) -> list[CaseAction]:
    """Actions the page may offer this person now (the server still checks on submit)."""
    roles = list(actor_roles)
    offered = []
    for action in CASE_TRANSITIONS:
        if action in (CaseAction.MARK_REPORTED,):
            continue  # follows from the STR's submission, not a button
        try:
            check_case_transition(
                state,
                action,
                actor=actor,
                actor_roles=roles,
                proposed_by=proposed_by,
                decision=decision if action is not CaseAction.PROPOSE else Decision.REPORT,
                comment="x",
            )
        except (PermissionDeniedError, StateTransitionError):
            continue
        offered.append(action)
    return offered


def priority_for(score: float | None) -> str:
    """Priority from the model score: high ≥ 0.8, medium ≥ 0.5, low below, medium when unscored."""
    if score is None:
        return "medium"
    if score >= 0.8:
        return "high"
    if score >= 0.5:
        return "medium"
    return "low"


PRIORITY_RANK = {"high": 3, "medium": 2, "low": 1}


# -- suspicious transaction reports ------------------------------------------------------------


class StrStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    TRANSFERRED = "transferred"
    FILED = "filed"
    CLOSED = "closed"


class StrAction(StrEnum):
    EDIT = "edit"
    APPROVE = "approve"
    SUBMIT = "submit"
    ACKNOWLEDGE = "acknowledge"
    TRANSFER = "transfer"
    FILE = "file"
    CLOSE = "close"


STR_TRANSITIONS: dict[StrAction, tuple[frozenset[StrStatus], StrStatus, frozenset[Role]]] = {
    StrAction.EDIT: (frozenset({StrStatus.DRAFT}), StrStatus.DRAFT, _INVESTIGATORS),
    StrAction.APPROVE: (frozenset({StrStatus.DRAFT}), StrStatus.APPROVED, _REVIEWERS),
    StrAction.SUBMIT: (
        frozenset({StrStatus.APPROVED}),
        StrStatus.SUBMITTED,
        _INVESTIGATORS | _REVIEWERS,
    ),
    StrAction.ACKNOWLEDGE: (
        frozenset({StrStatus.SUBMITTED}),
        StrStatus.ACKNOWLEDGED,
        _INVESTIGATORS | _REVIEWERS,
    ),
    StrAction.TRANSFER: (
        frozenset({StrStatus.SUBMITTED, StrStatus.ACKNOWLEDGED}),
        StrStatus.TRANSFERRED,
        _INVESTIGATORS | _REVIEWERS,
    ),
    StrAction.FILE: (
        frozenset({StrStatus.TRANSFERRED}),
        StrStatus.FILED,
        _INVESTIGATORS | _REVIEWERS,
    ),
    StrAction.CLOSE: (
        frozenset({StrStatus.SUBMITTED, StrStatus.ACKNOWLEDGED, StrStatus.TRANSFERRED}),
        StrStatus.CLOSED,
        _INVESTIGATORS | _REVIEWERS,
    ),
}

#: Statuses in which the STR has reached the regulator.
SUBMITTED_STATUSES = frozenset(
    {
        StrStatus.SUBMITTED,
        StrStatus.ACKNOWLEDGED,
        StrStatus.TRANSFERRED,
        StrStatus.FILED,
        StrStatus.CLOSED,
    }
)


def check_str_transition(
    status: StrStatus,
    action: StrAction,
    *,
    actor: str,
    actor_roles: Iterable[str],
    drafted_by: str | None = None,
) -> StrStatus:
    """Return the STR's new status, or raise when the role or the status forbids the action."""
    source, target, roles = STR_TRANSITIONS[action]
    if not _holds(actor_roles, roles):
        allowed = ", ".join(sorted(r.value for r in roles))
        raise PermissionDeniedError(f"'{action.value}' on an STR needs one of the roles: {allowed}")
    if status not in source:
        raise StateTransitionError(f"cannot {action.value} an STR that is {status.value}")
    if action is StrAction.APPROVE and actor == drafted_by:
        raise StateTransitionError(
            f"four-eyes: {actor} completed this STR and cannot approve it; another reviewer must"
        )
    return target
