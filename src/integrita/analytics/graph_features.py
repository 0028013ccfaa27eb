"""Graph features of every transaction, point in time, in the SQL DuckDB and Spark share.

For a payment *t* from sender *s* to receiver *r*, what the payment graph looked like when *t*
was booked: how many payments went into and out of *s* and *r* and how many different
counterparties they had over the last days (fan-in and fan-out), how many temporal cycles of
2 to 6 payments *t* closes, how many other intermediaries carried money from a source of *s*
to *r* (scatter-gather), how wide the hub *s* is on its smaller side (gather-scatter), and
whether *s* is passing on money it has just received (pass-through).

**Point in time.** A feature of *t* reads only payments booked at or before *t*. Payments
booked in the same second are ordered by transaction id (a stable rule: appending later
data never reorders them), so of two payments stamped alike, the one with the smaller id is
the earlier; the later one sees it, never the other way round.

**Windows** slide: a window of *w* days is (t − w days, t]. Distinct counterparties are
counted exactly without joining an account's payments with each other (a difference array
summed by a window function, see :func:`_stream_sql`); every degree and counterparty count
is a frame of one window sort per account. Paths (cycles, scatter-gather) span at most
``path_window_days`` from their first payment to *t*.

**Hubs.** Paths follow only *path payments*: transfers between two different accounts of at
least ``min_path_amount_cny_minor``, each carrying a plausible share of the payment before it,
whose sender had sent and whose receiver had received at most ``hub_cap`` path payments in
the window up to it (merchants, employers and payment hubs carry no paths; on a bank's graph
their payments would multiply every path count by their degree). Each path step is an
equi-join on the account and on a time bucket as wide as the window (the next payment lies in
the first payment's bucket or the next), as the detectors' ``_follow`` does, so no join pairs
payments months apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from integrita.analytics.engine import QueryEngine

DAY = 86400
#: Time key ``k = ts * TIE_SLOTS + rank of the transaction id among those booked that second``:
#: one number that orders payments stably and still measures time, so one window sort serves
#: every sliding window (a window of w seconds is a ``RANGE`` of w * TIE_SLOTS on ``k``).
TIE_SLOTS = 1 << 20
#: The table :func:`staged_graph_features` builds: ``txn_id`` and the feature columns.
GRAPH_FEATURES_TABLE = "graph_features"
_ROLES = ("in", "out")
_ENDS = ("src", "dst")  # the sender's row is its 'out' event, the receiver's its 'in' event


@dataclass(frozen=True, slots=True)
class GraphFeatureParams:
    """Windows and caps of the graph features (defaults are the model's)."""

    #: Degree and counterparty windows in days, sliding: (t − w days, t].
    windows_days: tuple[int, ...] = (1, 7)
    #: Longest span of a cycle or scatter-gather, first payment to the closing one.
    path_window_days: int = 7
    #: Longest cycle counted (2 is a payment straight back).
    max_cycle_hops: int = 6
    #: A path payment's sender has sent, and its receiver received, at most this many path
    #: payments in the path window up to it.
    hub_cap: int = 25
    #: Smallest payment a path follows (RMB 1,000; small purchases and bills carry no layering).
    min_path_amount_cny_minor: int = 100_000
    #: Each payment on a path carries this share of the one before, in percent: fees and
    #: splits shrink money along a chain, an unrelated payment is usually of another size.
    min_hop_share_pct: int = 10
    max_hop_share_pct: int = 110
    #: How recent an inflow of the sender must be for the payment to pass it through.
    pass_through_hours: int = 24

    @property
    def longest_window_seconds(self) -> int:
        """The furthest back any feature reads: the embargo between temporal splits."""
        return max(*self.windows_days, self.path_window_days) * DAY


DEFAULT_GRAPH_PARAMS = GraphFeatureParams()


def graph_feature_names(p: GraphFeatureParams = DEFAULT_GRAPH_PARAMS) -> list[str]:
    """The feature columns, in the order the model sees them."""
    names = [
        f"{end}_{role}_{kind}_{w}d"
        for end in _ENDS
        for role in _ROLES
        for w in p.windows_days
        for kind in ("degree", "counterparties")
    ]
    w = p.path_window_days
    names += [f"cycle_{k}_hops_{w}d" for k in range(2, p.max_cycle_hops + 1)]
    names += [
        f"scatter_gather_{w}d",
        f"src_gather_scatter_{max(p.windows_days)}d",
        f"src_pass_through_count_{p.pass_through_hours}h",
        f"src_pass_through_ratio_{p.pass_through_hours}h",
    ]
    return names


def _span(days: float) -> int:
    """A span of ``days`` on the time key ``k``."""
    return round(days * DAY) * TIE_SLOTS


# -- degrees and distinct counterparties ----------------------------------------------------------
#: Accounts numbered: every sort and join below partitions on a number, not a string.
_ACCOUNTS = (
    "SELECT acc, ROW_NUMBER() OVER (ORDER BY acc) AS aid FROM ("
    "SELECT from_account AS acc FROM txn UNION SELECT to_account AS acc FROM txn) AS a"
)

_KEYED = (
    f"SELECT t.txn_id, t.ts * {TIE_SLOTS} + ROW_NUMBER() OVER (PARTITION BY t.ts "
    "ORDER BY t.txn_id) - 1 AS k, s.aid AS src, d.aid AS dst, t.kind, t.amount_cny_minor AS amt "
    "FROM txn AS t JOIN gf_accounts AS s ON s.acc = t.from_account "
    "JOIN gf_accounts AS d ON d.acc = t.to_account"
)


def _marked_sql(scope: str | None) -> str:
    """Each payment as two events, the sender's ``out`` and the receiver's ``in``, with the time
    of the account's previous and next payment with the same counterparty in the same role.

    With ``scope`` (a table of accounts, column ``acc``), only the scope's accounts' events:
    every window below partitions by the event's account, so each of them still sees all of
    its account's payments and computes what it would over the whole ledger.
    """
    out_of, in_of = "", ""
    if scope is not None:
        aids = f"SELECT a.aid FROM gf_accounts AS a JOIN {scope} AS s ON s.acc = a.acc"
        out_of, in_of = f" WHERE src IN ({aids})", f" WHERE dst IN ({aids})"
    return (
        "SELECT e.*, LAG(k) OVER (PARTITION BY acc, role, cp ORDER BY k) AS prev_k, "
        "LEAD(k) OVER (PARTITION BY acc, role, cp ORDER BY k) AS next_k FROM ("
        f"SELECT txn_id, k, src AS acc, dst AS cp, 'out' AS role, amt FROM gf_keyed{out_of} "
        "UNION ALL "
        f"SELECT txn_id, k, dst AS acc, src AS cp, 'in' AS role, amt FROM gf_keyed{in_of}"
        ") AS e"
    )


#: Two counts share one window sum: an ``in`` event adds ``_PAIR``, an ``out`` event 1. Each
#: frame costs a pass over the account's events, and a count stays far below ``_PAIR``
#: (2^31 payments of one account in the scan), so the two halves never mix.
_PAIR = 1 << 31


def role_pair(flag: str) -> str:
    """The packed value of an event whose ``flag`` holds: ``_PAIR`` for ``in``, 1 for ``out``."""
    return f"CASE WHEN {flag} THEN CASE WHEN role = 'in' THEN {_PAIR} ELSE 1 END ELSE 0 END"


def pair_half(packed: str, role: str) -> str:
    """The ``role`` count of a packed sum (exact in both engines' division)."""
    if role == "out":
        return f"CAST({packed} % {_PAIR} AS BIGINT)"
    return f"CAST(({packed} - {packed} % {_PAIR}) / {_PAIR} AS BIGINT)"


def _ends_sql(p: GraphFeatureParams, scope: str | None = None) -> str:
    """Per event (``txn_id``, ``role``): the account's in and out degree and distinct
    counterparties in each window and its inflows in the pass-through hours, all at or before
    the event — frames of one window sort of the account's events by time key.

    Distinct counterparties are counted without joining an account's payments with each other
    (a hub costs what its payments cost): a counterparty *enters* the window with a payment
    when it had not paid (been paid) in the window before, and *leaves* it ``w`` days after a
    payment that is not followed by another within ``w`` days. Those in the window at *t* are
    the entries up to *t* minus the departures up to *t*, i.e. minus the leaving payments
    ``w`` days or more before *t*. Whether a payment is leaving depends on the next one only
    when that comes within the ``w`` days, before *t*: later data never changes the count.

    The in and out counts of one frame are one packed sum (:func:`role_pair`), and frames of the
    same span are written once: seven window sums instead of fourteen.
    """
    order = "OVER (PARTITION BY acc ORDER BY k RANGE BETWEEN {} AND {})"
    upto = "CURRENT ROW"
    pass_span = _span(p.pass_through_hours / 24)
    sums = {  # one window sum per distinct frame: name -> SQL
        f"deg_{span}": f"SUM({role_pair('TRUE')}) {order.format(f'{span - 1} PRECEDING', upto)}"
        for span in sorted({*(_span(w) for w in p.windows_days), pass_span})
    }
    cols = []
    for w in p.windows_days:
        span = _span(w)
        enters = role_pair(f"prev_k IS NULL OR prev_k <= k - {span}")
        leaves = role_pair(f"next_k IS NULL OR next_k >= k + {span}")
        sums[f"ent_{w}"] = f"SUM({enters}) {order.format('UNBOUNDED PRECEDING', upto)}"
        sums[f"lv_{w}"] = (
            f"COALESCE(SUM({leaves}) {order.format('UNBOUNDED PRECEDING', f'{span} PRECEDING')}, 0)"
        )
        for role in _ROLES:
            cols.append(f"{pair_half(f'deg_{span}', role)} AS {role}_degree_{w}")
            cols.append(
                f"{pair_half(f'ent_{w}', role)} - {pair_half(f'lv_{w}', role)} AS {role}_counterparties_{w}"
            )
    cols.append(f"{pair_half(f'deg_{pass_span}', 'in')} AS pass_count")
    sums["pass_sum"] = (
        f"SUM(CASE WHEN role = 'in' THEN amt ELSE 0 END) "
        f"{order.format(f'{pass_span - 1} PRECEDING', upto)}"
    )
    inner = ", ".join(f"{sql} AS {name}" for name, sql in sums.items())
    return (
        f"SELECT txn_id, role, amt, {', '.join(cols)}, pass_sum "
        f"FROM (SELECT txn_id, role, amt, {inner} FROM ({_marked_sql(scope)}) AS m) AS s"
    )


# -- paths: cycles and scatter-gather ----------------------------------------------------------
def _path_edges_sql(p: GraphFeatureParams) -> str:
    """Path payments with their time bucket; hubs beyond the cap at the payment are left out."""
    window = _span(p.path_window_days)

    def load(account: str) -> str:  # path payments of the account in the window, this one too
        return (
            f"COUNT(*) OVER (PARTITION BY {account} ORDER BY k "
            f"RANGE BETWEEN {window - 1} PRECEDING AND CURRENT ROW)"
        )

    return (
        "SELECT id, src, dst, k, amt, b FROM ("
        "SELECT txn_id AS id, src, dst, k, amt, "
        f"CAST(FLOOR(k / {window}) AS BIGINT) AS b, {load('src')} AS src_load, "
        f"{load('dst')} AS dst_load FROM gf_keyed "
        "WHERE kind = 'transfer' AND src <> dst "
        f"AND amt >= {p.min_path_amount_cny_minor}) AS e "
        f"WHERE src_load <= {p.hub_cap} AND dst_load <= {p.hub_cap}"
    )


def _follows(
    later: str, earlier_k: str, earlier_amt: str, first_k: str, p: GraphFeatureParams
) -> str:
    """Payment ``later`` follows a path whose last payment has ``earlier_k``/``earlier_amt``
    and whose first has ``first_k``: after it, within the window, with a plausible amount."""
    return (
        f"{later}.k > {earlier_k} AND {later}.k <= {first_k} + {_span(p.path_window_days)} "
        f"AND {later}.amt * 100 >= {earlier_amt} * {p.min_hop_share_pct} "
        f"AND {later}.amt * 100 <= {earlier_amt} * {p.max_hop_share_pct}"
    )


#: Each row twice, for its own time bucket and the next. Joined with ``n.step`` rather than
#: written as a union of two joins: one scan of the previous stage per step (a plan that names
#: a stage twice per step doubles at each step wherever a stage still carries its plan, as
#: Spark's cached tables did: six steps ran the driver out of memory on a few hundred rows).
_NEXT_BUCKETS = "CROSS JOIN (VALUES (0), (1)) AS n(step)"


def _paths(k: int) -> str:
    """The paths of ``k`` path payments, to read in a query: staged from two payments on, the
    single ones are the path payments themselves."""
    if k == 1:
        return (
            "(SELECT src AS a1, dst AS a2, k AS f_k, b AS f_b, k AS l_k, amt AS l_amt "
            "FROM gf_edges)"
        )
    return f"gf_p{k}"


def _path_stage_sql(k: int, p: GraphFeatureParams) -> str:
    """Simple temporal paths of ``k`` path payments (nodes a1..a{k+1}), ``k`` >= 2.

    The next payment lies in the first payment's time bucket or the next one, so each step is
    an equi-join on the account and the bucket (two of them), never a join of an account's
    payments over the whole scan.
    """
    nodes = ", ".join(f"p.a{i}" for i in range(1, k + 1))
    simple = " AND ".join(f"e.dst <> p.a{i}" for i in range(1, k + 1))
    follows = _follows("e", "p.l_k", "p.l_amt", "p.f_k", p)
    return (
        f"SELECT {nodes}, e.dst AS a{k + 1}, p.f_k, p.f_b, e.k AS l_k, e.amt AS l_amt "
        f"FROM {_paths(k - 1)} AS p {_NEXT_BUCKETS} JOIN gf_edges AS e ON e.b = p.f_b + n.step "
        f"AND e.src = p.a{k} AND {follows} AND {simple}"
    )


def _cycles_sql(p: GraphFeatureParams) -> str:
    """Per path payment s → r: the paths from r back to s that it closes, by length."""
    parts = [
        f"SELECT e.id AS txn_id, {k} AS hops FROM gf_edges AS e JOIN {_paths(k - 1)} AS p "
        f"ON p.a1 = e.dst AND p.a{k} = e.src AND {_follows('e', 'p.l_k', 'p.l_amt', 'p.f_k', p)}"
        for k in range(2, p.max_cycle_hops + 1)
    ]
    counts = ", ".join(
        f"SUM(CASE WHEN hops = {k} THEN 1 ELSE 0 END) AS cycle_{k}"
        for k in range(2, p.max_cycle_hops + 1)
    )
    return f"SELECT txn_id, {counts} FROM ({' UNION ALL '.join(parts)}) AS c GROUP BY txn_id"


def _scatter_gather_sql(p: GraphFeatureParams) -> str:
    """Per path payment s → r: the other intermediaries m through which a source x that paid
    s earlier in the window also reached r (x → m → r, all before this payment)."""
    window = _span(p.path_window_days)
    sources = (
        "SELECT DISTINCT e.id, e.src, e.dst, e.k, i.src AS x "
        f"FROM gf_edges AS e {_NEXT_BUCKETS} JOIN gf_edges AS i ON i.dst = e.src "
        f"AND i.b = e.b - n.step AND {_follows('e', 'i.k', 'i.amt', 'i.k', p)} AND i.src <> e.dst"
    )
    return (
        f"SELECT s.id AS txn_id, COUNT(DISTINCT q.a2) AS scatter_gather FROM ({sources}) AS s "
        "JOIN gf_p2 AS q ON q.a1 = s.x AND q.a3 = s.dst AND q.a2 <> s.src "
        f"AND q.l_k < s.k AND q.f_k >= s.k - {window} GROUP BY s.id"
    )


def _final_sql(p: GraphFeatureParams) -> str:
    w, widest, h = p.path_window_days, max(p.windows_days), p.pass_through_hours
    cols = [
        f"CAST({end}.{role}_{kind}_{v} AS BIGINT) AS {end}_{role}_{kind}_{v}d"
        for end in _ENDS
        for role in _ROLES
        for v in p.windows_days
        for kind in ("degree", "counterparties")
    ]
    cols += [
        f"CAST(COALESCE(c.cycle_{k}, 0) AS BIGINT) AS cycle_{k}_hops_{w}d"
        for k in range(2, p.max_cycle_hops + 1)
    ]
    cols += [
        f"CAST(COALESCE(g.scatter_gather, 0) AS BIGINT) AS scatter_gather_{w}d",
        f"CAST(LEAST(src.in_counterparties_{widest}, src.out_counterparties_{widest}) AS BIGINT) "
        f"AS src_gather_scatter_{widest}d",
        f"CAST(src.pass_count AS BIGINT) AS src_pass_through_count_{h}h",
        "CASE WHEN src.pass_sum > 0 THEN CAST(src.amt AS DOUBLE) / CAST(src.pass_sum AS DOUBLE) "
        f"ELSE 0.0 END AS src_pass_through_ratio_{h}h",
    ]
    return (
        f"SELECT src.txn_id, {', '.join(cols)} "
        "FROM gf_ends AS src JOIN gf_ends AS dst ON dst.txn_id = src.txn_id "
        "AND src.role = 'out' AND dst.role = 'in' "
        f"LEFT JOIN ({_cycles_sql(p)}) AS c ON c.txn_id = src.txn_id "
        f"LEFT JOIN ({_scatter_gather_sql(p)}) AS g ON g.txn_id = src.txn_id"
    )


def graph_feature_stages(
    p: GraphFeatureParams = DEFAULT_GRAPH_PARAMS, scope: str | None = None
) -> list[tuple[str, str]]:
    """(name, SQL) to materialise in order over ``txn``; the last is :data:`GRAPH_FEATURES_TABLE`.

    Few stages: on Spark each is a job (seconds even on a few rows), on DuckDB a table held in
    memory. What only one stage reads is a subquery of it (the events, single-payment paths,
    cycle and scatter-gather counts).

    ``scope`` (a table of accounts, column ``acc``): features only for the payments both of
    whose accounts are in it, the same as over the whole of ``txn`` — the accounts' own
    windows read only the scope's accounts' events (an account's whole history either way),
    while the time keys and the paths (cycles, scatter-gather) still come from every payment.
    Scoring a run's evidence needs only its accounts' windows, a small part of a bank's."""
    stages = [
        ("gf_accounts", _ACCOUNTS),
        ("gf_keyed", _KEYED),
        ("gf_ends", _ends_sql(p, scope)),
        ("gf_edges", _path_edges_sql(p)),
    ]
    stages += [(f"gf_p{k}", _path_stage_sql(k, p)) for k in range(2, p.max_cycle_hops)]
    stages.append((GRAPH_FEATURES_TABLE, _final_sql(p)))
    return stages


def read_last(stages: list[tuple[str, str]]) -> list[list[str]]:
    """Per stage, the earlier stages no later one reads: to drop as soon as it is built."""
    last = {
        name: max(
            (j for j, (_, sql) in enumerate(stages) if j > i and re.search(rf"\b{name}\b", sql)),
            default=i,
        )
        for i, (name, _) in enumerate(stages[:-1])
    }
    return [[name for name, j in last.items() if j == i] for i in range(len(stages))]


@contextmanager
def staged_graph_features(
    eng: QueryEngine,
    p: GraphFeatureParams = DEFAULT_GRAPH_PARAMS,
    on_stage: Callable[[str], None] | None = None,
    scope: str | None = None,
) -> Iterator[str]:
    """Materialise :data:`GRAPH_FEATURES_TABLE` (one row per ``txn`` row) on ``eng`` for the
    ``with`` block; yields its name. Each stage is dropped once the last stage reading it is
    built (both engines' stages hold their rows, not the plan that made them), the table at
    the end of the block. ``on_stage`` is told each stage's name as soon as it is built (the
    speed benchmark times the stages with it); ``scope`` as in :func:`graph_feature_stages`."""
    stages = graph_feature_stages(p, scope)
    built: list[str] = []
    try:
        for (name, sql), done in zip(stages, read_last(stages), strict=True):
            eng.stage(name, sql)
            built.append(name)
            if on_stage is not None:
                on_stage(name)
            for old in done:
                eng.drop(old)
                built.remove(old)
        yield GRAPH_FEATURES_TABLE
    finally:
        for name in reversed(built):
            eng.drop(name)


__all__ = [
    "DEFAULT_GRAPH_PARAMS",
    "GRAPH_FEATURES_TABLE",
    "GraphFeatureParams",
    "graph_feature_names",
    "graph_feature_stages",
    "pair_half",
    "read_last",
    "role_pair",
    "staged_graph_features",
]
