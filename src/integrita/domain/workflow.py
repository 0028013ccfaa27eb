"""One declarative workflow for every governed record: states, steps, roles and separation of duties.

A governed record (case, STR, large-value report, complaint, risk override, product review,
self-assessment, rule set, screening match) moves only through the :class:`Step` s of its
:class:`Workflow`. Each step names

* the **permission** it needs (looked up in :mod:`integrita.domain.permissions`, the one table of
  who may do what),
* the **involvement** it gives the person who takes it (``proposed``, ``drafted``, ``changed``,
  ``rectified``, ``approved_business`` …),
* the involvements whose holders it **excludes** — separation of duties: the approver is none of
  the people who proposed, drafted or changed the substance; the QA verifier is not the
  rectifier; a rule-set proposer approves neither side,
* whether it is **bound to the version** the person saw (an approval of version 3 is refused once
  version 4 exists), and
* **guards**: small pure rules over facts the service supplies (e.g. lowering the band of a
  customer with a filed STR needs the MLRO); each guard's docstring is the refusal's explanation.

A record's history is the list of :class:`Participation` s read back from its audit trail, so the
check and the trail can never disagree. The check is pure: it reads the state, the history and
the facts, and returns the step or raises — nothing is written by this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from integrita.domain.permissions import Permission, roles_for
from integrita.errors import PermissionDeniedError, StaleVersionError, StateTransitionError


class Involvement:
    """How a person took part in a record; separation-of-duties rules are written in these terms."""

    PROPOSED = "proposed"
    DRAFTED = "drafted"
    CHANGED = "changed"
    REQUESTED = "requested"
    SUBMITTED = "submitted"
    RECTIFIED = "rectified"
    JUDGED = "judged"
    VERIFIED = "verified"
    DECIDED = "decided"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    APPROVED_BUSINESS = "approved_business"
    APPROVED_TECHNOLOGY = "approved_technology"
    SIGNED = "signed"


#: Everyone who wrote or changed the substance a second person is asked to approve.
AUTHORS = frozenset({Involvement.PROPOSED, Involvement.DRAFTED, Involvement.CHANGED})


@dataclass(frozen=True, slots=True)
class Actor:
    """A person or system acting now, with the roles they hold today (delegations included)."""

    username: str
    roles: frozenset[str]
    is_system: bool = False

    def holds(self, roles: Iterable[str]) -> bool:
        return bool(self.roles & {str(r) for r in roles})


@dataclass(frozen=True, slots=True)
class Participation:
    """One earlier step on the record: who, in what capacity, on which version."""

    actor: str
    involvement: str
    version: int | None = None


#: A guard reads the facts the service supplies and the actor, and returns a refusal or None.
Guard = Callable[[Mapping[str, object], Actor], str | None]


@dataclass(frozen=True, slots=True)
class Step:
    """One governed transition of a workflow."""

    action: str
    source: frozenset[str]
    target: str | None
    permission: Permission
    meaning: str
    involvement: str | None = None
    excludes: frozenset[str] = frozenset()
    binds_version: bool = False
    needs_person: bool = False
    guards: tuple[Guard, ...] = ()

    @property
    def stays(self) -> bool:
        return self.target is None


def person_step(
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
    """A step only a named person takes (never a scheduled job), from one state or several."""
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


def by_action(*steps: Step) -> dict[str, Step]:
    """A workflow's steps keyed by their action, so no action is written twice."""
    return {s.action: s for s in steps}


