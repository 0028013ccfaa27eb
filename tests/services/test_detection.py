"""Detection runs: one alert per customer, incremental, never the same alert twice; large-value records."""

from __future__ import annotations

from datetime import date, timedelta

import pyarrow as pa
from sqlalchemy import select

from integrita.analytics.schema import LEDGER_SCHEMA
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.monitoring.detection import run_detection
from integrita.store.models import Alert, AuditEvent, LargeValueRecord
from integrita.store.repositories import customers as customers_repo
from tests.detection.builder import LedgerBuilder
from tests.detection.scenarios import SCENARIOS


def _customers(ctx: Context, accounts: dict[str, tuple[str, str]]) -> None:
    with ctx.db.transaction() as session:
        customers_repo.upsert_customers(
            session,
            [
                {
                    "customer_id": c,
                    "customer_type": t,
                    "name": f"Customer {c}",
                    "id_document_type": "resident_id",
                    "id_number": f"ID-{c}",
                }
                for c, t in sorted(set(accounts.values()))
            ],
        )
        customers_repo.upsert_accounts(
            session,
            [
                {
                    "account_id": a,
                    "bank_id": "B1",
                    "customer_id": c,
                    "account_type": "personal",
                    "opened_on": date(2020, 1, 1),
                }
                for a, (c, _) in sorted(accounts.items())
            ],
        )


def _append(ctx: Context, b: LedgerBuilder) -> None:
    open_ledger(ctx).append_table(pa.Table.from_pylist(b.rows, schema=LEDGER_SCHEMA))


def test_detection_raises_one_alert_per_customer_with_every_typology(ctx: Context) -> None:
    b = LedgerBuilder()
    SCENARIOS["cycle"](b, True, "cy")
    SCENARIOS["rapid_pass_through"](b, True, "rp")
    # cy-b is also the mule of a pass-through owned by the same customer
    b.pay("rp-payer2", "cy-b", 300_000, days=5)
    b.pay("cy-b", "rp-out2", 295_000, days=5.4)
    # cy-d, another bank's account, passes money on to C1's cy-a
    b.pay("rp-payer3", "cy-d", 200_000, days=10)
    b.pay("cy-d", "cy-a", 196_000, days=11)
    _customers(ctx, {"cy-a": ("C1", "individual"), "cy-b": ("C2", "individual")})
    _append(ctx, b)
    summary = run_detection(ctx)
    with ctx.db.transaction() as session:
        alerts = {a.customer_id: a for a in session.execute(select(Alert)).scalars()}
        owned = {c for c in alerts if not c.startswith("account:")}
        assert owned == {"C1", "C2"}
        # the pass-through among other banks' accounts touches no customer of ours: no alert
        # (that bank investigates its own customers), and the run says so
        assert set(alerts) == owned and summary.alerts_without_owner == 0
        assert summary.alerts_raised == len(alerts)
        assert summary.matches_outside_bank >= 1
        assert any("no customer of the bank" in w for w in summary.warnings)
        # the pass-through on cy-d ends in C1's cy-a
        assert alerts["C1"].typologies == ["cycle", "rapid_pass_through"]
        assert alerts["C2"].typologies == ["cycle", "rapid_pass_through"]
        why = alerts["C2"].evidence["typologies"]["cycle"]["why"]  # type: ignore[index]
        assert "Cycle" in why
        actions = [e.action for e in session.execute(select(AuditEvent)).scalars()]
        assert actions.count("alert.raised") == len(alerts) and "detection.run_finished" in actions
    by_typology = {t.typology: t for t in summary.typologies}
    assert by_typology["cycle"].matches == 1 and by_typology["cycle"].alerts == 2


def test_rerun_over_the_same_ledger_raises_nothing_new(ctx: Context) -> None:
    b = LedgerBuilder()
    SCENARIOS["fan_in"](b, True, "fi")
    _customers(ctx, {"fi-hub": ("C1", "individual")})
    _append(ctx, b)
    first = run_detection(ctx)
    assert first.alerts_raised == 1
    second = run_detection(ctx)
    assert second.nothing_new and second.alerts_raised == 0
    full = run_detection(ctx, full=True)
    assert full.alerts_raised == 0 and full.alerts_duplicate == 1


def test_incremental_run_processes_new_partitions_with_look_back(ctx: Context) -> None:
    b = LedgerBuilder()
    for i in range(3):
        b.pay(f"fi-s{i}", "fi-hub", 3000, hours=i)
    _customers(ctx, {"fi-hub": ("C1", "individual")})
    _append(ctx, b)
    assert run_detection(ctx).alerts_raised == 0
    later = LedgerBuilder(rows=[])
    for i in range(3, 5):
        later.pay(f"fi-s{i}", "fi-hub", 3000, days=1, hours=i, txn_id=f"L{i}")
    _append(ctx, later)
    summary = run_detection(ctx)
    assert summary.new_partitions == 1
    assert summary.alerts_raised == 1  # the two new payments complete the pattern begun earlier
    with ctx.db.transaction() as session:
        (alert,) = session.execute(select(Alert)).scalars()
    matches = alert.evidence["typologies"]["fan_in"]["matches"]  # type: ignore[index]
    assert len(matches[0]["txn_ids"]) == 5


def test_cash_of_50000_gets_a_large_value_record_due_in_five_working_days(ctx: Context) -> None:
    b = LedgerBuilder()
    b.pay("CASH", "lv-acc", 50_000, kind="cash_deposit")
    b.pay("CASH", "lv-acc", 49_999.99, kind="cash_deposit", hours=1)
    b.pay("lv-acc", "abroad", 200_000, cross_border=True, to_country="HK", hours=2)
    b.pay("lv-org", "supplier", 1_999_999, hours=3)
    b.pay("lv-acc", "friend", 499_999, hours=4)
    _customers(ctx, {"lv-acc": ("P1", "individual"), "lv-org": ("O1", "organisation")})
    _append(ctx, b)
    summary = run_detection(ctx)
    assert summary.large_value_records == 2
    with ctx.db.transaction() as session:
        records = {r.rule: r for r in session.execute(select(LargeValueRecord)).scalars()}
    assert set(records) == {"cash_50000", "individual_cross_border_transfer_200000"}
    cash = records["cash_50000"]
    assert cash.customer_id == "P1" and cash.amount_cny_minor == 5_000_000
    booked = cash.booked_at.date()
    assert cash.due_on == ctx.calendar.add_working_days(booked, 5)
    assert cash.due_on >= booked + timedelta(days=7)  # 2025-01-06 is a Monday: next Monday
    # a second run does not report them again
    assert run_detection(ctx, full=True).large_value_records == 0


def test_a_large_value_record_booked_sunday_2330_utc_is_due_counting_from_monday_local(
    ctx: Context,
) -> None:
    from datetime import UTC, datetime

    b = LedgerBuilder()
    # Sunday 2025-01-05 23:30 UTC is Monday 07:30 at the bank.
    b.pay(
        "CASH", "lv-acc", 50_000, kind="cash_deposit", at=datetime(2025, 1, 5, 23, 30, tzinfo=UTC)
    )
    _customers(ctx, {"lv-acc": ("P1", "individual")})
    _append(ctx, b)
    assert run_detection(ctx).large_value_records == 1
    with ctx.db.transaction() as session:
        (record,) = session.execute(select(LargeValueRecord)).scalars()
    # Monday 6 Jan + 5 working days = Monday 13 Jan (from Sunday it would be Friday the 10th)
    assert record.due_on == date(2025, 1, 13)
