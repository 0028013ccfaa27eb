from __future__ import annotations

from dataclasses import asdict

from integrita.services.core.context import Context
from integrita.services.monitoring import alerts
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


def test_a_batch_raises_each_new_alert_once_with_its_audit_event(ctx: Context) -> None:
    from integrita.services.core import audit

    def draft(customer: str, txns: list[str]) -> alerts.AlertDraft:
        return alerts.AlertDraft(customer, "detection", ["cycle"], {"n": len(txns)}, txns)

    with ctx.db.transaction() as session:
        alerts.raise_alert(session, at=ctx.now(), **asdict(draft("C0", ["t0"])))
    batch = [draft("C0", ["t0"]), draft("C1", ["t1"]), draft("C2", ["t2"]), draft("C1", ["t1"])]
    with ctx.db.transaction() as session:
        raised = alerts.raise_alerts(session, batch, at=ctx.now())
        assert repo.count(session) == 3
    assert [r is None for r in raised] == [True, False, False, True]
    assert [r.customer_id for r in raised if r] == ["C1", "C2"]
    assert len({r.id for r in raised if r}) == 2
    check = audit.verify(ctx)
    assert check.broken_at is None and check.events_checked >= 3
