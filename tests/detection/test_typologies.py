"""Each typology fires on its hand-built pattern and stays silent on the near miss."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from integrita.detection.catalogue import detectors
from tests.detection.builder import T0, LedgerBuilder, run
from tests.detection.scenarios import SCENARIOS


def test_every_registered_typology_has_a_scenario_and_an_explanation() -> None:
    names = {d.name for d in detectors()}
    assert names == set(SCENARIOS)
    assert all(len(d.explanation) > 60 for d in detectors())


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_typology_fires_on_its_pattern_with_the_transactions_as_evidence(
    name: str, tmp_path: Path
) -> None:
    b = LedgerBuilder()
    SCENARIOS[name](b, True, name[:2])
    matches = run(b, tmp_path / "ledger", name)
    assert len(matches) == 1, matches
    match = matches[0]
    assert match.typology == name
    all_ids = {str(r["txn_id"]) for r in b.rows}
    assert match.txn_ids <= all_ids and len(match.txn_ids) >= 1
    assert all(a.startswith(name[:2]) for a in match.accounts)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_typology_stays_silent_on_the_near_miss(name: str, tmp_path: Path) -> None:
    b = LedgerBuilder()
    SCENARIOS[name](b, False, name[:2])
    assert run(b, tmp_path / "ledger", name) == []


def test_cycle_evidence_is_every_hop_and_every_account(tmp_path: Path) -> None:
    b = LedgerBuilder()
    SCENARIOS["cycle"](b, True, "cy")
    (match,) = run(b, tmp_path / "ledger", "cycle")
    assert match.accounts == {"cy-a", "cy-b", "cy-c", "cy-d"}
    assert len(match.txn_ids) == 4


def test_cycle_longer_than_the_configured_hops_is_not_reported(tmp_path: Path) -> None:
    b = LedgerBuilder()
    SCENARIOS["cycle"](b, True, "cy")
    assert run(b, tmp_path / "ledger", "cycle", max_hops=3) == []


def test_structuring_counts_deposits_of_one_customer_across_accounts(tmp_path: Path) -> None:
    b = LedgerBuilder()
    SCENARIOS["structuring"](b, True, "sr")
    (match,) = run(b, tmp_path / "ledger", "structuring")
    assert match.accounts == {"sr-acc1", "sr-acc2"}
    assert len(match.txn_ids) == 3


def test_high_risk_country_list_is_configurable(tmp_path: Path) -> None:
    b = LedgerBuilder()
    SCENARIOS["high_risk_geography"](b, False, "hg")
    (match,) = run(b, tmp_path / "ledger", "high_risk_geography", countries=("HK",))
    assert match.accounts == {"hg-acc"}


def test_foreign_currency_is_valued_in_cny_before_thresholds(tmp_path: Path) -> None:
    b = LedgerBuilder()
    # USD 30,000 in, USD 29,000 out: far above the RMB 10,000 minimum once converted.
    b.pay("rp-payer", "rp-mule", 30_000, currency="USD")
    b.pay("rp-mule", "rp-out", 29_000, currency="USD", hours=5)
    (match,) = run(b, tmp_path / "ledger", "rapid_pass_through")
    # the one FX table (the real-time engine's too): USD 7.1884 from 2025-01-01
    assert match.amount_cny_minor == (30_000 + 29_000) * 71884 // 100


def _bucket_start(seconds: int) -> datetime:
    """The start of a time bucket ``seconds`` wide, like the detectors' ``_bucket``."""
    epoch = int(T0.timestamp()) // seconds * seconds + seconds
    return datetime.fromtimestamp(epoch, UTC)


def test_pass_through_across_a_time_bucket_boundary_still_fires(tmp_path: Path) -> None:
    # the inflow lands a minute before a 48-hour bucket ends, the outflow in the next bucket
    start = _bucket_start(48 * 3600) - timedelta(minutes=1)
    b = LedgerBuilder()
    b.pay("rp-payer", "rp-mule", 200_000, at=start)
    b.pay("rp-mule", "rp-out", 190_000, at=start, hours=47)
    (match,) = run(b, tmp_path / "ledger", "rapid_pass_through")
    assert len(match.txn_ids) == 2


