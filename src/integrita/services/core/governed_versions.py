"""Governed versions of a set of values: proposed by one person, in force only after a business
and a technology approval by two others. One code path serves the real-time rule set
(:mod:`integrita.services.realtime.rulesets`) and each detector's parameters
(:mod:`integrita.services.monitoring.detector_params`).

Every step goes through the workflow engine with the set's own workflow, so who may take it and
whether the proposal is still based on the active version are decided there, not here. The
functions take the caller's session and never commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrita.domain.governed_versions import ACTIVE, NEW, PROPOSED, diff
from integrita.domain.permissions import Permission
from integrita.domain.workflow import Actor, Workflow
from integrita.errors import InputError, NotFoundError, PermissionDeniedError, StateTransitionError
from integrita.services.core import audit
from integrita.services.core import workflow as engine
from integrita.services.core.permissions import permitted
from integrita.store import Session
from integrita.store.repositories.versions import VersionTable


@dataclass(frozen=True, slots=True)
class GovernedSet:
    """One governed set of values: where its versions are stored, its workflow and approver
    permissions, and how a proposal's values are checked."""

    table: VersionTable[Any]
    workflow: Workflow
    #: The audit trail's entity type of a version, e.g. "rule_set".
    record_type: str
    #: The column holding the values, e.g. "thresholds".
    values_field: str
    #: What one value is called in a refusal, e.g. "threshold".
    value_noun: str
    approve_business: Permission
    approve_technology: Permission
    #: The complete values from the active ones with changes applied; raises InputError.
    check: Callable[[dict[str, Any]], dict[str, Any]]

    def ref(self, version: int) -> engine.RecordRef:
        """A version as the audit trail names it: ``fan_in:3`` for a detector, ``3`` for the
        rule set (a set with no subject)."""
        subject = ":".join(str(v) for v in self.table.subject.values())
        return engine.RecordRef(self.record_type, f"{subject}:{version}" if subject else version)

    def label(self, version: int) -> str:
        return f"{self.table.label} version {version}"


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionView:
    """What every version shows, whatever its values are called (a subclass adds them)."""

    version: int
    status: str
    note: str | None
    proposed_by: str
    proposed_at: datetime
    business_approved_by: str | None
    technology_approved_by: str | None
    activated_at: datetime | None
    base_version: int | None
    diff: dict[str, Any] | None


def version_fields(row: Any) -> dict[str, Any]:
    """:class:`VersionView`'s fields of a stored version."""
    return {
        "version": row.version,
        "status": row.status,
        "note": row.note,
        "proposed_by": row.proposed_by,
        "proposed_at": row.proposed_at,
        "business_approved_by": row.business_approved_by,
        "technology_approved_by": row.technology_approved_by,
        "activated_at": row.activated_at,
        "base_version": row.base_version,
        "diff": dict(row.diff) if row.diff is not None else None,
    }


def install_defaults(
    session: Session, gov: GovernedSet, values: dict[str, Any], note: str, at: datetime
) -> Any:
    """Version 1, in force from the start: the documented defaults, created on first use and
    audited as activated by the system (nobody proposed them, so no person approves them)."""
    row = gov.table.add(
        session,
        version=1,
        status=ACTIVE,
        note=note,
        proposed_by="system",
        proposed_at=at,
        business_approved_by="system",
        technology_approved_by="system",
        activated_at=at,
        **{gov.values_field: values},
    )
    audit.record(
        session,
        at=at,
        actor="system",
        action=f"{gov.workflow.name}.activated",
        entity_type=gov.record_type,
        entity_id=gov.ref(1).entity_id,
        after={**gov.table.subject, "version": 1, gov.values_field: values},
    )
    return row


def get(session: Session, gov: GovernedSet, version: int, *, lock: bool = False) -> Any:
    row = gov.table.get(session, version, lock=lock)
    if row is None:
        raise NotFoundError(f"{gov.label(version)} does not exist")
    return row


def propose(
    session: Session,
    gov: GovernedSet,
    actor: Actor,
    at: datetime,
    base: tuple[int, dict[str, Any]],
    changes: dict[str, Any],
    note: str | None,
) -> Any:
    """A new version: the values of the ``base`` (version, values) in force with ``changes``
    applied, checked as a whole, with its diff against the base; not in force."""
    if not changes:
        raise InputError(f"a proposal must change at least one {gov.value_noun}", field="changes")
    base_version, current = base
    proposed = gov.check({**current, **changes})
    changed = diff(current, proposed)
    if not changed:
        raise InputError("the proposal changes nothing", field="changes")
    version = gov.table.next_version(session)
    engine.transition(
        session,
        gov.workflow,
        gov.ref(version),
        NEW,
        "propose",
        actor,
        at=at,
        before={"base_version": base_version},
        after={**gov.table.subject, "base_version": base_version, "diff": changed, "note": note},
    )
    return gov.table.add(
        session,
        version=version,
        status=PROPOSED,
        note=note,
        proposed_by=actor.username,
        proposed_at=at,
        base_version=base_version,
        diff=dict(changed),
        **{gov.values_field: proposed},
    )


def _facts(row: Any, active: int) -> dict[str, object]:
    return {
        "base_version": row.base_version,
        "active_version": active,
        "business_approved_by": row.business_approved_by,
        "technology_approved_by": row.technology_approved_by,
    }


def _open_side(gov: GovernedSet, actor: Actor, row: Any) -> str:
    """The side the actor's roles let them approve that nobody approved yet."""
    if permitted(actor, gov.approve_business) and not row.business_approved_by:
        return "business"
    if permitted(actor, gov.approve_technology) and not row.technology_approved_by:
        return "technology"
    raise PermissionDeniedError(
        f"{actor.username} holds no approver role whose side of {gov.label(row.version)} "
        "is still open"
    )


def approve(
    session: Session, gov: GovernedSet, actor: Actor, at: datetime, version: int, active: int
) -> Any:
    """Record the actor's approval on the side their role gives; both sides -> in force, and the
    version that was active is superseded. ``active`` is the version in force now: the workflow
    refuses a proposal drafted against another one."""
    row = get(session, gov, version, lock=True)
    if row.status != PROPOSED:
        raise StateTransitionError(f"{gov.label(version)} is {row.status}, not proposed")
    side = _open_side(gov, actor, row)
    engine.transition(
        session,
        gov.workflow,
        gov.ref(version),
        row.status,
        f"approve_{side}",
        actor,
        at=at,
        after={**gov.table.subject, "base_version": row.base_version, "diff": row.diff},
        facts=_facts(row, active),
    )
    setattr(row, f"{side}_approved_by", actor.username)
    if row.business_approved_by and row.technology_approved_by:
        values = getattr(row, gov.values_field)
        engine.transition(
            session,
            gov.workflow,
            gov.ref(version),
            row.status,
            "activate",
            actor,
            at=at,
            before={"active_version": active},
            after={**gov.table.subject, "version": version, gov.values_field: values},
            facts=_facts(row, active),
        )
        gov.table.supersede_active(session, version)
        row.status, row.activated_at = ACTIVE, at
    session.flush()
    return row
