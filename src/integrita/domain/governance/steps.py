"""Shorthand for the steps of the governance registers' workflows (all through the one engine)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from integrita.domain.permissions import Permission
from integrita.domain.registers import NEW
from integrita.domain.workflow import (
    AUTHORS,
    Actor,
    Involvement,
    Step,
    Workflow,
    by_action,
    person_step,
)


def four_eyes(
    action: str, source: str | Iterable[str], target: str, meaning: str, *, also: Iterable[str] = ()
) -> Step:
    """A second person's approval: never one who proposed, drafted or changed the record, and
    bound to the version they saw."""
    return person_step(
        action,
        source,
        target,
        Permission.GOVERNANCE_APPROVE,
        meaning,
        involvement=Involvement.APPROVED,
        excludes=AUTHORS | frozenset(also),
        binds_version=True,
    )


def opening(
    action: str, target: str, meaning: str, permission: Permission = Permission.GOVERNANCE_RECORD
) -> Step:
    """The step that puts a record on the register, proposed by the person who takes it."""
    return person_step(action, NEW, target, permission, meaning, involvement=Involvement.PROPOSED)


def own(
    action: str, source: str | Iterable[str], target: str | None, meaning: str, involvement: str
) -> Step:
    """A step an employee declares for themselves, on their own record only (:func:`own_record`)."""
    return person_step(
        action,
        source,
        target,
        Permission.GOVERNANCE_DECLARE,
        meaning,
        involvement=involvement,
        guards=(own_record,),
    )


def workflow(name: str, label: str, states: Iterable[str], *steps: Step) -> Workflow:
    return Workflow(
        name=f"governance.{name}",
        label=label,
        states=frozenset(states) | {NEW},
        steps=by_action(*steps),
    )


def own_record(facts: Mapping[str, object], actor: Actor) -> str | None:
    """An employee files and acts on their own record only: a dealing request, a declaration or
    an acknowledgement made in somebody else's name would prove nothing about them."""
    employee = facts.get("employee") or facts.get("owner")
    if employee is not None and employee != actor.username:
        return f"only {employee} can take this step on their own record, not {actor.username}"
    return None
