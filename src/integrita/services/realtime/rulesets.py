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
from integrita.domain.rulesets import PROPOSED, RULESET_WORKFLOW, diff
from integrita.errors import InputError
from integrita.services.core import governed_versions as governed
from integrita.services.core import workflow as engine
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, as_actor, ensure_permitted
from integrita.store import Session
from integrita.store.repositories import realtime as repo

RULE_SET = governed.GovernedSet(
    table=repo.RULE_SETS,
    workflow=RULESET_WORKFLOW,
    record_type="rule_set",
    values_field="thresholds",
    value_noun="threshold",
    approve_business=Permission.RULESET_APPROVE_BUSINESS,
    approve_technology=Permission.RULESET_APPROVE_TECHNOLOGY,
    check=validate_thresholds,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleSetView(governed.VersionView):
    thresholds: dict[str, Any]


def _view(row: Any) -> RuleSetView:
    return RuleSetView(thresholds=dict(row.thresholds), **governed.version_fields(row))


def active_in(session: Session, at: datetime) -> tuple[int, dict[str, Any]]:
    """The active version and its thresholds; version 1 (the defaults) is created on first use."""
    found = repo.active_rule_set(session)
    if found is not None:
        return found
    governed.install_defaults(session, RULE_SET, dict(DEFAULT_THRESHOLDS), "default policy", at)
    return 1, dict(DEFAULT_THRESHOLDS)


def list_versions(ctx: Context, user: HasRoles) -> list[RuleSetView]:
    ensure_permitted(user, Permission.RULESET_READ)
    with ctx.db.transaction() as session:
        active_in(session, ctx.now())
        return [_view(r) for r in RULE_SET.table.list(session)]


def show(ctx: Context, user: HasRoles, version: int | None = None) -> RuleSetView:
    ensure_permitted(user, Permission.RULESET_READ)
    with ctx.db.transaction() as session:
        active, _ = active_in(session, ctx.now())
        return _view(governed.get(session, RULE_SET, version if version is not None else active))


def rule_catalogue() -> list[dict[str, str]]:
    """Every registered rule with its action and explanation."""
    return [
        {"rule": r.name, "action": r.action, "explanation": r.explanation} for r in RULES.values()
    ]


def propose(
    ctx: Context, user: HasRoles, changes: dict[str, Any], note: str | None = None
) -> RuleSetView:
    """A new version: the active thresholds with ``changes`` applied; not yet in force.

    The proposal records the active version it is based on and its diff against it.
    """
    ensure_permitted(user, Permission.RULESET_PROPOSE)
    actor = as_actor(user)
    now = ctx.now()
    with ctx.db.transaction() as session:
        base = active_in(session, now)
        return _view(governed.propose(session, RULE_SET, actor, now, base, changes, note))


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
        row = governed.get(session, RULE_SET, version, lock=True)
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
            RULE_SET.ref(version),
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
        return _view(governed.approve(session, RULE_SET, actor, now, version, active))
