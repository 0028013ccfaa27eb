"""Governed detection settings: a detector's parameter set and the MLRO's alert budget.

Why each constraint exists:

* a parameter set decides which customers are ever looked at, so, like a real-time rule set, it
  takes effect only with a business approval and a technology approval by two different people,
  neither of whom proposed it: one person never widens or narrows the net alone;
* a proposal records the active version it was drafted against; once another version of the
  same detector went live it is stale and its approval is refused — approving it would silently
  put back the older values of the parameters it did not change; it must be proposed again;
* the alert budget is how many alerts the team can work in a month; it decides what falls below
  the line, so only the MLRO sets it, as a person, and every change is in the audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping

from integrita.domain.permissions import Permission
from integrita.domain.workflow import (
    AUTHORS,
    Actor,
    Involvement,
    Step,
    Workflow,
    approved_by_business_and_technology,
)

NEW = "new"
PROPOSED = "proposed"
ACTIVE = "active"
SUPERSEDED = "superseded"
IN_FORCE = "in_force"


def drafted_against_the_active_version(facts: Mapping[str, object], actor: Actor) -> str | None:
    """A proposal drafted against an older active version would revert what went live since;
    it must be proposed again from the version active now."""
    base, active = facts.get("base_version"), facts.get("active_version")
    if base != active:
        return (
            f"this proposal is based on version {base}, but version {active} is active now; "
            "propose the change again from the active version"
        )
    return None


_STALE = (drafted_against_the_active_version,)

DETECTOR_PARAMETERS_WORKFLOW = Workflow(
    name="detector_parameters",
    label="detector parameter proposal",
    states=frozenset({NEW, PROPOSED, ACTIVE, SUPERSEDED}),
    steps={
        s.action: s
        for s in (
            Step(
                "propose",
                frozenset({NEW}),
                PROPOSED,
                Permission.DETECTION_PARAMS_PROPOSE,
                "A new version: the detector's active parameters with some changed; not in force.",
                involvement=Involvement.PROPOSED,
                needs_person=True,
            ),
            Step(
                "approve_business",
                frozenset({PROPOSED}),
                None,
                Permission.DETECTION_PARAMS_APPROVE_BUSINESS,
                "The business side approves; not the proposer, not the technology approver.",
                involvement=Involvement.APPROVED_BUSINESS,
                excludes=AUTHORS | {Involvement.APPROVED_TECHNOLOGY},
                needs_person=True,
                guards=_STALE,
            ),
            Step(
                "approve_technology",
                frozenset({PROPOSED}),
                None,
                Permission.DETECTION_PARAMS_APPROVE_TECHNOLOGY,
                "The technology side approves; not the proposer, not the business approver.",
                involvement=Involvement.APPROVED_TECHNOLOGY,
                excludes=AUTHORS | {Involvement.APPROVED_BUSINESS},
                needs_person=True,
                guards=_STALE,
            ),
            Step(
                "activate",
                frozenset({PROPOSED}),
                ACTIVE,
                Permission.DETECTION_PARAMS_ACTIVATE,
                "The second approval puts the version in force for the next detection run.",
                excludes=AUTHORS,
                needs_person=True,
                guards=(approved_by_business_and_technology("a parameter set"), *_STALE),
            ),
        )
    },
)

ALERT_BUDGET_WORKFLOW = Workflow(
    name="alert_budget",
    label="alert budget",
    states=frozenset({NEW, IN_FORCE}),
    steps={
        "set": Step(
            "set",
            frozenset({NEW}),
            IN_FORCE,
            Permission.ALERT_BUDGET_SET,
            "The MLRO sets how many alerts a month detection may raise; the next run uses it.",
            involvement=Involvement.CHANGED,
            needs_person=True,
        )
    },
)
