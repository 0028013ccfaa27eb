"""Entity alerts: one alert per customer (or unowned account) per period, ranked under a budget.

An analyst works a customer, not a detector hit: every match and every high model score of the
customer's evidence in one period is one alert. A match goes to the customers owning its focal
accounts. When none of them is the bank's — a hub at another bank that our customers pay into or
are paid from — the bank cannot investigate that account's owner, but it can investigate its own
customers on the other side of the flagged transactions: the alert goes to them. Only when the
ledger has no registered owners at all (a file ingested without customers) does each focal account
stand for its owner (``account:<id>``), so such a ledger still raises alerts — and the run warns how
many name no owner. A match none of whose parties is the bank's customer raises no alert. The product (``detect run``) and the backtest
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
    alert the match goes to, and the model hits'), not copied into one set per alert: a match
    at a busy account of another bank goes to thousands of our customers, and copying its
    thousands of transactions into each of their alerts held over a hundred million set
    entries (8.6 GB) in a 5,000,000-transaction run.
    """

    entity: str
    period: str
    matches: list[Match] = field(default_factory=list)
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
        the run used) and every match."""
        by_typology: dict[str, list[dict[str, object]]] = {}
        for m in sorted(self.matches, key=lambda m: (m.typology, m.match_id)):
            by_typology.setdefault(m.typology, []).append(m.evidence)
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
    :func:`match_parties`. A model hit goes to the owners of its sender and receiver; to both
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
        for entity, own in sorted(parties.items()):
            chosen = alert(entity, period_of(last))
            chosen.matches.append(match)
            chosen.evidence_sets.append(evidence)
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
