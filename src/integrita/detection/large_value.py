"""PBOC large-value transaction reports: reported because of their size, never as suspicion.

The thresholds (Measures for the Administration of Financial Institutions' Reports of
Large-value and Suspicious Transactions, PBOC Order [2016] No. 3, art. 5):

- cash deposits and withdrawals of RMB 50,000 or more (or USD 10,000 equivalent);
- an organisation's transfers of RMB 2,000,000 or more (USD 200,000);
- an individual's domestic transfers of RMB 500,000 or more (USD 100,000);
- an individual's cross-border transfers of RMB 200,000 or more (USD 10,000).

RMB transactions are compared in RMB; foreign-currency ones at their USD value on
the booking day. A record is made for the side of the transaction that is our
customer and is due five working days later.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Working days between the transaction and the report's due date.
DUE_WORKING_DAYS = 5


@dataclass(frozen=True, slots=True)
class LargeValueThresholds:
    cash_cny_minor: int = 5_000_000
    cash_usd_minor: int = 1_000_000
    organisation_transfer_cny_minor: int = 200_000_000
    organisation_transfer_usd_minor: int = 20_000_000
    individual_domestic_cny_minor: int = 50_000_000
    individual_domestic_usd_minor: int = 10_000_000
    individual_cross_border_cny_minor: int = 20_000_000
    individual_cross_border_usd_minor: int = 1_000_000


def _over(cny: int, usd: int) -> str:
    return (
        f"((paid_currency = 'CNY' AND amount_cny_minor >= {cny}) OR "
        f"(paid_currency <> 'CNY' AND amount_usd_minor >= {usd}))"
    )


def large_value_sql(t: LargeValueThresholds, new_from_ts: int) -> str:
    """Rows (txn_id, rule, customer_id, account_id, ts, amount_minor, currency, amount_cny_minor).

    Only transactions booked at or after ``new_from_ts`` are reported, so a re-run
    over the look-back window never reports a transaction twice.
    """
    sides = (
        "SELECT t.*, CASE WHEN t.kind = 'cash_deposit' THEN t.to_account "
        "WHEN t.kind = 'cash_withdrawal' OR fo.customer_id IS NOT NULL THEN t.from_account "
        "ELSE t.to_account END AS side_account FROM txn AS t "
        "LEFT JOIN owners AS fo ON fo.account_id = t.from_account "
        f"WHERE t.ts >= {new_from_ts}"
    )
    owned = (
        "SELECT s.*, o.customer_id, o.customer_type FROM sides AS s "
        "JOIN owners AS o ON o.account_id = s.side_account"
    )
    cash = "kind IN ('cash_deposit', 'cash_withdrawal')"
    rules = {
        "cash_50000": f"{cash} AND {_over(t.cash_cny_minor, t.cash_usd_minor)}",
        "organisation_transfer_2000000": (
            f"NOT ({cash}) AND customer_type = 'organisation' AND "
            f"{_over(t.organisation_transfer_cny_minor, t.organisation_transfer_usd_minor)}"
        ),
        "individual_domestic_transfer_500000": (
            f"NOT ({cash}) AND customer_type <> 'organisation' AND NOT cross_border AND "
            f"{_over(t.individual_domestic_cny_minor, t.individual_domestic_usd_minor)}"
        ),
        "individual_cross_border_transfer_200000": (
            f"NOT ({cash}) AND customer_type <> 'organisation' AND cross_border AND "
            f"{_over(t.individual_cross_border_cny_minor, t.individual_cross_border_usd_minor)}"
        ),
    }
    selects = " UNION ALL ".join(
        f"SELECT txn_id, '{rule}' AS rule, customer_id, side_account AS account_id, ts, "
        f"amount_paid_minor AS amount_minor, paid_currency AS currency, amount_cny_minor "
        f"FROM owned WHERE {condition}"
        for rule, condition in rules.items()
    )
    return f"WITH sides AS ({sides}), owned AS ({owned}) {selects}"
