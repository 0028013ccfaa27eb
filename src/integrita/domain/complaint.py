"""The complaint life cycle as one state machine: plan, do, check, act.

The service department receives a complaint and judges whether it is valid
(an invalid one closes at once with its reason and is counted apart), passes a
valid one to the responsible department for rectification, quality assurance
verifies the result (pass, or back to the department), and the service
department informs the customer and closes it. A customer who disputes the
outcome reopens it.

The life cycle is a :class:`~integrita.domain.workflow.Workflow`: each step's roles come from the
one permission table, and quality assurance is separated from rectification — whoever rectified
the complaint (in any round) cannot verify it, whatever roles they hold.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from integrita.domain.permissions import Permission
from integrita.domain.workflow import Actor, Involvement, Step, Workflow


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


_S = ComplaintState
_A = ComplaintAction
_P = Permission
_ALL_STATES = frozenset(s.value for s in ComplaintState)


def _step(
    action: ComplaintAction,
    sources: set[ComplaintState],
    target: ComplaintState,
    permission: Permission,
    **rules: Any,
) -> Step:
    return Step(
        action.value,
        frozenset(s.value for s in sources),
        target.value,
        permission,
        meaning=action.value.replace("_", " "),
        **rules,
    )


#: The quality-assurance check: the verifier is none of the people who rectified the complaint
#: (over every round: a rectifier of an earlier round does not verify a later one either).
_QA_RULES: dict[str, Any] = {
    "involvement": Involvement.VERIFIED,
    "excludes": frozenset({Involvement.RECTIFIED}),
    "needs_person": True,
}

COMPLAINT_WORKFLOW = Workflow(
    name="complaint",
    label="complaint",
    states=_ALL_STATES,
    steps={
        step.action: step
        for step in (
            _step(
                _A.JUDGE_VALID,
                {_S.RECEIVED},
                _S.PREPROCESSED,
                _P.COMPLAINT_PROCESS,
                involvement=Involvement.JUDGED,
            ),
            _step(
                _A.JUDGE_INVALID,
                {_S.RECEIVED},
                _S.CLOSED,
                _P.COMPLAINT_PROCESS,
                involvement=Involvement.JUDGED,
            ),
            _step(_A.MARK_DUPLICATE, {_S.RECEIVED}, _S.CLOSED, _P.COMPLAINT_PROCESS),
            _step(_A.ASSIGN, {_S.PREPROCESSED, _S.REOPENED}, _S.ASSIGNED, _P.COMPLAINT_PROCESS),
            _step(
                _A.RECTIFY,
                {_S.ASSIGNED},
                _S.RECTIFIED,
                _P.COMPLAINT_DEPARTMENT_FIX,
                involvement=Involvement.RECTIFIED,
                needs_person=True,
            ),
            _step(
                _A.PASS_VERIFICATION, {_S.RECTIFIED}, _S.VERIFIED, _P.COMPLAINT_VERIFY, **_QA_RULES
            ),
            _step(
                _A.FAIL_VERIFICATION, {_S.RECTIFIED}, _S.ASSIGNED, _P.COMPLAINT_VERIFY, **_QA_RULES
            ),
            _step(_A.INFORM_CUSTOMER, {_S.VERIFIED}, _S.CUSTOMER_INFORMED, _P.COMPLAINT_PROCESS),
            _step(_A.CLOSE, {_S.CUSTOMER_INFORMED}, _S.CLOSED, _P.COMPLAINT_PROCESS),
            _step(_A.REOPEN, {_S.CUSTOMER_INFORMED, _S.CLOSED}, _S.REOPENED, _P.COMPLAINT_PROCESS),
        )
    },
)

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
    """The state after ``action`` by a holder of ``roles`` (state and role only; the service adds
    who did what before — separation of duties — through the workflow engine)."""
    step = COMPLAINT_WORKFLOW.check(str(state), str(action), Actor("?", frozenset(roles)))
    return ComplaintState(step.target or state)


def allowed_actions(state: ComplaintState | str, roles: frozenset[str] | set[str]) -> list[str]:
    """Actions the holder of ``roles`` may take now (what the complaint page offers)."""
    return COMPLAINT_WORKFLOW.available(str(state), Actor("?", frozenset(roles)))


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
