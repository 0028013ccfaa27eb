"""The arithmetic of detection quality, kept apart from how the inputs are computed.

One set of functions serves ``integrita evaluate`` and ``benchmarks/detection_quality.py``
so that the figures a user reads and the figures we publish are the same figures. Every
function takes plain sets of transaction ids, so a hand-made case can check it.

Rules that keep the figures honest:

- A typology's recall counts, on both sides of the fraction, only laundering labelled
  with *that* typology; a detector that also catches other laundering gains precision,
  not recall. When labels carry no typology (AMLworld's ``Is Laundering`` flag), the
  per-typology recall is ``None`` — unknown, never the overall recall under its name.
- Every typology is listed — detectors that raised nothing and labelled typologies that
  no detector covers appear with zeros.
- Alert burden is counted per true *pattern* when the labels carry pattern ids, and per
  laundering *account* when they do not; the unit is named beside the figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: The name given to laundering whose labels carry no typology.
UNLABELLED = "unknown"


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 from counts (0.0 where a fraction has nothing to divide)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def typology_figures(
    flagged: Mapping[str, set[str]],
    positives: set[str],
    typology_of: Mapping[str, str],
    typologies: Iterable[str],
    universe: set[str],
) -> dict[str, dict[str, Any]]:
    """Per typology (every name in ``typologies`` and in the labels) and ``overall``.

    ``flagged[t]``: transactions detector ``t`` marked; ``positives``: laundering transactions;
    ``typology_of[txn]``: the labelled typology of a laundering transaction; ``universe``: the
    transactions being evaluated (e.g. the test split) — everything else is ignored.

    precision = flagged ∩ any laundering / flagged (catching other laundering is still right);
    recall = flagged ∩ laundering labelled t / laundering labelled t (``None`` when no label
    names a typology, because then the typology's own laundering is unknown).
    """
    positives = positives & universe
    labelled = {t: typology_of.get(t, UNLABELLED) for t in positives}
    names = sorted(set(typologies) | {k for k in labelled.values() if k != UNLABELLED})
    any_typology_known = any(k != UNLABELLED for k in labelled.values())
    result: dict[str, dict[str, Any]] = {}
    everything: set[str] = set()
    for name in names:
        marked = flagged.get(name, set()) & universe
        everything |= marked
        tp = len(marked & positives)
        truth = {t for t, k in labelled.items() if k == name}
        row: dict[str, Any] = {
            "flagged": len(marked),
            "flagged_laundering": tp,
            "precision": tp / len(marked) if marked else 0.0,
            "laundering_of_typology": len(truth) if any_typology_known else None,
            "recall": (len(marked & truth) / len(truth) if truth else 0.0)
            if any_typology_known
            else None,
        }
        result[name] = row
    tp = len(everything & positives)
    result["overall"] = {
        **prf(tp, len(everything) - tp, len(positives - everything)),
        "flagged": len(everything),
        "flagged_laundering": tp,
        "laundering_of_typology": len(positives),
    }
    return result


@dataclass(frozen=True, slots=True)
class ScoredAlert:
    """One alert as evaluation sees it: its entity, score and the evidence it carries."""

    entity: str
    score: float
    txn_ids: frozenset[str]
    accounts: frozenset[str]


def true_units(
    positives: set[str],
    pattern_of: Mapping[str, str],
    accounts_of: Mapping[str, Sequence[str]],
) -> tuple[str, dict[str, set[str]]]:
    """The units a true case is counted in: ("pattern", pattern → its transactions) when the
    labels carry pattern ids, else ("laundering account", account → its laundering transactions).
    """
    units: dict[str, set[str]] = {}
    if any(t in pattern_of for t in positives):
        for t in positives:
            units.setdefault(pattern_of.get(t, f"unpatterned:{t}"), set()).add(t)
        return "pattern", units
    for t in positives:
        for account in accounts_of.get(t, ()):
            units.setdefault(account, set()).add(t)
    return "laundering account", units


def _alerted(unit: str, txns: set[str], alert: ScoredAlert, unit_name: str) -> bool:
    if unit_name == "laundering account":
        return unit in alert.accounts
    return not alert.txn_ids.isdisjoint(txns)


def alert_burden(
    alerts: Sequence[ScoredAlert],
    positives: set[str],
    pattern_of: Mapping[str, str],
    accounts_of: Mapping[str, Sequence[str]],
    *,
    budget: int | None = None,
    line: float | None = None,
) -> dict[str, Any]:
    """Alerts per true case, share of cases alerted and precision, over all alerts and over the
    ``budget`` highest-scored ones (ties broken by entity, so the figure is reproducible), and
    over those scored at or above the alert ``line`` (chosen beforehand by :func:`line_for_recall`).

    An alert is *true* when its evidence holds a laundering transaction; a case (pattern or
    laundering account) is *alerted* when some alert's evidence holds one of its transactions
    (for accounts: names the account).
    """
    unit, units = true_units(positives, pattern_of, accounts_of)
    ranked = sorted(alerts, key=lambda a: (-a.score, a.entity))

    def figures(chosen: Sequence[ScoredAlert]) -> dict[str, Any]:
        alerted = {
            u for u, txns in units.items() if any(_alerted(u, txns, a, unit) for a in chosen)
        }
        true_alerts = sum(1 for a in chosen if not a.txn_ids.isdisjoint(positives))
        return {
            "alerts": len(chosen),
            "true_alerts": true_alerts,
            "precision": true_alerts / len(chosen) if chosen else 0.0,
            "cases_alerted": len(alerted),
            "recall": len(alerted) / len(units) if units else 0.0,
            "alerts_per_true_case": len(chosen) / len(units) if units else None,
        }

    result: dict[str, Any] = {"unit": unit, "true_cases": len(units), "all": figures(ranked)}
    if budget is not None:
        result["at_budget"] = {"budget": budget, **figures(ranked[:budget])}
    if line is not None:
        result["at_line"] = {"line": line, **figures([a for a in ranked if a.score >= line])}
    return result


#: The share of true patterns the alert line is chosen to reach on validation.
LINE_TARGET_RECALL = 0.8


def line_for_recall(
    alerts: Sequence[ScoredAlert],
    positives: set[str],
    pattern_of: Mapping[str, str],
    accounts_of: Mapping[str, Sequence[str]],
    target: float = LINE_TARGET_RECALL,
) -> float | None:
    """The highest entity score such that the alerts at or above it alert ``target`` of the true
    cases — the fewest alerts that reach the target. When no line reaches it, the lowest score
    of an alert that alerts a case not alerted above it (more alerts below would find nothing);
    None when there are no true cases or no alerts to choose from.
    """
    unit, units = true_units(positives, pattern_of, accounts_of)
    if not units or not alerts:
        return None
    ranked = sorted(alerts, key=lambda a: (-a.score, a.entity))
    alerted: set[str] = set()
    last_useful: float | None = None
    for a in ranked:
        found = {u for u, txns in units.items() if u not in alerted and _alerted(u, txns, a, unit)}
        if found:
            alerted |= found
            last_useful = a.score
        if len(alerted) >= target * len(units):
            return a.score
    return last_useful


def budget_for(alerts_per_month: int, seconds: float) -> int:
    """The number of alerts a monthly budget allows over a period of ``seconds`` (30-day months)."""
    return max(1, round(alerts_per_month * seconds / (30 * 86400)))
