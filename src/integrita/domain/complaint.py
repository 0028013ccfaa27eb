"""The complaint life cycle as one state machine: plan, do, check, act.

The service department receives a complaint and judges whether it is valid
(an invalid one closes at once with its reason and is counted apart), passes a
valid one to the responsible department for rectification, quality assurance
verifies the result (pass, or back to the department), and the service
department informs the customer and closes it. A customer who disputes the
outcome reopens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from integrita.domain.roles import Role
from integrita.errors import PermissionDeniedError, StateTransitionError


class ComplaintState(StrEnum):
    RECEIVED = "received"
    PREPROCESSED = "preprocessed"
    ASSIGNED = "assigned"
    RECTIFIED = "rectified"
    VERIFIED = "verified"
    CUSTOMER_INFORMED = "customer_informed"
    CLOSED = "closed"
    REOPENED = "reopened"


class ComplaintAction(StrEnum):
    JUDGE_VALID = "judge_valid"
    JUDGE_INVALID = "judge_invalid"
    MARK_DUPLICATE = "mark_duplicate"
    ASSIGN = "assign"
    RECTIFY = "rectify"
    PASS_VERIFICATION = "pass_verification"  # noqa: S105 - an action name, not a secret
    FAIL_VERIFICATION = "fail_verification"
    INFORM_CUSTOMER = "inform_customer"
    CLOSE = "close"
    REOPEN = "reopen"


class Validity(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    DUPLICATE = "duplicate"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    BRANCH = "branch"
    LETTER = "letter"
    API = "api"
    AGENCY = "agency"


#: Complaint categories the routing rules are written against.
CATEGORIES: tuple[str, ...] = (
    "product_quality",
    "packaging",
    "delivery",
    "service",
    "billing",
    "documentation",
    "other",
)


@dataclass(frozen=True, slots=True)
class Transition:
    action: ComplaintAction
    sources: frozenset[ComplaintState]
    target: ComplaintState
    roles: frozenset[Role]
    """Roles allowed to take this step."""


_S = ComplaintState
_A = ComplaintAction
_OFFICER = frozenset({Role.COMPLAINTS_OFFICER})
_QA = frozenset({Role.QUALITY_ASSURANCE})
#: The responsible department rectifies; its staff hold the product-owner role.
_DEPARTMENT = frozenset({Role.PRODUCT_OWNER})

TRANSITIONS: dict[ComplaintAction, Transition] = {
    t.action: t
    for t in (
        Transition(_A.JUDGE_VALID, frozenset({_S.RECEIVED}), _S.PREPROCESSED, _OFFICER),
        Transition(_A.JUDGE_INVALID, frozenset({_S.RECEIVED}), _S.CLOSED, _OFFICER),
        Transition(_A.MARK_DUPLICATE, frozenset({_S.RECEIVED}), _S.CLOSED, _OFFICER),
        Transition(_A.ASSIGN, frozenset({_S.PREPROCESSED, _S.REOPENED}), _S.ASSIGNED, _OFFICER),
        Transition(_A.RECTIFY, frozenset({_S.ASSIGNED}), _S.RECTIFIED, _DEPARTMENT),
        Transition(_A.PASS_VERIFICATION, frozenset({_S.RECTIFIED}), _S.VERIFIED, _QA),
        Transition(_A.FAIL_VERIFICATION, frozenset({_S.RECTIFIED}), _S.ASSIGNED, _QA),
        Transition(_A.INFORM_CUSTOMER, frozenset({_S.VERIFIED}), _S.CUSTOMER_INFORMED, _OFFICER),
        Transition(_A.CLOSE, frozenset({_S.CUSTOMER_INFORMED}), _S.CLOSED, _OFFICER),
        Transition(_A.REOPEN, frozenset({_S.CUSTOMER_INFORMED, _S.CLOSED}), _S.REOPENED, _OFFICER),
    )
}

#: States in which the complaint is still being worked on (the clocks run).
OPEN_STATES = frozenset(set(ComplaintState) - {ComplaintState.CLOSED})

#: What each step must carry; the service refuses a step with a field missing.
REQUIRED_FIELDS: dict[ComplaintAction, tuple[str, ...]] = {
    _A.JUDGE_INVALID: ("reason",),
    _A.MARK_DUPLICATE: ("duplicate_of",),
    _A.RECTIFY: ("root_cause", "corrective_action", "preventive_action", "meeting_record"),
    _A.FAIL_VERIFICATION: ("note",),
    _A.INFORM_CUSTOMER: ("outcome", "satisfaction"),
    _A.REOPEN: ("reason",),
}


def next_state(
    state: ComplaintState | str, action: ComplaintAction | str, roles: frozenset[str] | set[str]
) -> ComplaintState:
    """The state after ``action``; refuses a step from the wrong state or by the wrong role."""
    try:
        step = TRANSITIONS[ComplaintAction(action)]
    except ValueError as exc:
        known = ", ".join(a.value for a in ComplaintAction)
        raise StateTransitionError(f"unknown action {action!r}; known: {known}") from exc
    current = ComplaintState(state)
    if current not in step.sources:
        allowed = ", ".join(sorted(s.value for s in step.sources))
        raise StateTransitionError(
            f"cannot {step.action.value} a complaint that is {current.value} (only from {allowed})"
        )
    if not {r.value for r in step.roles} & set(roles):
        needed = ", ".join(sorted(r.value for r in step.roles))
        raise PermissionDeniedError(f"{step.action.value} needs the role {needed}")
    return step.target


def allowed_actions(state: ComplaintState | str, roles: frozenset[str] | set[str]) -> list[str]:
    """Actions the holder of ``roles`` may take now (what the complaint page offers)."""
    current = ComplaintState(state)
    return [
        t.action.value
        for t in TRANSITIONS.values()
        if current in t.sources and {r.value for r in t.roles} & set(roles)
    ]


def satisfied(score: int) -> bool:
    """A customer rating of 4 or 5 out of 5 counts as satisfied."""
    return score >= 4


def check_satisfaction(value: object) -> int:
    """A satisfaction rating is a whole number from 1 to 5."""
    try:
        score = int(str(value))
    except ValueError as exc:
        raise ValueError(f"satisfaction must be a whole number 1-5, not {value!r}") from exc
    if not 1 <= score <= 5:
        raise ValueError(f"satisfaction must be between 1 and 5, not {score}")
    return score
