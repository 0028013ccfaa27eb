from __future__ import annotations

from integrita.services import alerts
from integrita.services.context import Context
from integrita.store.repositories import alerts as repo


def test_the_same_alert_is_never_raised_twice(ctx: Context) -> None:
    kwargs = dict(
        customer_id="C1",
        source="detection",
        typologies=["fan_in"],
        evidence={"accounts": ["A1"]},
        evidence_txn_ids=["t1", "t2"],
        score=0.7,
    )
    with ctx.db.transaction() as session:
        first = alerts.raise_alert(session, at=ctx.now(), **kwargs)  # type: ignore[arg-type]
    with ctx.db.transaction() as session:
        second = alerts.raise_alert(session, at=ctx.now(), **kwargs)  # type: ignore[arg-type]
        assert repo.count(session) == 1
    assert first is not None and second is None
