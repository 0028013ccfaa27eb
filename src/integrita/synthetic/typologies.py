"""Injected laundering typologies: one registered function per typology.

Each function makes ``count`` patterns and returns their transactions; every
transaction carries its pattern's index, which becomes the ``pattern_id`` in
``labels.csv``. A function's docstring says what the pattern looks like — the
shape the tests check and the explanation an analyst reads.

Subjects are drawn from the bank's ordinary customers, who keep their ordinary
activity, so a laundering account is not otherwise unusual. Each of our
accounts takes part in at most one pattern. Counterparties outside the bank
are drawn from the other banks' account pools.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from integrita.errors import InputError
from integrita.synthetic.batch import (
    CHANNELS,
    COUNTERPARTY_TYPES,
    FORMATS,
    PURPOSES,
    TransactionBatch,
    choose_codes,
    code,
)
from integrita.synthetic.clock import LOCAL_OFFSET_SECONDS, OFFICE_HOURS, PERSONAL_HOURS, Clock
from integrita.synthetic.config import (
    BipartiteConfig,
    CycleConfig,
    DormantAwakeningConfig,
    FanConfig,
    HighRiskGeographyConfig,
    RapidPassThroughConfig,
    ScatterGatherConfig,
    StackConfig,
    StructuringConfig,
)
from integrita.synthetic.population import Population
from integrita.synthetic.world import COUNTRIES

Int64 = npt.NDArray[np.int64]
DAY = 86_400
HOUR = 3_600


@dataclass(slots=True)
class PatternRegistry:
    """The patterns made so far: index → (typology, pattern id)."""

    typologies: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    per_typology: dict[str, int] = field(default_factory=dict)

    def new(self, typology: str) -> int:
        number = self.per_typology.get(typology, 0) + 1
        self.per_typology[typology] = number
        self.typologies.append(typology)
        self.ids.append(f"{typology}-{number:05d}")
        return len(self.ids) - 1


class TypologyContext:
    """What a typology needs: randomness, the population, the clock and fresh accounts."""

    def __init__(
        self, rng: np.random.Generator, pop: Population, clock: Clock, registry: PatternRegistry
    ) -> None:
        self.rng = rng
        self.pop = pop
        self.clock = clock
        self.registry = registry
        usable = np.flatnonzero(pop.usable)
        self._fresh = list(pop.primary[rng.permutation(usable)])
        self._fresh_people = [a for a in self._fresh if not pop.parties.corporate[a]]
        self._taken: set[int] = set()
        self._pools: dict[tuple[str, ...], Int64] = {}

    def ours(self, n: int, *, people_only: bool = False) -> Int64:
        """``n`` of our accounts not yet used by any pattern."""
        source = self._fresh_people if people_only else self._fresh
        chosen: list[int] = []
        while len(chosen) < n:
            if not source:
                raise InputError(
                    "the bank is too small for the configured typologies; raise customers",
                    field="customers",
                )
            account = int(source.pop())
            if account not in self._taken:
                self._taken.add(account)
                chosen.append(account)
        return np.array(chosen, dtype=np.int64)

    def outside(self, n: int, pools: tuple[str, ...] = ("domestic_people",)) -> Int64:
        """``n`` distinct accounts at other banks from the named pools."""
        pool = self._pools.get(pools)
        if pool is None:
            pool = self._pools[pools] = np.concatenate([self.pop.parties.pool(p) for p in pools])
        return self.rng.choice(pool, size=n, replace=False).astype(np.int64)

    def mixed(self, n: int, share_ours: float) -> Int64:
        """``n`` distinct accounts, about ``share_ours`` of them ours and the rest at other banks."""
        k = int(self.rng.binomial(n, share_ours))
        out = self.outside(n - k, ("domestic_people", "domestic_people", "merchants"))
        return np.asarray(self.rng.permutation(np.concatenate([self.ours(k), out])), dtype=np.int64)

    def window_start(self, window_seconds: int, earliest_day: int = 0) -> int:
        """A start second such that the whole window lies inside the ledger's period."""
        first = self.clock.start_second + earliest_day * DAY
        last = self.clock.end_second - window_seconds - 1
        return int(self.rng.integers(first, max(last, first) + 1))

    def amounts(self, n: int, low: int, high: int) -> Int64:
        """Log-uniform amounts in whole yuan between ``low`` and ``high`` minor units."""
        raw = np.exp(self.rng.uniform(np.log(low), np.log(high), n))
        return (np.rint(raw / 100) * 100).astype(np.int64)

    def transfers(
        self, ts: Int64, src: Int64, dst: Int64, amount: Int64, pattern: int, **columns: Any
    ) -> TransactionBatch:
        """Laundering transfers with instrument and counterparty type derived from the parties."""
        parties, n = self.pop.parties, len(ts)
        ours = (parties.bank[src] == 0) & (parties.bank[dst] == 0)
        abroad = parties.country[src] != parties.country[dst]
        fmt = np.where(ours, code(FORMATS, "Internal"), code(FORMATS, "CNAPS"))
        fmt = np.where(abroad, code(FORMATS, "Wire"), fmt)
        cpty = np.where(
            parties.corporate[dst],
            code(COUNTERPARTY_TYPES, "third_party_corporate"),
            code(COUNTERPARTY_TYPES, "third_party_personal"),
        )
        defaults: dict[str, Any] = {
            "kind": "transfer",
            "channel": choose_codes(
                self.rng, n, CHANNELS, {"mobile": 0.5, "online": 0.4, "counter": 0.1}
            ),
            "payment_format": fmt,
            "counterparty_type": cpty,
            "purpose": np.where(
                self.rng.random(n) < 0.5,
                choose_codes(
                    self.rng,
                    n,
                    PURPOSES,
                    {"goods": 0.3, "loan repayment": 0.3, "family support": 0.25, "services": 0.15},
                ),
                -1,
            ),
        }
        defaults.update(columns)
        return TransactionBatch.build(
            ts=ts, src=src, dst=dst, amount_cny=amount, pattern=pattern, **defaults
        )

    def at_banking_hours(self, candidates: Int64, n: int) -> Int64:
        """``n`` of the candidate times, kept with the weight of their local hour, sorted."""
        local_hour = (candidates + LOCAL_OFFSET_SECONDS) // HOUR % 24
        weight = PERSONAL_HOURS[local_hour] / PERSONAL_HOURS.max()
        accepted = candidates[self.rng.random(candidates.size) < weight]
        if accepted.size < n:  # vanishingly rare; fall back to any of the candidates
            accepted = candidates
        return np.sort(accepted[:n]).astype(np.int64)

    def spread(self, n: int, window_seconds: int, earliest_day: int = 0) -> Int64:
        """``n`` sorted times inside one window, at the hours people bank (not uniform over the
        clock, which would give the pattern away by its night-time transfers)."""
        t0 = self.window_start(window_seconds, earliest_day)
        return self.at_banking_hours(t0 + self.rng.integers(0, window_seconds, 8 * n + 16), n)

    @staticmethod
    def daytime(ts: Int64) -> Int64:
        """Squeeze each local day into 07:00–23:00, keeping the order of events.

        The map is strictly increasing, so sequences stay sequences; a span of less than n
        whole days stays under n days. Callers leave 8 hours at the period's end for it.
        """
        local = ts + LOCAL_OFFSET_SECONDS
        day_start = local // DAY * DAY
        squeezed = day_start + 7 * HOUR + (local - day_start) * 2 // 3
        return np.asarray(squeezed - LOCAL_OFFSET_SECONDS, dtype=np.int64)


