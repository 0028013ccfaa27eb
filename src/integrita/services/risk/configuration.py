"""The versioned rating configuration: weights, bands, country lists and review cycles, as data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from integrita.domain.risk import DEFAULT_RATING_CONFIG, RatingConfig
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.store import Session
from integrita.store.repositories import risk as repo


def current_config(session: Session, at: datetime, actor: str = "system") -> RatingConfig:
    """The newest configuration version; the documented defaults become version 1 on first use."""
    row = repo.latest_config(session)
    if row is None:
        parsed = RatingConfig.parse(1, DEFAULT_RATING_CONFIG)
        repo.add_config(session, 1, parsed.body, "documented defaults", actor, at)
        audit.record(
            session,
            at=at,
            actor=actor,
            action="risk.config_created",
            entity_type="risk_config",
            entity_id=1,
            after={"note": "documented defaults"},
        )
        return parsed
    return RatingConfig.parse(row.version, dict(row.body))


def configuration(ctx: Context) -> RatingConfig:
    with ctx.db.transaction() as session:
        return current_config(session, ctx.now())


def set_configuration(ctx: Context, body: dict[str, Any], *, note: str, actor: str) -> RatingConfig:
    """Store a new configuration version (validated); ratings made from now on cite it."""
    at = ctx.now()
    with ctx.db.transaction() as session:
        previous = current_config(session, at, actor)
        parsed = RatingConfig.parse(previous.version + 1, body)
        repo.add_config(session, parsed.version, parsed.body, note, actor, at)
        audit.record(
            session,
            at=at,
            actor=actor,
            action="risk.config_created",
            entity_type="risk_config",
            entity_id=parsed.version,
            before={"version": previous.version},
            after={"note": note, "body": parsed.body},
        )
        return parsed
