"""Features per transaction for the learned scoring model, as SQL over ``txn``.

Per transaction: amount and timing; the sender's and receiver's activity in the
day and week before it (counts, sums, gaps); their distinct counterparties that
day and week (fan-in / fan-out degree); and which detected patterns the
transaction belongs to (table ``membership(txn_id, typology)``). Both engines can
run it; training and scoring use the same text.
"""

from __future__ import annotations

from integrita.detection.registry import detectors

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
        "src_fan_out_day",
        "src_fan_in_day",
        "dst_fan_in_day",
        "dst_fan_out_day",
        "src_fan_out_week",
        "dst_fan_in_week",
        "src_amount_ratio_7d",
        *[f"in_{t}" for t in typology_names()],
        "patterns",
    ]


def features_sql() -> str:
    """One row per transaction in ``txn``: ``txn_id``, ``ts`` and :func:`feature_names` columns."""
    typologies = typology_names()
    win = "OVER (PARTITION BY {acc} ORDER BY ts RANGE BETWEEN {span} PRECEDING AND CURRENT ROW)"
    src1 = win.format(acc="from_account", span=DAY)
    src7 = win.format(acc="from_account", span=7 * DAY)
    dst1 = win.format(acc="to_account", span=DAY)
    dst7 = win.format(acc="to_account", span=7 * DAY)
    member = ", ".join(
        f"MAX(CASE WHEN typology = '{t}' THEN 1 ELSE 0 END) AS in_{t}" for t in typologies
    )
    member_cols = ", ".join(f"COALESCE(m.in_{t}, 0) AS in_{t}" for t in typologies)
    patterns = " + ".join(f"COALESCE(m.in_{t}, 0)" for t in typologies)
    week = "CAST(FLOOR(day / 7) AS BIGINT)"
    return f"""
WITH base AS (
  SELECT txn_id, ts, day, {week} AS week, from_account, to_account,
         amount_cny_minor AS amt,
         CAST(FLOOR((ts % {DAY}) / 3600) AS BIGINT) AS hour,
         (day + 4) % 7 AS weekday,
         CASE WHEN kind IN ('cash_deposit', 'cash_withdrawal') THEN 1 ELSE 0 END AS is_cash,
         CASE WHEN cross_border THEN 1 ELSE 0 END AS cross_border,
         CASE WHEN from_bank = to_bank THEN 1 ELSE 0 END AS same_bank,
         CASE WHEN paid_currency <> 'CNY' THEN 1 ELSE 0 END AS foreign_currency,
         CASE WHEN amount_paid_minor % 100000 = 0 THEN 1 ELSE 0 END AS round_amount,
         {_code("payment_format", _FORMATS)} AS payment_format,
         {_code("kind", _KINDS)} AS kind,
         COUNT(*) {src1} AS src_out_count_1d, SUM(amount_cny_minor) {src1} AS src_out_sum_1d,
         COUNT(*) {src7} AS src_out_count_7d, SUM(amount_cny_minor) {src7} AS src_out_sum_7d,
         ts - LAG(ts) OVER (PARTITION BY from_account ORDER BY ts, txn_id) AS src_gap_seconds,
         COUNT(*) {dst1} AS dst_in_count_1d, SUM(amount_cny_minor) {dst1} AS dst_in_sum_1d,
         COUNT(*) {dst7} AS dst_in_count_7d, SUM(amount_cny_minor) {dst7} AS dst_in_sum_7d,
         ts - LAG(ts) OVER (PARTITION BY to_account ORDER BY ts, txn_id) AS dst_gap_seconds
  FROM txn
),
out_day AS (SELECT from_account AS acc, day, COUNT(DISTINCT to_account) AS n FROM txn GROUP BY from_account, day),
in_day AS (SELECT to_account AS acc, day, COUNT(DISTINCT from_account) AS n FROM txn GROUP BY to_account, day),
out_week AS (SELECT from_account AS acc, {week} AS week, COUNT(DISTINCT to_account) AS n FROM txn GROUP BY from_account, {week}),
in_week AS (SELECT to_account AS acc, {week} AS week, COUNT(DISTINCT from_account) AS n FROM txn GROUP BY to_account, {week}),
member AS (SELECT txn_id, {member} FROM membership GROUP BY txn_id)
SELECT b.txn_id, b.ts, b.from_account, b.to_account,
       CAST(b.amt AS DOUBLE) AS amount_cny, b.hour, b.weekday, b.is_cash, b.cross_border,
       b.same_bank, b.foreign_currency, b.round_amount, b.payment_format, b.kind,
       b.src_out_count_1d, CAST(b.src_out_sum_1d AS DOUBLE) AS src_out_sum_1d,
       b.src_out_count_7d, CAST(b.src_out_sum_7d AS DOUBLE) AS src_out_sum_7d,
       CAST(COALESCE(b.src_gap_seconds, -1) AS DOUBLE) AS src_gap_seconds,
       b.dst_in_count_1d, CAST(b.dst_in_sum_1d AS DOUBLE) AS dst_in_sum_1d,
       b.dst_in_count_7d, CAST(b.dst_in_sum_7d AS DOUBLE) AS dst_in_sum_7d,
       CAST(COALESCE(b.dst_gap_seconds, -1) AS DOUBLE) AS dst_gap_seconds,
       COALESCE(so.n, 0) AS src_fan_out_day, COALESCE(si.n, 0) AS src_fan_in_day,
       COALESCE(di.n, 0) AS dst_fan_in_day, COALESCE(dout.n, 0) AS dst_fan_out_day,
       COALESCE(sow.n, 0) AS src_fan_out_week, COALESCE(diw.n, 0) AS dst_fan_in_week,
       CAST(b.amt AS DOUBLE) * b.src_out_count_7d / (CAST(b.src_out_sum_7d AS DOUBLE) + 1)
           AS src_amount_ratio_7d,
       {member_cols}, {patterns} AS patterns
FROM base AS b
LEFT JOIN out_day AS so ON so.acc = b.from_account AND so.day = b.day
LEFT JOIN in_day AS si ON si.acc = b.from_account AND si.day = b.day
LEFT JOIN in_day AS di ON di.acc = b.to_account AND di.day = b.day
LEFT JOIN out_day AS dout ON dout.acc = b.to_account AND dout.day = b.day
LEFT JOIN out_week AS sow ON sow.acc = b.from_account AND sow.week = b.week
LEFT JOIN in_week AS diw ON diw.acc = b.to_account AND diw.week = b.week
LEFT JOIN member AS m ON m.txn_id = b.txn_id
"""
