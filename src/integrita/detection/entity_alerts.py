"""Entity alerts for a backtest: one alert per customer (or unowned account) per period.

An analyst works a customer, not a detector hit: every match and every high model score of
the customer's transactions in one 30-day period is one alert. Where the bank registered no
owner for an account, the account stands for its owner (``account:<id>``) and the alert
says so; evaluation reports how many alerts had no owner.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from integrita.detection.matches import Match
from integrita.detection.quality import ScoredAlert

PERIOD_SECONDS = 30 * 86400
UNOWNED = "account:"


def entity_of(account: str, owner_of: Callable[[str], str | None]) -> str:
    """The customer owning ``account``, or the account itself marked ``account:`` when unknown."""
    owner = owner_of(account)
    return owner if owner is not None else f"{UNOWNED}{account}"


def entity_alerts(
    matches: Iterable[Match],
    model_hits: Iterable[str],
    *,
    ts_of: Mapping[str, int],
    accounts_of: Mapping[str, Sequence[str]],
    owner_of: Callable[[str], str | None],
    score_of: Mapping[str, float],
    universe: set[str],
) -> list[ScoredAlert]:
    """Group rule evidence and model hits (transactions scored at or over the threshold) within
    ``universe`` into (entity, period) alerts, scored by the highest transaction score.

    A match goes to the owners of its focal accounts; a model hit to the owners of its sender
    and receiver where known, else to both accounts. The score is the model's; a rule-only
    evidence transaction without a model score counts 0, so model-ranked alerts come first.
    """
    txns: dict[tuple[str, int], set[str]] = defaultdict(set)
    accounts: dict[tuple[str, int], set[str]] = defaultdict(set)

    def add(entity: str, account: str, txn_id: str) -> None:
        key = (entity, ts_of[txn_id] // PERIOD_SECONDS)
        txns[key].add(txn_id)
        accounts[key].add(account)

    for match in matches:
        evidence = [t for t in match.txn_ids if t in universe]
        for account in match.accounts:
            for t in evidence:
                add(entity_of(account, owner_of), account, t)
    for t in model_hits:
        if t not in universe:
            continue
        ends = list(dict.fromkeys(accounts_of.get(t, ())))
        owned = [a for a in ends if owner_of(a) is not None]
        for account in owned or ends:
            add(entity_of(account, owner_of), account, t)
    return [
        ScoredAlert(
            entity=f"{entity}@{period}",
            score=max((score_of.get(t, 0.0) for t in ids), default=0.0),
            txn_ids=frozenset(ids),
            accounts=frozenset(accounts[(entity, period)]),
        )
        for (entity, period), ids in sorted(txns.items())
    ]
