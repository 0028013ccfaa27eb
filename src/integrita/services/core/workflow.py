"""The one workflow engine: every governed state change is checked and audited here.

A service loads its record (locked for update) inside its own transaction and calls
:func:`transition` (a state change) or :func:`participate` (a step that keeps the state, such as
a substantive edit). The engine

1. reads the record's history back from the audit trail (plus any linked record's, e.g. the
   case an STR was drafted from),
2. asks the workflow (:mod:`integrita.domain.workflow`) whether this actor may take this step now
   — permission, state, separation of duties, version, guards — and
3. writes the step's audit event in the caller's transaction, carrying the involvement it
   confers, so the next check sees it.

The service then writes the record's new state; because both happen in one transaction, a
refused or failed step changes nothing, and the audit trail never disagrees with the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson

from integrita.domain.workflow import Actor, Participation, Step, Workflow
from integrita.services.core import audit
from integrita.store import Session
from integrita.store.repositories import audit as audit_repo

#: Key in an audit event's ``after`` payload naming the involvement its actor gained.
INVOLVEMENT_KEY = "involvement"
#: Key naming the version of the record the step was taken on.
VERSION_KEY = "version"


@dataclass(frozen=True, slots=True)
class RecordRef:
    """A governed record as the audit trail names it."""

    entity_type: str
    entity_id: str | int

    @property
    def key(self) -> tuple[str, str]:
        return self.entity_type, str(self.entity_id)


def history(session: Session, *records: RecordRef) -> list[Participation]:
    """Everyone who took part in these records, read from their audit events in order."""
    found: list[Participation] = []
    for record in records:
        entity_type, entity_id = record.key
        for event in audit_repo.events_for(session, entity_type, entity_id):
            if not event.after:
                continue
            payload = orjson.loads(event.after)
            if isinstance(payload, dict) and payload.get(INVOLVEMENT_KEY):
                version = payload.get(VERSION_KEY)
                found.append(
                    Participation(
                        event.actor,
                        str(payload[INVOLVEMENT_KEY]),
                        int(version) if isinstance(version, int) else None,
                    )
                )
    return found


def check(
    session: Session,
    workflow: Workflow,
    record: RecordRef,
    state: str,
    action: str,
    actor: Actor,
    *,
    linked: Iterable[RecordRef] = (),
    facts: Mapping[str, object] | None = None,
    seen_version: int | None = None,
    current_version: int | None = None,
) -> Step:
    """Check a step without writing anything (the page asks this to offer buttons)."""
    return workflow.check(
        state,
        action,
        actor,
        history(session, record, *linked),
        facts=facts,
        seen_version=seen_version,
        current_version=current_version,
    )


def transition(
    session: Session,
    workflow: Workflow,
    record: RecordRef,
    state: str,
    action: str,
    actor: Actor,
    *,
    at: datetime,
    before: object = None,
    after: Mapping[str, object] | None = None,
    linked: Iterable[RecordRef] = (),
    facts: Mapping[str, object] | None = None,
    seen_version: int | None = None,
    current_version: int | None = None,
) -> Step:
    """Check the step, then write its audit event; returns the step (its ``target`` is the new state).

    ``after`` is the record as it will be after the change; the engine adds the state, the
    involvement and the version, so the trail is enough to replay who did what to which version.
    """
    step = check(
        session,
        workflow,
        record,
        state,
        action,
        actor,
        linked=linked,
        facts=facts,
        seen_version=seen_version,
        current_version=current_version,
    )
    payload: dict[str, object] = dict(after or {})
    payload.setdefault("state", step.target or state)
    if step.involvement:
        payload[INVOLVEMENT_KEY] = step.involvement
    if current_version is not None:
        payload[VERSION_KEY] = current_version
    audit.record(
        session,
        at=at,
        actor=actor.username,
        action=f"{workflow.name}.{action}",
        entity_type=record.entity_type,
        entity_id=record.entity_id,
        before=before,
        after=payload,
    )
    return step


def changed_fields(before: Mapping[str, object], after: Mapping[str, object]) -> dict[str, object]:
    """The fields whose value differs: a save that changes nothing is not a change."""
    return {k: v for k, v in after.items() if before.get(k) != v}


def participants(found: Sequence[Participation], *involvements: str) -> set[str]:
    """The people who took part in any of these capacities."""
    wanted = set(involvements)
    return {p.actor for p in found if p.involvement in wanted}
