"""Ordinary banking: salaries, pensions, rent, bills, card spending, transfers, cash, investing
and remittances (company streams live in :mod:`integrita.synthetic.companies`).

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
from integrita.synthetic.companies import CompanyTraffic
from integrita.synthetic.draws import heterogeneity, lognormal_minor, mostly_round, pick, zipf_cdf
from integrita.synthetic.population import MERCHANT_MEDIANS, SEGMENTS, Population

Int64 = npt.NDArray[np.int64]
Float = npt.NDArray[np.float64]
RngFor = Callable[[str], np.random.Generator]

OWN = code(COUNTERPARTY_TYPES, "own_account")
PERSONAL = code(COUNTERPARTY_TYPES, "third_party_personal")
CORPORATE = code(COUNTERPARTY_TYPES, "third_party_corporate")


@dataclass(slots=True)
class PoissonStream:
    """A stream of events per actor: base daily rates and how to turn events into transactions."""

    name: str
    actors: Int64  # customer indices
    rates: Float
    day_weights: Float
    build: Callable[[np.random.Generator, Int64, Int64], TransactionBatch]


class NormalTraffic(CompanyTraffic):
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
            pick(rng, self.parties.pool("employers"), n),
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
        landlord = pick(rng, self.parties.pool("domestic_people"), n)
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
            * heterogeneity(rng, ind.size)
            * np.where(seg[ind] == SEGMENTS.index("elderly"), 0.5, 1.0)
        )
        transfer = 0.13 * heterogeneity(rng, ind.size, 0.9)
        withdraw = np.where(seg[ind] == SEGMENTS.index("elderly"), 0.08, 0.045)
        investors = np.flatnonzero(self.securities >= 0)
        investors = investors[pop.usable[investors]]
        remit = np.where(pop.foreign[ind], 0.03, 0.0015)
        big = np.where(seg[orgs] == SEGMENTS.index("corporate"), 3.0, 1.0)
        company = heterogeneity(rng, orgs.size, 0.8) * big
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
            np.searchsorted(zipf_cdf(merchants.size), rng.random(n)), merchants.size - 1
        )
        median = MERCHANT_MEDIANS[self.pop.merchant_category[merchant_index]]
        amount = lognormal_minor(rng, n, median * np.sqrt(self.wealth[who]), 0.8)
        dst = np.where(
            foreign, pick(rng, self.parties.pool("foreign_firms"), n), merchants[merchant_index]
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
            roll < 0.65, pick(rng, self.parties.pool("domestic_people"), n), internal_peer
        )
        dst = np.where(roll >= 0.9, pick(rng, self.parties.pool("domestic_people"), n), dst)
        dst = np.where(own, self.savings[who], dst)
        src = self.pop.primary[who]
        same = dst == src
        dst = np.where(same, pick(rng, self.parties.pool("domestic_people"), n), dst)
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
            src=pick(rng, self.parties.pool("domestic_people"), n),
            dst=self.pop.primary[who],
            amount_cny=amount,
            kind="transfer",
            channel=choose_codes(rng, n, CHANNELS, {"mobile": 0.7, "online": 0.3}),
            payment_format="CNAPS",
            counterparty_type="third_party_personal",
        )

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

    def _invest(self, rng: np.random.Generator, who: Int64, day: Int64) -> TransactionBatch:
        n = who.size
        amount = lognormal_minor(rng, n, 20_000 * self.wealth[who], 1.0, round_to=1_000)
        redeem = rng.random(n) < 0.45
        product = rng.random(n) < 0.3
        outside = pick(rng, self.parties.pool("asset_managers"), n)
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
