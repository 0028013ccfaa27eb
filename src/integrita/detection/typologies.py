"""The money-laundering typologies, one registered definition each.

Amounts are compared in CNY minor units (``amount_cny_minor``, valued at the
dated exchange rate); times in seconds (``ts``) or days (``day``) since the epoch.
Each definition is SQL both DuckDB and Spark run unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from integrita.detection.registry import TRANSFER, TRANSFER_T, DetectorQuery, detector

DAY = 86400
_COUNTRY = re.compile(r"^[A-Z]{2}$")


# -- fan-in / fan-out ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FanParams:
    min_counterparties: int = 5
    max_counterparties: int = 60
    window_days: int = 3
    min_amount_cny_minor: int = 100_000


def _not_organisation(column: str) -> str:
    """Businesses pay and are paid by many parties as a matter of course: hubs must be persons."""
    return f"{column} NOT IN (SELECT account_id FROM owners WHERE customer_type = 'organisation')"


def _fan(name: str, p: FanParams, *, inbound: bool) -> DetectorQuery:
    account, other = ("to_account", "from_account") if inbound else ("from_account", "to_account")
    w = p.window_days - 1
    # transfers to business accounts (counterparty_type) are ordinary trade and shopping
    personal = "counterparty_type <> 'third_party_corporate' AND "
    edges = (
        f"SELECT {account} AS account, {other} AS counterparty, day FROM txn "
        f"WHERE {TRANSFER} AND {personal}amount_cny_minor >= {p.min_amount_cny_minor} "
        f"AND {_not_organisation(account)} "
        f"GROUP BY {account}, {other}, day"
    )
    hits = (
        f"SELECT a.account, a.day FROM (SELECT DISTINCT account, day FROM {name}_edges) AS a "
        f"JOIN {name}_edges AS e ON e.account = a.account AND e.day BETWEEN a.day - {w} AND a.day "
        f"GROUP BY a.account, a.day "
        f"HAVING COUNT(DISTINCT e.counterparty) BETWEEN {p.min_counterparties} AND {p.max_counterparties}"
    )
    evidence = (
        f"SELECT concat('{name}:', h.account, ':', CAST(h.day AS STRING)) AS match_id, "
        f"h.account AS account, t.txn_id FROM {name}_hits AS h JOIN txn AS t "
        f"ON t.{account} = h.account AND t.day BETWEEN h.day - {w} AND h.day "
        f"WHERE {TRANSFER_T} AND {personal.replace('counterparty_type', 't.counterparty_type')}"
        f"t.amount_cny_minor >= {p.min_amount_cny_minor}"
    )
    return DetectorQuery(((f"{name}_edges", edges), (f"{name}_hits", hits)), evidence)


def _days(days: int) -> timedelta:
    return timedelta(days=days)


@detector("fan_in", title="Fan-in", params=FanParams(), lookback=lambda p: _days(p.window_days))
def fan_in(p: FanParams) -> DetectorQuery:
    """Fan-in: {min_counterparties} to {max_counterparties} different accounts paid RMB
    {min_amount_cny} or more each into this account within {window_days} days, the way
    mules collect funds before passing them on."""
    return _fan("fan_in", p, inbound=True)


@detector("fan_out", title="Fan-out", params=FanParams(), lookback=lambda p: _days(p.window_days))
def fan_out(p: FanParams) -> DetectorQuery:
    """Fan-out: this account paid RMB {min_amount_cny} or more each to {min_counterparties}
    to {max_counterparties} different accounts within {window_days} days, the way illicit
    funds are dispersed."""
    return _fan("fan_out", p, inbound=False)


# -- edges shared by the path-shaped typologies -------------------------------------------------
def _bucket(ts: str, window_seconds: int) -> str:
    """The ``window_seconds``-wide time bucket of ``ts`` (see :func:`_follow`)."""
    return f"CAST(FLOOR({ts} / {window_seconds}) AS BIGINT)"


def _edges(name: str, min_amount: int, window_seconds: int) -> tuple[str, str]:
    return (
        f"{name}_e",
        f"SELECT txn_id, from_account AS src, to_account AS dst, ts, amount_cny_minor AS amt, "
        f"{_bucket('ts', window_seconds)} AS b "
        f"FROM txn WHERE {TRANSFER} AND amount_cny_minor >= {min_amount}",
    )


def _follow(columns: str, left: str, right: str, buckets: tuple[str, str], on: str) -> str:
    """Rows of ``left JOIN right ON on`` where ``on`` keeps only ``right`` rows whose time lies
    in (t, t + window] for a time t of the left row; ``buckets`` are the left row's bucket of
    t and the right row's bucket (both :func:`_bucket` of the same window).

    Such a time can only fall in bucket ``bucket`` or the next one, so the join is written as
    two equi-joins on the bucket as well as the account. Joining on the account alone pairs
    every payment into a busy account with every payment out of it over the whole scan, and
    the engines then spend most of a run discarding pairs that are months apart.
    """
    return " UNION ALL ".join(
        f"SELECT {columns} FROM {left} JOIN {right} ON {buckets[1]} = {buckets[0]} + {k} AND {on}"
        for k in (0, 1)
    )


def _evidence(match_id: str, pairs: list[tuple[str, str]], source: str) -> str:
    """Evidence rows (match_id, account, txn_id): one per (account, txn_id) column pair of
    every row of ``source`` (a FROM clause).

    The rows are unpivoted by a cross join with the pair numbers rather than written as a
    UNION ALL of one SELECT per pair, so the engines read (and join) ``source`` once instead
    of once per pair; the cycle detector's evidence was a union of twenty such branches.
    """

    def pick(column: int) -> str:
        cases = " ".join(f"WHEN {i} THEN {pair[column]}" for i, pair in enumerate(pairs, 1))
        return f"CASE n.i {cases} END"

    numbers = ", ".join(f"({i})" for i in range(1, len(pairs) + 1))
    return (
        f"SELECT {match_id} AS match_id, {pick(0)} AS account, {pick(1)} AS txn_id "
        f"{source} CROSS JOIN (VALUES {numbers}) AS n(i)"
    )


def _similar(later: str, earlier: str, tolerance_pct: int) -> str:
    """``later`` amount within ``tolerance_pct`` percent of ``earlier`` (integer arithmetic)."""
    return (
        f"{later} * 100 >= {earlier} * {100 - tolerance_pct} "
        f"AND {later} * 100 <= {earlier} * {100 + tolerance_pct}"
    )


# -- cycle ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CycleParams:
    min_hops: int = 2
    max_hops: int = 6
    window_days: int = 10
    amount_tolerance_pct: int = 10
    min_amount_cny_minor: int = 100_000


@detector("cycle", title="Cycle", params=CycleParams(), lookback=lambda p: _days(p.window_days))
def cycle(p: CycleParams) -> DetectorQuery:
    """Cycle: money left this account and came back to it through a chain of {min_hops} to
    {max_hops} payments of RMB {min_amount_cny} or more, all within {window_days} days and
    each within {amount_tolerance_pct} % of the previous one's amount — round-tripping that
    hides the origin."""
    name = "cycle"
    window = p.window_days * DAY
    stages: list[tuple[str, str]] = [_edges(name, p.min_amount_cny_minor, window)]
    stages.append(
        (
            f"{name}_p1",
            f"SELECT src AS a1, dst AS a2, txn_id AS t1, ts AS ts1, b AS b1, ts AS tsl, "
            f"amt AS amtl FROM {name}_e",
        )
    )
    closed: list[tuple[int, str]] = []
    for k in range(2, p.max_hops + 1):
        prev = f"{name}_p{k - 1}"
        nodes = ", ".join(f"p.a{i}" for i in range(1, k + 1))
        txns = ", ".join(f"p.t{i}" for i in range(1, k))
        on = (
            f"e.src = p.a{k} AND e.ts > p.tsl AND e.ts <= p.ts1 + {window} "
            f"AND {_similar('e.amt', 'p.amtl', p.amount_tolerance_pct)}"
        )
        left, right = f"{prev} AS p", f"{name}_e AS e"
        if k >= p.min_hops:
            stages.append(
                (
                    f"{name}_c{k}",
                    _follow(
                        f"{nodes}, {txns}, e.txn_id AS t{k}",
                        left,
                        right,
                        ("p.b1", "e.b"),
                        f"{on} AND e.dst = p.a1",
                    ),
                )
            )
            closed.append((k, f"{name}_c{k}"))
        if k < p.max_hops:
            distinct = " AND ".join(f"e.dst <> p.a{i}" for i in range(1, k + 1))
            stages.append(
                (
                    f"{name}_p{k}",
                    _follow(
                        f"{nodes}, e.dst AS a{k + 1}, {txns}, e.txn_id AS t{k}, p.ts1, p.b1, "
                        f"e.ts AS tsl, e.amt AS amtl",
                        left,
                        right,
                        ("p.b1", "e.b"),
                        f"{on} AND {distinct}",
                    ),
                )
            )
    parts = []
    for k, table in closed:
        match_id = "concat('cycle:', " + ", '>', ".join(f"t{i}" for i in range(1, k + 1)) + ")"
        pairs = [(f"a{i}", f"t{i}") for i in range(1, k + 1)]
        parts.append(_evidence(match_id, pairs, f"FROM {table}"))
    return DetectorQuery(tuple(stages), " UNION ALL ".join(parts))


# -- scatter-gather / gather-scatter ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ScatterGatherParams:
    min_intermediaries: int = 3
    window_days: int = 5
    amount_tolerance_pct: int = 20
    min_amount_cny_minor: int = 100_000


@detector(
    "scatter_gather",
    title="Scatter-gather",
    params=ScatterGatherParams(),
    lookback=lambda p: _days(p.window_days),
)
def scatter_gather(p: ScatterGatherParams) -> DetectorQuery:
    """Scatter-gather: one account split money across {min_intermediaries} or more
    intermediaries, each of which passed an amount within {amount_tolerance_pct} % of what it
    received on to one common receiver within {window_days} days — the money is scattered
    to hide it and gathered again."""
    name = "scatter_gather"
    window = p.window_days * DAY
    pairs = _follow(
        "e1.src AS source, e1.dst AS mid, e2.dst AS target, e1.txn_id AS t1, e2.txn_id AS t2",
        f"{name}_e AS e1",
        f"{name}_e AS e2",
        ("e1.b", "e2.b"),
        f"e2.src = e1.dst AND e2.ts > e1.ts AND e2.ts <= e1.ts + {window} "
        f"AND {_similar('e2.amt', 'e1.amt', p.amount_tolerance_pct)} "
        f"AND e2.dst <> e1.src AND e2.dst <> e1.dst",
    )
    hits = (
        f"SELECT source, target FROM {name}_pairs GROUP BY source, target "
        f"HAVING COUNT(DISTINCT mid) >= {p.min_intermediaries}"
    )
    mid = f"concat('{name}:', p.source, '>', p.target)"
    join = f"FROM {name}_pairs AS p JOIN {name}_hits AS h ON h.source = p.source AND h.target = p.target"
    evidence = _evidence(
        mid,
        [("p.source", "p.t1"), ("p.mid", "p.t1"), ("p.mid", "p.t2"), ("p.target", "p.t2")],
        join,
    )
    return DetectorQuery(
        (
            _edges(name, p.min_amount_cny_minor, window),
            (f"{name}_pairs", pairs),
            (f"{name}_hits", hits),
        ),
        evidence,
    )


@dataclass(frozen=True, slots=True)
class GatherScatterParams:
    min_senders: int = 4
    min_receivers: int = 4
    max_counterparties: int = 60
    window_days: int = 5
    min_amount_cny_minor: int = 100_000


@detector(
    "gather_scatter",
    title="Gather-scatter",
    params=GatherScatterParams(),
    lookback=lambda p: _days(2 * p.window_days),
)
def gather_scatter(p: GatherScatterParams) -> DetectorQuery:
    """Gather-scatter: this account first collected RMB {min_amount_cny} or more from each
    of {min_senders} or more senders and then, within {window_days} days, paid it out to
    {min_receivers} or more different receivers — a collection hub that redistributes
    funds."""
    name = "gather_scatter"
    w = p.window_days - 1
    filt = (
        f"{TRANSFER} AND amount_cny_minor >= {p.min_amount_cny_minor} "
        f"AND counterparty_type <> 'third_party_corporate'"
    )
    stages = (
        (
            f"{name}_in",
            f"SELECT to_account AS hub, from_account AS cp, day FROM txn WHERE {filt} "
            f"AND {_not_organisation('to_account')} GROUP BY to_account, from_account, day",
        ),
        (
            f"{name}_out",
            f"SELECT from_account AS hub, to_account AS cp, day FROM txn WHERE {filt} "
            f"GROUP BY from_account, to_account, day",
        ),
        (
            f"{name}_gather",
            f"SELECT a.hub, a.day FROM (SELECT DISTINCT hub, day FROM {name}_in) AS a "
            f"JOIN {name}_in AS i ON i.hub = a.hub AND i.day BETWEEN a.day - {w} AND a.day "
            f"GROUP BY a.hub, a.day HAVING COUNT(DISTINCT i.cp) BETWEEN {p.min_senders} "
            f"AND {p.max_counterparties}",
        ),
        (
            f"{name}_hits",
            f"SELECT g.hub, g.day FROM {name}_gather AS g JOIN {name}_out AS o "
            f"ON o.hub = g.hub AND o.day BETWEEN g.day AND g.day + {w} "
            f"GROUP BY g.hub, g.day HAVING COUNT(DISTINCT o.cp) BETWEEN {p.min_receivers} "
            f"AND {p.max_counterparties}",
        ),
    )
    mid = f"concat('{name}:', h.hub, ':', CAST(h.day AS STRING))"
    amount = (
        f"t.amount_cny_minor >= {p.min_amount_cny_minor} AND {TRANSFER_T} "
        f"AND t.counterparty_type <> 'third_party_corporate'"
    )
    evidence = (
        f"SELECT {mid} AS match_id, h.hub AS account, t.txn_id FROM {name}_hits AS h JOIN txn AS t "
        f"ON t.to_account = h.hub AND t.day BETWEEN h.day - {w} AND h.day WHERE {amount} "
        f"UNION ALL "
        f"SELECT {mid} AS match_id, h.hub AS account, t.txn_id FROM {name}_hits AS h JOIN txn AS t "
        f"ON t.from_account = h.hub AND t.day BETWEEN h.day AND h.day + {w} WHERE {amount}"
    )
    return DetectorQuery(stages, evidence)


# -- bipartite / stack --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BipartiteParams:
    min_sources: int = 3
    max_degree: int = 12
    window_days: int = 7
    min_amount_cny_minor: int = 100_000


@detector(
    "bipartite",
    title="Bipartite",
    params=BipartiteParams(),
    lookback=lambda p: _days(p.window_days),
)
def bipartite(p: BipartiteParams) -> DetectorQuery:
    """Bipartite: a group of senders all paid the same group of receivers in the same
    {window_days}-day window (each of at least {min_sources} senders paid each of at least
    two receivers, RMB {min_amount_cny} or more a payment), a coordinated web of payments
    between otherwise unrelated accounts."""
    name = "bipartite"
    filt = f"{TRANSFER} AND amount_cny_minor >= {p.min_amount_cny_minor}"
    bucket = f"CAST(FLOOR(day / {p.window_days}) AS BIGINT)"
    stages = (
        (
            f"{name}_e",
            f"SELECT from_account AS s, to_account AS t, {bucket} AS bucket FROM txn "
            f"WHERE {filt} GROUP BY from_account, to_account, {bucket}",
        ),
        (
            f"{name}_s",
            f"SELECT s, bucket FROM {name}_e GROUP BY s, bucket "
            f"HAVING COUNT(*) BETWEEN 2 AND {p.max_degree}",
        ),
        (
            f"{name}_t",
            f"SELECT t, bucket FROM {name}_e GROUP BY t, bucket "
            f"HAVING COUNT(*) BETWEEN {p.min_sources} AND {p.max_degree}",
        ),
        (
            f"{name}_ok",
            f"SELECT e.s, e.t, e.bucket FROM {name}_e AS e "
            f"JOIN {name}_s AS s ON s.s = e.s AND s.bucket = e.bucket "
            f"JOIN {name}_t AS t ON t.t = e.t AND t.bucket = e.bucket",
        ),
        (
            f"{name}_pairs",
            f"SELECT a.t AS t1, b.t AS t2, a.bucket, a.s FROM {name}_ok AS a JOIN {name}_ok AS b "
            f"ON b.s = a.s AND b.bucket = a.bucket AND a.t < b.t",
        ),
        (
            f"{name}_hits",
            f"SELECT p.t1, p.t2, p.bucket, p.s FROM {name}_pairs AS p JOIN "
            f"(SELECT t1, t2, bucket FROM {name}_pairs GROUP BY t1, t2, bucket "
            f"HAVING COUNT(*) >= {p.min_sources}) AS g "
            f"ON g.t1 = p.t1 AND g.t2 = p.t2 AND g.bucket = p.bucket",
        ),
    )
    mid = f"concat('{name}:', h.t1, '|', h.t2, ':', CAST(h.bucket AS STRING))"
    tx = (
        f"JOIN txn AS x ON x.from_account = h.s AND x.to_account = {{target}} "
        f"AND CAST(FLOOR(x.day / {p.window_days}) AS BIGINT) = h.bucket "
        f"AND x.amount_cny_minor >= {p.min_amount_cny_minor} "
        f"AND x.kind = 'transfer'"
    )
    parts = []
    for target in ("h.t1", "h.t2"):
        for who in ("h.s", target):
            parts.append(
                f"SELECT {mid} AS match_id, {who} AS account, x.txn_id "
                f"FROM {name}_hits AS h {tx.format(target=target)}"
            )
    return DetectorQuery(stages, " UNION ALL ".join(parts))


@dataclass(frozen=True, slots=True)
class StackParams:
    min_layer_width: int = 2
    #: Wider "layers" are a busy account's ordinary traffic, not a layering scheme.
    max_layer_width: int = 12
    window_days: int = 7
    amount_tolerance_pct: int = 30
    min_amount_cny_minor: int = 500_000


@detector(
    "stack",
    title="Stack (layering)",
    params=StackParams(),
    lookback=lambda p: _days(p.window_days),
    merge_shared_evidence=False,
)
def stack(p: StackParams) -> DetectorQuery:
    """Stack (layering): money from one account reached one final receiver through two
    successive layers of intermediaries ({min_layer_width} to {max_layer_width} different
    accounts in each layer), every hop of RMB {min_amount_cny} or more, within {window_days}
    days and within {amount_tolerance_pct} % of the previous hop — layering that puts
    distance between the funds and their source."""
    name = "stack"
    window = p.window_days * DAY
    tol = p.amount_tolerance_pct
    stages = (
        _edges(name, p.min_amount_cny_minor, window),
        (
            f"{name}_p2",
            _follow(
                "e1.src AS a1, e1.dst AS a2, e2.dst AS a3, e1.txn_id AS t1, e2.txn_id AS t2, "
                "e1.ts AS ts1, e1.b AS b1, e2.ts AS ts2, e2.amt AS amt2",
                f"{name}_e AS e1",
                f"{name}_e AS e2",
                ("e1.b", "e2.b"),
                f"e2.src = e1.dst AND e2.ts > e1.ts AND e2.ts <= e1.ts + {window} "
                f"AND {_similar('e2.amt', 'e1.amt', tol)} AND e2.dst <> e1.src",
            ),
        ),
        (
            f"{name}_p3",
            _follow(
                "p.a1, p.a2, p.a3, e.dst AS a4, p.t1, p.t2, e.txn_id AS t3",
                f"{name}_p2 AS p",
                f"{name}_e AS e",
                ("p.b1", "e.b"),
                f"e.src = p.a3 AND e.ts > p.ts2 AND e.ts <= p.ts1 + {window} "
                f"AND {_similar('e.amt', 'p.amt2', tol)} AND e.dst <> p.a1 AND e.dst <> p.a2",
            ),
        ),
        (
            f"{name}_hits",
            f"SELECT a1, a4 FROM {name}_p3 GROUP BY a1, a4 "
            f"HAVING COUNT(DISTINCT a2) BETWEEN {p.min_layer_width} AND {p.max_layer_width} "
            f"AND COUNT(DISTINCT a3) BETWEEN {p.min_layer_width} AND {p.max_layer_width}",
        ),
    )
    mid = f"concat('{name}:', p.a1, '>', p.a4)"
    join = f"FROM {name}_p3 AS p JOIN {name}_hits AS h ON h.a1 = p.a1 AND h.a4 = p.a4"
    evidence = _evidence(
        mid,
        [
            ("p.a1", "p.t1"),
            ("p.a2", "p.t1"),
            ("p.a2", "p.t2"),
            ("p.a3", "p.t2"),
            ("p.a3", "p.t3"),
            ("p.a4", "p.t3"),
        ],
        join,
    )
    return DetectorQuery(stages, evidence)


# -- structuring --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StructuringParams:
    threshold_cny_minor: int = 5_000_000
    threshold_usd_minor: int = 1_000_000
    margin_pct: int = 20
    min_deposits: int = 3
    window_days: int = 3


@detector(
    "structuring",
    title="Structuring",
    params=StructuringParams(),
    lookback=lambda p: _days(p.window_days),
)
def structuring(p: StructuringParams) -> DetectorQuery:
    """Structuring: {min_deposits} or more cash deposits each less than {margin_pct} % under
    the RMB {threshold_cny} reporting line (or USD {threshold_usd} for foreign currency) were
    made within {window_days} days by the same customer, possibly into different accounts or
    at different branches — splitting cash to stay below the large-value report."""
    name = "structuring"
    lo_cny = p.threshold_cny_minor * (100 - p.margin_pct) // 100
    lo_usd = p.threshold_usd_minor * (100 - p.margin_pct) // 100
    window = p.window_days * DAY
    stages = (
        (
            f"{name}_d",
            f"SELECT t.txn_id, t.ts, t.to_account AS account, "
            f"COALESCE(o.customer_id, t.to_account) AS holder FROM txn AS t "
            f"LEFT JOIN owners AS o ON o.account_id = t.to_account "
            f"WHERE t.kind = 'cash_deposit' AND ("
            f"(t.paid_currency = 'CNY' AND t.amount_cny_minor >= {lo_cny} "
            f"AND t.amount_cny_minor < {p.threshold_cny_minor}) OR "
            f"(t.paid_currency <> 'CNY' AND t.amount_usd_minor >= {lo_usd} "
            f"AND t.amount_usd_minor < {p.threshold_usd_minor}))",
        ),
        (
            f"{name}_hits",
            f"SELECT a.holder, a.txn_id AS anchor, a.ts FROM {name}_d AS a JOIN {name}_d AS b "
            f"ON b.holder = a.holder AND b.ts >= a.ts - {window} AND b.ts <= a.ts "
            f"GROUP BY a.holder, a.txn_id, a.ts HAVING COUNT(*) >= {p.min_deposits}",
        ),
    )
    evidence = (
        f"SELECT concat('{name}:', h.holder, ':', h.anchor) AS match_id, d.account, d.txn_id "
        f"FROM {name}_hits AS h JOIN {name}_d AS d ON d.holder = h.holder "
        f"AND d.ts >= h.ts - {window} AND d.ts <= h.ts"
    )
    return DetectorQuery(stages, evidence)


# -- rapid pass-through -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PassThroughParams:
    window_hours: int = 48
    min_amount_cny_minor: int = 1_000_000
    min_out_pct: int = 90
    max_out_pct: int = 110


@detector(
    "rapid_pass_through",
    title="Rapid pass-through",
    params=PassThroughParams(),
    lookback=lambda p: timedelta(hours=p.window_hours),
)
def rapid_pass_through(p: PassThroughParams) -> DetectorQuery:
    """Rapid pass-through: RMB {min_amount_cny} or more came into this account and
    {min_out_pct} % to {max_out_pct} % of it went out again within {window_hours} hours,
    leaving little behind — the account is used as a conduit, not to hold money."""
    name = "rapid_pass_through"
    window = p.window_hours * 3600
    bucket = _bucket("ts", window)
    within = f"o.account = i.account AND o.ts > i.ts AND o.ts <= i.ts + {window}"
    stages = (
        (
            f"{name}_in",
            f"SELECT txn_id, to_account AS account, ts, amount_cny_minor AS amt, {bucket} AS b "
            f"FROM txn WHERE from_account <> to_account AND kind <> 'cash_withdrawal' "
            f"AND amount_cny_minor >= {p.min_amount_cny_minor}",
        ),
        (
            f"{name}_out",
            f"SELECT txn_id, from_account AS account, ts, amount_cny_minor AS amt, {bucket} AS b "
            "FROM txn WHERE from_account <> to_account AND kind <> 'cash_deposit'",
        ),
        (
            f"{name}_follow",
            _follow(
                "i.txn_id AS in_id, i.account, i.ts, i.amt AS in_amt, o.txn_id AS out_id, "
                "o.amt AS out_amt",
                f"{name}_in AS i",
                f"{name}_out AS o",
                ("i.b", "o.b"),
                within,
            ),
        ),
        (
            f"{name}_hits",
            f"SELECT in_id FROM {name}_follow GROUP BY in_id, in_amt "
            f"HAVING SUM(out_amt) * 100 >= in_amt * {p.min_out_pct} "
            f"AND SUM(out_amt) * 100 <= in_amt * {p.max_out_pct}",
        ),
    )
    mid = f"concat('{name}:', f.in_id)"
    joined = f"FROM {name}_follow AS f JOIN {name}_hits AS h ON h.in_id = f.in_id"
    evidence = (
        f"SELECT DISTINCT {mid} AS match_id, f.account, f.in_id AS txn_id {joined} "
        f"UNION ALL SELECT {mid} AS match_id, f.account, f.out_id AS txn_id {joined}"
    )
    return DetectorQuery(stages, evidence)


# -- dormant account ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DormantParams:
    dormant_days: int = 180
    active_days: int = 30
    min_transactions: int = 3
    min_amount_cny_minor: int = 5_000_000


@detector(
    "dormant_awakening",
    title="Dormant account suddenly active",
    params=DormantParams(),
    lookback=lambda p: _days(p.dormant_days + p.active_days),
)
def dormant_awakening(p: DormantParams) -> DetectorQuery:
    """Dormant account suddenly active: this account had no transactions for {dormant_days}
    days or more and then, within {active_days} days of waking up, moved RMB
    {min_amount_cny} or more in {min_transactions} or more transactions — dormant accounts
    are bought or taken over to launder money."""
    name = "dormant_awakening"
    active = p.active_days * DAY
    stages = (
        (
            f"{name}_act",
            "SELECT from_account AS account, txn_id, ts, amount_cny_minor AS amt FROM txn "
            "UNION ALL SELECT to_account AS account, txn_id, ts, amount_cny_minor AS amt "
            "FROM txn WHERE to_account <> from_account",
        ),
        (
            f"{name}_wake",
            f"SELECT account, txn_id, ts FROM (SELECT account, txn_id, ts, "
            f"LAG(ts) OVER (PARTITION BY account ORDER BY ts, txn_id) AS prev_ts "
            f"FROM {name}_act) AS x WHERE prev_ts IS NOT NULL "
            f"AND ts - prev_ts >= {p.dormant_days * DAY}",
        ),
        (
            f"{name}_hits",
            f"SELECT w.account, w.txn_id AS wake_id, w.ts FROM {name}_wake AS w "
            f"JOIN {name}_act AS a ON a.account = w.account AND a.ts >= w.ts "
            f"AND a.ts < w.ts + {active} GROUP BY w.account, w.txn_id, w.ts "
            f"HAVING COUNT(*) >= {p.min_transactions} AND SUM(a.amt) >= {p.min_amount_cny_minor}",
        ),
    )
    evidence = (
        f"SELECT concat('{name}:', h.wake_id) AS match_id, h.account, a.txn_id "
        f"FROM {name}_hits AS h JOIN {name}_act AS a ON a.account = h.account "
        f"AND a.ts >= h.ts AND a.ts < h.ts + {active}"
    )
    return DetectorQuery(stages, evidence)


# -- high-risk geography ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class GeographyParams:
    #: FATF "call for action" jurisdictions by default; configure the bank's own list.
    countries: tuple[str, ...] = ("KP", "IR", "MM")
    min_amount_cny_minor: int = 0

    def __post_init__(self) -> None:
        bad = [c for c in self.countries if not _COUNTRY.match(c)]
        if bad:
            raise ValueError(f"countries must be ISO 3166 alpha-2 codes, not {bad}")


@detector(
    "high_risk_geography",
    title="High-risk geography",
    params=GeographyParams(),
    lookback=lambda p: _days(7),
)
def high_risk_geography(p: GeographyParams) -> DetectorQuery:
    """High-risk geography: this account sent money to, or received money from, a
    country on the bank's list of high-risk jurisdictions ({countries}; RMB
    {min_amount_cny} or more a payment)."""
    name = "high_risk_geography"
    listed = ", ".join(f"'{c}'" for c in p.countries) or "''"
    week = "CAST(FLOOR(day / 7) AS BIGINT)"
    return DetectorQuery(
        (),
        f"SELECT concat('{name}:', from_account, ':', CAST({week} AS STRING)) AS match_id, "
        f"from_account AS account, txn_id FROM txn WHERE to_country IN ({listed}) "
        f"AND amount_cny_minor >= {p.min_amount_cny_minor} "
        f"UNION ALL SELECT concat('{name}:', to_account, ':', CAST({week} AS STRING)) AS match_id, "
        f"to_account AS account, txn_id FROM txn WHERE from_country IN ({listed}) "
        f"AND amount_cny_minor >= {p.min_amount_cny_minor}",
    )


# -- behaviour change ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BehaviourParams:
    history_weeks: int = 12
    min_history_weeks: int = 4
    ratio: int = 5
    min_amount_cny_minor: int = 10_000_000
    min_counterparties: int = 8
    #: times the average week of the account's peer group (its customer segment)
    peer_ratio: int = 2


@detector(
    "behaviour_change",
    title="Behaviour change",
    params=BehaviourParams(),
    lookback=lambda p: timedelta(weeks=p.history_weeks + 1),
)
def behaviour_change(p: BehaviourParams) -> DetectorQuery:
    """Behaviour change: in one week this account moved RMB {min_amount_cny} or more, or
    dealt with {min_counterparties} or more counterparties, and that was {ratio} times or
    more its own weekly average over the previous {history_weeks} weeks (with at least
    {min_history_weeks} weeks of history) and {peer_ratio} times or more the average week of
    its peer group (accounts of the same customer segment) — a sudden change in how the account
    is used that its kind of customer does not explain."""
    # Why the peer group: an account with a quiet history trips its own ratio with any
    # ordinary busy week (a month's rent and a holiday); on the synthetic banks nine in ten
    # such weeks were weeks every account of its segment has. The segment is the owner's
    # customer type, "unknown" for accounts whose owner the bank does not know.
    name = "behaviour_change"
    h = p.history_weeks
    frame = f"OVER (PARTITION BY account ORDER BY week RANGE BETWEEN {h} PRECEDING AND 1 PRECEDING)"
    stages = (
        (
            f"{name}_side",
            "SELECT from_account AS account, to_account AS cp, CAST(FLOOR(day / 7) AS BIGINT) AS week, "
            "amount_cny_minor AS amt, txn_id FROM txn WHERE from_account <> to_account "
            "UNION ALL SELECT to_account AS account, from_account AS cp, "
            "CAST(FLOOR(day / 7) AS BIGINT) AS week, amount_cny_minor AS amt, txn_id FROM txn "
            "WHERE from_account <> to_account",
        ),
        (
            f"{name}_week",
            f"SELECT account, week, SUM(amt) AS amt, COUNT(DISTINCT cp) AS cps FROM {name}_side "
            f"GROUP BY account, week",
        ),
        (
            f"{name}_seg",
            f"SELECT w.account, COALESCE(MAX(o.customer_type), 'unknown') AS segment "
            f"FROM (SELECT DISTINCT account FROM {name}_week) AS w "
            f"LEFT JOIN owners AS o ON o.account_id = w.account GROUP BY w.account",
        ),
        (
            f"{name}_peer",
            f"SELECT s.segment, AVG(w.amt) AS peer_amt, AVG(w.cps) AS peer_cps "
            f"FROM {name}_week AS w JOIN {name}_seg AS s ON s.account = w.account "
            f"GROUP BY s.segment",
        ),
        (
            f"{name}_hits",
            f"SELECT x.account, x.week FROM (SELECT account, week, amt, cps, "
            f"SUM(amt) {frame} AS hist_amt, SUM(cps) {frame} AS hist_cps, "
            f"COUNT(*) {frame} AS hist_weeks FROM {name}_week) AS x "
            f"JOIN {name}_seg AS s ON s.account = x.account "
            f"JOIN {name}_peer AS g ON g.segment = s.segment "
            f"WHERE x.hist_weeks >= {p.min_history_weeks} AND ("
            f"(x.amt >= {p.min_amount_cny_minor} AND x.amt * {h} >= x.hist_amt * {p.ratio} "
            f"AND x.amt >= g.peer_amt * {p.peer_ratio}) OR "
            f"(x.cps >= {p.min_counterparties} AND x.cps * {h} >= x.hist_cps * {p.ratio} "
            f"AND x.cps >= g.peer_cps * {p.peer_ratio}))",
        ),
    )
    evidence = (
        f"SELECT concat('{name}:', h.account, ':', CAST(h.week AS STRING)) AS match_id, "
        f"h.account, s.txn_id FROM {name}_hits AS h JOIN {name}_side AS s "
        f"ON s.account = h.account AND s.week = h.week"
    )
    return DetectorQuery(stages, evidence)
