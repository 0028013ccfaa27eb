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

from collections.abc import Mapping
from typing import Any

from integrita.domain.permissions import Permission
from integrita.domain.workflow import (
    Actor,
    Involvement,
    Workflow,
    by_action,
    person_step,
    two_approvals,
)

NEW = "new"
PROPOSED = "proposed"
ACTIVE = "active"
SUPERSEDED = "superseded"
REJECTED = "rejected"


def based_on_the_active_version(facts: Mapping[str, object], actor: Actor) -> str | None:
    """A proposal drafted against an older active version must be rebased (its diff shown)
    before it is approved or activated, or it would revert what went live since."""
    base, active = facts.get("base_version"), facts.get("active_version")
    if base != active:
        return (
            f"this proposal is based on version {base}, but version {active} is active now; "
            "rebase it (integrita rules rebase / POST /v1/rulesets/{version}/rebase) and review "
            "the diff before approving"
        )
    return None


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
            guards=(based_on_the_active_version,),
        ),
    ),
)


def diff(base: Mapping[str, Any], proposed: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """What a proposal changes: name -> {"from": value in its base, "to": proposed value}."""
    return {
        name: {"from": base.get(name), "to": value}
        for name, value in sorted(proposed.items())
        if base.get(name) != value
    }
