"""Per-customer ledger features for risk rating: one set-based DuckDB query per rating run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pyarrow as pa

from integrita.analytics.ledger import Ledger
from integrita.domain.transaction import CASH_KINDS

FEATURE_COLUMNS: tuple[str, ...] = (
    "transactions",
    "cash_transactions",
    "high_risk_country_transactions",
    "elevated_country_transactions",
    "cross_border_transactions",
)


def customer_ledger_features(
    ledger: Ledger,
    accounts: pa.Table,
    *,
    since: datetime,
    high_risk_countries: Sequence[str],
    elevated_countries: Sequence[str],
) -> pa.Table:
    """Counts per customer of the transactions on their accounts booked on or after ``since``.

    The booking-date filter lets DuckDB skip whole partitions older than the look-back.

    ``accounts`` has columns ``account_id`` and ``customer_id``. Each transaction is
    seen from the customer's side: when the customer pays, the counterparty's
    country is ``to_country``; when the customer receives, it is ``from_country``.
    The result has ``customer_id`` and :data:`FEATURE_COLUMNS`; customers without
    transactions are absent.
    """
    cash = sorted(k.value for k in CASH_KINDS)
    with ledger.connect() as con:
        con.register("risk_accounts", accounts.select(["account_id", "customer_id"]))
        return con.execute(
            """
            WITH legs AS (
                SELECT from_account AS account_id, to_country AS other_country, kind, cross_border
                FROM ledger WHERE booking_date >= CAST($since AS DATE) AND booked_at >= $since
                UNION ALL
                SELECT to_account, from_country, kind, cross_border
                FROM ledger WHERE booking_date >= CAST($since AS DATE) AND booked_at >= $since
            )
            SELECT a.customer_id,
                   count(*) AS transactions,
                   count(*) FILTER (WHERE list_contains($cash, l.kind)) AS cash_transactions,
                   count(*) FILTER (WHERE list_contains($high, l.other_country))
                       AS high_risk_country_transactions,
                   count(*) FILTER (WHERE list_contains($elevated, l.other_country))
                       AS elevated_country_transactions,
                   count(*) FILTER (WHERE l.cross_border) AS cross_border_transactions
            FROM legs AS l JOIN risk_accounts AS a ON a.account_id = l.account_id
            GROUP BY a.customer_id
            """,
            {
                "since": since,
                "cash": cash,
                "high": list(high_risk_countries) or [""],
                "elevated": list(elevated_countries) or [""],
            },
        ).fetch_arrow_table()


def institution_ledger_mix(
    ledger: Ledger, *, start: datetime, end: datetime, high_risk_countries: Sequence[str]
) -> dict[str, float]:
    """Whole-book transaction mix for the self-assessment: counts, cross-border, cash and high-risk shares."""
    with ledger.connect() as con:
        row = con.execute(
            """
            SELECT count(*),
                   count(*) FILTER (WHERE cross_border),
                   count(*) FILTER (WHERE list_contains($cash, kind)),
                   count(*) FILTER (WHERE list_contains($high, from_country)
                                     OR list_contains($high, to_country)),
                   count(*) FILTER (WHERE channel IN ('online', 'mobile', 'api'))
            FROM ledger WHERE booked_at >= $start AND booked_at < $end
            """,
            {
                "start": start,
                "end": end,
                "cash": sorted(k.value for k in CASH_KINDS),
                "high": list(high_risk_countries) or [""],
            },
        ).fetchone()
    total = int(row[0]) if row else 0
    if not row or total == 0:
        return {
            "transactions": 0.0,
            "cross_border_share": 0.0,
            "cash_share": 0.0,
            "high_risk_country_share": 0.0,
            "remote_channel_share": 0.0,
        }
    return {
        "transactions": float(total),
        "cross_border_share": int(row[1]) / total,
        "cash_share": int(row[2]) / total,
        "high_risk_country_share": int(row[3]) / total,
        "remote_channel_share": int(row[4]) / total,
    }
