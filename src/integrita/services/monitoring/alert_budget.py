"""The MLRO's alert budget: how many alerts a month detection may raise.

A detection run raises at most the budget's share of its period — the highest entity scores
first — and records what fell below the line, so the team works what it can and the MLRO can see
what the budget costs (the backtest reports the pattern recall expected at a budget). Until the
MLRO sets one, the documented default of :data:`DEFAULT_BUDGET_PER_MONTH` applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from integrita.detection.entity_alerts import DEFAULT_BUDGET_PER_MONTH
from integrita.domain.detection_governance import ALERT_BUDGET_WORKFLOW, NEW
from integrita.domain.permissions import Permission
from integrita.errors import InputError
from integrita.services.core import workflow as engine
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, as_actor, ensure_permitted
from integrita.store import Session
from integrita.store.repositories import detection as repo

#: A budget beyond this is no budget: a typo, not a team's capacity.
MAX_BUDGET_PER_MONTH = 1_000_000


@dataclass(frozen=True, slots=True)
class AlertBudgetView:
    alerts_per_month: int
    version: int | None
    set_by: str | None
    set_at: datetime | None
    note: str | None

    @property
    def is_default(self) -> bool:
        return self.version is None


def budget_in_force(session: Session) -> AlertBudgetView:
    row = repo.current_alert_budget(session)
    if row is None:
        return AlertBudgetView(DEFAULT_BUDGET_PER_MONTH, None, None, None, "documented default")
    return AlertBudgetView(row.alerts_per_month, row.version, row.set_by, row.set_at, row.note)


def show(ctx: Context, user: HasRoles) -> AlertBudgetView:
    ensure_permitted(user, Permission.ALERT_BUDGET_READ)
    with ctx.db.transaction() as session:
        return budget_in_force(session)


def set_budget(
    ctx: Context, user: HasRoles, alerts_per_month: int, note: str | None = None
) -> AlertBudgetView:
    """A new budget version, in force from the next detection run; audited by the workflow."""
    ensure_permitted(user, Permission.ALERT_BUDGET_SET)
    if isinstance(alerts_per_month, bool) or not 1 <= alerts_per_month <= MAX_BUDGET_PER_MONTH:
        raise InputError(
            f"an alert budget is 1 to {MAX_BUDGET_PER_MONTH:,} alerts a month",
            field="alerts_per_month",
        )
    actor = as_actor(user)
    now = ctx.now()
    with ctx.db.transaction() as session:
        before = budget_in_force(session)
        version = (before.version or 0) + 1
        engine.transition(
            session,
            ALERT_BUDGET_WORKFLOW,
            engine.RecordRef("alert_budget", version),
            NEW,
            "set",
            actor,
            at=now,
            before={"alerts_per_month": before.alerts_per_month, "version": before.version},
            after={"alerts_per_month": alerts_per_month, "version": version, "note": note},
        )
        repo.add_alert_budget(
            session,
            version=version,
            alerts_per_month=alerts_per_month,
            set_by=actor.username,
            set_at=now,
            note=note,
        )
        return budget_in_force(session)
