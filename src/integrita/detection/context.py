"""Business context: accounts whose busy, many-sided traffic is explained by what they are.

A company trading with other companies pays and is paid by many parties, passes money on within
days and moves large sums in some weeks: the path-shaped and volume typologies (stack,
scatter-gather, cycle, rapid pass-through, behaviour change) fire on ordinary B2B trade, payroll
and shop takings. On the synthetic banks nine in ten of their false matches sat entirely on
organisation accounts or on other banks' accounts with dozens of counterparties. Such evidence is
*context-explained*: it still feeds the model (as point-in-time membership), but it does not raise
an alert on its own — only when the model or a typology that context does not explain corroborates
it (:func:`integrita.detection.entity_alerts.group_alerts`).

An account is business-like when the bank says so (its owner's customer type is
``organisation``), or, for accounts whose owner the bank does not know, from behaviour: it is
paid by :data:`MERCHANT_MIN_PAYERS` or more different accounts (a merchant or a supplier with
customers), or it pays salaries (a payroll employer). A mule's fan collects from a handful to a
few dozen senders within days; a shop or supplier is paid by more than that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the typologies import this module, and matches imports the typologies
    from integrita.detection.matches import Match

#: A counterparty paid by this many different accounts is a merchant or supplier, not a person.
MERCHANT_MIN_PAYERS = 40
#: Typologies whose evidence ordinary business explains: paths through busy trading accounts,
#: pass-through of trade receipts, and weeks of unusual volume. Structuring, dormancy, geography
#: and fans (which already require person hubs) are not explained by being a business.
EXPLAINABLE = frozenset(
    {"stack", "scatter_gather", "cycle", "rapid_pass_through", "behaviour_change", "bipartite"}
)


def business_accounts_sql(before_ts: int | None = None) -> str:
    """SQL for the business-like accounts (one column, ``account``) in the engine's ``txn``
    and registered ``owners`` — from transactions booked before ``before_ts`` when given, so a
    backtest recognises them from the past only."""
    when = "" if before_ts is None else f" AND ts < {before_ts}"
    return (
        "SELECT account_id AS account FROM owners WHERE customer_type = 'organisation' "
        "UNION SELECT from_account AS account FROM txn "
        f"WHERE kind = 'salary'{when} "
        "UNION SELECT to_account AS account FROM txn "
        f"WHERE from_account <> to_account{when} "
        f"GROUP BY to_account HAVING COUNT(DISTINCT from_account) >= {MERCHANT_MIN_PAYERS}"
    )


def context_explained(match: Match, business: frozenset[str] | set[str]) -> bool:
    """True when ``match`` is of a typology business explains and every account it is about is
    business-like."""
    return match.typology in EXPLAINABLE and bool(match.accounts) and match.accounts <= business
