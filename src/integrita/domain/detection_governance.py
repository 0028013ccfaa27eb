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

from integrita.domain.governed_versions import (
    ACTIVE,
    NEW,
    PROPOSED,
    SUPERSEDED,
    based_on_the_active_version,
)
from integrita.domain.permissions import Permission
from integrita.domain.workflow import Involvement, Workflow, by_action, person_step, two_approvals

__all__ = [
    "ACTIVE",
    "ALERT_BUDGET_WORKFLOW",
    "DETECTOR_PARAMETERS_WORKFLOW",
    "IN_FORCE",
    "NEW",
    "PROPOSED",
    "SUPERSEDED",
]

IN_FORCE = "in_force"


DETECTOR_PARAMETERS_WORKFLOW = Workflow(
    name="detector_parameters",
    label="detector parameter proposal",
    states=frozenset({NEW, PROPOSED, ACTIVE, SUPERSEDED}),
    steps=by_action(
        person_step(
            "propose",
            NEW,
            PROPOSED,
            Permission.DETECTION_PARAMS_PROPOSE,
            "A new version: the detector's active parameters with some changed; not in force.",
            involvement=Involvement.PROPOSED,
        ),
        *two_approvals(
            PROPOSED,
            ACTIVE,
            business=Permission.DETECTION_PARAMS_APPROVE_BUSINESS,
            technology=Permission.DETECTION_PARAMS_APPROVE_TECHNOLOGY,
            activate=Permission.DETECTION_PARAMS_ACTIVATE,
            record="a parameter set",
            in_force="The second approval puts the version in force for the next detection run.",
            guards=(
                based_on_the_active_version("propose the change again from the active version"),
            ),
        ),
    ),
)

ALERT_BUDGET_WORKFLOW = Workflow(
    name="alert_budget",
    label="alert budget",
    states=frozenset({NEW, IN_FORCE}),
    steps=by_action(
        person_step(
            "set",
            NEW,
            IN_FORCE,
            Permission.ALERT_BUDGET_SET,
            "The MLRO sets how many alerts a month detection may raise; the next run uses it.",
            involvement=Involvement.CHANGED,
        )
    ),
)
