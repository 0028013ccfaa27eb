"""Rating runs on the database (SQLite and PostgreSQL): storage, clocks, re-rating, overrides."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pyarrow as pa
import pytest

from integrita.domain.calendar import BusinessCalendar
from integrita.domain.risk import DEFAULT_RATING_CONFIG, next_review_due, onboarding_rating_due
from integrita.errors import InputError, PermissionDeniedError, StateTransitionError
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.monitoring import alerts
from integrita.services.risk import events, overrides, rating
from integrita.store.repositories import audit as audit_repo
from integrita.store.repositories import risk as repo
from tests.conftest import FixedClock
from tests.services.risk.conftest import person

CN = BusinessCalendar("CN")


def test_a_rating_stores_score_band_every_contribution_and_config_version(
    ctx: Context, add_customer: Callable[..., str]
) -> None:
    add_customer("C1", pep=True, onboarding_channel="online")
    add_customer("C2")
    summary = rating.rate_all(ctx)
    assert summary.customers == 2 and summary.config_version == 1
    with ctx.db.transaction() as session:
        stored = repo.rating(session, "C1", summary.run_id)
        assert stored is not None
        assert stored.config_version == 1
        assert len(stored.contributions) == len(DEFAULT_RATING_CONFIG["factors"])
        assert sum(stored.contributions) == pytest.approx(stored.score, abs=0.05)
        assert stored.band == "high"
    breakdown = rating.rating_breakdown(ctx, "C1")
    assert breakdown is not None
    assert breakdown.factors[0].name == "pep"
    assert "politically exposed" in breakdown.factors[0].explanation
    assert rating.band_distribution(ctx) == {"low": 1, "medium": 0, "high": 1, "prohibited": 0}


def test_a_new_configuration_version_is_cited_by_later_ratings(
    ctx: Context, add_customer: Callable[..., str]
) -> None:
    add_customer("C1", occupation_or_industry="jewellery")
    first = rating.rate_all(ctx)
    weights = {**DEFAULT_RATING_CONFIG["weights"], "occupation_or_industry": 30.0}
    config = rating.set_configuration(
        ctx, {"weights": weights}, note="stress jewellery", actor="mlro"
    )
    second = rating.rate_all(ctx)
    assert (first.config_version, config.version, second.config_version) == (1, 2, 2)
    assert first.by_band == {"low": 1} and second.by_band != first.by_band


def test_counterparties_countries_and_cash_come_from_the_ledger(
    ctx: Context, add_customer: Callable[..., str]
) -> None:
    add_customer("C1")
    add_customer("C2")
    booked = datetime(2025, 2, 10, 10, tzinfo=UTC)
    rows = [
        ("t1", "AC1", "X1", "transfer", "CN", "SY", True),
        ("t2", "AC2", "CASH", "cash_withdrawal", "CN", "CN", False),
        ("t3", "X2", "AC2", "cash_deposit", "CN", "CN", False),
    ]
    open_ledger(ctx).append_table(
        pa.table(
            {
                "txn_id": [r[0] for r in rows],
                "booked_at": pa.array([booked] * 3, pa.timestamp("us", tz="UTC")),
                "channel": ["online"] * 3,
                "kind": [r[3] for r in rows],
                "from_bank": ["B0001"] * 3,
                "from_account": [r[1] for r in rows],
                "to_bank": ["B0002"] * 3,
                "to_account": [r[2] for r in rows],
                "amount_paid_minor": [100_00] * 3,
                "paid_currency": ["CNY"] * 3,
                "amount_received_minor": [100_00] * 3,
                "received_currency": ["CNY"] * 3,
                "payment_format": ["Wire"] * 3,
                "counterparty_type": ["unknown"] * 3,
                "cross_border": [r[6] for r in rows],
                "from_country": [r[4] for r in rows],
                "to_country": [r[5] for r in rows],
            }
        )
    )
    rating.rate_all(ctx)
    one, two = rating.rating_breakdown(ctx, "C1"), rating.rating_breakdown(ctx, "C2")
    assert one is not None and two is not None
    by_name = {f.name: f.contribution for f in one.factors}
    assert by_name["counterparty_countries"] > 0 and by_name["cash_intensity"] == 0
    by_name2 = {f.name: f.contribution for f in two.factors}
    assert by_name2["cash_intensity"] > 0 and by_name2["counterparty_countries"] == 0


def test_a_new_customer_is_due_for_rating_within_10_working_days_on_the_business_calendar() -> None:
    # 30 Sep 2025, then the National Day holiday (1-8 Oct) and the make-up Saturday 11 Oct.
    assert onboarding_rating_due(CN, date(2025, 9, 30), 10) == date(2025, 10, 21)
    assert onboarding_rating_due(CN, date(2025, 3, 3), 10) == date(2025, 3, 17)


def test_an_unrated_customer_becomes_overdue_after_10_working_days(
    ctx: Context, clock: FixedClock, add_customer: Callable[..., str]
) -> None:
    add_customer("NEW", onboarded_at=datetime(2025, 9, 30, 10, tzinfo=UTC))
    on_time = rating.due_for_review(ctx, on=date(2025, 10, 21))
    assert [(i.customer_id, i.reason, i.due_on, i.overdue) for i in on_time] == [
        ("NEW", "first rating", date(2025, 10, 21), False)
    ]
    assert rating.due_for_review(ctx, on=date(2025, 10, 22))[0].overdue is True


def test_a_high_risk_customer_is_reviewed_within_6_months_on_the_business_calendar(
    ctx: Context, clock: FixedClock, add_customer: Callable[..., str]
) -> None:
    # Six months after 1 Apr 2025 is National Day: the review falls due the working day before.
    assert next_review_due(CN, date(2025, 4, 1), 6) == date(2025, 9, 30)
    clock.now = datetime(2025, 4, 1, 9, tzinfo=UTC)
    add_customer("HI", pep=True)
    add_customer("LO")
    rating.rate_all(ctx)
    hi, lo = rating.rating_breakdown(ctx, "HI"), rating.rating_breakdown(ctx, "LO")
    assert hi is not None and lo is not None
    assert hi.next_review_due == date(2025, 9, 30)
    assert lo.next_review_due == next_review_due(CN, date(2025, 4, 1), 36)
    due = rating.due_for_review(ctx, on=date(2025, 9, 30))
    assert [i.customer_id for i in due] == ["HI"]
    clock.now = datetime(2025, 9, 30, 9, tzinfo=UTC)
    periodic = rating.execute(ctx, rating.plan(ctx, "due"))
    assert periodic.customers == 1 and periodic.triggers == {"periodic": 1}
    assert rating.due_for_review(ctx, on=date(2025, 9, 30)) == []


def test_a_new_str_triggers_re_rating_of_that_customer_only(
    ctx: Context, add_customer: Callable[..., str]
) -> None:
    add_customer("C1")
    add_customer("C2")
    rating.rate_all(ctx)
    assert rating.plan(ctx, "incremental").total == 0
    with ctx.db.transaction() as session:
        recorded = events.record_risk_event(session, "C1", "str", "STR-2025-0001", ctx.now())
        again = events.record_risk_event(session, "C1", "str", "STR-2025-0001", ctx.now())
    assert recorded.new and not again.new
    plan = rating.plan(ctx, "incremental")
    assert plan.customer_ids == ["C1"] and plan.triggers == {"C1": "str"}
    before = rating.rating_breakdown(ctx, "C1")
    assert before is not None and before.pending_events
    summary = rating.execute(ctx, plan)
    assert summary.customers == 1
    after = rating.rating_breakdown(ctx, "C1")
    assert after is not None
    assert (before.band, after.band, after.trigger) == ("low", "high", "str")
    assert after.pending_events == []
    assert rating.plan(ctx, "incremental").total == 0


def test_a_new_alert_or_customer_is_picked_up_by_the_incremental_run(
    ctx: Context, clock: FixedClock, add_customer: Callable[..., str]
) -> None:
    add_customer("C1")
    rating.rate_all(ctx)
    clock.advance(hours=1)
    add_customer("C2")
    with ctx.db.transaction() as session:
        alerts.raise_alert(
            session,
            at=ctx.now(),
            customer_id="C1",
            source="detection",
            typologies=["fan_in"],
            evidence={},
            evidence_txn_ids=["t1"],
        )
    assert rating.plan(ctx, "incremental").triggers == {"C1": "alert", "C2": "onboarding"}


def test_an_unknown_risk_event_kind_is_refused_with_the_field(ctx: Context) -> None:
    with ctx.db.transaction() as session, pytest.raises(InputError) as info:
        events.record_risk_event(session, "C1", "rumour", "x", ctx.now())
    assert info.value.field == "kind"


def test_an_override_needs_a_reason_and_a_second_person(
    ctx: Context, add_customer: Callable[..., str]
) -> None:
    add_customer("C1")
    rating.rate_all(ctx)
    ana, rita, ron = person("ana", "analyst"), person("rita", "reviewer"), person("ron", "reviewer")
    with pytest.raises(InputError) as short:
        overrides.request_override(ctx, "C1", "high", "hunch", actor=ana)
    assert short.value.field == "reason"
    asked = overrides.request_override(ctx, "C1", "high", "adverse media on the owner", actor=ana)
    with pytest.raises(PermissionDeniedError):
        overrides.decide_override(ctx, asked.id, True, "", actor=person("ali", "analyst"))
    with pytest.raises(StateTransitionError, match="separation of duties"):
        overrides.decide_override(
            ctx, asked.id, True, "", actor=person("ana", "analyst", "reviewer")
        )
    breakdown = rating.rating_breakdown(ctx, "C1")
    assert breakdown is not None and breakdown.effective_band == "low"
    overrides.decide_override(ctx, asked.id, True, "agreed", actor=rita)
    breakdown = rating.rating_breakdown(ctx, "C1")
    assert breakdown is not None
    assert (breakdown.band, breakdown.effective_band) == ("low", "high")
    assert rating.band_distribution(ctx)["high"] == 1
    with pytest.raises(StateTransitionError):
        overrides.decide_override(ctx, asked.id, False, "changed my mind", actor=ron)
    with ctx.db.transaction() as session:
        actions = [e.action for e in audit_repo.iter_events(session)]
    assert actions.count("risk_override.request") == 1
    assert actions.count("risk_override.approve") == 1


def test_an_approved_override_survives_a_full_run_but_not_new_facts(
    ctx: Context, add_customer: Callable[..., str]
) -> None:
    add_customer("C1")
    rating.rate_all(ctx)
    asked = overrides.request_override(
        ctx, "C1", "medium", "cash business not reflected in data", actor=person("ana", "analyst")
    )
    overrides.decide_override(ctx, asked.id, True, "", actor=person("mo", "mlro"))
    rating.rate_all(ctx)
    kept = rating.rating_breakdown(ctx, "C1")
    assert kept is not None and kept.effective_band == "medium"
    with ctx.db.transaction() as session:
        events.record_risk_event(session, "C1", "key_data_change", "address", ctx.now())
    rating.rate_incremental(ctx)
    cleared = rating.rating_breakdown(ctx, "C1")
    assert cleared is not None and cleared.override_band is None and cleared.effective_band == "low"


def test_a_rating_run_writes_one_audit_event(
    ctx: Context, add_customer: Callable[..., str]
) -> None:
    for i in range(5):
        add_customer(f"C{i}")
    rating.rate_all(ctx)
    with ctx.db.transaction() as session:
        actions = [e.action for e in audit_repo.iter_events(session)]
    assert actions.count("risk.rating_run") == 1


def test_other_bands_follow_the_configured_review_cycle(
    ctx: Context, clock: FixedClock, add_customer: Callable[..., str]
) -> None:
    add_customer("LO")
    months = {**DEFAULT_RATING_CONFIG["review_months"], "low": 12}
    rating.set_configuration(ctx, {"review_months": months}, note="yearly for low", actor="mlro")
    rating.rate_all(ctx)
    low = rating.rating_breakdown(ctx, "LO")
    assert low is not None
    assert low.next_review_due == next_review_due(CN, date(2025, 3, 3), 12) == date(2026, 3, 3)


def test_a_change_of_key_data_triggers_re_rating(
    ctx: Context, add_customer: Callable[..., str]
) -> None:
    add_customer("C1")
    rating.rate_all(ctx)
    before = rating.rating_breakdown(ctx, "C1")
    add_customer("C1", residence_country="SY")  # the customer moved
    with ctx.db.transaction() as session:
        events.record_risk_event(session, "C1", "key_data_change", "residence_country", ctx.now())
    plan = rating.plan(ctx, "incremental")
    assert plan.triggers == {"C1": "key_data_change"}
    rating.execute(ctx, plan)
    after = rating.rating_breakdown(ctx, "C1")
    assert before is not None and after is not None and after.trigger == "key_data_change"
    assert after.score > before.score
    assert {f.name: f.contribution for f in after.factors}["residence"] > 0


def test_a_whole_book_run_refreshes_postgresql_planner_statistics(
    ctx: Context, add_customer: Callable[..., str]
) -> None:
    from sqlalchemy import text

    add_customer("C1")
    add_customer("C2")
    rating.rate_all(ctx)
    if ctx.db.is_sqlite:  # SQLite plans without statistics; the run must simply work
        assert sum(rating.band_distribution(ctx).values()) == 2
        return
    with ctx.db.engine.connect() as connection:
        reltuples = connection.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'risk_ratings'")
        ).scalar_one()
    assert reltuples >= 2  # -1 until the table is first analysed


def test_a_review_date_counts_from_the_banks_date_of_the_rating(
    ctx: Context, clock: FixedClock, add_customer: Callable[..., str]
) -> None:
    # 30 Apr 16:30 UTC is 1 May 00:30 in Shanghai: six months on is Saturday 1 Nov, so the
    # review is due Friday 31 Oct (from the UTC date it would be Thursday 30 Oct).
    clock.now = datetime(2025, 4, 30, 16, 30, tzinfo=UTC)
    add_customer("HI", pep=True)
    rating.rate_all(ctx)
    hi = rating.rating_breakdown(ctx, "HI")
    assert hi is not None
    assert hi.next_review_due == date(2025, 10, 31)
