"""Company banking: receivables and payables with trading partners, cross-border trade, and
shops banking their cash takings."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from integrita.synthetic.batch import (
    CHANNELS,
    FORMATS,
    PURPOSES,
    TransactionBatch,
    choose_codes,
    code,
)
from integrita.synthetic.clock import OFFICE_HOURS, Clock
from integrita.synthetic.draws import lognormal_minor, pick
from integrita.synthetic.population import Parties, Population

Int64 = npt.NDArray[np.int64]
Float = npt.NDArray[np.float64]


class CompanyTraffic:
    """The company streams; :class:`~integrita.synthetic.normal.NormalTraffic` sets the state."""

    pop: Population
    clock: Clock
    parties: Parties
    orgs: Int64
    wealth: Float

    def _branch_cash(self, rng: np.random.Generator, who: Int64) -> Int64:
        """The cash account of the branch where ``who`` hands over or takes cash (mostly home)."""
        branch = np.where(
            rng.random(who.size) < 0.8,
            self.pop.home_branch[who],
            rng.integers(0, self.pop.cash_party.size, who.size),
        )
        return np.asarray(self.pop.cash_party[branch], dtype=np.int64)

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
        partner = np.where(internal, peer, pick(rng, trade_pool, n))
        partner = np.where(partner == self.pop.primary[who], pick(rng, trade_pool, n), partner)
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
        abroad = pick(rng, self.parties.pool("foreign_firms"), n)
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