def test_cycle_across_a_time_bucket_boundary_still_fires(tmp_path: Path) -> None:
    start = _bucket_start(10 * 86400) - timedelta(minutes=1)
    b = LedgerBuilder()
    for i, (src, dst) in enumerate([("cy-a", "cy-b"), ("cy-b", "cy-c"), ("cy-c", "cy-a")]):
        b.pay(src, dst, 10_000 - 100 * i, at=start, days=4 * i)
    (match,) = run(b, tmp_path / "ledger", "cycle")
    assert match.accounts == {"cy-a", "cy-b", "cy-c"}


def test_stack_through_a_layer_wider_than_the_limit_is_not_layering(tmp_path: Path) -> None:
    b = LedgerBuilder()
    for i in range(3):
        b.pay("st-src", f"st-m{i}", 50_000, days=i)
        b.pay(f"st-m{i}", "st-dst", 48_000 - 900 * i, days=4 + i)
    assert len(run(b, tmp_path / "a", "stack")) == 1
    assert run(b, tmp_path / "b", "stack", max_layer_width=2) == []


def test_two_layerings_sharing_one_intermediary_but_no_payment_stay_two_matches(
    tmp_path: Path,
) -> None:
    b = LedgerBuilder()
    for scheme, middle in (("a", ("m0", "m1")), ("b", ("m0", "m2"))):
        for i, m in enumerate(middle):
            b.pay(f"st-{scheme}-src", f"st-{m}", 50_000, days=i)
            b.pay(f"st-{m}", f"st-{scheme}-dst", 48_000, days=3 + i)
    matches = run(b, tmp_path / "ledger", "stack")
    assert sorted(m.match_id for m in matches) == [
        "stack:st-a-src>st-a-dst",
        "stack:st-b-src>st-b-dst",
    ]


def test_a_layer_that_splits_and_merges_is_one_stack(tmp_path: Path) -> None:
    b = LedgerBuilder()
    SCENARIOS["stack"](b, True, "st")
    (match,) = run(b, tmp_path / "ledger", "stack")
    assert match.accounts == {"st-s0", "st-s1", "st-m0", "st-m1", "st-r0", "st-r1"}
    assert len(match.txn_ids) == len(b.rows)


def test_a_layer_that_keeps_most_of_the_money_is_no_stack(tmp_path: Path) -> None:
    b = LedgerBuilder()
    for i in range(2):
        b.pay("st-src", f"st-m{i}", 50_000, days=i)
        b.pay(f"st-m{i}", "st-dst", 48_000 if i == 0 else 20_000, days=3 + i)
    assert len(run(b, tmp_path / "a", "stack")) == 0  # st-m1 kept 60 %: a layer of one
    assert len(run(b, tmp_path / "b", "stack", amount_tolerance_pct=70)) == 1


def test_the_registry_does_not_import_the_typologies_back() -> None:
    """registry ← typologies ← catalogue: importing the registry alone registers nothing."""
    import subprocess
    import sys

    code = (
        "import sys, integrita.detection.registry as r; "
        "assert 'integrita.detection.typologies' not in sys.modules and not r.REGISTRY; "
        "import integrita.detection.catalogue as c; assert len(c.detectors()) == len(r.REGISTRY) > 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_busy_week_that_is_ordinary_for_the_peer_group_is_no_behaviour_change(
    tmp_path: Path,
) -> None:
    b = LedgerBuilder()
    SCENARIOS["behaviour_change"](b, True, "bc")  # a quiet account's RMB 250,000 week
    # its peers (same segment) move that much every week: the week is ordinary for its kind
    for i in range(6):
        b.own(f"peer{i}", f"P{i}", "individual")
        for week in range(0, 9):
            b.pay(f"peer{i}", f"shop{i}", 300_000, days=-7 * week)
    b.own("bc-acc", "C-bc", "individual")
    assert run(b, tmp_path / "peers", "behaviour_change") == []
    alone = LedgerBuilder()
    SCENARIOS["behaviour_change"](alone, True, "bc")
    alone.own("bc-acc", "C-bc", "individual")
    assert [m.accounts for m in run(alone, tmp_path / "alone", "behaviour_change")] == [{"bc-acc"}]
