"""Features per transaction for the learned scoring model, as SQL over ``txn``.

Per transaction: amount and timing; the sender's and receiver's activity in the
day and week before it (counts, sums, gaps); their distinct counterparties so far
that day and week (fan-in / fan-out degree); the graph features of
:mod:`integrita.analytics.graph_features` (windowed degrees and counterparties, cycles,
scatter-gather, gather-scatter, pass-through); and which typologies the daily run
before it had found its sender or receiver in (table ``membership(txn_id, typology)``).
Nothing a feature reads was booked after the transaction. Both engines can run it;
training and scoring use the same text.
"""

from __future__ import annotations

from integrita.analytics.graph_features import (
    DEFAULT_GRAPH_PARAMS,
    GRAPH_FEATURES_TABLE,
    graph_feature_names,
    pair_half,
    role_pair,
)
from integrita.detection.catalogue import detectors

DAY = 86400
_FORMATS = (
    "ACH",
    "Bitcoin",
    "Cash",
    "Cheque",
    "Credit Card",
    "Reinvestment",
    "Wire",
    "CNAPS",
    "UnionPay",
    "Internal",
)
_KINDS = (
    "transfer",
    "cash_deposit",
    "cash_withdrawal",
    "purchase",
    "redemption",
    "cancellation",
    "salary",
    "bill_payment",
    "card_payment",
)


def _code(column: str, values: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values))
    return f"CASE {column} {whens} ELSE {len(values)} END"


def typology_names() -> list[str]:
    return [d.name for d in detectors()]


#: Windows (days) of the amount statistics of each end's inflows and outflows.
FLOW_WINDOWS_DAYS = (3, 7)
_FLOW_STATS = ("mean", "std", "max")


def flow_statistic_names() -> list[str]:
    """Amount statistics of the sender's and receiver's payments in and out before this one (the
    peer's vertex statistics): mean, spread and largest amount per window, and how this payment
    compares with what the sender received — layering passes on what just came in."""
    names = [
        f"{end}_{role}_amount_{stat}_{w}d"
        for end in ("src", "dst")
        for role in ("in", "out")
        for w in FLOW_WINDOWS_DAYS
        for stat in _FLOW_STATS
    ]
    return [*names, f"src_amount_over_in_mean_{max(FLOW_WINDOWS_DAYS)}d"]


def _flow_columns() -> str:
    """Per (transaction, end): the amount statistics of :func:`flow_statistic_names` over one
    window sort of each account's payments in and out, strictly before this one."""
    aggregate = {"mean": "AVG", "std": "STDDEV_POP", "max": "MAX"}
    return ", ".join(
        f"{aggregate[stat]}(CASE WHEN role = '{role}' THEN CAST(amt AS DOUBLE) END) OVER "
        f"(PARTITION BY acc ORDER BY ts RANGE BETWEEN {w * DAY} PRECEDING AND 1 PRECEDING) "
        f"AS {role}_amount_{stat}_{w}d"
        for role in ("in", "out")
        for w in FLOW_WINDOWS_DAYS
        for stat in _FLOW_STATS
    )


#: Window (days) of the longest-silence features (see :func:`silence_names`).
SILENCE_WINDOW_DAYS = 7


def silence_names() -> list[str]:
    """The longest silence each end broke in the last week: for the sender's and the receiver's
    payments (in or out) booked in the window up to this one, the longest time from one to the
    payment before it, however long ago that was.

    Why: a dormant account woken to move money (the dormant-awakening typology) starts a burst
    of in- and outflows after weeks or months of nothing; every payment of the burst, not only
    its first, then shows the silence it broke. The gap features show only the time since the
    account's last payment in the same direction, which the burst's second payment resets."""
    return [f"{end}_longest_silence_{SILENCE_WINDOW_DAYS}d" for end in ("src", "dst")]


