"""The money-laundering typologies, one registered definition each.

Amounts are compared in CNY minor units (``amount_cny_minor``, valued at the
dated exchange rate); times in seconds (``ts``) or days (``day``) since the epoch.
Each definition is SQL both DuckDB and Spark run unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from integrita.detection.context import business_accounts_sql
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


def _edges(name: str, min_amount: int, window_seconds: int, where: str = "") -> tuple[str, str]:
    return (
        f"{name}_e",
        f"SELECT txn_id, from_account AS src, to_account AS dst, ts, amount_cny_minor AS amt, "
        f"{_bucket('ts', window_seconds)} AS b "
        f"FROM txn WHERE {TRANSFER} AND amount_cny_minor >= {min_amount}{where}",
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


def _ours(column: str) -> str:
    """``column`` is an account of the bank's own (any account when the bank registered no
    owners, as with a bare AMLworld file)."""
    return f"({column} IN (SELECT account_id FROM owners) OR (SELECT COUNT(*) FROM owners) = 0)"


def _business(name: str) -> tuple[str, str]:
    """Stage ``{name}_biz``: the business-like accounts (:mod:`integrita.detection.context`) in
    the data the detector reads."""
    return (f"{name}_biz", business_accounts_sql())


def _person_legs(name: str, min_amount: int, window_days: int) -> tuple[tuple[str, str], ...]:
    """Stages ending in ``{name}_legs`` (s, m, r, in_id, out_id, in_amt, out_amt): ``s`` paid
    ``m`` and then, within ``window_days``, ``m`` paid ``r`` — three different accounts, ``m``
    not business-like, and not both ``s`` and ``r`` business-like.

    Why persons in the middle: a company or a merchant is paid by some and pays others all
    day, so any two of its counterparties are "linked through" it; a mule layer is made of
    personal accounts. Why not business at both ends: an employer pays wages that the
    employees spend at the same shop — a chain every payroll makes.
    """
    window = window_days * DAY
    biz = f"(SELECT account FROM {name}_biz)"

    def side(column: str, other: str, flag: str) -> str:
        return (
            f"SELECT e.*, CASE WHEN x.account IS NULL THEN 0 ELSE 1 END AS {flag} "
            f"FROM {name}_e AS e LEFT JOIN {name}_biz AS x ON x.account = e.{other} "
            f"WHERE e.{column} NOT IN {biz}"
        )

    legs = _follow(
        "i.src AS s, i.dst AS m, o.dst AS r, i.txn_id AS in_id, o.txn_id AS out_id, "
        "i.amt AS in_amt, o.amt AS out_amt",
        f"{name}_in AS i",
        f"{name}_out AS o",
        ("i.b", "o.b"),
        f"o.src = i.dst AND o.ts > i.ts AND o.ts <= i.ts + {window} AND o.dst <> i.src "
        f"AND i.src_biz + o.dst_biz < 2",
    )
    return (
        _edges(name, min_amount, window),
        _business(name),
        (f"{name}_in", side("dst", "src", "src_biz")),
        (f"{name}_out", side("src", "dst", "dst_biz")),
        (f"{name}_legs", legs),
    )


def _legs_evidence(name: str, joins: str) -> str:
    """Evidence of the ``{name}_legs`` rows (aliased ``l``) that ``joins`` keeps: the payment
    in to the intermediary and the payment out of it, each on both of its accounts."""
    return _evidence(
        f"concat('{name}:', l.s, '>', l.r)",
        [("l.s", "l.in_id"), ("l.m", "l.in_id"), ("l.m", "l.out_id"), ("l.r", "l.out_id")],
        f"FROM {name}_legs AS l {joins}",
    )


def _drifted(later: str, earlier: str, loss_pct: int) -> str:
    """``later`` amount at most ``loss_pct`` percent below ``earlier`` and at most 2 % above it:
    money passed on loses fees and cuts on the way and never grows by much (rounding, a
    conversion at a better rate)."""
    return f"{later} * 100 >= {earlier} * {100 - loss_pct} AND {later} * 100 <= {earlier} * 102"


# -- cycle ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CycleParams:
    #: Two hops (A pays B, B pays A back) is a loan and its repayment between people.
    min_hops: int = 3
    max_hops: int = 8
    window_days: int = 21
    amount_tolerance_pct: int = 15
    min_amount_cny_minor: int = 100_000


@detector("cycle", title="Cycle", params=CycleParams(), lookback=lambda p: _days(p.window_days))
def cycle(p: CycleParams) -> DetectorQuery:
    """Cycle: money left this account and came back to it through a chain of {min_hops} to
    {max_hops} payments of RMB {min_amount_cny} or more, all within {window_days} days, the
    first paid by a personal account and each at most {amount_tolerance_pct} % less than the previous
    one (fees and cuts taken on the way; never more than 2 % above it) — round-tripping that
    hides the origin. Loops of trade between businesses are not counted."""
    name = "cycle"
    window = p.window_days * DAY
    stages: list[tuple[str, str]] = [_business(name), _edges(name, p.min_amount_cny_minor, window)]
    stages.append(
        (
            f"{name}_p1",
            f"SELECT src AS a1, dst AS a2, txn_id AS t1, ts AS ts1, b AS b1, ts AS tsl, "
            f"amt AS amtl FROM {name}_e WHERE src NOT IN (SELECT account FROM {name}_biz)",
        )
    )
    closed: list[tuple[int, str]] = []
    for k in range(2, p.max_hops + 1):
        prev = f"{name}_p{k - 1}"
        nodes = ", ".join(f"p.a{i}" for i in range(1, k + 1))
        txns = ", ".join(f"p.t{i}" for i in range(1, k))
        on = (
            f"e.src = p.a{k} AND e.ts > p.tsl AND e.ts <= p.ts1 + {window} "
            f"AND {_drifted('e.amt', 'p.amtl', p.amount_tolerance_pct)}"
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
    max_intermediaries: int = 30
    window_days: int = 14
    amount_tolerance_pct: int = 20
    min_amount_cny_minor: int = 100_000


@detector(
    "scatter_gather",
    title="Scatter-gather",
    params=ScatterGatherParams(),
    lookback=lambda p: _days(p.window_days),
)
def scatter_gather(p: ScatterGatherParams) -> DetectorQuery:
    """Scatter-gather: one account split RMB {min_amount_cny} or more a payment across
    {min_intermediaries} to {max_intermediaries} personal accounts, each of which passed on
    what it received, less at most {amount_tolerance_pct} % (fees, cuts, conversion; in one
    payment or several), to one common receiver within {window_days} days — the money is
    scattered to hide it and gathered again. Chains from one business to another through
    persons (wages spent at a shop) are not counted."""
    name = "scatter_gather"
    tol = p.amount_tolerance_pct
    stages = (
        *_person_legs(name, p.min_amount_cny_minor, p.window_days),
        (
            f"{name}_mids",
            f"SELECT i.s, i.m, i.r FROM (SELECT s, m, r, SUM(in_amt) AS amt FROM "
            f"(SELECT DISTINCT s, m, r, in_id, in_amt FROM {name}_legs) AS x GROUP BY s, m, r) AS i "
            f"JOIN (SELECT s, m, r, SUM(out_amt) AS amt FROM "
            f"(SELECT DISTINCT s, m, r, out_id, out_amt FROM {name}_legs) AS y GROUP BY s, m, r) AS o "
            f"ON o.s = i.s AND o.m = i.m AND o.r = i.r "
            f"WHERE o.amt * 100 >= i.amt * {100 - tol} AND o.amt * 100 <= i.amt * {100 + tol // 4}",
        ),
        (
            f"{name}_hits",
            f"SELECT s, r FROM {name}_mids GROUP BY s, r "
            f"HAVING COUNT(*) BETWEEN {p.min_intermediaries} AND {p.max_intermediaries}",
        ),
    )
    return DetectorQuery(
        stages,
        _legs_evidence(
            name,
            f"JOIN {name}_mids AS x ON x.s = l.s AND x.m = l.m AND x.r = l.r "
            f"JOIN {name}_hits AS h ON h.s = l.s AND h.r = l.r",
        ),
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
    min_sources: int = 2
    max_degree: int = 12
    window_days: int = 14
    min_amount_cny_minor: int = 100_000


@detector(
    "bipartite",
    title="Bipartite",
    params=BipartiteParams(),
    lookback=lambda p: _days(2 * p.window_days),
)
def bipartite(p: BipartiteParams) -> DetectorQuery:
    """Bipartite: a group of {min_sources} to {max_degree} personal accounts each paid the same
    two personal accounts within {window_days} days of one another (RMB {min_amount_cny} or
    more a payment, in amounts that need not match) — a coordinated web of payments between
    otherwise unrelated accounts. Payments to or from businesses (a shop or an employer shared
    by many) are not counted."""
    name = "bipartite"
    window = p.window_days * DAY
    biz = f"(SELECT account FROM {name}_biz)"
    stages = (
        _business(name),
        _edges(
            name,
            p.min_amount_cny_minor,
            window,
            f" AND from_account NOT IN {biz} AND to_account NOT IN {biz}",
        ),
        (
            f"{name}_pairs",
            _follow(
                "a.src AS s, a.dst AS ta, c.dst AS tc, a.ts, a.txn_id AS xa, c.txn_id AS xc, "
                "CASE WHEN a.dst < c.dst THEN a.dst ELSE c.dst END AS t1, "
                "CASE WHEN a.dst < c.dst THEN c.dst ELSE a.dst END AS t2",
                f"{name}_e AS a",
                f"{name}_e AS c",
                ("a.b", "c.b"),
                f"c.src = a.src AND c.dst <> a.dst AND c.ts > a.ts AND c.ts <= a.ts + {window}",
            ),
        ),
        (
            f"{name}_hits",
            f"SELECT p.t1, p.t2, p.s, p.xa, p.xc, p.ta, p.tc FROM {name}_pairs AS p "
            f"JOIN {name}_pairs AS q ON q.t1 = p.t1 AND q.t2 = p.t2 AND q.s <> p.s "
            f"AND q.ts >= p.ts - {window} AND q.ts <= p.ts + {window} "
            f"GROUP BY p.t1, p.t2, p.s, p.xa, p.xc, p.ta, p.tc "
            f"HAVING COUNT(DISTINCT q.s) BETWEEN {p.min_sources - 1} AND {p.max_degree - 1}",
        ),
    )
    evidence = _evidence(
        f"concat('{name}:', h.t1, '|', h.t2)",
        [("h.s", "h.xa"), ("h.ta", "h.xa"), ("h.s", "h.xc"), ("h.tc", "h.xc")],
        f"FROM {name}_hits AS h",
    )
    return DetectorQuery(stages, evidence)


@dataclass(frozen=True, slots=True)
class StackParams:
    min_layer_width: int = 2
    #: Wider "layers" are a busy account's ordinary traffic, not a layering scheme.
    max_layer_width: int = 30
    window_days: int = 14
    #: how far what a layer account passed on may be from what it received (in total)
    amount_tolerance_pct: int = 50
    min_amount_cny_minor: int = 100_000


@detector(
    "stack",
    title="Stack (layering)",
    params=StackParams(),
    lookback=lambda p: _days(p.window_days),
)
def stack(p: StackParams) -> DetectorQuery:
    """Stack (layering): money from one account reached one final receiver through a layer of
    {min_layer_width} to {max_layer_width} different personal accounts, each of which was paid
    by the first and paid the last within {window_days} days (RMB {min_amount_cny} or more a
    payment, in amounts that need not match one another: a layer splits and merges what it
    passes on, but each layer account passed on in all within {amount_tolerance_pct} % of what
    it received) —
    layering that puts distance between the funds and their source. Chains from one business
    to another through persons (wages spent at a shop) are not counted."""
    name = "stack"
    tol = p.amount_tolerance_pct
    stages = (
        *_person_legs(name, p.min_amount_cny_minor, p.window_days),
        (
            f"{name}_layer",
            f"SELECT i.m FROM (SELECT m, SUM(in_amt) AS amt FROM "
            f"(SELECT DISTINCT m, in_id, in_amt FROM {name}_legs) AS x GROUP BY m) AS i "
            f"JOIN (SELECT m, SUM(out_amt) AS amt FROM "
            f"(SELECT DISTINCT m, out_id, out_amt FROM {name}_legs) AS y GROUP BY m) AS o "
            f"ON o.m = i.m WHERE o.amt * 100 >= i.amt * {100 - tol} "
            f"AND o.amt * 100 <= i.amt * {100 + tol}",
        ),
        (
            f"{name}_hits",
            f"SELECT l.s, l.r FROM {name}_legs AS l JOIN {name}_layer AS y ON y.m = l.m "
            f"GROUP BY l.s, l.r "
            f"HAVING COUNT(DISTINCT l.m) BETWEEN {p.min_layer_width} AND {p.max_layer_width}",
        ),
    )
    return DetectorQuery(
        stages,
        _legs_evidence(
            name,
            f"JOIN {name}_layer AS y ON y.m = l.m JOIN {name}_hits AS h ON h.s = l.s AND h.r = l.r",
        ),
    )


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
    window_hours: int = 72
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
    """Rapid pass-through: a transfer of RMB {min_amount_cny} or more from another party came
    into this personal account and {min_out_pct} % to {max_out_pct} % of it was transferred or
    withdrawn again within {window_hours} hours, in one payment or several — the account is
    used as a conduit, not to hold money. Salaries, refunds and the account holder's own
    transfers are not counted as money to pass on, spending by card or bill is not counted as
    passing it on, and businesses (which pass on their takings every day) are not counted."""
    name = "rapid_pass_through"
    window = p.window_hours * 3600
    bucket = _bucket("ts", window)
    within = f"o.account = i.account AND o.ts > i.ts AND o.ts <= i.ts + {window}"
    stages = (
        _business(name),
        (
            f"{name}_in",
            f"SELECT txn_id, to_account AS account, ts, amount_cny_minor AS amt, {bucket} AS b "
            f"FROM txn WHERE {TRANSFER} AND counterparty_type <> 'own_account' "
            f"AND amount_cny_minor >= {p.min_amount_cny_minor} "
            f"AND to_account NOT IN (SELECT account FROM {name}_biz)",
        ),
        (
            f"{name}_out",
            f"SELECT txn_id, from_account AS account, ts, amount_cny_minor AS amt, {bucket} AS b "
            "FROM txn WHERE from_account <> to_account "
            "AND kind IN ('transfer', 'cash_withdrawal')",
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
    dormant_days: int = 30
    active_days: int = 30
    min_transactions: int = 3
    min_amount_cny_minor: int = 5_000_000
    #: what went out again, as a share of what came in after the account woke
    min_out_pct: int = 50
    max_out_pct: int = 110


@detector(
    "dormant_awakening",
    title="Dormant account suddenly active",
    params=DormantParams(),
    lookback=lambda p: _days(p.dormant_days + p.active_days),
)
def dormant_awakening(p: DormantParams) -> DetectorQuery:
    """Dormant account suddenly active: this account of ours had no transactions for
    {dormant_days} days or more (since its last one, or since the start of the data read) and
    then, within {active_days} days of waking up, moved RMB {min_amount_cny} or more in
    {min_transactions} or more transactions, and {min_out_pct} % to {max_out_pct} % of the money
    that came in went out again —
    dormant accounts are bought or taken over to launder money. Only the bank's own accounts
    count (every account when the bank registered none): an account at another bank is silent
    to us whenever our customers do not deal with it."""
    name = "dormant_awakening"
    active = p.active_days * DAY
    stages = (
        (
            f"{name}_act",
            "SELECT to_account AS account, txn_id, ts, amount_cny_minor AS amt, 1 AS incoming "
            f"FROM txn WHERE to_account <> from_account AND {_ours('to_account')} "
            "UNION ALL SELECT from_account AS account, txn_id, ts, amount_cny_minor AS amt, "
            f"0 AS incoming FROM txn WHERE {_ours('from_account')}",
        ),
        (
            f"{name}_wake",
            f"SELECT x.account, x.txn_id, x.ts FROM (SELECT account, txn_id, ts, "
            f"LAG(ts) OVER (PARTITION BY account ORDER BY ts, txn_id) AS prev_ts "
            f"FROM {name}_act) AS x CROSS JOIN (SELECT MIN(ts) AS t0 FROM txn) AS s "
            f"WHERE x.ts - COALESCE(x.prev_ts, s.t0) >= {p.dormant_days * DAY}",
        ),
        (
            f"{name}_hits",
            f"SELECT w.account, w.txn_id AS wake_id, w.ts FROM {name}_wake AS w "
            f"JOIN {name}_act AS a ON a.account = w.account AND a.ts >= w.ts "
            f"AND a.ts < w.ts + {active} GROUP BY w.account, w.txn_id, w.ts "
            f"HAVING COUNT(*) >= {p.min_transactions} AND SUM(a.amt) >= {p.min_amount_cny_minor} "
            f"AND SUM(a.amt * (1 - a.incoming)) * 100 >= SUM(a.amt * a.incoming) * {p.min_out_pct} "
            f"AND SUM(a.amt * (1 - a.incoming)) * 100 <= SUM(a.amt * a.incoming) * {p.max_out_pct}",
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
    is used that its kind of customer does not explain. Only the bank's own personal accounts
    are judged: a business's busy weeks are its trade, and another bank's account shows us
    only the part of its traffic that touches our customers."""
    # Why the peer group: an account with a quiet history trips its own ratio with any
    # ordinary busy week (a month's rent and a holiday); on the synthetic banks nine in ten
    # such weeks were weeks every account of its segment has. The segment is the owner's
    # customer type, "unknown" for accounts whose owner the bank does not know.
    name = "behaviour_change"
    h = p.history_weeks
    frame = f"OVER (PARTITION BY account ORDER BY week RANGE BETWEEN {h} PRECEDING AND 1 PRECEDING)"
    stages = (
        _business(name),
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
            f"WHERE x.hist_weeks >= {p.min_history_weeks} "
            f"AND x.account NOT IN (SELECT account FROM {name}_biz) AND {_ours('x.account')} AND ("
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
