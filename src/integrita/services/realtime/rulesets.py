"""Rule-set governance: versions of the thresholds, proposed by one person and taking effect
only after a business approval and a technology approval by two different users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrita.detection.realtime import DEFAULT_THRESHOLDS, RULES, validate_thresholds
from integrita.domain.roles import Role
from integrita.errors import InputError, NotFoundError, PermissionDeniedError, StateTransitionError
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.store import Session
from integrita.store.repositories import realtime as repo
from integrita.store.repositories import users as users_repo


@dataclass(frozen=True, slots=True)
class RuleSetView:
    version: int
    status: str
    thresholds: dict[str, Any]
    note: str | None
    proposed_by: str
    proposed_at: datetime
    business_approved_by: str | None
    technology_approved_by: str | None
    activated_at: datetime | None


def _view(row: Any) -> RuleSetView:
    return RuleSetView(
        row.version,
        row.status,
        dict(row.thresholds),
        row.note,
        row.proposed_by,
        row.proposed_at,
        row.business_approved_by,
        row.technology_approved_by,
        row.activated_at,
    )


def active_in(session: Session, at: datetime) -> tuple[int, dict[str, Any]]:
    """The active version and its thresholds; version 1 (the defaults) is created on first use."""
    found = repo.active_rule_set(session)
    if found is not None:
        return found
    repo.add_rule_set(
        session,
        version=1,
        thresholds=dict(DEFAULT_THRESHOLDS),
        status="active",
        note="default policy",
        proposed_by="system",
        proposed_at=at,
        business_approved_by="system",
        technology_approved_by="system",
        activated_at=at,
    )
    audit.record(
        session,
        at=at,
        actor="system",
        action="ruleset.activated",
        entity_type="rule_set",
        entity_id=1,
        after={"version": 1, "thresholds": DEFAULT_THRESHOLDS},
    )
    return 1, dict(DEFAULT_THRESHOLDS)


def list_versions(ctx: Context) -> list[RuleSetView]:
    with ctx.db.transaction() as session:
        active_in(session, ctx.now())
        return [_view(r) for r in repo.list_rule_sets(session)]


def show(ctx: Context, version: int | None = None) -> RuleSetView:
    with ctx.db.transaction() as session:
        active, _ = active_in(session, ctx.now())
        row = repo.get_rule_set(session, version if version is not None else active)
        if row is None:
            raise NotFoundError(f"rule-set version {version} does not exist")
        return _view(row)


def rule_catalogue() -> list[dict[str, str]]:
    """Every registered rule with its action and explanation."""
    return [
        {"rule": r.name, "action": r.action, "explanation": r.explanation} for r in RULES.values()
    ]


def propose(
    ctx: Context, actor: str, changes: dict[str, Any], note: str | None = None
) -> RuleSetView:
    """A new version: the active thresholds with ``changes`` applied; not yet in force."""
    if not changes:
        raise InputError("a proposal must change at least one threshold", field="changes")
    now = ctx.now()
    with ctx.db.transaction() as session:
        _, current = active_in(session, now)
        thresholds = validate_thresholds({**current, **changes})
        if thresholds == current:
            raise InputError("the proposal changes nothing", field="changes")
        version = repo.next_rule_set_version(session)
        row = repo.add_rule_set(
            session,
            version=version,
            thresholds=thresholds,
            status="proposed",
            note=note,
            proposed_by=actor,
            proposed_at=now,
        )
        audit.record(
            session,
            at=now,
            actor=actor,
            action="ruleset.proposed",
            entity_type="rule_set",
            entity_id=version,
            before=current,
            after=thresholds,
        )
        return _view(row)


def approve(ctx: Context, version: int, username: str) -> RuleSetView:
    """Record ``username``'s approval on the side their role gives; two sides -> active."""
    now = ctx.now()
    with ctx.db.transaction() as session:
        user = users_repo.get_by_username(session, username)
        if user is None or not user.active:
            raise NotFoundError(f"user {username!r} does not exist or is inactive")
        roles = user.role_names
        row = repo.get_rule_set(session, version, lock=True)
        if row is None:
            raise NotFoundError(f"rule-set version {version} does not exist")
        if row.status != "proposed":
            raise StateTransitionError(f"rule-set version {version} is {row.status}, not proposed")
        if username in (row.business_approved_by, row.technology_approved_by):
            raise StateTransitionError(
                f"{username} already approved version {version}; the other side must be a different user"
            )
        if Role.BUSINESS_APPROVER.value in roles and row.business_approved_by is None:
            row.business_approved_by, side = username, "business"
        elif Role.TECHNOLOGY_APPROVER.value in roles and row.technology_approved_by is None:
            row.technology_approved_by, side = username, "technology"
        else:
            raise PermissionDeniedError(
                f"{username} holds no approver role whose side of version {version} is still open"
            )
        audit.record(
            session,
            at=now,
            actor=username,
            action=f"ruleset.approved.{side}",
            entity_type="rule_set",
            entity_id=version,
        )
        if row.business_approved_by and row.technology_approved_by:
            repo.supersede_active(session, version)
            row.status, row.activated_at = "active", now
            audit.record(
                session,
                at=now,
                actor=username,
                action="ruleset.activated",
                entity_type="rule_set",
                entity_id=version,
                after={"version": version, "thresholds": row.thresholds},
            )
        session.flush()
        return _view(row)
