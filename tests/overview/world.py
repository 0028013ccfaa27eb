"""A small bank with something in every flow the overview shows, at several ages."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from integrita.services.care import complaints
from integrita.services.casework import cases
from integrita.services.core.context import Context
from integrita.services.risk import rating
from integrita.store.models import PaymentDecision
from integrita.store.repositories import cases as cases_repo
from integrita.store.repositories import detection as detection_repo
from tests.casework.conftest import alert_for, seed_customer
from tests.conftest import FixedClock
from tests.services.care_support import OFFICER, complaint_input

#: (customer, name, typology, days before today the alert was raised)
ALERTS = (
    ("C1", "Zhang Wei", "structuring", 0),
    ("C2", "张伟", "fan_in", 2),
    ("C3", "Li Na", "structuring", 12),
    ("C1", "Zhang Wei", "fan_out", 40),
    ("C2", "张伟", "cycle", 100),
)


def build(ctx: Context, clock: FixedClock) -> date:
    """Seed the world; returns today's local date (the clock ends where it started)."""
    now = clock.now
    for customer_id, name, _, _ in ALERTS:
        seed_customer(ctx, customer_id, name)
    for customer_id, _, typology, days in sorted(ALERTS, key=lambda a: -a[3]):
        clock.now = now - timedelta(days=days)
        alert_for(ctx, customer_id, typology)
        if days >= 12:  # the older alerts went into cases when they came in
            cases.open_cases_from_alerts(ctx)
    clock.now = now
    today = ctx.local_date()
    with ctx.db.transaction() as session:
        for n, (status, due_in) in enumerate(
            [("draft", -3), ("draft", 4), ("approved", 1), ("submitted", -20), ("filed", -40)]
        ):
            cases_repo.add_str(
                session,
                case_id=1,
                customer_id="C1",
                status=status,
                determined_at=now - timedelta(days=10 + n),
                due_on=today + timedelta(days=due_in),
                content={"subject": {"name": "Zhang Wei"}},
            )
        detection_repo.add_large_value_records(
            session,
            [
                {
                    "txn_id": f"LV{n}",
                    "rule": "cash_50000",
                    "customer_id": "C3",
                    "account_id": "A-C3",
                    "booked_at": now - timedelta(days=days),
                    "amount_minor": 6_000_000,
                    "currency": "CNY",
                    "amount_cny_minor": 6_000_000,
                    "due_on": today + timedelta(days=5 - days),
                    "status": status,
                }
                for n, (days, status) in enumerate(
                    [(1, "pending"), (9, "pending"), (12, "pending"), (30, "submitted")]
                )
            ],
        )
        for n, (decision, status, hours) in enumerate(
            [
                ("allow", "executed", 1),
                ("allow", "executed", 30),
                ("notify", "executed", 5),
                ("hold", "decided", 2),
                ("hold", "released", 50),
                ("reject", "decided", 300),
            ]
        ):
            session.add(
                PaymentDecision(
                    txn_id=f"P{n}",
                    account_id="A-C1",
                    customer_id="C1",
                    decided_at=now - timedelta(hours=hours),
                    event_hash="0" * 64,
                    event={"amount": "100.00", "currency": "CNY"},
                    decision=decision,
                    response={"reasons": []},
                    rule_set_version=1,
                    status=status,
                )
            )
    rating.rate_all(ctx)
    clock.now = now - timedelta(days=3)
    complaints.file_complaint(ctx, complaint_input("C2"), OFFICER)  # first response now late
    clock.now = now
    complaints.file_complaint(ctx, complaint_input("C3"), OFFICER)
    return today


def at(ctx: Context, day: date) -> datetime:
    return ctx.local_midnight(day)
