"""A match's disposition and the good-guy list, both governed by the one workflow engine.

An analyst proposes *true match* (freeze and report) or *false positive*; a different person
approves. A confirmed false positive may go on the good-guy list, which suppresses that
customer–entity pair in later screenings until either record changes; adding to it is proposed
by one person and approved by another. Who proposed is read back from the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrita.domain.permissions import Permission
from integrita.domain.screening import (
    APPROVED_STATE,
    GOOD_GUY_WORKFLOW,
    MATCH_WORKFLOW,
    GoodGuyState,
    ListEntity,
    MatchState,
)
from integrita.domain.workflow import Involvement
from integrita.errors import InputError, NotFoundError, StateTransitionError
from integrita.services.core import audit, workflow
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, as_actor, ensure_permitted
from integrita.services.core.view_objects import view_of
from integrita.store.models import GoodGuyEntry, ScreeningMatch
from integrita.store.repositories import screening as repo

MIN_REASON = 10


@dataclass(frozen=True, slots=True)
class MatchView:
    id: int
    subject_ref: str
    subject: dict[str, Any]
    source: str
    entity_id: str
    snapshot_id: int
    score: float
    features: list[dict[str, Any]]
    trigger: str
    state: str
    version: int
    alert_id: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MatchDetail:
    """Both records side by side, the features that fired, the list and its version."""

    match: MatchView
    entity: ListEntity | None
    list_version: int | None
    list_file: str | None
    list_status: str | None
    actions: list[str]


@dataclass(frozen=True, slots=True)
class GoodGuyView:
    id: int
    customer_id: str
    source: str
    entity_id: str
    state: str
    reason: str
    proposed_by: str
    decided_by: str | None
    match_id: int | None


def _match_view(row: ScreeningMatch) -> MatchView:
    return view_of(MatchView, row, subject=dict(row.subject), features=list(row.features))


def _good_guy_view(row: GoodGuyEntry) -> GoodGuyView:
    return view_of(GoodGuyView, row)


def _ref(match_id: int) -> workflow.RecordRef:
    return workflow.RecordRef("screening_match", match_id)


def dispose(
    ctx: Context,
    match_id: int,
    action: str,
    *,
    actor: HasRoles,
    seen_version: int,
    note: str = "",
) -> MatchView:
    """Take a step on a match: propose_true_match, propose_false_positive, approve, return.

    ``seen_version`` is the version of the match the person was shown; a step on any other
    version is refused (another person proposed, returned or approved it meanwhile), and each
    step makes a new version."""
    person = as_actor(actor)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = repo.get_match(session, match_id, lock=True)
        if row is None:
            raise NotFoundError(f"no screening match {match_id}")
        before = row.state
        step = workflow.transition(
            session,
            MATCH_WORKFLOW,
            _ref(match_id),
            row.state,
            action,
            person,
            at=at,
            before={"state": before},
            after={"note": note.strip() or None, "customer_id": row.subject_ref},
            seen_version=seen_version,
            current_version=row.version,
        )
        row.state = APPROVED_STATE[before] if action == "approve" else (step.target or before)
        row.version += 1
        if action == "approve":
            row.decided_at = at
            if row.state == MatchState.TRUE_MATCH:
                # freezing is done by the account systems; this event is their instruction
                audit.record(
                    session,
                    at=at,
                    actor=person.username,
                    action="screening.freeze_and_report",
                    entity_type="customer",
                    entity_id=row.subject_ref,
                    after={"match_id": row.id, "list": row.source, "entity_id": row.entity_id},
                )
        return _match_view(row)


def propose_good_guy(ctx: Context, match_id: int, reason: str, *, actor: HasRoles) -> GoodGuyView:
    """Propose that a confirmed false positive be suppressed for this customer–entity pair."""
    ensure_permitted(actor, Permission.GOOD_GUY_ADD)
    if len(reason.strip()) < MIN_REASON:
        raise InputError(
            f"a reason of at least {MIN_REASON} characters is required", field="reason"
        )
    at = ctx.now()
    with ctx.db.transaction() as session:
        match = repo.get_match(session, match_id)
        if match is None:
            raise NotFoundError(f"no screening match {match_id}")
        if match.state != MatchState.FALSE_POSITIVE:
            raise StateTransitionError(
                f"match {match_id} is {match.state}; only a confirmed false positive goes on "
                "the good-guy list"
            )
        if repo.pending_good_guy(session, match.subject_ref, match.source, match.entity_id):
            raise StateTransitionError("this pair already awaits a good-guy approval")
        row = repo.add_good_guy(
            session,
            customer_id=match.subject_ref,
            source=match.source,
            entity_id=match.entity_id,
            customer_hash=match.subject_hash,
            entity_hash=match.entity_hash,
            match_id=match.id,
            state=GoodGuyState.PROPOSED,
            reason=reason.strip(),
            proposed_by=actor.username,
            proposed_at=at,
        )
        audit.record(
            session,
            at=at,
            actor=actor.username,
            action="good_guy.propose",
            entity_type="good_guy",
            entity_id=row.id,
            after={
                "state": GoodGuyState.PROPOSED,
                workflow.INVOLVEMENT_KEY: Involvement.PROPOSED,
                "customer_id": row.customer_id,
                "entity_id": row.entity_id,
                "reason": row.reason,
            },
        )
        return _good_guy_view(row)


def decide_good_guy(ctx: Context, entry_id: int, approve: bool, *, actor: HasRoles) -> GoodGuyView:
    """A second person approves or rejects a good-guy entry (never its proposer)."""
    person = as_actor(actor)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = repo.get_good_guy(session, entry_id, lock=True)
        if row is None:
            raise NotFoundError(f"no good-guy entry {entry_id}")
        step = workflow.transition(
            session,
            GOOD_GUY_WORKFLOW,
            workflow.RecordRef("good_guy", entry_id),
            row.state,
            "approve" if approve else "reject",
            person,
            at=at,
            before={"state": row.state},
            after={"customer_id": row.customer_id, "entity_id": row.entity_id},
        )
        row.state = step.target or row.state
        row.decided_by, row.decided_at = person.username, at
        return _good_guy_view(row)


def match_detail(ctx: Context, match_id: int, *, actor: HasRoles) -> MatchDetail:
    ensure_permitted(actor, Permission.SCREENING_READ)
    with ctx.db.transaction() as session:
        row = repo.get_match(session, match_id)
        if row is None:
            raise NotFoundError(f"no screening match {match_id}")
        payloads = repo.entity_payloads(session, row.snapshot_id, [row.entity_id])
        snapshot = repo.get_snapshot(session, row.snapshot_id)
        history = workflow.history(session, _ref(match_id))
        actions = MATCH_WORKFLOW.available(row.state, as_actor(actor), history)
        return MatchDetail(
            _match_view(row),
            ListEntity.from_json(payloads[0]) if payloads else None,
            snapshot.version if snapshot else None,
            snapshot.file_name if snapshot else None,
            snapshot.status if snapshot else None,
            actions,
        )


def list_matches(
    ctx: Context, *, actor: HasRoles, state: str | None = None, customer_id: str | None = None
) -> list[MatchView]:
    ensure_permitted(actor, Permission.SCREENING_READ)
    with ctx.db.transaction() as session:
        return [_match_view(r) for r in repo.matches(session, state, customer_id)]


def list_good_guys(ctx: Context, *, actor: HasRoles) -> list[GoodGuyView]:
    ensure_permitted(actor, Permission.SCREENING_READ)
    with ctx.db.transaction() as session:
        return [_good_guy_view(r) for r in repo.all_good_guys(session)]