def feature_names() -> list[str]:
    return [
        "amount_cny",
        "hour",
        "weekday",
        "is_cash",
        "cross_border",
        "same_bank",
        "foreign_currency",
        "round_amount",
        "payment_format",
        "kind",
        "src_out_count_1d",
        "src_out_sum_1d",
        "src_out_count_7d",
        "src_out_sum_7d",
        "src_gap_seconds",
        "dst_in_count_1d",
        "dst_in_sum_1d",
        "dst_in_count_7d",
        "dst_in_sum_7d",
        "dst_gap_seconds",
        *silence_names(),
        "src_fan_out_day",
        "src_fan_in_day",
        "dst_fan_in_day",
        "dst_fan_out_day",
        "src_fan_out_week",
        "dst_fan_in_week",
        "src_amount_ratio_7d",
        *flow_statistic_names(),
        *graph_feature_names(),
        *[f"in_{t}" for t in typology_names()],
        "patterns",
    ]


#: The longest window any feature looks back over (the weekly counts, the graph features'
#: windows, the week of the longest silence): the embargo between the temporal splits is at
#: least this long, so no test row's counts, sums or degrees reach into training. The gap and
#: silence features are times to the account's payment before, however old it is: one
#: timestamp each, no window of rows.
LONGEST_WINDOW_SECONDS = max(
    7 * DAY,
    max(FLOW_WINDOWS_DAYS) * DAY,
    SILENCE_WINDOW_DAYS * DAY,
    DEFAULT_GRAPH_PARAMS.longest_window_seconds,
)


#: Calendar order key (see :func:`features_sql`): weeks spaced further apart than a week's
#: rows can spread on it (up to 7 days of seconds plus 6 days of day offsets).
_WEEK_GAP = 14 * DAY
_WEEK_FRAME = 7 * DAY + 6 * DAY


