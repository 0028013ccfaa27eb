"""The model's feature SQL as it stood before the speed rewrite (commit 0bb0a85), verbatim, and
the longest-silence features added since, on the booking time where the product's SQL orders
by its calendar key (the hand-made cases are in ``test_silence_features.py``).

The model's quality figures were measured on these values; ``test_feature_rewrite.py`` runs
this text and :func:`integrita.detection.features.features_sql` side by side and requires the
same value in every column of every row.
"""

from __future__ import annotations

from integrita.analytics.graph_features import GRAPH_FEATURES_TABLE, graph_feature_names
from integrita.detection.features import (
    _FLOW_STATS,
    _FORMATS,
    _KINDS,
    DAY,
    FLOW_WINDOWS_DAYS,
    SILENCE_WINDOW_DAYS,
    _code,
    flow_statistic_names,
    typology_names,
)


def _reference_flows_sql() -> str:
    """Per (transaction, end): the amount statistics of :func:`flow_statistic_names` over one
    window sort of each account's payments in and out, strictly before this one."""
    aggregate = {"mean": "AVG", "std": "STDDEV_POP", "max": "MAX"}
    cols = ", ".join(
        f"{aggregate[stat]}(CASE WHEN role = '{role}' THEN CAST(amt AS DOUBLE) END) OVER "
        f"(PARTITION BY acc ORDER BY ts RANGE BETWEEN {w * DAY} PRECEDING AND 1 PRECEDING) "
        f"AS {role}_amount_{stat}_{w}d"
        for role in ("in", "out")
        for w in FLOW_WINDOWS_DAYS
        for stat in _FLOW_STATS
    )
    return f"SELECT txn_id, role, {cols} FROM ends"


def reference_features_sql() -> str:
    """One row per transaction in ``txn``: ``txn_id``, ``ts`` and :func:`feature_names` columns.

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
    flow_cols = ", ".join(
        f"COALESCE(f{end[0]}.{n.removeprefix(end + '_')}, 0) AS {n}"
        for n in flow_statistic_names()[:-1]
        for end in ("src", "dst")
        if n.startswith(end + "_")
    )
    graph_cols = ", ".join(f"COALESCE(g.{n}, 0) AS {n}" for n in graph_feature_names())
    typologies = typology_names()
    win = "OVER (PARTITION BY {acc} ORDER BY ts RANGE BETWEEN {span} PRECEDING AND 1 PRECEDING)"
    src1 = win.format(acc="from_account", span=DAY)
    src7 = win.format(acc="from_account", span=7 * DAY)
    dst1 = win.format(acc="to_account", span=DAY)
    dst7 = win.format(acc="to_account", span=7 * DAY)
    before = "RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
    member = ", ".join(
        f"MAX(CASE WHEN typology = '{t}' THEN 1 ELSE 0 END) AS in_{t}" for t in typologies
    )
    member_cols = ", ".join(f"COALESCE(m.in_{t}, 0) AS in_{t}" for t in typologies)
    patterns = " + ".join(f"COALESCE(m.in_{t}, 0)" for t in typologies)
    week = "CAST(FLOOR(day / 7) AS BIGINT)"

    def seen(role: str, period: str) -> str:
        # distinct counterparties of this role first seen in the period strictly before now
        return (
            f"COALESCE(SUM(CASE WHEN role = '{role}' THEN new_{period} ELSE 0 END) "
            f"OVER (PARTITION BY acc, {period} ORDER BY ts {before}), 0)"
        )

    return f"""