TypologyFunction = Callable[[TypologyContext, Any, int], list[TransactionBatch]]
TYPOLOGIES: dict[str, TypologyFunction] = {}


def typology(name: str) -> Callable[[TypologyFunction], TypologyFunction]:
    """Register a typology function under the name used in ``labels.csv``."""

    def register(function: TypologyFunction) -> TypologyFunction:
        TYPOLOGIES[name] = function
        return function

    return register


def _degree(ctx: TypologyContext, low: int, high: int) -> int:
    return int(ctx.rng.integers(low, high + 1))


@typology("fan_in")
def fan_in(ctx: TypologyContext, p: FanConfig, count: int) -> list[TransactionBatch]:
    """Fan-in: k distinct accounts (k between ``min_degree`` and ``max_degree``) each send money
    into one collecting account of ours within ``window_days``; amounts vary, often under the
    reporting thresholds."""
    batches = []
    for _ in range(count):
        pattern = ctx.registry.new("fan_in")
        k = _degree(ctx, p.min_degree, p.max_degree)
        hub = ctx.ours(1)[0]
        ts = ctx.spread(k, p.window_days * DAY)
        amount = ctx.amounts(k, p.min_amount_minor, p.max_amount_minor)
        batches.append(ctx.transfers(ts, ctx.mixed(k, 0.4), np.full(k, hub), amount, pattern))
    return batches


