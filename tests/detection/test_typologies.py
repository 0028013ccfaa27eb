"""Each typology fires on its hand-built pattern and stays silent on the near miss."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrita.detection.registry import detectors
from tests.detection.builder import LedgerBuilder, run
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
    assert match.amount_cny_minor == (30_000 + 29_000) * 710
