"""Hand-built patterns, each in a firing and a near-miss variant, on their own accounts.

Every scenario takes a :class:`LedgerBuilder`, a flag (fire or near miss) and an
account prefix, so the engine-parity test can put all of them into one ledger.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.detection.builder import LedgerBuilder


def fan_in(b: LedgerBuilder, fire: bool, p: str = "fi") -> None:
    for i in range(5 if fire else 4):
        b.pay(f"{p}-s{i}", f"{p}-hub", 3000, hours=6 * i)


def fan_out(b: LedgerBuilder, fire: bool, p: str = "fo") -> None:
    for i in range(5):
        # the near miss spreads the same five payments over nine days
        b.pay(f"{p}-hub", f"{p}-r{i}", 3000, hours=6 * i if fire else 48 * i)


def cycle(b: LedgerBuilder, fire: bool, p: str = "cy") -> None:
    b.pay(f"{p}-a", f"{p}-b", 100_000, hours=0)
    b.pay(f"{p}-b", f"{p}-c", 97_000, hours=5)
    b.pay(f"{p}-c", f"{p}-d", 95_000, hours=20)
    b.pay(f"{p}-d", f"{p}-a", 93_000 if fire else 40_000, days=2)


def scatter_gather(b: LedgerBuilder, fire: bool, p: str = "sg") -> None:
    for i in range(3 if fire else 2):
        b.pay(f"{p}-src", f"{p}-m{i}", 20_000, hours=i)
        b.pay(f"{p}-m{i}", f"{p}-dst", 19_000, hours=10 + i)


def gather_scatter(b: LedgerBuilder, fire: bool, p: str = "gs") -> None:
    for i in range(4):
        b.pay(f"{p}-s{i}", f"{p}-hub", 10_000, hours=i)
        b.pay(f"{p}-hub", f"{p}-r{i}", 9_500, hours=30 + i if fire else 24 * 12 + i)


def bipartite(b: LedgerBuilder, fire: bool, p: str = "bp") -> None:
    for i in range(3):
        b.pay(f"{p}-s{i}", f"{p}-t0", 5_000, hours=i)
        if fire or i < 2:
            b.pay(f"{p}-s{i}", f"{p}-t1", 5_000, hours=i + 1)


def stack(b: LedgerBuilder, fire: bool, p: str = "st") -> None:
    second = ("n0", "n1") if fire else ("n0", "n0")
    for i, n in enumerate(second):
        b.pay(f"{p}-src", f"{p}-m{i}", 50_000, hours=i)
        b.pay(f"{p}-m{i}", f"{p}-{n}", 48_000, hours=5 + i)
        b.pay(f"{p}-{n}", f"{p}-dst", 46_000, hours=10 + i)


def structuring(b: LedgerBuilder, fire: bool, p: str = "sr") -> None:
    b.own(f"{p}-acc1", f"{p}-cust")
    b.own(f"{p}-acc2", f"{p}-cust")
    b.pay("CASH", f"{p}-acc1", 45_000, kind="cash_deposit", hours=0)
    b.pay("CASH", f"{p}-acc2", 48_000, kind="cash_deposit", hours=26)
    b.pay("CASH", f"{p}-acc1", 49_500 if fire else 50_000, kind="cash_deposit", hours=50)


def rapid_pass_through(b: LedgerBuilder, fire: bool, p: str = "rp") -> None:
    b.pay(f"{p}-payer", f"{p}-mule", 200_000, hours=0)
    b.pay(f"{p}-mule", f"{p}-out", 190_000, hours=20 if fire else 72)


def dormant_awakening(b: LedgerBuilder, fire: bool, p: str = "dm") -> None:
    b.pay(f"{p}-acc", f"{p}-x", 100, days=-400)
    wake = -400 + (200 if fire else 100)
    for i in range(3):
        b.pay(f"{p}-y{i}", f"{p}-acc", 30_000, days=wake + i)


def high_risk_geography(b: LedgerBuilder, fire: bool, p: str = "hg") -> None:
    b.pay(f"{p}-acc", f"{p}-foreign", 8_000, cross_border=True, to_country="IR" if fire else "HK")


def behaviour_change(b: LedgerBuilder, fire: bool, p: str = "bc") -> None:
    for week in range(1, 9):
        b.pay(f"{p}-acc", f"{p}-landlord", 5_000, days=-7 * week)
    b.pay(f"{p}-acc", f"{p}-new", 250_000 if fire else 20_000, hours=1)


SCENARIOS: dict[str, Callable[[LedgerBuilder, bool, str], None]] = {
    "fan_in": fan_in,
    "fan_out": fan_out,
    "cycle": cycle,
    "scatter_gather": scatter_gather,
    "gather_scatter": gather_scatter,
    "bipartite": bipartite,
    "stack": stack,
    "structuring": structuring,
    "rapid_pass_through": rapid_pass_through,
    "dormant_awakening": dormant_awakening,
    "high_risk_geography": high_risk_geography,
    "behaviour_change": behaviour_change,
}