@dataclass(frozen=True)
class Workflow:
    """The states and steps of one kind of governed record."""

    name: str
    label: str
    states: frozenset[str]
    steps: Mapping[str, Step] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for step in self.steps.values():
            unknown = (step.source | ({step.target} if step.target else set())) - self.states
            if unknown:
                raise ValueError(f"{self.name}.{step.action} names unknown states {unknown}")

    def step(self, action: str) -> Step:
        try:
            return self.steps[action]
        except KeyError:
            known = ", ".join(self.steps)
            raise StateTransitionError(
                f"'{action}' is not an action on a {self.label} (known: {known})"
            ) from None

    def check(
        self,
        state: str,
        action: str,
        actor: Actor,
        history: Sequence[Participation] = (),
        *,
        facts: Mapping[str, object] | None = None,
        seen_version: int | None = None,
        current_version: int | None = None,
    ) -> Step:
        """Return the step when ``actor`` may take ``action`` now; raise with the reason otherwise.

        Order of checks: permission (403), state (409), separation of duties (409), version (409),
        guards (409). A refused step changes nothing.
        """
        step = self.step(action)
        allowed = roles_for(step.permission)
        if not actor.holds(allowed):
            names = ", ".join(sorted(str(r) for r in allowed))
            raise PermissionDeniedError(
                f"'{action}' on a {self.label} needs one of the roles: {names}"
            )
        if step.needs_person and actor.is_system:
            raise PermissionDeniedError(
                f"'{action}' on a {self.label} must be taken by a person, not by {actor.username}"
            )
        if state not in step.source:
            raise StateTransitionError(f"cannot {action} a {self.label} that is {state}")
        conflict = conflicting_involvements(step, actor.username, history)
        if conflict:
            raise StateTransitionError(
                f"separation of duties: {actor.username} {' and '.join(sorted(conflict))} "
                f"this {self.label} and cannot {action} it; another person must"
            )
        if step.binds_version and current_version is not None:
            if seen_version is None:
                raise StaleVersionError(
                    f"'{action}' on a {self.label} must name the version it approves "
                    f"(current version {current_version})"
                )
            if seen_version != current_version:
                raise StaleVersionError(
                    f"the {self.label} changed since version {seen_version}; review version "
                    f"{current_version} before you {action} it"
                )
        for guard in step.guards:
            refusal = guard(facts or {}, actor)
            if refusal:
                raise StateTransitionError(refusal)
        return step

    def available(
        self,
        state: str,
        actor: Actor,
        history: Sequence[Participation] = (),
        *,
        facts: Mapping[str, object] | None = None,
    ) -> list[str]:
        """The actions a page may offer this person now (the server still checks on submit)."""
        offered = []
        for action in self.steps:
            try:
                self.check(state, action, actor, history, facts=facts)
            except (PermissionDeniedError, StateTransitionError):
                continue
            offered.append(action)
        return offered


def approved_by_business_and_technology(record: str) -> Guard:
    """A guard for activation steps: a ``record`` takes effect only once both a business and a
    technology approver have signed (the facts ``business_approved_by`` and
    ``technology_approved_by``), whatever order they signed in."""

    def guard(facts: Mapping[str, object], actor: Actor) -> str | None:
        if not (facts.get("business_approved_by") and facts.get("technology_approved_by")):
            return f"{record} is activated only after both a business and a technology approval"
        return None

    return guard


def two_approvals(
    source: str,
    target: str,
    *,
    business: Permission,
    technology: Permission,
    activate: Permission,
    record: str,
    in_force: str,
    guards: tuple[Guard, ...] = (),
) -> tuple[Step, Step, Step]:
    """The steps a versioned proposal (a rule set, a detector's parameter set) takes to come into
    force: a business and a technology approval by two different people, neither of whom wrote
    the proposal, then the activation, refused until both sides have signed. ``guards`` apply to
    all three (e.g. the proposal must still be based on the version in force); ``in_force`` is
    the activation's meaning."""
    return (
        person_step(
            "approve_business",
            source,
            None,
            business,
            "The business side approves; not the proposer, not the technology approver.",
            involvement=Involvement.APPROVED_BUSINESS,
            excludes=AUTHORS | {Involvement.APPROVED_TECHNOLOGY},
            guards=guards,
        ),
        person_step(
            "approve_technology",
            source,
            None,
            technology,
            "The technology side approves; not the proposer, not the business approver.",
            involvement=Involvement.APPROVED_TECHNOLOGY,
            excludes=AUTHORS | {Involvement.APPROVED_BUSINESS},
            guards=guards,
        ),
        person_step(
            "activate",
            source,
            target,
            activate,
            in_force,
            excludes=AUTHORS,
            guards=(approved_by_business_and_technology(record), *guards),
        ),
    )


def conflicting_involvements(
    step: Step, username: str, history: Sequence[Participation]
) -> set[str]:
    """The involvements of ``username`` on the record that the step excludes."""
    return {
        p.involvement for p in history if p.actor == username and p.involvement in step.excludes
    }
