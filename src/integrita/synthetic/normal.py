"""Ordinary banking: salaries, pensions, rent, bills, card spending, transfers, cash, investing,
remittances and company payments.

Monthly obligations (salary, pension, rent, bills) happen once a month on a
fixed day per customer. Everything else is a Poisson stream per account whose
intensity varies between customers (a heavy-tailed activity level) and between
days (the :class:`~integrita.synthetic.clock.Clock`'s weekly and payday rhythm).
Amounts are log-normal, so a few are very large; person-to-person transfers are
often round numbers. The Poisson streams are scaled together to reach the
bank's target volume; the monthly ones are not, so the rhythm survives scaling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from integrita.synthetic import world
from integrita.synthetic.batch import (
    CHANNELS,
    COUNTERPARTY_TYPES,
    FORMATS,
    KINDS,
    PURPOSES,
    TransactionBatch,
    choose_codes,
    code,
)
from integrita.synthetic.clock import (
    OFFICE_HOURS,
    PAYROLL_HOURS,
    PERSONAL_HOURS,
    SHOPPING_HOURS,
    Clock,
)
from integrita.synthetic.population import MERCHANT_MEDIANS, SEGMENTS, Population

Int64 = npt.NDArray[np.int64]
Float = npt.NDArray[np.float64]
RngFor = Callable[[str], np.random.Generator]

OWN = code(COUNTERPARTY_TYPES, "own_account")
PERSONAL = code(COUNTERPARTY_TYPES, "third_party_personal")
CORPORATE = code(COUNTERPARTY_TYPES, "third_party_corporate")


def lognormal_minor(
    rng: np.random.Generator, n: int, median_yuan: float | Float, sigma: float, round_to: int = 0
) -> Int64:
    """Log-normal amounts in CNY minor units; ``round_to`` yuan rounds them (0 keeps the fen)."""
    yuan = np.minimum(median_yuan * rng.lognormal(0.0, sigma, n), 5e7)
    if round_to:
        whole = np.maximum(np.rint(yuan / round_to) * round_to, round_to)
        return np.asarray(whole, dtype=np.int64) * 100
    return np.asarray(np.maximum(np.rint(yuan * 100), 100), dtype=np.int64)


def mostly_round(rng: np.random.Generator, minor: Int64, share: float, unit_yuan: int) -> Int64:
    """Round a ``share`` of amounts to ``unit_yuan`` (people send 500 or 2,000, not 517.23)."""
    unit = unit_yuan * 100
    rounded = np.maximum(np.rint(minor / unit), 1).astype(np.int64) * unit
    whole = np.maximum(np.rint(minor / 100), 1).astype(np.int64) * 100
    return np.where(rng.random(minor.size) < share, rounded, whole)


def _heterogeneity(rng: np.random.Generator, n: int, sigma: float = 0.7) -> Float:
    level = rng.lognormal(0.0, sigma, n)
    return np.asarray(level / level.mean(), dtype=np.float64)


def _zipf_cdf(n: int, exponent: float = 1.1) -> Float:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return np.asarray(np.cumsum(weights) / weights.sum(), dtype=np.float64)


def _pick(rng: np.random.Generator, pool: Int64, n: int, cdf: Float | None = None) -> Int64:
    if cdf is None:
        index = rng.integers(0, pool.size, n)
    else:
        index = np.minimum(np.searchsorted(cdf, rng.random(n)), pool.size - 1)
    return np.asarray(pool[index], dtype=np.int64)


@dataclass(slots=True)
class PoissonStream:
    """A stream of events per actor: base daily rates and how to turn events into transactions."""

    name: str
    actors: Int64  # customer indices
    rates: Float
    day_weights: Float
    build: Callable[[np.random.Generator, Int64, Int64], TransactionBatch]


class NormalTraffic:
    """Builds ordinary traffic for a population over a clock."""

    def __init__(self, pop: Population, clock: Clock) -> None:
        self.pop = pop
        self.clock = clock
        self.parties = pop.parties
        seg = pop.segment
        self.individuals = np.flatnonzero(~pop.is_org & pop.usable)
        self.orgs = np.flatnonzero(pop.is_org & pop.usable)
        self.elderly = np.flatnonzero(pop.usable & (seg == SEGMENTS.index("elderly")))
        active = pop.account_active
        self.savings = np.where(
            (pop.savings >= 0) & active[np.maximum(pop.savings, 0)], pop.savings, -1
        )
        self.card = np.where((pop.card >= 0) & active[np.maximum(pop.card, 0)], pop.card, -1)
        self.securities = np.where(
            (pop.securities >= 0) & active[np.maximum(pop.securities, 0)], pop.securities, -1
        )
        wealth = np.ones(seg.size)
        wealth[seg == SEGMENTS.index("private_banking")] = 4.0
        wealth[seg == SEGMENTS.index("student")] = 0.4
        wealth[seg == SEGMENTS.index("elderly")] = 0.7
        wealth[seg == SEGMENTS.index("corporate")] = 4.0
        self.wealth = wealth

    # -- monthly obligations --------------------------------------------------------------------
    def monthly(self, rng_for: RngFor) -> list[TransactionBatch]:
        return [self._salaries(rng_for("salary")), self._pensions(rng_for("pension")),
                self._rent(rng_for("rent")), self._bills(rng_for("bills"))]  # fmt: skip

    def _salaries(self, rng: np.random.Generator) -> TransactionBatch:
        pop, clock = self.pop, self.clock
        seg = pop.segment[self.individuals]
        employed = self.individuals[
            np.isin(seg, [SEGMENTS.index("retail"), SEGMENTS.index("private_banking")])
            & (rng.random(self.individuals.size) < 0.85)
        ]
        n = employed.size
        internal = rng.random(n) < 0.25 if self.orgs.size else np.zeros(n, bool)
        employer = np.where(
            internal,
            pop.primary[self.orgs[rng.integers(0, max(self.orgs.size, 1), n)]]
            if self.orgs.size
            else 0,
            _pick(rng, self.parties.pool("employers"), n),
        )
        payday = np.array([10, 15, 25, 28])[rng.integers(0, 4, n)]
        base = lognormal_minor(rng, n, 9_000 * self.wealth[employed], 0.5)
        actor, day = clock.monthly(payday)
        day = clock.previous_working_day(day)
        amount = (base[actor] * rng.normal(1.0, 0.03, actor.size)).astype(np.int64)
        return TransactionBatch.build(
            ts=clock.times(rng, day, PAYROLL_HOURS),
            src=employer[actor],
            dst=pop.primary[employed[actor]],
            amount_cny=np.maximum(amount, 100),
            kind="salary",
            channel="api",
            payment_format="ACH",
            counterparty_type="third_party_corporate",
            purpose="salary",
        )

    def _pensions(self, rng: np.random.Generator) -> TransactionBatch:
        n = self.elderly.size
        base = lognormal_minor(rng, n, 3_500, 0.35)
        actor, day = self.clock.monthly(np.full(n, 5))
        day = self.clock.previous_working_day(day)
        return TransactionBatch.build(
            ts=self.clock.times(rng, day, PAYROLL_HOURS),
            src=self.parties.pool("pension_fund")[0],
            dst=self.pop.primary[self.elderly[actor]],
            amount_cny=base[actor],
            kind="salary",
            channel="api",
            payment_format="ACH",
            counterparty_type="third_party_corporate",
            purpose="pension",
        )

    def _rent(self, rng: np.random.Generator) -> TransactionBatch:
        tenants = self.individuals[rng.random(self.individuals.size) < 0.35]
        n = tenants.size
        landlord = _pick(rng, self.parties.pool("domestic_people"), n)
        rent = lognormal_minor(rng, n, 3_500 * np.sqrt(self.wealth[tenants]), 0.45, round_to=100)
        actor, day = self.clock.monthly(rng.integers(1, 6, n))
        return TransactionBatch.build(
            ts=self.clock.times(rng, day, PERSONAL_HOURS),
            src=self.pop.primary[tenants[actor]],
            dst=landlord[actor],
            amount_cny=rent[actor],
            kind="transfer",
            channel=choose_codes(rng, actor.size, CHANNELS, {"mobile": 0.7, "online": 0.3}),
            payment_format="CNAPS",
            counterparty_type="third_party_personal",
            purpose="rent",
        )

    def _bills(self, rng: np.random.Generator) -> TransactionBatch:
        billers = self.parties.pool("billers")
        payer = np.repeat(self.individuals, 3)
        keep = rng.random(payer.size) < 0.7
        payer = payer[keep]
        biller = billers[rng.integers(0, billers.size, payer.size)]
        typical = lognormal_minor(rng, payer.size, 120, 0.6)
        actor, day = self.clock.monthly(rng.integers(1, 29, payer.size))
        amount = (typical[actor] * rng.lognormal(0.0, 0.25, actor.size)).astype(np.int64)
        return TransactionBatch.build(
            ts=self.clock.times(rng, day, PERSONAL_HOURS),
            src=self.pop.primary[payer[actor]],
            dst=biller[actor],
            amount_cny=np.maximum(amount, 100),
            kind="bill_payment",
            channel=choose_codes(
                rng, actor.size, CHANNELS, {"api": 0.5, "mobile": 0.4, "online": 0.1}
            ),
            payment_format="ACH",
            counterparty_type="third_party_corporate",
            purpose="utilities",
        )

    # -- Poisson streams ------------------------------------------------------------------------
    def streams(self, rng: np.random.Generator) -> list[PoissonStream]:
        """The Poisson streams with their unscaled daily rates per actor."""
        pop, clock = self.pop, self.clock
        ind, orgs = self.individuals, self.orgs
        shop_days = clock.weights(1.0, 1.35, payday_lift=0.1)
        personal_days = clock.weights(1.0, 0.8)
        office_days = clock.weights(1.0, 0.25)
        seg = pop.segment
        spend = (
            0.55
            * _heterogeneity(rng, ind.size)
            * np.where(seg[ind] == SEGMENTS.index("elderly"), 0.5, 1.0)
        )
        transfer = 0.13 * _heterogeneity(rng, ind.size, 0.9)
        withdraw = np.where(seg[ind] == SEGMENTS.index("elderly"), 0.08, 0.045)
        investors = np.flatnonzero(self.securities >= 0)
        investors = investors[pop.usable[investors]]
        remit = np.where(pop.foreign[ind], 0.03, 0.0015)
        big = np.where(seg[orgs] == SEGMENTS.index("corporate"), 3.0, 1.0)
        company = _heterogeneity(rng, orgs.size, 0.8) * big
        return [
            PoissonStream("card", ind, spend, shop_days, self._card),
            PoissonStream("p2p_out", ind, transfer, personal_days, self._p2p_out),
            PoissonStream("p2p_in", ind, transfer * 0.55, personal_days, self._p2p_in),
            PoissonStream("atm", ind, withdraw, shop_days, self._withdrawal),
            PoissonStream("deposit", ind, np.full(ind.size, 0.02), personal_days, self._deposit),
            PoissonStream(
                "invest", investors, np.full(investors.size, 0.06), office_days, self._invest
            ),
            PoissonStream("remit", ind, remit, personal_days, self._remittance),
            PoissonStream("receivable", orgs, 1.5 * company, office_days, self._receivable),
            PoissonStream("payable", orgs, 1.2 * company, office_days, self._payable),
            PoissonStream("trade", orgs, 0.06 * company, office_days, self._trade),
            PoissonStream(
                "takings", orgs, np.where(big > 1, 0.02, 0.15), personal_days, self._takings
            ),
        ]

    def _card(self, rng: np.random.Generator, who: Int64, day: Int64) -> TransactionBatch:
        n = who.size
        merchants = self.parties.pool("merchants")
        foreign = rng.random(n) < 0.015
        merchant_index = np.minimum(
            np.searchsorted(_zipf_cdf(merchants.size), rng.random(n)), merchants.size - 1
        )
        median = MERCHANT_MEDIANS[self.pop.merchant_category[merchant_index]]
        amount = lognormal_minor(rng, n, median * np.sqrt(self.wealth[who]), 0.8)
        dst = np.where(
            foreign, _pick(rng, self.parties.pool("foreign_firms"), n), merchants[merchant_index]
        )
        use_card = (self.card[who] >= 0) & (rng.random(n) < 0.45)
        src = np.where(use_card, self.card[who], self.pop.primary[who])
        fmt = np.where(use_card, code(FORMATS, "Credit Card"), code(FORMATS, "UnionPay"))
        batch = TransactionBatch.build(
            ts=self.clock.times(rng, day, SHOPPING_HOURS),
            src=src,
            dst=dst,
            amount_cny=amount,
            kind="card_payment",
            channel=choose_codes(rng, n, CHANNELS, {"pos": 0.6, "online": 0.25, "mobile": 0.15}),
            payment_format=fmt,
            counterparty_type="third_party_corporate",
            purpose=np.where(rng.random(n) < 0.5, code(PURPOSES, "shopping"), -1),
        )
        return TransactionBatch.concat([batch, self._refunds(rng, batch, 0.02)])

    def _refunds(
        self, rng: np.random.Generator, sales: TransactionBatch, share: float
    ) -> TransactionBatch:
        """Cancellations: a share of purchases is reversed in full a few hours or days later."""
        chosen = np.flatnonzero(rng.random(len(sales)) < share)
        refund = sales.take(chosen)
        delay = rng.integers(600, 5 * 86_400, chosen.size)
        refund.ts = np.minimum(refund.ts + delay, self.clock.end_second - 1)
        refund.src, refund.dst = refund.dst, refund.src
        refund.kind[:] = code(KINDS, "cancellation")
        refund.purpose[:] = code(PURPOSES, "refund")
        return refund

    def _p2p_out(self, rng: np.random.Generator, who: Int64, day: Int64) -> TransactionBatch:
        n = who.size
        roll = rng.random(n)
        internal_peer = self.pop.primary[
            self.individuals[rng.integers(0, self.individuals.size, n)]
        ]
        own = (roll >= 0.9) & (self.savings[who] >= 0)
        dst = np.where(
            roll < 0.65, _pick(rng, self.parties.pool("domestic_people"), n), internal_peer
        )
        dst = np.where(roll >= 0.9, _pick(rng, self.parties.pool("domestic_people"), n), dst)
        dst = np.where(own, self.savings[who], dst)
        src = self.pop.primary[who]
        same = dst == src
        dst = np.where(same, _pick(rng, self.parties.pool("domestic_people"), n), dst)
        amount = mostly_round(
            rng, lognormal_minor(rng, n, np.where(own, 3_000, 800), 1.2), 0.5, 100
        )
        ours = dst < self.pop.n_accounts
        return TransactionBatch.build(
            ts=self.clock.times(rng, day, PERSONAL_HOURS),
            src=src,
            dst=dst,
            amount_cny=amount,
            kind="transfer",
            channel=choose_codes(
                rng,
                n,
                CHANNELS,
                {"mobile": 0.65, "online": 0.25, "counter": 0.07, "smart_counter": 0.03},
            ),
            payment_format=np.where(ours, code(FORMATS, "Internal"), code(FORMATS, "CNAPS")),
            counterparty_type=np.where(own, OWN, PERSONAL),
            purpose=np.where(
                rng.random(n) < 0.45,
                choose_codes(
                    rng,
                    n,
                    PURPOSES,
                    {"family support": 0.7, "loan repayment": 0.25, "tuition": 0.05},
                ),
                -1,
            ),
        )

    def _p2p_in(self, rng: np.random.Generator, who: Int64, day: Int64) -> TransactionBatch:
        n = who.size
        amount = mostly_round(rng, lognormal_minor(rng, n, 900, 1.2), 0.5, 100)
        return TransactionBatch.build(
            ts=self.clock.times(rng, day, PERSONAL_HOURS),
            src=_pick(rng, self.parties.pool("domestic_people"), n),
            dst=self.pop.primary[who],
            amount_cny=amount,
            kind="transfer",
            channel=choose_codes(rng, n, CHANNELS, {"mobile": 0.7, "online": 0.3}),
            payment_format="CNAPS",
            counterparty_type="third_party_personal",
        )

    def _branch_cash(self, rng: np.random.Generator, who: Int64) -> Int64:
        branch = np.where(
            rng.random(who.size) < 0.8,
            self.pop.home_branch[who],
            rng.integers(0, self.pop.cash_party.size, who.size),
        )
        return np.asarray(self.pop.cash_party[branch], dtype=np.int64)

    def _withdrawal(self, rng: np.random.Generator, who: Int64, day: Int64) -> TransactionBatch:
        n = who.size
        notes = np.array([1, 2, 3, 5, 8, 10, 15, 20, 30])
        amount = notes[
            rng.choice(notes.size, n, p=[0.1, 0.15, 0.1, 0.2, 0.05, 0.2, 0.05, 0.1, 0.05])
        ]
        elderly = self.pop.segment[who] == SEGMENTS.index("elderly")
        at_counter = rng.random(n) < np.where(elderly, 0.5, 0.12)
        return TransactionBatch.build(
            ts=self.clock.times(rng, day, SHOPPING_HOURS),
            src=self.pop.primary[who],
            dst=self._branch_cash(rng, who),
            amount_cny=amount * 10_000 * np.where(at_counter, rng.integers(1, 6, n), 1),
            kind="cash_withdrawal",
            channel=np.where(at_counter, code(CHANNELS, "counter"), code(CHANNELS, "atm")),
            payment_format="Cash",
            counterparty_type="own_account",
        )

    def _deposit(self, rng: np.random.Generator, who: Int64, day: Int64) -> TransactionBatch:
        n = who.size
        return TransactionBatch.build(
            ts=self.clock.times(rng, day, OFFICE_HOURS),
            src=self._branch_cash(rng, who),
            dst=self.pop.primary[who],
            amount_cny=lognormal_minor(rng, n, 2_000, 1.0, round_to=100),
            kind="cash_deposit",
            channel=choose_codes(
                rng, n, CHANNELS, {"counter": 0.5, "smart_counter": 0.2, "atm": 0.3}
            ),
            payment_format="Cash",
            counterparty_type="own_account",
        )

    def _takings(self, rng: np.random.Generator, who: Int64, day: Int64) -> TransactionBatch:
        """Shops and restaurants bank their cash takings; a few deposits are legitimately large."""
        n = who.size
        return TransactionBatch.build(
            ts=self.clock.times(rng, day, OFFICE_HOURS),
            src=self._branch_cash(rng, who),
            dst=self.pop.primary[who],
            amount_cny=lognormal_minor(rng, n, 8_000, 0.9, round_to=100),
            kind="cash_deposit",
            channel=choose_codes(rng, n, CHANNELS, {"counter": 0.7, "smart_counter": 0.3}),
            payment_format="Cash",
            counterparty_type="own_account",
        )

    def _invest(self, rng: np.random.Generator, who: Int64, day: Int64) -> TransactionBatch:
        n = who.size
        amount = lognormal_minor(rng, n, 20_000 * self.wealth[who], 1.0, round_to=1_000)
        redeem = rng.random(n) < 0.45
        product = rng.random(n) < 0.3
        outside = _pick(rng, self.parties.pool("asset_managers"), n)
        other = np.where(product, outside, self.securities[who])
        primary = self.pop.primary[who]
        kinds = np.where(redeem, code(KINDS, "redemption"), code(KINDS, "purchase"))
        purchases = TransactionBatch.build(
            ts=self.clock.times(rng, day, OFFICE_HOURS),
            src=np.where(redeem, other, primary),
            dst=np.where(redeem, primary, other),
            amount_cny=amount,
            kind=kinds,
            channel=choose_codes(rng, n, CHANNELS, {"mobile": 0.6, "online": 0.3, "counter": 0.1}),
            payment_format=np.where(product, code(FORMATS, "CNAPS"), code(FORMATS, "Internal")),
            counterparty_type=np.where(product, CORPORATE, OWN),
            purpose="investment",
        )
        bought = purchases.take(np.flatnonzero(~redeem))
        return TransactionBatch.concat([purchases, self._refunds(rng, bought, 0.04)])

    def _remittance(self, rng: np.random.Generator, who: Int64, day: Int64) -> TransactionBatch:
        n = who.size
        countries = list(world.FOREIGN_WEIGHTS)
        start, _ = self.parties.pools["foreign_people"]
        per_country = (self.parties.pools["foreign_people"][1] - start) // len(countries)
        weights = np.array(list(world.FOREIGN_WEIGHTS.values()))
        country = rng.choice(len(countries), n, p=weights / weights.sum())
        abroad = start + country * per_country + rng.integers(0, per_country, n)
        outward = rng.random(n) < 0.6
        home = self.pop.primary[who]
        return TransactionBatch.build(
            ts=self.clock.times(rng, day, OFFICE_HOURS),
            src=np.where(outward, home, abroad),
            dst=np.where(outward, abroad, home),
            amount_cny=lognormal_minor(rng, n, 8_000, 1.0, round_to=100),
            kind="transfer",
            channel=choose_codes(rng, n, CHANNELS, {"online": 0.5, "counter": 0.3, "mobile": 0.2}),
            payment_format="Wire",
            counterparty_type="third_party_personal",
            purpose=choose_codes(rng, n, PURPOSES, {"family support": 0.7, "tuition": 0.3}),
        )

    def _company_amounts(
        self, rng: np.random.Generator, who: Int64, median: float, sigma: float
    ) -> Int64:
        return lognormal_minor(rng, who.size, median * self.wealth[who], sigma, round_to=1)

    def _partners(
        self, rng: np.random.Generator, who: Int64
    ) -> tuple[Int64, npt.NDArray[np.bool_]]:
        n = who.size
        trade_pool = np.concatenate(
            [self.parties.pool("merchants"), self.parties.pool("employers")]
        )
        internal = (rng.random(n) < 0.1) & (self.orgs.size > 1)
        peer = (
            self.pop.primary[self.orgs[rng.integers(0, max(self.orgs.size, 1), n)]]
            if self.orgs.size
            else 0
        )
        partner = np.where(internal, peer, _pick(rng, trade_pool, n))
        partner = np.where(partner == self.pop.primary[who], _pick(rng, trade_pool, n), partner)
        return partner, partner < self.pop.n_accounts

    def _company_batch(
        self, rng: np.random.Generator, who: Int64, day: Int64, incoming: bool
    ) -> TransactionBatch:
        n = who.size
        partner, internal = self._partners(rng, who)
        own = self.pop.primary[who]
        cheque = rng.random(n) < 0.05
        fmt = np.where(internal, code(FORMATS, "Internal"), code(FORMATS, "CNAPS"))
        fmt = np.where(cheque, code(FORMATS, "Cheque"), fmt)
        channel = choose_codes(rng, n, CHANNELS, {"online": 0.6, "api": 0.3, "counter": 0.1})
        channel = np.where(cheque, code(CHANNELS, "counter"), channel)
        return TransactionBatch.build(
            ts=self.clock.times(rng, day, OFFICE_HOURS),
            src=partner if incoming else own,
            dst=own if incoming else partner,
            amount_cny=self._company_amounts(rng, who, 30_000, 1.3),
            kind="transfer",
            channel=channel,
            payment_format=fmt,
            counterparty_type="third_party_corporate",
            purpose=choose_codes(
                rng, n, PURPOSES, {"goods": 0.5, "services": 0.3, "consulting fee": 0.1, "tax": 0.1}
            ),
        )

    def _receivable(self, rng: np.random.Generator, who: Int64, day: Int64) -> TransactionBatch:
        return self._company_batch(rng, who, day, incoming=True)

    def _payable(self, rng: np.random.Generator, who: Int64, day: Int64) -> TransactionBatch:
        return self._company_batch(rng, who, day, incoming=False)

    def _trade(self, rng: np.random.Generator, who: Int64, day: Int64) -> TransactionBatch:
        n = who.size
        abroad = _pick(rng, self.parties.pool("foreign_firms"), n)
        own = self.pop.primary[who]
        outward = rng.random(n) < 0.55
        return TransactionBatch.build(
            ts=self.clock.times(rng, day, OFFICE_HOURS),
            src=np.where(outward, own, abroad),
            dst=np.where(outward, abroad, own),
            amount_cny=self._company_amounts(rng, who, 150_000, 1.2),
            kind="transfer",
            channel=choose_codes(rng, n, CHANNELS, {"online": 0.7, "counter": 0.3}),
            payment_format="Wire",
            counterparty_type="third_party_corporate",
            purpose=choose_codes(rng, n, PURPOSES, {"goods": 0.8, "services": 0.2}),
        )
