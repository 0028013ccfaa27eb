"""What every governed, versioned set of values shares (a real-time rule set's thresholds, a
detector's parameters): its states, the diff a proposal shows its approvers, and the guard that
refuses a proposal drafted against a version that is no longer active.

Why the guard exists: a proposal holds a complete set of values; approving it after another
version went live would silently put back the older values of everything it did not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integrita.domain.workflow import Actor, Guard

NEW = "new"
PROPOSED = "proposed"
ACTIVE = "active"
SUPERSEDED = "superseded"


def diff(base: Mapping[str, Any], proposed: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """What a proposal changes: name -> {"from": value in its base, "to": proposed value}."""
    return {
        name: {"from": base.get(name), "to": value}
        for name, value in sorted(proposed.items())
        if base.get(name) != value
    }


def based_on_the_active_version(remedy: str) -> Guard:
    """A guard for approval and activation steps: refused while the proposal's base version
    (fact ``base_version``) is not the active one (fact ``active_version``); ``remedy`` tells
    the proposer what to do instead."""

    def guard(facts: Mapping[str, object], actor: Actor) -> str | None:
        base, active = facts.get("base_version"), facts.get("active_version")
        if base != active:
            return f"this proposal is based on version {base}, but version {active} is active now; {remedy}"
        return None

    return guard