WITH base AS (
  SELECT txn_id, ts, day, from_account, to_account,
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
         1 + COUNT(*) {src1} AS src_out_count_1d,
         amount_cny_minor + COALESCE(SUM(amount_cny_minor) {src1}, 0) AS src_out_sum_1d,
         1 + COUNT(*) {src7} AS src_out_count_7d,
         amount_cny_minor + COALESCE(SUM(amount_cny_minor) {src7}, 0) AS src_out_sum_7d,
         ts - MAX(ts) OVER (PARTITION BY from_account ORDER BY ts {before}) AS src_gap_seconds,
         1 + COUNT(*) {dst1} AS dst_in_count_1d,
         amount_cny_minor + COALESCE(SUM(amount_cny_minor) {dst1}, 0) AS dst_in_sum_1d,
         1 + COUNT(*) {dst7} AS dst_in_count_7d,
         amount_cny_minor + COALESCE(SUM(amount_cny_minor) {dst7}, 0) AS dst_in_sum_7d,
         ts - MAX(ts) OVER (PARTITION BY to_account ORDER BY ts {before}) AS dst_gap_seconds
  FROM txn
),
ends AS (
  SELECT txn_id, ts, day, {week} AS week, from_account AS acc, to_account AS cp, 'out' AS role,
         amount_cny_minor AS amt
  FROM txn
  UNION ALL
  SELECT txn_id, ts, day, {week} AS week, to_account AS acc, from_account AS cp, 'in' AS role,
         amount_cny_minor AS amt
  FROM txn
),
flows AS ({_reference_flows_sql()}),
gaps AS (
  SELECT txn_id, role, acc, ts,
         ts - MAX(ts) OVER (PARTITION BY acc ORDER BY ts {before}) AS gap
  FROM ends
),
silences AS (
  SELECT txn_id, role,
         MAX(gap) OVER (PARTITION BY acc ORDER BY ts
                        RANGE BETWEEN {SILENCE_WINDOW_DAYS * DAY} PRECEDING AND CURRENT ROW)
             AS longest
  FROM gaps
),
marked AS (
  SELECT txn_id, ts, day, week, acc, role,
         CASE WHEN ROW_NUMBER() OVER (PARTITION BY acc, role, cp, day ORDER BY ts, txn_id) = 1
              THEN 1 ELSE 0 END AS new_day,
         CASE WHEN ROW_NUMBER() OVER (PARTITION BY acc, role, cp, week ORDER BY ts, txn_id) = 1
              THEN 1 ELSE 0 END AS new_week,
         CASE WHEN MIN(ts) OVER (PARTITION BY acc, role, cp, day) = ts THEN 1 ELSE 0 END
             AS own_new_day,
         CASE WHEN MIN(ts) OVER (PARTITION BY acc, role, cp, week) = ts THEN 1 ELSE 0 END
             AS own_new_week
  FROM ends
),
degrees AS (
  SELECT txn_id, role, own_new_day, own_new_week,
         {seen("out", "day")} AS out_day, {seen("in", "day")} AS in_day,
         {seen("out", "week")} AS out_week, {seen("in", "week")} AS in_week
  FROM marked
),
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
       CAST(COALESCE(ls.longest, -1) AS DOUBLE) AS src_longest_silence_{SILENCE_WINDOW_DAYS}d,
       CAST(COALESCE(ld.longest, -1) AS DOUBLE) AS dst_longest_silence_{SILENCE_WINDOW_DAYS}d,
       s.out_day + s.own_new_day AS src_fan_out_day, s.in_day AS src_fan_in_day,
       d.in_day + d.own_new_day AS dst_fan_in_day, d.out_day AS dst_fan_out_day,
       s.out_week + s.own_new_week AS src_fan_out_week,
       d.in_week + d.own_new_week AS dst_fan_in_week,
       CAST(b.amt AS DOUBLE) * b.src_out_count_7d / (CAST(b.src_out_sum_7d AS DOUBLE) + 1)
           AS src_amount_ratio_7d,
       {flow_cols},
       CAST(b.amt AS DOUBLE) / (COALESCE(fs.in_amount_mean_{widest}d, 0) + 1)
           AS src_amount_over_in_mean_{widest}d,
       {graph_cols},
       {member_cols}, {patterns} AS patterns
FROM base AS b
JOIN degrees AS s ON s.txn_id = b.txn_id AND s.role = 'out'
JOIN degrees AS d ON d.txn_id = b.txn_id AND d.role = 'in'
JOIN flows AS fs ON fs.txn_id = b.txn_id AND fs.role = 'out'
JOIN flows AS fd ON fd.txn_id = b.txn_id AND fd.role = 'in'
JOIN silences AS ls ON ls.txn_id = b.txn_id AND ls.role = 'out'
JOIN silences AS ld ON ld.txn_id = b.txn_id AND ld.role = 'in'
LEFT JOIN {GRAPH_FEATURES_TABLE} AS g ON g.txn_id = b.txn_id
LEFT JOIN member AS m ON m.txn_id = b.txn_id
"""