@typology("fan_out")
def fan_out(ctx: TypologyContext, p: FanConfig, count: int) -> list[TransactionBatch]:
    """Fan-out: one account of ours sends money to k distinct accounts (k between ``min_degree``
    and ``max_degree``) within ``window_days``, dispersing a balance in pieces."""
    batches = []
    for _ in range(count):
        pattern = ctx.registry.new("fan_out")
        k = _degree(ctx, p.min_degree, p.max_degree)
        hub = ctx.ours(1)[0]
        ts = ctx.spread(k, p.window_days * DAY)
        amount = ctx.amounts(k, p.min_amount_minor, p.max_amount_minor)
        batches.append(ctx.transfers(ts, np.full(k, hub), ctx.mixed(k, 0.4), amount, pattern))
    return batches


@typology("cycle")
def cycle(ctx: TypologyContext, p: CycleConfig, count: int) -> list[TransactionBatch]:
    """Cycle: money travels a0 → a1 → … → a(L-1) → a0 through L distinct accounts, one hop after
    the other, and returns to where it started within ``window_days``; each hop keeps all but a
    small fee (at most ``max_hop_loss``), so the amount is roughly preserved."""
    batches = []
    for _ in range(count):
        pattern = ctx.registry.new("cycle")
        length = _degree(ctx, p.min_length, p.max_length)
        nodes = np.concatenate([ctx.ours(1), ctx.mixed(length - 1, 0.5)])
        window = p.window_days * DAY
        gaps = ctx.rng.dirichlet(np.ones(length + 1)) * (window - length * 60)
        ts = ctx.daytime(
            ctx.window_start(window + 8 * HOUR)
            + np.cumsum(gaps[:length]).astype(np.int64)
            + 60 * np.arange(length)
        )
        keep = np.cumprod(
            np.concatenate([[1.0], 1.0 - ctx.rng.uniform(0, p.max_hop_loss, length - 1)])
        )
        first = ctx.amounts(1, p.min_amount_minor, p.max_amount_minor)[0]
        amount = (np.rint(first * keep / 100) * 100).astype(np.int64)
        batches.append(ctx.transfers(ts, nodes, np.roll(nodes, -1), amount, pattern))
    return batches


