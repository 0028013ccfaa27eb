"""The re-derived typologies find their shapes with drifting amounts and hops days apart, and
stay silent on the ordinary business shapes that look like them."""

from __future__ import annotations

from pathlib import Path

from tests.detection.builder import LedgerBuilder, run


def _company(b: LedgerBuilder, account: str) -> None:
    b.own(account, f"C-{account}", "organisation")


def test_wages_spent_at_the_same_company_are_no_stack_or_scatter_gather(tmp_path: Path) -> None:
    b = LedgerBuilder()
    _company(b, "employer")
    _company(b, "landlord")
    for i in range(4):
        b.pay("employer", f"worker{i}", 9_000 + 250 * i, days=i * 0.2)
        b.pay(f"worker{i}", "landlord", 8_700 + 250 * i, days=3 + i)
    assert run(b, tmp_path / "stack", "stack") == []
    assert run(b, tmp_path / "sg", "scatter_gather") == []


def test_the_same_chain_between_people_is_scatter_gather(tmp_path: Path) -> None:
    b = LedgerBuilder()
    for i in range(4):
        b.pay("boss", f"sg-m{i}", 9_000 + 250 * i, days=i * 0.2)
        b.pay(f"sg-m{i}", "collector", (9_000 + 250 * i) * 0.95, days=3 + i)
    (match,) = run(b, tmp_path / "ledger", "scatter_gather")
    assert match.accounts == {"boss", "collector"} | {f"sg-m{i}" for i in range(4)}


def test_scatter_gather_needs_the_money_passed_on_not_any_payment(tmp_path: Path) -> None:
    b = LedgerBuilder()
    for i in range(3):
        b.pay("src", f"m{i}", 20_000, days=i)
        b.pay(f"m{i}", "dst", 2_000, days=3 + i)  # a tenth of it: the rest stayed
    assert run(b, tmp_path / "ledger", "scatter_gather") == []


def test_a_shop_passing_on_its_takings_is_no_rapid_pass_through(tmp_path: Path) -> None:
    b = LedgerBuilder()
    _company(b, "shop")
    b.pay("customer", "shop", 200_000)
    b.pay("shop", "supplier", 195_000, hours=30)
    assert run(b, tmp_path / "ledger", "rapid_pass_through") == []


def test_a_salary_moved_on_or_spent_is_no_rapid_pass_through(tmp_path: Path) -> None:
    b = LedgerBuilder()
    b.pay("employer", "clerk", 20_000, kind="salary")
    b.pay("clerk", "clerk-savings-elsewhere", 19_000, hours=5)
    b.pay("refunder", "buyer", 30_000)
    b.pay("buyer", "mall", 29_500, hours=10, kind="card_payment")
    assert run(b, tmp_path / "ledger", "rapid_pass_through") == []


def test_a_loan_and_its_repayment_are_no_cycle(tmp_path: Path) -> None:
    b = LedgerBuilder()
    b.pay("lender", "friend", 50_000)
    b.pay("friend", "lender", 50_000, days=6)
    assert run(b, tmp_path / "ledger", "cycle") == []


def test_trade_that_goes_round_from_a_company_is_no_cycle(tmp_path: Path) -> None:
    b = LedgerBuilder()
    _company(b, "maker")
    b.pay("maker", "agent", 100_000)
    b.pay("agent", "dealer", 98_000, days=2)
    b.pay("dealer", "maker", 97_000, days=5)
    assert run(b, tmp_path / "ledger", "cycle") == []


def test_cycle_whose_amount_grows_on_the_way_is_not_round_tripping(tmp_path: Path) -> None:
    b = LedgerBuilder()
    b.pay("a", "b", 50_000)
    b.pay("b", "c", 60_000, days=2)
    b.pay("c", "a", 61_000, days=5)
    assert run(b, tmp_path / "ledger", "cycle") == []


def test_cycle_with_hops_a_fortnight_apart_is_found(tmp_path: Path) -> None:
    b = LedgerBuilder()
    b.pay("a", "b", 80_000)
    b.pay("b", "c", 76_500, days=7)
    b.pay("c", "d", 74_000, days=13)
    b.pay("d", "a", 70_100, days=19)
    (match,) = run(b, tmp_path / "ledger", "cycle")
    assert match.accounts == {"a", "b", "c", "d"}


def test_two_people_paying_the_same_two_shops_are_no_bipartite(tmp_path: Path) -> None:
    b = LedgerBuilder()
    _company(b, "grocer")
    _company(b, "chemist")
    for i in range(3):
        b.pay(f"buyer{i}", "grocer", 2_000, days=i)
        b.pay(f"buyer{i}", "chemist", 1_500, days=i + 1)
    assert run(b, tmp_path / "ledger", "bipartite") == []


def test_bipartite_web_of_three_by_three_is_one_match(tmp_path: Path) -> None:
    b = LedgerBuilder()
    for i in range(3):
        for j in range(3):
            b.pay(f"s{i}", f"r{j}", 3_000 + 1_100 * i + 700 * j, days=i * 2 + j * 0.5)
    (match,) = run(b, tmp_path / "ledger", "bipartite")
    assert match.accounts == {f"s{i}" for i in range(3)} | {f"r{j}" for j in range(3)}


def test_another_banks_account_first_seen_late_is_not_dormant(tmp_path: Path) -> None:
    b = LedgerBuilder()
    b.own("ours", "C1")
    for week in range(15):  # our customer is active all along
        b.pay("ours", "elsewhere", 100, days=-100 + 7 * week)
    for i in range(3):  # "elsewhere2" is not ours: its silence is only silence towards us
        b.pay("ours", "elsewhere2", 30_000, days=-10 + i)
    b.pay("elsewhere2", "ours", 60_000, days=-5)
    assert run(b, tmp_path / "ledger", "dormant_awakening") == []


def test_a_dormant_account_that_only_receives_is_not_laundering_through_it(
    tmp_path: Path,
) -> None:
    b = LedgerBuilder()
    b.own("pension", "C1")
    b.pay("pension", "x", 100, days=-300)
    for i in range(3):
        b.pay("state", "pension", 30_000, days=-100 + i)
    assert run(b, tmp_path / "ledger", "dormant_awakening") == []


def test_an_account_silent_since_the_data_began_wakes_up(tmp_path: Path) -> None:
    b = LedgerBuilder()
    b.own("sleeper", "C1")
    b.pay("someone", "anyone", 100, days=-90)  # the data begin here
    for i in range(3):
        b.pay(f"payer{i}", "sleeper", 25_000, days=-40 + i)
    b.pay("sleeper", "away", 72_000, days=-36)
    (match,) = run(b, tmp_path / "ledger", "dormant_awakening")
    assert match.accounts == {"sleeper"}


def test_a_companys_big_week_is_no_behaviour_change(tmp_path: Path) -> None:
    b = LedgerBuilder()
    _company(b, "firm")
    for week in range(1, 9):
        b.pay("firm", "utility", 5_000, days=-7 * week)
    b.pay("firm", "contractor", 250_000, hours=1)
    assert run(b, tmp_path / "ledger", "behaviour_change") == []
