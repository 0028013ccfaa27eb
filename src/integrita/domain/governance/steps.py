"""Shorthand for the steps of the governance registers' workflows (all through the one engine)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from integrita.domain.permissions import Permission
from integrita.domain.workflow import AUTHORS, Actor, Guard, Involvement, Step, Workflow


def step(
    action: str,
    source: str | Iterable[str],
    target: str | None,
    permission: Permission,
    meaning: str,
    *,
    involvement: str | None = None,
    excludes: Iterable[str] = (),
    binds_version: bool = False,
    guards: tuple[Guard, ...] = (),
) -> Step:
    return Step(
        action=action,
        source=frozenset({source} if isinstance(source, str) else source),
        target=target,
        permission=permission,
        meaning=meaning,
        involvement=involvement,
        excludes=frozenset(excludes),
        binds_version=binds_version,
        needs_person=True,
        guards=guards,
    )


def four_eyes(
    action: str, source: str | Iterable[str], target: str, meaning: str, *, also: Iterable[str] = ()
) -> Step:
    """A second person's approval: never one who proposed, drafted or changed the record, and
    bound to the version they saw."""
    return step(
        action,
        source,
        target,
        Permission.GOVERNANCE_APPROVE,
        meaning,
        involvement=Involvement.APPROVED,
        excludes=AUTHORS | frozenset(also),
        binds_version=True,
    )


def workflow(name: str, label: str, states: Iterable[str], *steps: Step) -> Workflow:
    from integrita.domain.registers import NEW

    return Workflow(
        name=f"governance.{name}",
        label=label,
        states=frozenset(states) | {NEW},
        steps={s.action: s for s in steps},
    )


def own_record(facts: Mapping[str, object], actor: Actor) -> str | None:
    """An employee files and acts on their own record only: a dealing request, a declaration or
    an acknowledgement made in somebody else's name would prove nothing about them."""
    employee = facts.get("employee") or facts.get("owner")
    if employee is not None and employee != actor.username:
        return f"only {employee} can take this step on their own record, not {actor.username}"
    return None