def _scatter_then_gather(
    ctx: TypologyContext, p: ScatterGatherConfig | StackConfig, sources: Int64, middle: Int64,
    sinks: Int64, pattern: int,
) -> TransactionBatch:  # fmt: skip
    """Money from ``sources`` to ``middle`` in the first half of the window, then from each middle
    account onwards to ``sinks`` after it has received, keeping all but a small cut."""
    rng, window = ctx.rng, p.window_days * DAY
    t0 = ctx.window_start(window + 8 * HOUR)
    # Each middle account is fed by at least one source and feeds at least one sink.
    feed = np.maximum(
        rng.random((sources.size, middle.size)) < 0.5, np.eye(sources.size, middle.size, dtype=bool)
    )
    feed[rng.integers(0, sources.size, middle.size), np.arange(middle.size)] = True
    feed[np.arange(sources.size), rng.integers(0, middle.size, sources.size)] = True
    drain = np.maximum(
        rng.random((middle.size, sinks.size)) < 0.5, np.eye(middle.size, sinks.size, dtype=bool)
    )
    drain[np.arange(middle.size), rng.integers(0, sinks.size, middle.size)] = True
    drain[rng.integers(0, middle.size, sinks.size), np.arange(sinks.size)] = True
    si, mi = np.nonzero(feed)
    in_ts = t0 + rng.integers(0, window // 2, si.size)
    in_amount = ctx.amounts(si.size, p.min_amount_minor, p.max_amount_minor)
    received = np.bincount(mi, weights=in_amount, minlength=middle.size)
    last_in = np.full(middle.size, t0)
    np.maximum.at(last_in, mi, in_ts)
    mo, ko = np.nonzero(drain)
    share = rng.random(mo.size) + 0.2
    share /= np.bincount(mo, weights=share, minlength=middle.size)[mo]
    keep = 1.0 - rng.uniform(0, p.max_cut, middle.size)
    out_amount = (np.rint(received[mo] * keep[mo] * share / 100) * 100).astype(np.int64)
    out_ts = last_in[mo] + rng.integers(HOUR, np.maximum(t0 + window - last_in[mo], HOUR + 1))
    return ctx.transfers(
        ctx.daytime(np.concatenate([in_ts, out_ts]).astype(np.int64)),
        np.concatenate([sources[si], middle[mo]]),
        np.concatenate([middle[mi], sinks[ko]]),
        np.concatenate([in_amount, np.maximum(out_amount, 100)]),
        pattern,
    )


@typology("scatter_gather")
def scatter_gather(
    ctx: TypologyContext, p: ScatterGatherConfig, count: int
) -> list[TransactionBatch]:
    """Scatter-gather: one account of ours splits money across k intermediate accounts, and each
    intermediate, after receiving, forwards nearly all of it (less a cut of at most ``max_cut``)
    to one common destination, all within ``window_days``."""
    batches = []
    for _ in range(count):
        pattern = ctx.registry.new("scatter_gather")
        k = _degree(ctx, p.min_width, p.max_width)
        source, sink = ctx.ours(2)
        batches.append(
            _scatter_then_gather(
                ctx, p, np.array([source]), ctx.mixed(k, 0.5), np.array([sink]), pattern
            )
        )
    return batches


@typology("gather_scatter")
def gather_scatter(
    ctx: TypologyContext, p: ScatterGatherConfig, count: int
) -> list[TransactionBatch]:
    """Gather-scatter: k accounts pay into one hub account of ours; after the last payment in, the
    hub sends nearly all of it (less at most ``max_cut``) on to m other accounts, within
    ``window_days``."""
    batches = []
    for _ in range(count):
        pattern = ctx.registry.new("gather_scatter")
        k = _degree(ctx, p.min_width, p.max_width)
        m = _degree(ctx, p.min_width, p.max_width)
        sources, sinks = ctx.mixed(k, 0.4), ctx.mixed(m, 0.4)
        batches.append(_scatter_then_gather(ctx, p, sources, ctx.ours(1), sinks, pattern))
    return batches


@typology("bipartite")
def bipartite(ctx: TypologyContext, p: BipartiteConfig, count: int) -> list[TransactionBatch]:
    """Bipartite: a group of m senders pays a separate group of n receivers, with a large share
    (``edge_density``) of all sender–receiver pairs used, within ``window_days``; every account
    in both groups takes part."""
    batches = []
    for _ in range(count):
        pattern = ctx.registry.new("bipartite")
        m = _degree(ctx, p.min_side, p.max_side)
        n = _degree(ctx, p.min_side, p.max_side)
        accounts = np.concatenate([ctx.ours(1), ctx.mixed(m + n - 1, 0.5)])
        senders, receivers = accounts[:m], accounts[m:]
        edges = ctx.rng.random((m, n)) < p.edge_density
        edges[np.arange(max(m, n)) % m, np.arange(max(m, n)) % n] = True
        si, ri = np.nonzero(edges)
        ts = ctx.spread(si.size, p.window_days * DAY)
        amount = ctx.amounts(si.size, p.min_amount_minor, p.max_amount_minor)
        batches.append(
            ctx.transfers(ctx.rng.permutation(ts), senders[si], receivers[ri], amount, pattern)
        )
    return batches


@typology("stack")
def stack(ctx: TypologyContext, p: StackConfig, count: int) -> list[TransactionBatch]:
    """Stack: three layers of accounts; the first layer pays the second, and each second-layer
    account, after receiving, passes nearly all of it (less at most ``max_cut``) to the third
    layer — two bipartite hops stacked, within ``window_days``."""
    batches = []
    for _ in range(count):
        pattern = ctx.registry.new("stack")
        w1, w2, w3 = (_degree(ctx, p.min_width, p.max_width) for _ in range(3))
        first, third = ctx.mixed(w1, 0.4), ctx.mixed(w3, 0.4)
        middle = np.concatenate([ctx.ours(1), ctx.mixed(w2 - 1, 0.6)])
        batches.append(_scatter_then_gather(ctx, p, first, middle, third, pattern))
    return batches


@typology("structuring")
def structuring(ctx: TypologyContext, p: StructuringConfig, count: int) -> list[TransactionBatch]:
    """Structuring: one customer makes several cash deposits into the same account, each just
    under the large-cash threshold (between ``floor_fraction`` of it and the threshold), within
    ``window_days``, often at different branches so no single teller sees them all."""
    batches, rng = [], ctx.rng
    pop = ctx.pop
    low = int(p.threshold_minor * p.floor_fraction) // 10_000
    high = (p.threshold_minor - 1) // 10_000
    for _ in range(count):
        pattern = ctx.registry.new("structuring")
        k = _degree(ctx, p.min_deposits, p.max_deposits)
        account = ctx.ours(1)[0]
        customer = pop.account_customer[account]
        home = int(pop.home_branch[customer])
        others = rng.permutation(np.delete(np.arange(pop.cash_party.size), home))
        branches = np.concatenate([[home], others[: _degree(ctx, 1, p.max_branches) - 1]])
        branch = np.concatenate([[home], branches[rng.integers(0, branches.size, k - 1)]])
        first_day = int(rng.integers(0, ctx.clock.days - p.window_days + 1))
        days = first_day + rng.integers(0, p.window_days, k)
        ts = ctx.clock.times(rng, days.astype(np.int64), OFFICE_HOURS)
        amount = rng.integers(low, high + 1, k).astype(np.int64) * 10_000  # 100-yuan notes
        batches.append(
            TransactionBatch.build(
                ts=np.sort(ts),
                src=pop.cash_party[branch],
                dst=np.full(k, account),
                amount_cny=amount,
                kind="cash_deposit",
                channel=choose_codes(rng, k, CHANNELS, {"counter": 0.7, "smart_counter": 0.3}),
                payment_format="Cash",
                counterparty_type="own_account",
                pattern=pattern,
            )
        )
    return batches


@typology("rapid_pass_through")
def rapid_pass_through(
    ctx: TypologyContext, p: RapidPassThroughConfig, count: int
) -> list[TransactionBatch]:
    """Rapid pass-through: a large payment arrives in one of our accounts and, within
    ``window_hours``, between ``min_forward_fraction`` and ``max_forward_fraction`` of it leaves
    again in one to a few transfers, so the account is only a conduit."""
    batches, rng = [], ctx.rng
    for _ in range(count):
        pattern = ctx.registry.new("rapid_pass_through")
        account = ctx.ours(1)[0]
        m = _degree(ctx, p.min_outflows, p.max_outflows)
        inflow = ctx.amounts(1, p.min_amount_minor, p.max_amount_minor)
        t0 = ctx.window_start(2 * p.window_hours * HOUR)
        t_in = ctx.at_banking_hours(t0 + rng.integers(0, p.window_hours * HOUR, 16), 1)[0]
        after = t_in + rng.integers(10 * 60, p.window_hours * HOUR, 8 * m + 16)
        out_ts = ctx.at_banking_hours(after, m)
        share = rng.dirichlet(np.ones(m) * 3)
        forward = inflow[0] * rng.uniform(p.min_forward_fraction, p.max_forward_fraction)
        out_amount = np.floor(forward * share / 100).astype(np.int64) * 100
        sender = ctx.outside(1, ("domestic_people", "merchants", "foreign_firms"))
        batches.append(
            ctx.transfers(
                np.concatenate([[t_in], out_ts]).astype(np.int64),
                np.concatenate([sender, np.full(m, account)]),
                np.concatenate([[account], ctx.mixed(m, 0.3)]),
                np.concatenate([inflow, out_amount]),
                pattern,
            )
        )
    return batches


@typology("dormant_awakening")
def dormant_awakening(
    ctx: TypologyContext, p: DormantAwakeningConfig, count: int
) -> list[TransactionBatch]:
    """Dormant account awakening: an account with no activity at all for at least
    ``dormancy_days`` suddenly receives and sends large sums — several transactions within
    ``burst_days`` — money in first, then out."""
    batches, rng, pop = [], ctx.rng, ctx.pop
    if pop.dormant_reserved.size < count:
        raise InputError(
            "not enough long-standing customers for dormant accounts", field="customers"
        )
    for i in range(count):
        pattern = ctx.registry.new("dormant_awakening")
        account = pop.primary[pop.dormant_reserved[i]]
        n = _degree(ctx, p.min_transactions, p.max_transactions)
        n_in = max(1, n * 2 // 5)
        ts = ctx.spread(n, p.burst_days * DAY, earliest_day=p.dormancy_days)
        inflow = ctx.amounts(n_in, p.min_amount_minor, p.max_amount_minor)
        share = rng.dirichlet(np.ones(n - n_in) * 2)
        out_amount = np.floor(inflow.sum() * 0.97 * share / 100).astype(np.int64) * 100
        senders = ctx.outside(n_in, ("domestic_people", "foreign_people", "merchants"))
        receivers = ctx.mixed(n - n_in, 0.3)
        batches.append(
            ctx.transfers(
                ts,
                np.concatenate([senders, np.full(n - n_in, account)]),
                np.concatenate([np.full(n_in, account), receivers]),
                np.concatenate([inflow, np.maximum(out_amount, 100)]),
                pattern,
            )
        )
    return batches


@typology("high_risk_geography")
def high_risk_geography(
    ctx: TypologyContext, p: HighRiskGeographyConfig, count: int
) -> list[TransactionBatch]:
    """High-risk geography: one of our customers wires money to, or receives it from, accounts in
    high-risk jurisdictions (``countries``) several times within ``window_days``."""
    batches, rng, parties = [], ctx.rng, ctx.pop.parties
    pool = parties.pool("high_risk")
    allowed = np.isin(parties.country[pool], [COUNTRIES.index(c) for c in p.countries])
    pool = pool[allowed]
    if pool.size == 0:
        raise InputError("high_risk_geography.countries names no known country", field="countries")
    for _ in range(count):
        pattern = ctx.registry.new("high_risk_geography")
        account = ctx.ours(1)[0]
        n = _degree(ctx, p.min_transactions, p.max_transactions)
        foreign = pool[rng.integers(0, pool.size, n)]
        outward = rng.random(n) < 0.7
        batches.append(
            ctx.transfers(
                ctx.spread(n, p.window_days * DAY),
                np.where(outward, account, foreign),
                np.where(outward, foreign, account),
                ctx.amounts(n, p.min_amount_minor, p.max_amount_minor),
                pattern,
                channel=choose_codes(rng, n, CHANNELS, {"online": 0.6, "counter": 0.4}),
            )
        )
    return batches
