from __future__ import annotations

from sqlalchemy import text

from integrita.services.core import audit
from integrita.services.core.context import Context


def _record_three(ctx: Context) -> None:
    for n in range(3):
        with ctx.db.transaction() as session:
            audit.record(
                session,
                at=ctx.now(),
                actor="alice",
                action="case.noted",
                entity_type="case",
                entity_id=n,
                before=None,
                after={"note": f"n{n}"},
            )


def test_intact_chain_verifies(ctx: Context) -> None:
    _record_three(ctx)
    result = audit.verify(ctx)
    assert result.intact
    assert result.events_checked == 3


def test_editing_an_audit_row_breaks_verify_at_that_event(ctx: Context) -> None:
    _record_three(ctx)
    with ctx.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"))
    result = audit.verify(ctx)
    assert not result.intact
    assert result.broken_at == 2


def test_deleting_the_last_event_is_detected(ctx: Context) -> None:
    _record_three(ctx)
    with ctx.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    result = audit.verify(ctx)
    assert result.broken_at == 3


def test_rolled_back_change_leaves_no_audit_event(ctx: Context) -> None:
    try:
        with ctx.db.transaction() as session:
            audit.record(
                session, at=ctx.now(), actor="bob", action="x", entity_type="case", entity_id=1
            )
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert audit.verify(ctx).events_checked == 0