def features_sql(scope: str | None = None) -> str:
    """One row per transaction in ``txn``: ``txn_id``, ``ts`` and :func:`feature_names` columns.

    With ``scope`` (a table of accounts, column ``acc``, the one the graph features were staged
    with), one row per transaction both of whose accounts are in it, with the features it has
    over the whole of ``txn``: each end's windows read only its own account's payments, and
    every payment of a scope account is kept.

    Point in time: every count, sum and degree covers only transactions booked strictly
    before this one, plus the transaction itself. Rows with the same booking time are not
    ordered (AMLworld stamps to the minute), so they do not see each other; a later
    transaction never changes an earlier one's features. Counterparty degrees are distinct
    counterparties so far in the calendar day or week. Typology membership comes from the
    table ``membership(txn_id, typology)``, which the caller builds point-in-time
    (see ``services.monitoring.point_in_time``); the graph features from the table
    ``graph_features``, which ``analytics.graph_features.staged_graph_features`` stages.
    """
    widest = max(FLOW_WINDOWS_DAYS)
    of_out, of_in = "", ""
    if scope is not None:
        of_out = f"\n  WHERE from_account IN (SELECT acc FROM {scope})"
        of_in = f"\n  WHERE to_account IN (SELECT acc FROM {scope})"
    flow_cols = ", ".join(
        f"COALESCE({end[0]}.{n.removeprefix(end + '_')}, 0) AS {n}"
        for n in flow_statistic_names()[:-1]
        for end in ("src", "dst")
        if n.startswith(end + "_")
    )
    graph_cols = ", ".join(f"COALESCE(g.{n}, 0) AS {n}" for n in graph_feature_names())
    silence_cols = ", ".join(
        f"CAST(COALESCE({end[0]}.longest_silence, -1) AS DOUBLE) AS {n}"
        for end, n in zip(("src", "dst"), silence_names(), strict=True)
    )
    typologies = typology_names()
    before = "RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
    own = "OVER (PARTITION BY acc, role ORDER BY ts RANGE BETWEEN {} PRECEDING AND 1 PRECEDING)"
    member = ", ".join(
        f"MAX(CASE WHEN typology = '{t}' THEN 1 ELSE 0 END) AS in_{t}" for t in typologies
    )
    member_cols = ", ".join(f"COALESCE(m.in_{t}, 0) AS in_{t}" for t in typologies)
    patterns = " + ".join(f"COALESCE(m.in_{t}, 0)" for t in typologies)
    week = "CAST(FLOOR(day / 7) AS BIGINT)"
    # One sort of an account's payments with one counterparty in one role and week gives
    # every first-of-the-period flag: the week's first row, each day's first row in it (the
    # row before is of another day), and whether no row of the week (of the day) was stamped
    # earlier. Which of several rows stamped alike carries a period's flag does not matter:
    # the counterparty counts sum only rows stamped strictly earlier.
    pair_week = "PARTITION BY acc, role, cp, week ORDER BY ts"
    # One order of an account's payments serves the day's and the week's counterparties so
    # far: on ``ts + day * DAY + week * _WEEK_GAP`` the rows of the same day lie less than a
    # day apart, those of an earlier day of the week more than a day, and those of an earlier
    # week more than the week frame (so a constant RANGE frame is "earlier today" or "earlier
    # this week"). The key orders rows exactly as ``ts`` does, so "strictly earlier" on it is
    # strictly earlier in time: the silence before each payment shares this sort.
    calendar = f"ts + day * {DAY} + week * {_WEEK_GAP}"

    def seen(period: str, span: int) -> str:
        # distinct counterparties first seen in the period strictly before now, in and out
        # packed in one sum (one window pass for both roles)
        return (
            f"COALESCE(SUM({role_pair(f'new_{period} = 1')}) OVER (PARTITION BY acc "
            f"ORDER BY {calendar} RANGE BETWEEN {span} PRECEDING AND 1 PRECEDING), 0)"
        )

    def unpacked(period: str) -> str:
        return ", ".join(
            f"{pair_half(f'seen_{period}', role)} AS {role}_{period}" for role in ("out", "in")
        )

    # Each stage below adds window columns to the one before, so an account's payments are
    # sorted once per order (its own role's; each counterparty's; its calendar; its time)
    # and the two ends of a payment are joined back once each.
    return f"""
WITH ends AS (
  SELECT txn_id, ts, day, {week} AS week, from_account AS acc, to_account AS cp, 'out' AS role,
         amount_cny_minor AS amt
  FROM txn{of_out}
  UNION ALL
  SELECT txn_id, ts, day, {week} AS week, to_account AS acc, from_account AS cp, 'in' AS role,
         amount_cny_minor AS amt
  FROM txn{of_in}
),
activity AS (
  SELECT txn_id, ts, day, week, acc, cp, role, amt,
         1 + COUNT(*) {own.format(DAY)} AS count_1d,
         amt + COALESCE(SUM(amt) {own.format(DAY)}, 0) AS sum_1d,
         1 + COUNT(*) {own.format(7 * DAY)} AS count_7d,
         amt + COALESCE(SUM(amt) {own.format(7 * DAY)}, 0) AS sum_7d,
         ts - MAX(ts) OVER (PARTITION BY acc, role ORDER BY ts {before}) AS gap_seconds
  FROM ends
),
marked AS (
  SELECT *,
         CASE WHEN ROW_NUMBER() OVER ({pair_week}) = 1 THEN 1 ELSE 0 END AS new_week,
         CASE WHEN COALESCE(LAG(day) OVER ({pair_week}), -1) <> day THEN 1 ELSE 0 END
             AS new_day,
         CASE WHEN MIN(ts) OVER ({pair_week}) = ts THEN 1 ELSE 0 END AS own_new_week,
         CASE WHEN COALESCE(MAX(ts) OVER ({pair_week} {before}), -1) < day * {DAY}
              THEN 1 ELSE 0 END AS own_new_day
  FROM activity
),
seen AS (
  SELECT txn_id, ts, acc, role, amt, count_1d, sum_1d, count_7d, sum_7d, gap_seconds,
         own_new_day, own_new_week,
         ts - MAX(ts) OVER (PARTITION BY acc ORDER BY {calendar} {before}) AS silence,
         {seen("day", DAY)} AS seen_day, {seen("week", _WEEK_FRAME)} AS seen_week
  FROM marked
),
per_end AS (
  SELECT txn_id, role, count_1d, sum_1d, count_7d, sum_7d, gap_seconds,
         own_new_day, own_new_week, {unpacked("day")}, {unpacked("week")},
         MAX(silence) OVER (PARTITION BY acc ORDER BY ts
                            RANGE BETWEEN {SILENCE_WINDOW_DAYS * DAY} PRECEDING AND CURRENT ROW)
             AS longest_silence,
         {_flow_columns()}
  FROM seen
),
member AS (SELECT txn_id, {member} FROM membership GROUP BY txn_id)
SELECT t.txn_id, t.ts, t.from_account, t.to_account,
       CAST(t.amount_cny_minor AS DOUBLE) AS amount_cny,
       CAST(FLOOR((t.ts % {DAY}) / 3600) AS BIGINT) AS hour,
       (t.day + 4) % 7 AS weekday,
       CASE WHEN t.kind IN ('cash_deposit', 'cash_withdrawal') THEN 1 ELSE 0 END AS is_cash,
       CASE WHEN t.cross_border THEN 1 ELSE 0 END AS cross_border,
       CASE WHEN t.from_bank = t.to_bank THEN 1 ELSE 0 END AS same_bank,
       CASE WHEN t.paid_currency <> 'CNY' THEN 1 ELSE 0 END AS foreign_currency,
       CASE WHEN t.amount_paid_minor % 100000 = 0 THEN 1 ELSE 0 END AS round_amount,
       {_code("t.payment_format", _FORMATS)} AS payment_format,
       {_code("t.kind", _KINDS)} AS kind,
       s.count_1d AS src_out_count_1d, CAST(s.sum_1d AS DOUBLE) AS src_out_sum_1d,
       s.count_7d AS src_out_count_7d, CAST(s.sum_7d AS DOUBLE) AS src_out_sum_7d,
       CAST(COALESCE(s.gap_seconds, -1) AS DOUBLE) AS src_gap_seconds,
       d.count_1d AS dst_in_count_1d, CAST(d.sum_1d AS DOUBLE) AS dst_in_sum_1d,
       d.count_7d AS dst_in_count_7d, CAST(d.sum_7d AS DOUBLE) AS dst_in_sum_7d,
       CAST(COALESCE(d.gap_seconds, -1) AS DOUBLE) AS dst_gap_seconds,
       {silence_cols},
       s.out_day + s.own_new_day AS src_fan_out_day, s.in_day AS src_fan_in_day,
       d.in_day + d.own_new_day AS dst_fan_in_day, d.out_day AS dst_fan_out_day,
       s.out_week + s.own_new_week AS src_fan_out_week,
       d.in_week + d.own_new_week AS dst_fan_in_week,
       CAST(t.amount_cny_minor AS DOUBLE) * s.count_7d / (CAST(s.sum_7d AS DOUBLE) + 1)
           AS src_amount_ratio_7d,
       {flow_cols},
       CAST(t.amount_cny_minor AS DOUBLE) / (COALESCE(s.in_amount_mean_{widest}d, 0) + 1)
           AS src_amount_over_in_mean_{widest}d,
       {graph_cols},
       {member_cols}, {patterns} AS patterns
FROM txn AS t
JOIN per_end AS s ON s.txn_id = t.txn_id AND s.role = 'out'
JOIN per_end AS d ON d.txn_id = t.txn_id AND d.role = 'in'
LEFT JOIN {GRAPH_FEATURES_TABLE} AS g ON g.txn_id = t.txn_id
LEFT JOIN member AS m ON m.txn_id = t.txn_id
"""
