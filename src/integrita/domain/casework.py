"""The case, STR and large-value workflows: states, steps, who may take each, who may not.

Pure rules, no storage. Each record is a :class:`~integrita.domain.workflow.Workflow`; services
send every change through :func:`integrita.services.core.workflow.transition`, which checks the
step against the record's history (read from the audit trail) and writes the audit event in the
transaction that applies the change, so a refused transition changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum

from integrita.domain.permissions import Permission
from integrita.domain.workflow import AUTHORS, Actor, Involvement, Participation, Step, Workflow
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


def _needs_decision(facts: Mapping[str, object], actor: Actor) -> str | None:
    """A proposal names its decision: not_suspicious or report."""
    if facts.get("decision") is None:
        return "a proposal needs a decision: not_suspicious or report"
    return None


def _needs_comment(facts: Mapping[str, object], actor: Actor) -> str | None:
    """A returned proposal carries the reviewer's comment, so the analyst knows what to fix."""
    comment = facts.get("comment")
    if not (isinstance(comment, str) and comment.strip()):
        return "a returned proposal needs the reviewer's comment"
    return None


def _report_decision(facts: Mapping[str, object], actor: Actor) -> str | None:
    """Only an approved 'report' decision is marked reported (by its STR's submission)."""
    if facts.get("decision") != Decision.REPORT.value:
        return "only an approved 'report' decision can be marked reported"
    return None


def _not_suspicious_decision(facts: Mapping[str, object], actor: Actor) -> str | None:
    """An approved 'report' decision ends with its STR's submission, never by closing it."""
    if facts.get("decision") != Decision.NOT_SUSPICIOUS.value:
        return "an approved 'report' decision is closed by submitting its STR, not directly"
    return None


def _states(*states: StrEnum) -> frozenset[str]:
    return frozenset(s.value for s in states)


_REVIEWABLE = _states(CaseState.PROPOSED, CaseState.IN_REVIEW)

CASE_WORKFLOW = Workflow(
    name="case",
    label="case",
    states=_states(*CaseState),
    steps={
        s.action: s
        for s in (
            Step(
                CaseAction.START.value,
                _states(CaseState.OPEN),
                CaseState.INVESTIGATING.value,
                Permission.CASE_INVESTIGATE,
                "An analyst starts investigating.",
            ),
            Step(
                CaseAction.PROPOSE.value,
                _states(CaseState.OPEN, CaseState.INVESTIGATING, CaseState.RETURNED),
                CaseState.PROPOSED.value,
                Permission.CASE_INVESTIGATE,
                "The analyst proposes 'not suspicious' or 'report' with a reason.",
                involvement=Involvement.PROPOSED,
                guards=(_needs_decision,),
            ),
            Step(
                CaseAction.TAKE_REVIEW.value,
                _states(CaseState.PROPOSED),
                CaseState.IN_REVIEW.value,
                Permission.CASE_REVIEW,
                "A reviewer who proposed nothing on the case takes the proposal into review.",
                involvement=Involvement.REVIEWED,
                excludes=AUTHORS,
            ),
            Step(
                CaseAction.APPROVE.value,
                _REVIEWABLE,
                CaseState.APPROVED.value,
                Permission.CASE_REVIEW,
                "A reviewer who proposed nothing on the case approves the proposal (four-eyes).",
                involvement=Involvement.APPROVED,
                excludes=AUTHORS,
                needs_person=True,
            ),
            Step(
                CaseAction.RETURN.value,
                _REVIEWABLE,
                CaseState.RETURNED.value,
                Permission.CASE_REVIEW,
                "A reviewer who proposed nothing on the case returns the proposal with a comment.",
                involvement=Involvement.REVIEWED,
                excludes=AUTHORS,
                guards=(_needs_comment,),
            ),
            Step(
                CaseAction.RESUME.value,
                _states(CaseState.RETURNED),
                CaseState.INVESTIGATING.value,
                Permission.CASE_INVESTIGATE,
                "The analyst resumes work on a returned proposal.",
            ),
            Step(
                CaseAction.MARK_REPORTED.value,
                _states(CaseState.APPROVED),
                CaseState.REPORTED.value,
                Permission.STR_FILE,
                "The approved report has been submitted to the FIU.",
                guards=(_report_decision,),
            ),
            Step(
                CaseAction.CLOSE.value,
                _states(CaseState.APPROVED),
                CaseState.CLOSED.value,
                Permission.STR_FILE,
                "An approved 'not suspicious' decision closes the case.",
                guards=(_not_suspicious_decision,),
            ),
        )
    },
)


