"""Putting the bank together: population, ordinary traffic, injected patterns, one sorted ledger."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from integrita.analytics.schema import LABEL_SCHEMA, LEDGER_SCHEMA
from integrita.errors import InputError
from integrita.synthetic.batch import (
    CHANNELS,
    COUNTERPARTY_TYPES,
    FORMATS,
    KINDS,
    NORMAL,
    PURPOSES,
    TransactionBatch,
)
from integrita.synthetic.clock import Clock, stream_rng
from integrita.synthetic.config import BankConfig
from integrita.synthetic.normal import NormalTraffic
from integrita.synthetic.population import Population, build_population
from integrita.synthetic.text import digit_ids
from integrita.synthetic.typologies import TYPOLOGIES, PatternRegistry, TypologyContext
from integrita.synthetic.world import COUNTRIES, CURRENCY_CODES, currency_exponents, daily_rates

Progress = Callable[[int], None]
DAY = 86_400


def pattern_counts(config: BankConfig) -> dict[str, int]:
    """Patterns per typology: the configured rate per 1,000 customers, at least one each
    (a rate of 0 switches the typology off)."""
    counts = {}
    for name, params in config.typologies.items():
        rate = params.patterns_per_1000_customers
        counts[name] = 0 if rate == 0 else max(1, round(rate * config.customers / 1000))
    return counts


def expected_transactions(config: BankConfig) -> int:
    """About how many transactions :func:`build_bank` makes (exact when ``transactions`` is set)."""
    if config.transactions is not None:
        return config.transactions
    return round(config.activity * config.customers * config.days)


@dataclass(slots=True)
class SyntheticBank:
    """A generated bank in memory: the sorted ledger, its labels and the population."""

    config: BankConfig
    population: Population
    ledger: pa.Table  # LEDGER_SCHEMA, sorted by booked_at
    booked_seconds: npt.NDArray[np.int64]
    amount_paid_minor: npt.NDArray[np.int64]
    amount_received_minor: npt.NDArray[np.int64]
    paid_currency: npt.NDArray[np.int16]
    received_currency: npt.NDArray[np.int16]
    is_laundering: npt.NDArray[np.bool_]
    labels: pa.Table  # LABEL_SCHEMA, one row per laundering transaction
    patterns: dict[str, int]
    normal_rows: int = 0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    stage_cpu_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def transactions(self) -> int:
        return int(self.ledger.num_rows)


def _vocab(values: tuple[str, ...], codes: npt.NDArray[np.integer]) -> pa.Array:
    """Codes into a vocabulary as an Arrow string column (negative codes become nulls)."""
    codes = np.asarray(codes)
    index = pa.array(np.maximum(codes, 0).astype(np.int32), mask=codes < 0)
    return pa.array(values, type=pa.string()).take(index)


def _normal_traffic(
    config: BankConfig, traffic: NormalTraffic, clock: Clock, fixed: int, progress: Progress
) -> list[TransactionBatch]:
    """The Poisson streams, scaled so the whole bank reaches its target volume."""
    streams = traffic.streams(stream_rng(config.seed, "rates"))
    expected = sum(float(s.rates.sum()) for s in streams) * clock.days
    if config.transactions is not None:
        target = config.transactions * 1.01 + 50
    else:
        target = config.activity * config.customers * clock.days
    scale = max((target - fixed) / max(expected, 1.0), 0.02)
    batches = []
    for stream in streams:
        rng = stream_rng(config.seed, f"stream:{stream.name}")
        actors, days = clock.events(rng, stream.rates * scale, stream.day_weights)
        batch = stream.build(rng, stream.actors[actors], days)
        batches.append(batch)
        progress(len(batch))
    return batches


def build_bank(
    config: BankConfig,
    progress: Progress | None = None,
    columns: frozenset[str] | None = None,
) -> SyntheticBank:
    """Generate the whole bank in memory; ``progress(n)`` is told of every ``n`` rows made.

    ``columns`` limits the in-memory ledger to those ledger columns (the AMLworld-only
    writer needs five); by default the ledger has every column of ``LEDGER_SCHEMA``.
    """
    config.validate()
    report = progress or (lambda _n: None)
    stopwatch = _Stopwatch()
    counts = pattern_counts(config)
    population = build_population(
        stream_rng(config.seed, "population"), config, counts["dormant_awakening"]
    )
    clock = Clock.of(config.start, config.days)
    stopwatch.lap("population")

    traffic = NormalTraffic(population, clock)
    monthly = traffic.monthly(lambda name: stream_rng(config.seed, f"monthly:{name}"))
    for batch in monthly:
        report(len(batch))
    stopwatch.lap("monthly")

    registry = PatternRegistry()
    context = TypologyContext(stream_rng(config.seed, "subjects"), population, clock, registry)
    laundering: list[TransactionBatch] = []
    for name, function in TYPOLOGIES.items():
        context.rng = stream_rng(config.seed, f"typology:{name}")
        laundering.extend(function(context, getattr(config.typologies, name), counts[name]))
    report(sum(len(b) for b in laundering))
    stopwatch.lap("typologies")

    fixed = sum(len(b) for b in monthly) + sum(len(b) for b in laundering)
    injected = sum(len(b) for b in laundering)
    if config.transactions is not None and config.transactions < injected:
        raise InputError(
            f"transactions ({config.transactions}) cannot hold the {injected} laundering "
            "transactions of the configured typologies",
            field="transactions",
        )
    attempt = config
    while True:
        poisson = _normal_traffic(attempt, traffic, clock, fixed, report)
        if (
            config.transactions is None
            or sum(map(len, [*monthly, *poisson, *laundering])) >= config.transactions
        ):
            break
        # Rare: the random volume fell short of an exact target; ask for a little more.
        attempt = replace(attempt, transactions=int(attempt.transactions or 0) * 21 // 20 + 100)
    stopwatch.lap("poisson")

    rows = TransactionBatch.concat([*monthly, *poisson, *laundering])
    keep = np.arange(len(rows), dtype=np.int64)
    if config.transactions is not None and len(rows) > config.transactions:
        # Drop a uniformly random set of ordinary rows: the smallest of random keys (O(n)).
        normal_rows = np.flatnonzero(rows.pattern == NORMAL)
        excess = len(rows) - config.transactions
        keys = stream_rng(config.seed, "trim").random(normal_rows.size)
        drop = normal_rows[np.argpartition(keys, excess - 1)[:excess]]
        kept = np.ones(len(rows), dtype=bool)
        kept[drop] = False
        keep = np.flatnonzero(kept)
    rows = rows.take(keep[_time_order(rows.ts[keep] - clock.start_second)])
    stopwatch.lap("ordering")
    bank = _assemble(config, population, clock, rows, registry, columns)
    stopwatch.lap("columns")
    bank.normal_rows = sum(map(len, [*monthly, *poisson]))
    bank.stage_seconds = stopwatch.laps
    bank.stage_cpu_seconds = stopwatch.cpu_laps
    return bank


class _Stopwatch:
    """Wall and CPU seconds spent in each stage, for the benchmark (never written to a file)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.cpu_laps: dict[str, float] = {}
        self._last = time.perf_counter()
        self._last_cpu = time.process_time()

    def lap(self, name: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.laps[name] = round(now - self._last, 3)
        self.cpu_laps[name] = round(cpu - self._last_cpu, 3)
        self._last, self._last_cpu = now, cpu


def _time_order(offsets: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Row order by time, ties kept in generation order (a sort of unique keys is fast)."""
    bits = max(1, int(offsets.size).bit_length())
    keys = (offsets << bits) | np.arange(offsets.size, dtype=np.int64)
    keys.sort()
    return np.asarray(keys & ((1 << bits) - 1), dtype=np.int64)


def _assemble(
    config: BankConfig,
    population: Population,
    clock: Clock,
    rows: TransactionBatch,
    registry: PatternRegistry,
    columns: frozenset[str] | None = None,
) -> SyntheticBank:
    """The sorted rows as Arrow columns (all of ``LEDGER_SCHEMA``, or just ``columns``)."""
    parties = population.parties
    n = len(rows)
    rates = daily_rates(stream_rng(config.seed, "fx"), clock.days)
    exponent = currency_exponents()
    day = np.clip((rows.ts - clock.start_second) // DAY, 0, clock.days - 1)

    cny = CURRENCY_CODES.index("CNY")

    def convert(currency: npt.NDArray[np.int16]) -> npt.NDArray[np.int64]:
        """CNY value → minor units of ``currency`` at the day's rate (only foreign rows computed)."""
        result = rows.amount_cny.copy()
        foreign = np.flatnonzero(currency != cny)
        code, when = currency[foreign], day[foreign]
        major = rows.amount_cny[foreign] / 100.0 / rates[code, when]
        result[foreign] = np.maximum(np.rint(major * 10.0 ** exponent[code]), 1)
        return result

    paid_currency = parties.currency[rows.src]
    received_currency = parties.currency[rows.dst]
    paid = convert(paid_currency)
    received = np.where(paid_currency == received_currency, paid, convert(received_currency))
    from_country = parties.country[rows.src]
    to_country = parties.country[rows.dst]
    builders: dict[str, Callable[[], pa.Array]] = {
        "txn_id": lambda: digit_ids("T", np.arange(1, n + 1, dtype=np.int64), 12),
        "booked_at": lambda: pa.array(rows.ts * 1_000_000, type=pa.timestamp("us", tz="UTC")),
        "channel": lambda: _vocab(CHANNELS, rows.channel),
        "kind": lambda: _vocab(KINDS, rows.kind),
        "from_bank": lambda: _vocab(parties.banks, parties.bank[rows.src]),
        "from_account": lambda: parties.ids.take(pa.array(rows.src)),
        "to_bank": lambda: _vocab(parties.banks, parties.bank[rows.dst]),
        "to_account": lambda: parties.ids.take(pa.array(rows.dst)),
        "amount_paid_minor": lambda: pa.array(paid),
        "paid_currency": lambda: _vocab(CURRENCY_CODES, paid_currency),
        "amount_received_minor": lambda: pa.array(received),
        "received_currency": lambda: _vocab(CURRENCY_CODES, received_currency),
        "payment_format": lambda: _vocab(FORMATS, rows.payment_format),
        "counterparty_type": lambda: _vocab(COUNTERPARTY_TYPES, rows.counterparty_type),
        "cross_border": lambda: pa.array(from_country != to_country),
        "from_country": lambda: _vocab(COUNTRIES, from_country),
        "to_country": lambda: _vocab(COUNTRIES, to_country),
        "purpose": lambda: _vocab(PURPOSES, rows.purpose),
    }
    wanted = [f for f in LEDGER_SCHEMA if columns is None or f.name in columns]
    ledger = pa.Table.from_arrays([builders[f.name]() for f in wanted], schema=pa.schema(wanted))
    is_laundering = rows.pattern != NORMAL
    flagged = np.flatnonzero(is_laundering)
    pattern = rows.pattern[flagged]
    labels = pa.Table.from_arrays(
        [
            digit_ids("T", flagged + 1, 12),
            pa.array(np.ones(flagged.size, dtype=bool)),
            pa.array(
                np.array(registry.typologies, dtype=object)[pattern].tolist(), type=pa.string()
            ),
            pa.array(np.array(registry.ids, dtype=object)[pattern].tolist(), type=pa.string()),
        ],
        schema=LABEL_SCHEMA,
    )
    return SyntheticBank(
        config=config,
        population=population,
        ledger=ledger,
        booked_seconds=rows.ts,
        amount_paid_minor=paid,
        amount_received_minor=received,
        paid_currency=paid_currency,
        received_currency=received_currency,
        is_laundering=is_laundering,
        labels=labels,
        patterns=dict(registry.per_typology),
    )
