"""The rule-set workflow: a proposal of new real-time thresholds and its two approvals.

Why each constraint exists:

* the proposer approves neither side, and the business and technology approvals come from two
  different people other than the proposer (and other than anyone who rebased the proposal):
  a threshold that decides whether a customer's money moves is never changed by one person;
* a proposal records the active version it was based on; approving or activating it after
  another version went live is refused until it is rebased, because the proposal's values would
  silently put the older version's other thresholds back.
"""

from __future__ import annotations

from integrita.domain.governed_versions import (
    ACTIVE,
    NEW,
    PROPOSED,
    SUPERSEDED,
    based_on_the_active_version,
    diff,
)
from integrita.domain.permissions import Permission
from integrita.domain.workflow import Involvement, Workflow, by_action, person_step, two_approvals

__all__ = ["ACTIVE", "NEW", "PROPOSED", "REJECTED", "RULESET_WORKFLOW", "SUPERSEDED", "diff"]

REJECTED = "rejected"


RULESET_WORKFLOW = Workflow(
    name="ruleset",
    label="rule-set proposal",
    states=frozenset({NEW, PROPOSED, ACTIVE, SUPERSEDED, REJECTED}),
    steps=by_action(
        person_step(
            "propose",
            NEW,
            PROPOSED,
            Permission.RULESET_PROPOSE,
            "A new version: the active thresholds with some changed; not yet in force.",
            involvement=Involvement.PROPOSED,
        ),
        person_step(
            "rebase",
            PROPOSED,
            None,
            Permission.RULESET_PROPOSE,
            "The proposal's changes re-applied to the version active now; approvals restart.",
            involvement=Involvement.CHANGED,
        ),
        *two_approvals(
            PROPOSED,
            ACTIVE,
            business=Permission.RULESET_APPROVE_BUSINESS,
            technology=Permission.RULESET_APPROVE_TECHNOLOGY,
            activate=Permission.RULESET_ACTIVATE,
            record="a rule set",
            in_force="The second approval puts the version in force.",
            guards=(
                based_on_the_active_version(
                    "rebase it (integrita rules rebase / POST /v1/rulesets/{version}/rebase) "
                    "and review the diff before approving"
                ),
            ),
        ),
    ),
)