def check_case_transition(
    state: CaseState,
    action: CaseAction,
    actor: Actor,
    history: Sequence[Participation] = (),
    *,
    decision: Decision | None = None,
    comment: str | None = None,
) -> CaseState:
    """Return the new state, or raise when the role, the state, a duty or a rule forbids it."""
    step = CASE_WORKFLOW.check(
        state.value,
        action.value,
        actor,
        history,
        facts={"decision": decision.value if decision else None, "comment": comment},
    )
    return CaseState(step.target) if step.target else state


def available_case_actions(
    state: CaseState,
    actor: Actor,
    history: Sequence[Participation] = (),
    *,
    decision: Decision | None,
) -> list[CaseAction]:
    """Actions the page may offer this person now (the server still checks on submit)."""
    offered: list[CaseAction] = []
    for action in CaseAction:
        if action is CaseAction.MARK_REPORTED:
            continue  # follows from the STR's submission, not a button
        try:
            check_case_transition(
                state,
                action,
                actor,
                history,
                decision=Decision.REPORT if action is CaseAction.PROPOSE else decision,
                comment="offered",
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


def score_text(score: float | None) -> str:
    """An alert's score as the queue and the alert page show it: two decimals, and near 1 as
    many more as it takes to show two digits of the distance to 1 (0.9973, 0.99991; at most six)
    — with two decimals every strong alert read "1.00" and the analyst could not tell which of
    them ranks first."""
    if score is None:
        return "–"
    gap = round(1.0 - score, 9)
    decimals = 2 if gap >= 0.1 else 6 if gap <= 0 else math.floor(-math.log10(gap)) + 2
    return f"{score:.{min(decimals, 6)}f}"


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


_FILED_BY = Permission.STR_FILE

STR_WORKFLOW = Workflow(
    name="str",
    label="STR",
    states=_states(*StrStatus),
    steps={
        s.action: s
        for s in (
            Step(
                StrAction.EDIT.value,
                _states(StrStatus.DRAFT),
                None,
                Permission.STR_EDIT,
                "An analyst completes the draft; a save that changes a field makes them an author.",
                involvement=Involvement.CHANGED,
            ),
            Step(
                StrAction.APPROVE.value,
                _states(StrStatus.DRAFT),
                StrStatus.APPROVED.value,
                Permission.STR_APPROVE,
                "A reviewer who neither proposed the report nor wrote any of its text approves "
                "the exact version they read (four-eyes).",
                involvement=Involvement.APPROVED,
                excludes=AUTHORS,
                binds_version=True,
                needs_person=True,
            ),
            Step(
                StrAction.SUBMIT.value,
                _states(StrStatus.APPROVED),
                StrStatus.SUBMITTED.value,
                _FILED_BY,
                "The approved report is submitted to the FIU with its submission reference.",
                involvement=Involvement.SUBMITTED,
            ),
            Step(
                StrAction.ACKNOWLEDGE.value,
                _states(StrStatus.SUBMITTED),
                StrStatus.ACKNOWLEDGED.value,
                _FILED_BY,
                "The FIU acknowledged the report.",
            ),
            Step(
                StrAction.TRANSFER.value,
                _states(StrStatus.SUBMITTED, StrStatus.ACKNOWLEDGED),
                StrStatus.TRANSFERRED.value,
                _FILED_BY,
                "The FIU transferred the report to another authority.",
            ),
            Step(
                StrAction.FILE.value,
                _states(StrStatus.TRANSFERRED),
                StrStatus.FILED.value,
                _FILED_BY,
                "The receiving authority filed the report as a case.",
            ),
            Step(
                StrAction.CLOSE.value,
                _states(StrStatus.SUBMITTED, StrStatus.ACKNOWLEDGED, StrStatus.TRANSFERRED),
                StrStatus.CLOSED.value,
                _FILED_BY,
                "The regulator closed the report without further action.",
            ),
        )
    },
)

#: A large-value transaction record: pending until its goAML CTR is submitted.
LARGE_VALUE_WORKFLOW = Workflow(
    name="large_value",
    label="large-value record",
    states=frozenset({"pending", "submitted"}),
    steps={
        "submit": Step(
            "submit",
            frozenset({"pending"}),
            "submitted",
            Permission.LARGE_VALUE_SUBMIT,
            "A large-value record is submitted to the FIU once its goAML CTR validates.",
            involvement=Involvement.SUBMITTED,
        )
    },
)

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
    actor: Actor,
    history: Sequence[Participation] = (),
    *,
    seen_version: int | None = None,
    current_version: int | None = None,
) -> StrStatus:
    """Return the STR's new status, or raise when the role, the status, a duty or the version
    forbids the action."""
    step = STR_WORKFLOW.check(
        status.value,
        action.value,
        actor,
        history,
        seen_version=seen_version,
        current_version=current_version,
    )
    return StrStatus(step.target) if step.target else status
