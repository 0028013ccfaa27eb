"""Business context: evidence that what an account is explains raises no alert on its own."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from integrita.analytics.engine import ScanRange, open_engine
from integrita.detection.context import MERCHANT_MIN_PAYERS, business_accounts_sql
from integrita.detection.entity_alerts import group_alerts, split_at_budget, thirty_day_period
from integrita.detection.matches import Match
from tests.detection.builder import T0, LedgerBuilder, fx


def _business(b: LedgerBuilder, root: Path, before_ts: int | None = None) -> set[str]:
    scan = ScanRange(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    eng = open_engine("duckdb", b.write(root), scan, fx())
    try:
        eng.register("owners", b.owners_table())
        return set(eng.query(business_accounts_sql(before_ts)).column("account").to_pylist())
    finally:
        eng.close()


def test_organisations_merchants_and_payroll_employers_are_recognised_as_businesses(
    tmp_path: Path,
) -> None:
    b = LedgerBuilder()
    b.own("firm", "C-firm", "organisation")
    b.own("alice", "C-alice")
    b.pay("firm", "alice", 20_000)
    for i in range(MERCHANT_MIN_PAYERS):  # a shop: paid by many different people
        b.pay(f"shopper{i}", "shop", 80 + i, hours=i / 10)
    b.pay("employer", "alice", 9_000, kind="salary")  # another bank's payroll account
    for i in range(MERCHANT_MIN_PAYERS - 1):  # a mule's fan-in: fewer senders than a shop
        b.pay(f"feeder{i}", "mule", 9_000, hours=i / 10)
    assert _business(b, tmp_path) == {"firm", "shop", "employer"}


def test_a_business_is_recognised_from_the_past_only(tmp_path: Path) -> None:
    b = LedgerBuilder()
    for i in range(MERCHANT_MIN_PAYERS):
        b.pay(f"shopper{i}", "shop", 80, days=i)
    assert "shop" in _business(b, tmp_path / "all")
    # a day into its history the shop had one payer: not yet recognisable
    assert "shop" not in _business(b, tmp_path / "day1", before_ts=int(T0.timestamp()) + 86400)


def _stack(accounts: set[str], txn: str = "t1") -> Match:
    return Match("stack", f"m-{txn}", accounts, {txn}, last_ts=0, amount_cny_minor=10**7)


def test_path_evidence_entirely_on_businesses_is_kept_below_the_line() -> None:
    trade = _stack({"firm", "supplier"})
    alerts = group_alerts(
        [trade],
        owner_of={"firm": "C-firm"}.get,
        period_of=thirty_day_period,
        score_of={"t1": 0.2},
        business={"firm", "supplier"},
        corroborating_score=0.5,
    )
    assert [(a.entity, a.explained) for a in alerts] == [("C-firm", True)]
    above, below = split_at_budget(alerts, None)
    assert above == [] and below == alerts


def test_the_model_or_a_person_in_the_path_corroborates_business_evidence() -> None:
    owner = {"firm": "C-firm", "firm2": "C-firm2", "firm3": "C-firm3"}.get
    scored_high = _stack({"firm", "supplier"}, "t1")
    through_a_person = _stack({"firm2", "mule"}, "t2")
    structuring = Match("structuring", "m3", {"firm3"}, {"t3"}, last_ts=0)
    alerts = group_alerts(
        [scored_high, through_a_person, structuring],
        owner_of=owner,
        period_of=thirty_day_period,
        score_of={"t1": 0.7, "t2": 0.1, "t3": 0.1},
        business={"firm", "firm2", "firm3", "supplier"},
        corroborating_score=0.5,
    )
    assert {a.entity: a.explained for a in alerts} == {
        "C-firm": False,  # the model's score reaches its threshold
        "C-firm2": False,  # the path runs through a person's account
        "C-firm3": False,  # structuring is not what a business explains
    }
