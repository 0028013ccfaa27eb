"""Rule-set governance: versions of the thresholds, proposed by one person and taking effect
only after a business approval and a technology approval by two other, different people.

Every step goes through the workflow engine (:data:`integrita.domain.rulesets.RULESET_WORKFLOW`):
who may take it, who may not (the proposer and anyone who rebased approve neither side), and
whether the proposal is still based on the active version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrita.detection.realtime import DEFAULT_THRESHOLDS, RULES, validate_thresholds
from integrita.domain.permissions import Permission
from integrita.domain.rulesets import ACTIVE, NEW, PROPOSED, RULESET_WORKFLOW, diff
from integrita.errors import InputError, NotFoundError, PermissionDeniedError, StateTransitionError
from integrita.services.core import audit
from integrita.services.core import workflow as engine
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, as_actor, ensure_permitted, permitted
from integrita.store import Session
from integrita.store.repositories import realtime as repo


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
    base_version: int | None = None
    diff: dict[str, Any] | None = None


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
        row.base_version,
        dict(row.diff) if row.diff is not None else None,
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


def list_versions(ctx: Context, user: HasRoles) -> list[RuleSetView]:
    ensure_permitted(user, Permission.RULESET_READ)
    with ctx.db.transaction() as session:
        active_in(session, ctx.now())
        return [_view(r) for r in repo.list_rule_sets(session)]


def show(ctx: Context, user: HasRoles, version: int | None = None) -> RuleSetView:
    ensure_permitted(user, Permission.RULESET_READ)
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


def _ref(version: int) -> engine.RecordRef:
    return engine.RecordRef("rule_set", version)


def _facts(row: Any, active: int) -> dict[str, object]:
    return {
        "base_version": row.base_version,
        "active_version": active,
        "business_approved_by": row.business_approved_by,
        "technology_approved_by": row.technology_approved_by,
    }


def propose(
    ctx: Context, user: HasRoles, changes: dict[str, Any], note: str | None = None
) -> RuleSetView:
    """A new version: the active thresholds with ``changes`` applied; not yet in force.

    The proposal records the active version it is based on and its diff against it.
    """
    ensure_permitted(user, Permission.RULESET_PROPOSE)
    if not changes:
        raise InputError("a proposal must change at least one threshold", field="changes")
    actor = as_actor(user)
    now = ctx.now()
    with ctx.db.transaction() as session:
        base, current = active_in(session, now)
        thresholds = validate_thresholds({**current, **changes})
        if thresholds == current:
            raise InputError("the proposal changes nothing", field="changes")
        version = repo.next_rule_set_version(session)
        changed = diff(current, thresholds)
        engine.transition(
            session,
            RULESET_WORKFLOW,
            _ref(version),
            NEW,
            "propose",
            actor,
            at=now,
            before={"base_version": base},
            after={"base_version": base, "diff": changed, "note": note},
        )
        row = repo.add_rule_set(
            session,
            version=version,
            thresholds=thresholds,
            status=PROPOSED,
            note=note,
            proposed_by=actor.username,
            proposed_at=now,
            base_version=base,
            diff=dict(changed),
        )
        return _view(row)


def rebase(ctx: Context, version: int, user: HasRoles) -> RuleSetView:
    """Re-apply a proposal's changes to the version active now; returns it with its new diff.

    Approvals given before the rebase were given to another diff, so they are cleared and both
    sides approve again; whoever rebases becomes an author and approves neither side.
    """
    ensure_permitted(user, Permission.RULESET_PROPOSE)
    actor = as_actor(user)
    now = ctx.now()
    with ctx.db.transaction() as session:
        active, current = active_in(session, now)
        row = repo.get_rule_set(session, version, lock=True)
        if row is None:
            raise NotFoundError(f"rule-set version {version} does not exist")
        if row.base_version == active and row.status == PROPOSED:
            return _view(row)
        wanted = {
            name: change["to"]
            for name, change in dict(row.diff or {}).items()
            if isinstance(change, dict)
        }
        if row.diff is None:  # a proposal from before proposals kept their diff
            wanted = dict(row.thresholds)
        thresholds = validate_thresholds({**current, **wanted})
        changed = diff(current, thresholds)
        if not changed:
            raise InputError(
                f"rebased on version {active}, proposal {version} changes nothing", field="version"
            )
        engine.transition(
            session,
            RULESET_WORKFLOW,
            _ref(version),
            row.status,
            "rebase",
            actor,
            at=now,
            before={"base_version": row.base_version, "diff": row.diff},
            after={"base_version": active, "diff": changed},
        )
        stored: dict[str, object] = dict(changed)
        row.thresholds, row.base_version, row.diff = thresholds, active, stored
        row.business_approved_by = row.technology_approved_by = None
        session.flush()
        return _view(row)


def approve(ctx: Context, version: int, user: HasRoles) -> RuleSetView:
    """Record the user's approval on the side their role gives; two sides -> active.

    Refused when the user proposed or rebased the proposal, approved its other side, or when
    another version went live since the proposal's base (409: rebase it first).
    """
    actor = as_actor(user)
    now = ctx.now()
    with ctx.db.transaction() as session:
        active, _ = active_in(session, now)
        row = repo.get_rule_set(session, version, lock=True)
        if row is None:
            raise NotFoundError(f"rule-set version {version} does not exist")
        if row.status != PROPOSED:
            raise StateTransitionError(f"rule-set version {version} is {row.status}, not proposed")
        if permitted(actor, Permission.RULESET_APPROVE_BUSINESS) and not row.business_approved_by:
            side = "business"
        elif (
            permitted(actor, Permission.RULESET_APPROVE_TECHNOLOGY)
            and not row.technology_approved_by
        ):
            side = "technology"
        else:
            raise PermissionDeniedError(
                f"{actor.username} holds no approver role whose side of version {version} "
                "is still open"
            )
        engine.transition(
            session,
            RULESET_WORKFLOW,
            _ref(version),
            row.status,
            f"approve_{side}",
            actor,
            at=now,
            after={"base_version": row.base_version, "diff": row.diff},
            facts=_facts(row, active),
        )
        if side == "business":
            row.business_approved_by = actor.username
        else:
            row.technology_approved_by = actor.username
        if row.business_approved_by and row.technology_approved_by:
            engine.transition(
                session,
                RULESET_WORKFLOW,
                _ref(version),
                row.status,
                "activate",
                actor,
                at=now,
                before={"active_version": active},
                after={"version": version, "thresholds": row.thresholds},
                facts=_facts(row, active),
            )
            repo.supersede_active(session, version)
            row.status, row.activated_at = ACTIVE, now
        session.flush()
        return _view(row)
