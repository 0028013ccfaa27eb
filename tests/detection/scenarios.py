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
    # hops days apart, each losing a fee; the near miss comes back with under half the money
    b.pay(f"{p}-a", f"{p}-b", 100_000, hours=0)
    b.pay(f"{p}-b", f"{p}-c", 97_300, days=1.5)
    b.pay(f"{p}-c", f"{p}-d", 94_800, days=4)
    b.pay(f"{p}-d", f"{p}-a", 91_200 if fire else 40_000, days=9)


def scatter_gather(b: LedgerBuilder, fire: bool, p: str = "sg") -> None:
    # each intermediary passes on what it got less a 3 % cut, split in two payments, days later
    for i in range(3 if fire else 2):
        b.pay(f"{p}-src", f"{p}-m{i}", 20_000 + 1_500 * i, days=i)
        b.pay(f"{p}-m{i}", f"{p}-dst", 12_000, days=3 + i)
        b.pay(f"{p}-m{i}", f"{p}-dst", (20_000 + 1_500 * i) * 0.97 - 12_000, days=4.5 + i)


def gather_scatter(b: LedgerBuilder, fire: bool, p: str = "gs") -> None:
    for i in range(4):
        b.pay(f"{p}-s{i}", f"{p}-hub", 10_000, hours=i)
        b.pay(f"{p}-hub", f"{p}-r{i}", 9_500, hours=30 + i if fire else 24 * 12 + i)


def bipartite(b: LedgerBuilder, fire: bool, p: str = "bp") -> None:
    # two senders pay the same two receivers in unrelated amounts over ten days; in the near
    # miss the second sender's payments come a month after the first's
    for i, yuan in enumerate((4_800, 7_300)):
        start = 3 * i if fire else 30 * i
        b.pay(f"{p}-s{i}", f"{p}-t0", yuan, days=start)
        b.pay(f"{p}-s{i}", f"{p}-t1", yuan * 1.4, days=start + 6)


def stack(b: LedgerBuilder, fire: bool, p: str = "st") -> None:
    # a first layer of two pays a middle layer (two accounts; one in the near miss), which
    # splits and merges what it got and passes it on to the last layer days later
    middle = ("m0", "m1") if fire else ("m0",)
    for i, m in enumerate(middle):
        for j in range(2):
            b.pay(f"{p}-s{j}", f"{p}-{m}", 30_000 + 7_000 * j, days=i + j)
        b.pay(f"{p}-{m}", f"{p}-r0", 41_000, days=3 + i)
        b.pay(f"{p}-{m}", f"{p}-r1", 24_500, days=5 + i)


def structuring(b: LedgerBuilder, fire: bool, p: str = "sr") -> None:
    b.own(f"{p}-acc1", f"{p}-cust")
    b.own(f"{p}-acc2", f"{p}-cust")
    b.pay("CASH", f"{p}-acc1", 45_000, kind="cash_deposit", hours=0)
    b.pay("CASH", f"{p}-acc2", 48_000, kind="cash_deposit", hours=26)
    b.pay("CASH", f"{p}-acc1", 49_500 if fire else 50_000, kind="cash_deposit", hours=50)


def rapid_pass_through(b: LedgerBuilder, fire: bool, p: str = "rp") -> None:
    # passed on in two payments over two days (the near miss keeps it four days)
    b.pay(f"{p}-payer", f"{p}-mule", 200_000, hours=0)
    b.pay(f"{p}-mule", f"{p}-out0", 120_000, hours=20 if fire else 100)
    b.pay(f"{p}-mule", f"{p}-out1", 70_000, hours=50 if fire else 110)


def dormant_awakening(b: LedgerBuilder, fire: bool, p: str = "dm") -> None:
    # silent for 200 days (20 in the near miss), then money in and straight out again
    b.own(f"{p}-acc", f"{p}-cust")
    b.pay(f"{p}-acc", f"{p}-x", 100, days=-400)
    wake = -400 + (200 if fire else 20)
    for i in range(3):
        b.pay(f"{p}-y{i}", f"{p}-acc", 30_000, days=wake + i)
    b.pay(f"{p}-acc", f"{p}-z", 85_000, days=wake + 4)


def high_risk_geography(b: LedgerBuilder, fire: bool, p: str = "hg") -> None:
    b.pay(f"{p}-acc", f"{p}-foreign", 8_000, cross_border=True, to_country="IR" if fire else "HK")


def behaviour_change(b: LedgerBuilder, fire: bool, p: str = "bc") -> None:
    b.own(f"{p}-acc", f"{p}-cust")
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
