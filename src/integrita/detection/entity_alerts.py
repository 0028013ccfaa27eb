"""Entity alerts: one alert per customer (or unowned account) per period, ranked under a budget.

An analyst works a customer, not a detector hit: every match and every high model score of the
customer's evidence in one period is one alert. A match goes to the customers owning its focal
accounts. When none of them is the bank's — a hub at another bank that our customers pay into or
are paid from — the bank cannot investigate that account's owner, but it can investigate its own
customers on the other side of the flagged transactions: the alert goes to them. Only when the
ledger has no registered owners at all (a file ingested without customers) does each focal account
stand for its owner (``account:<id>``), so such a ledger still raises alerts — and the run warns how
many name no owner. A match none of whose parties is the bank's customer raises no alert.

A customer reached through another bank's hub is alerted on *their part* of the hub's pattern: the
evidence transactions in which one of their own accounts is sender or receiver, not the hub's
transactions with everybody else (which the bank can neither show to nor ask about this customer).
The pattern itself — the hub's accounts, its size, its period, the money it moved — stays on the
alert as context. The parts of one match are disjoint slices of its evidence, so together they hold
no more entries than the match itself, however many customers it reaches. The product (``detect run``) and the backtest
(``evaluate``, the benchmark) both group and score alerts here, so the figures a backtest
reports are those of the alerts a run raises.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from integrita.detection.context import context_explained
from integrita.detection.entity_score import (
    Calibration,
    EntityEvidence,
    entity_score,
    raw_score,
)
from integrita.detection.matches import Match
from integrita.detection.quality import ScoredAlert

#: The backtest's period: 30 days of booking time.
PERIOD_SECONDS = 30 * 86400
UNOWNED = "account:"
#: The MLRO's alert budget until one is set: alerts a team can work in a month.
DEFAULT_BUDGET_PER_MONTH = 100


def entity_of(account: str, owner_of: Callable[[str], str | None]) -> str:
    """The customer owning ``account``, or the account itself marked ``account:`` when unknown
    (hashed when the marked id would not fit the 64 characters of an alert's subject)."""
    owner = owner_of(account)
    if owner is not None:
        return owner
    entity = f"{UNOWNED}{account}"
    if len(entity) > 64:
        entity = f"{UNOWNED}sha256:{hashlib.sha256(account.encode()).hexdigest()[:40]}"
    return entity


def thirty_day_period(ts: int) -> str:
    return str(ts // PERIOD_SECONDS)


#: The best-scored evidence transaction of a set: (model score, txn id), None when none is scored.
Best = tuple[float, str] | None


def best_scored(evidence: Set[str], score_of: Mapping[str, float]) -> Best:
    """The highest (model score, txn id) among ``evidence`` (ties: the larger id)."""
    return max(((score_of[t], t) for t in evidence if t in score_of), default=None)


@dataclass
class EntityAlert:
    """Everything one entity's alert for one period carries.

    The evidence transactions are kept as the sets they came in (a match's, shared by every
    alert the match goes to; the customer's part of a hub match; the model hits'), not copied
    into one set per alert: a match at a busy account of another bank goes to thousands of our
    customers, and copying its thousands of transactions into each of their alerts held over a
    hundred million set entries (8.6 GB) in a 5,000,000-transaction run.
    """

    entity: str
    period: str
    matches: list[Match] = field(default_factory=list)
    #: Per match (same order as :attr:`matches`): the customer's part of it when the match is
    #: another bank's hub reached through the customer's transactions, None when the alert holds
    #: the match whole (the customer's own account is one of its focal accounts).
    parts: list[frozenset[str] | None] = field(default_factory=list)
    #: Evidence transaction sets, shared with the matches (read them through :attr:`txn_ids`).
    evidence_sets: list[Set[str]] = field(default_factory=list)
    #: The entity's own accounts that carry the evidence.
    accounts: set[str] = field(default_factory=set)
    score: float = 0.0
    raw: float = 0.0
    best_txn: str | None = None
    #: All its evidence is business the entity's context explains (:mod:`.context`) and nothing
    #: corroborates it: kept below the line, never raised on its own.
    explained: bool = False
    #: The model's threshold when the alert was grouped: evidence scored at or over it are hits.
    model_threshold: float | None = None

    @property
    def owned(self) -> bool:
        return not self.entity.startswith(UNOWNED)

    @property
    def txn_ids(self) -> set[str]:
        """Every evidence transaction (a new set on each read)."""
        return set().union(*self.evidence_sets)

    def best(self, score_of: Mapping[str, float], cache: dict[int, Best] | None = None) -> Best:
        """The best-scored evidence transaction; ``cache`` (by set identity) lets the alerts
        sharing a match's set score it once."""
        found: Best = None
        for evidence in self.evidence_sets:
            if cache is not None and id(evidence) in cache:
                top = cache[id(evidence)]
            else:
                top = best_scored(evidence, score_of)
                if cache is not None:
                    cache[id(evidence)] = top
            if top is not None and (found is None or top > found):
                found = top
        return found

    @property
    def typologies(self) -> list[str]:
        return sorted({m.typology for m in self.matches})

    def evidence(self, explanations: Mapping[str, str]) -> dict[str, object]:
        """The alert's evidence as stored: per typology, the reason (rendered from the parameters
        the run used) and every match — a hub match of another bank with only the customer's
        part of its transactions and the hub's context (:func:`hub_part_evidence`)."""
        by_typology: dict[str, list[dict[str, object]]] = {}
        shown = sorted(
            zip(self.matches, self.parts, strict=True),
            key=lambda mp: (mp[0].typology, mp[0].match_id),
        )
        for m, part in shown:
            by_typology.setdefault(m.typology, []).append(
                m.evidence if part is None else hub_part_evidence(m, part, self.accounts)
            )
        return {
            "period": self.period,
            "owner_known": self.owned,
            "typologies": {
                t: {"why": explanations.get(t, ""), "matches": ms}
                for t, ms in sorted(by_typology.items())
            },
        }

    def hits(
        self, score_of: Mapping[str, float], cache: dict[int, frozenset[str]] | None = None
    ) -> set[str]:
        """The evidence transactions scored at or over :attr:`model_threshold` (none without
        one); ``cache`` (by set identity) lets the alerts sharing a match's set count it once."""
        line = self.model_threshold
        found: set[str] = set()
        if line is None:
            return found
        for evidence in self.evidence_sets:
            if cache is not None and id(evidence) in cache:
                over = cache[id(evidence)]
            else:
                over = frozenset(t for t in evidence if score_of.get(t, -1.0) >= line)
                if cache is not None:
                    cache[id(evidence)] = over
            found |= over
        return found

    def evidence_figures(
        self,
        score_of: Mapping[str, float],
        cache: dict[int, Best] | None = None,
        hit_cache: dict[int, frozenset[str]] | None = None,
    ) -> EntityEvidence:
        best = self.best(score_of, cache)
        linked = {a for m in self.matches for a in m.accounts} | self.accounts
        return EntityEvidence(
            typologies=len(self.typologies),
            patterns=max(len(self.matches), 1),
            accounts=len(linked),
            amount_cny_minor=sum(m.amount_cny_minor for m in self.matches),
            model_score=None if best is None else best[0],
            model_hits=len(self.hits(score_of, hit_cache)),
        )


def match_parties(
    match: Match,
    owner_of: Callable[[str], str | None],
    accounts_of: Mapping[str, Sequence[str]] | None = None,
    *,
    owners_known: bool = True,
) -> dict[str, set[str]]:
    """Whose alert the match is: entity → the entity's own accounts in the match.

    The customers owning the match's focal accounts; when none is the bank's, our customers on the
    other side of its transactions (``accounts_of``: txn id → sender and receiver); when the
    bank registered no owner at all (``owners_known`` false), each focal account itself. Empty
    when the match touches only other banks' customers.
    """
    parties: dict[str, set[str]] = {}
    for a in match.accounts:
        if (c := owner_of(a)) is not None:
            parties.setdefault(c, set()).add(a)
    if parties:
        return parties
    if owners_known:
        for t in match.txn_ids:
            for a in (accounts_of or {}).get(t, ()):
                if (c := owner_of(a)) is not None:
                    parties.setdefault(c, set()).add(a)
        return parties
    return {entity_of(a, owner_of): {a} for a in match.accounts}


def hub_part_evidence(match: Match, part: Set[str], own_accounts: Set[str]) -> dict[str, object]:
    """A hub match of another bank as one customer's alert shows it: the match's context (its
    accounts, period and money: the pattern the customer takes part in) and only the customer's
    transactions in it, with the customer's accounts that carry them."""
    through = sorted({a for a in own_accounts if a not in match.accounts})
    return {
        **{k: v for k, v in match.evidence.items() if k != "txn_ids"},
        "txn_ids": sorted(part),
        "customer_part": {
            "accounts": through,
            "transactions": len(part),
            "of_match_transactions": len(match.txn_ids),
            "why": (
                f"the pattern centres on {len(match.accounts)} account(s) the bank does not hold; "
                f"the customer takes part in {len(part)} of its {len(match.txn_ids)} transactions "
                "(listed), the rest are between the hub and other banks' or other customers' "
                "accounts"
            ),
        },
    }


def customer_parts(
    evidence: Set[str],
    parties: Mapping[str, set[str]],
    accounts_of: Mapping[str, Sequence[str]],
) -> dict[str, frozenset[str]]:
    """Each party's part of a hub match's ``evidence``: the transactions one of its own accounts
    sends or receives. The parts are slices of the match's evidence (a transaction belongs to at
    most its two ends' parts), so all of them together are at most twice the match's size."""
    entity_of_account = {a: e for e, own in parties.items() for a in own}
    found: dict[str, set[str]] = {}
    for t in evidence:
        for a in accounts_of.get(t, ()):
            if (e := entity_of_account.get(a)) is not None:
                found.setdefault(e, set()).add(t)
    return {e: frozenset(ts) for e, ts in found.items()}


def match_entities(
    match: Match,
    owner_of: Callable[[str], str | None],
    accounts_of: Mapping[str, Sequence[str]] | None = None,
    *,
    owners_known: bool = True,
) -> list[str]:
    """The entities :func:`match_parties` gives the match to, sorted."""
    return sorted(match_parties(match, owner_of, accounts_of, owners_known=owners_known))


def group_alerts(
    matches: Iterable[Match],
    *,
    owner_of: Callable[[str], str | None],
    period_of: Callable[[int], str],
    score_of: Mapping[str, float],
    calibration: Calibration = Calibration(),
    model_hits: Iterable[str] = (),
    accounts_of: Mapping[str, Sequence[str]] | None = None,
    ts_of: Mapping[str, int] | None = None,
    universe: set[str] | None = None,
    owners_known: bool = True,
    business: frozenset[str] | set[str] = frozenset(),
    corroborating_score: float | None = None,
) -> list[EntityAlert]:
    """Group matches (and model hits: transactions scored at or over the model's threshold) into
    (entity, period) alerts and score each with :func:`entity_score`.

    With a ``universe`` (the backtest's test split) only its transactions count as evidence; a
    match's period is that of its last evidence transaction. A match goes to the entities of
    :func:`match_parties`; one reached through another bank's hub carries only the entity's part
    of the evidence (:func:`customer_parts`), and none when that part is empty. A model hit goes to the owners of its sender and receiver; to both
    accounts only when the bank registered no owners (``owners_known`` false).

    An alert whose every match is context-explained (:func:`.context.context_explained` with the
    ``business`` accounts) is marked ``explained`` unless a model score of its evidence reaches
    ``corroborating_score`` (the model's threshold) or a model hit joined it.
    """
    alerts: dict[tuple[str, str], EntityAlert] = {}

    def alert(entity: str, period: str) -> EntityAlert:
        return alerts.setdefault((entity, period), EntityAlert(entity, period))

    for match in matches:
        evidence = match.txn_ids if universe is None else match.txn_ids & universe
        if not evidence:
            continue
        last = (
            match.last_ts if ts_of is None else max(ts_of.get(t, match.last_ts) for t in evidence)
        )
        parties = match_parties(match, owner_of, accounts_of, owners_known=owners_known)
        through_hub = owners_known and not any(owner_of(a) is not None for a in match.accounts)
        parts = customer_parts(evidence, parties, accounts_of or {}) if through_hub else {}
        for entity, own in sorted(parties.items()):
            part = parts.get(entity) if through_hub else None
            if through_hub and not part:
                continue  # none of the customer's transactions with the hub is evidence here
            chosen = alert(entity, period_of(last))
            chosen.matches.append(match)
            chosen.parts.append(part)
            chosen.evidence_sets.append(evidence if part is None else part)
            chosen.accounts |= own
    hit_alerts: set[tuple[str, str]] = set()
    for t in model_hits:
        if (universe is not None and t not in universe) or ts_of is None or t not in ts_of:
            continue
        ends = list(dict.fromkeys((accounts_of or {}).get(t, ())))
        owned = [a for a in ends if owner_of(a) is not None]
        for account in owned if owners_known else ends:
            chosen = alert(entity_of(account, owner_of), period_of(ts_of[t]))
            chosen.evidence_sets.append(frozenset((t,)))
            chosen.accounts.add(account)
            hit_alerts.add((chosen.entity, chosen.period))
    result = [alerts[k] for k in sorted(alerts)]
    best_of_set: dict[int, Best] = {}
    hits_of_set: dict[int, frozenset[str]] = {}
    # a transaction with no model score counts as 0.0 against the corroborating score
    unscored = corroborating_score is not None and corroborating_score <= 0.0
    for a in result:
        a.model_threshold = corroborating_score
        figures = a.evidence_figures(score_of, best_of_set, hits_of_set)
        corroborated = corroborating_score is not None and (
            (figures.model_score is not None and figures.model_score >= corroborating_score)
            or (unscored and any(t not in score_of for s in a.evidence_sets for t in s))
        )
        a.explained = (
            (a.entity, a.period) not in hit_alerts
            and bool(a.matches)
            and all(context_explained(m, business) for m in a.matches)
            and not corroborated
        )
        a.raw = raw_score(figures, calibration)
        a.score = entity_score(figures, calibration)
        best = a.best(score_of, best_of_set)
        a.best_txn = None if best is None else best[1]
    return result


def ranked(alerts: Iterable[EntityAlert]) -> list[EntityAlert]:
    """Highest score first; ties by entity and period, so the line falls the same way every run."""
    return sorted(alerts, key=lambda a: (-a.score, a.entity, a.period))


def split_at_budget(
    alerts: Iterable[EntityAlert], budget: int | None, line: float | None = None
) -> tuple[list[EntityAlert], list[EntityAlert]]:
    """(above the line, below the line): the ``budget`` highest-scored alerts scored at or over
    the alert ``line`` (:attr:`Calibration.alert_line`, chosen on labelled history), and the rest
    — context-explained alerts always below it."""
    everything = ranked(alerts)
    order = [a for a in everything if not a.explained]
    cut = len(order) if line is None else sum(1 for a in order if a.score >= line)
    if budget is not None:
        cut = min(cut, budget)
    return order[:cut], order[cut:] + [a for a in everything if a.explained]


def as_scored(alerts: Iterable[EntityAlert]) -> list[ScoredAlert]:
    """The alerts as the quality arithmetic (:mod:`.quality`) reads them."""
    return [
        ScoredAlert(
            entity=f"{a.entity}@{a.period}",
            score=a.score,
            txn_ids=frozenset(a.txn_ids),
            accounts=frozenset(a.accounts),
        )
        for a in alerts
    ]
