"""The entity score: how strongly one customer's alert for one period points to laundering.

An alert gathers everything a customer did in a period that some detector or the model found
suspicious. Its score combines three kinds of evidence, each a small documented feature with a
non-negative weight, so more evidence never lowers the score (the combination is monotone):

* **the model** — the log-odds of the highest model score among the evidence transactions, and
  how many of them the model scores at or over its threshold;
* **the rules** — how many different typologies and how many separate patterns point at the
  customer, and how much money they moved;
* **the graph** — how many accounts the customer's patterns connect.

Their weighted sum (the *raw* score) is mapped to a probability by a logistic curve. Without
labelled history the curve is the documented default (slope 0.4, offset -1); once labelled history
exists, the weights themselves are fitted on it — a logistic regression of the alerts' truth on
the features, kept monotone by leaving out any feature whose fitted weight is negative
(:func:`fit_weights`) — so a score of 0.3 means about three alerts in ten like it were true. A logistic curve keeps every difference in
the raw score, so alerts separate instead of piling up at 1.00.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EntityEvidence:
    """What one entity alert carries, as numbers."""

    typologies: int
    patterns: int
    accounts: int
    amount_cny_minor: int
    model_score: float | None
    #: Evidence transactions the model scores at or over its alert threshold.
    model_hits: int = 0


@dataclass(frozen=True, slots=True)
class EvidenceFeature:
    """One part of the entity score; its docstring is what the analyst reads as why it counts."""

    name: str
    weight: float
    value: Callable[[EntityEvidence], float]

    @property
    def why(self) -> str:
        return " ".join((self.value.__doc__ or "").split())


def _model_log_odds(e: EntityEvidence) -> float:
    """The scoring model's log-odds for the most suspicious evidence transaction (0 when no model
    scored it): the model weighs the transaction's own features and its point-in-time context."""
    if e.model_score is None:
        return 0.0
    p = min(max(e.model_score, 0.001), 0.999)
    return math.log(p / (1 - p))


def _model_hits(e: EntityEvidence) -> float:
    """Evidence transactions the model flags on their own, beyond the first (log scale): a
    launderer moves money again and again, a false alarm is usually one odd payment."""
    return math.log2(max(e.model_hits, 1))


def _typology_breadth(e: EntityEvidence) -> float:
    """Different typologies agreeing on one customer: independent shapes seldom coincide by
    chance, while one busy pattern fires the same typology again and again."""
    return float(max(e.typologies - 1, 0))


def _pattern_repeats(e: EntityEvidence) -> float:
    """Separate patterns of the customer in the period (log scale): repetition is a habit, but each
    repetition adds less."""
    return math.log2(max(e.patterns, 1))


def _network_reach(e: EntityEvidence) -> float:
    """Accounts the customer's patterns connect (log scale): laundering needs a network of mules
    and intermediaries around the customer."""
    return math.log2(1 + max(e.accounts, 0))


def _money_moved(e: EntityEvidence) -> float:
    """Money the evidence moved, in orders of magnitude over RMB 10,000: larger sums do more harm
    and cost more to move by mistake."""
    return max(math.log10(1 + e.amount_cny_minor / 100) - 4, 0.0)


#: The features of the entity score and their weights (all non-negative: monotone).
FEATURES: tuple[EvidenceFeature, ...] = (
    EvidenceFeature("model", 1.0, _model_log_odds),
    EvidenceFeature("model_hits", 0.5, _model_hits),
    EvidenceFeature("typology_breadth", 0.8, _typology_breadth),
    EvidenceFeature("pattern_repeats", 0.3, _pattern_repeats),
    EvidenceFeature("network_reach", 0.4, _network_reach),
    EvidenceFeature("money_moved", 0.5, _money_moved),
)
#: The raw score of an alert with the least evidence (one typology, one pattern, one account,
#: no model, little money) sits here, so that such an alert scores low rather than 0.5.
INTERCEPT = -2.5
#: The default curve, used until labelled history calibrates it: gentle enough that alerts with a
#: confident model score and several typologies still differ in the second decimal (a slope of 1
#: put them all at 0.99-1.00), and placing the least evidence near 0.14.
DEFAULT_SLOPE = 0.4
DEFAULT_OFFSET = -1.0


@dataclass(frozen=True, slots=True)
class Calibration:
    """score = 1 / (1 + exp(-(slope * raw + offset))); ``fitted_on`` says where slope and offset
    come from (the default when no labelled history was available)."""

    slope: float = DEFAULT_SLOPE
    offset: float = DEFAULT_OFFSET
    fitted_on: str = "default (no labelled history)"
    #: The alert line: the lowest entity score raised, chosen on labelled history (validation
    #: split) as the line that alerts the target share of its patterns with the fewest alerts —
    #: the way the model's threshold is chosen. None: no line, every alert up to the budget.
    alert_line: float | None = None
    #: The features' weights (by name) fitted on labelled history; None: :data:`FEATURES`' own.
    weights: tuple[tuple[str, float], ...] | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "slope": self.slope,
            "offset": self.offset,
            "fitted_on": self.fitted_on,
            "alert_line": self.alert_line,
            "weights": None if self.weights is None else dict(self.weights),
        }

    def weight(self, feature: EvidenceFeature) -> float:
        """The feature's weight under this calibration."""
        if self.weights is None:
            return feature.weight
        return dict(self.weights).get(feature.name, 0.0)

    @classmethod
    def of(cls, payload: object) -> Calibration:
        if not isinstance(payload, dict):
            return cls()
        line = payload.get("alert_line")
        weights = payload.get("weights")
        return cls(
            float(payload.get("slope", DEFAULT_SLOPE)),
            float(payload.get("offset", DEFAULT_OFFSET)),
            str(payload.get("fitted_on", "")),
            None if line is None else float(line),
            tuple((str(k), float(v)) for k, v in weights.items())
            if isinstance(weights, dict)
            else None,
        )

    def probability(self, raw: float) -> float:
        """The calibrated score of a raw score."""
        z = self.slope * raw + self.offset
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def raw_score(e: EntityEvidence, calibration: Calibration = Calibration()) -> float:
    return INTERCEPT + sum(calibration.weight(f) * f.value(e) for f in FEATURES)


def entity_score(e: EntityEvidence, calibration: Calibration = Calibration()) -> float:
    """The calibrated probability that the alert is true."""
    return calibration.probability(raw_score(e, calibration))


def explain_score(
    e: EntityEvidence, calibration: Calibration = Calibration()
) -> list[dict[str, object]]:
    """The score and each feature's value, weight, contribution and reason, for the alert."""
    rows: list[dict[str, object]] = [
        {
            "entity_score": round(entity_score(e, calibration), 6),
            "raw": round(raw_score(e, calibration), 6),
            "calibration": calibration.as_dict(),
        }
    ]
    for f in FEATURES:
        value, weight = f.value(e), calibration.weight(f)
        rows.append(
            {
                "feature": f.name,
                "value": round(value, 6),
                "weight": weight,
                "contribution": round(weight * value, 6),
                "why": f.why,
            }
        )
    return rows


def fit_calibration(raw: Sequence[float], truth: Sequence[bool], where: str) -> Calibration:
    """Platt calibration: the logistic curve over the raw score that best fits labelled alerts.

    Falls back to the default when the labels hold only one class or the fitted slope is not
    positive (a curve that ranks true alerts lower would reorder the monotone combination).
    """
    if len(raw) != len(truth) or len(set(truth)) < 2:
        return Calibration()
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    # the default L2 penalty keeps a handful of separable alerts from fitting a cliff that would
    # put every alert at 0.00 or 1.00
    model = LogisticRegression(C=1.0)
    model.fit(np.asarray(raw, dtype=float).reshape(-1, 1), np.asarray(truth, dtype=bool))
    slope, offset = float(model.coef_[0][0]), float(model.intercept_[0])
    if slope <= 0:
        return Calibration()
    return Calibration(slope, offset, f"Platt on {len(raw)} labelled alerts ({where})")


def fit_weights(
    evidence: Sequence[EntityEvidence], truth: Sequence[bool], where: str
) -> Calibration:
    """The features' weights fitted on labelled alerts: a logistic regression of each alert's
    truth on its feature values. A feature whose weight comes out negative is left out and the
    rest refitted, so more evidence still never lowers the score. Falls back to :func:`fit_calibration`
    of the default weights when the labels hold one class or no feature keeps a positive weight.
    """
    if len(evidence) != len(truth) or len(set(truth)) < 2:
        return Calibration()
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.asarray([[f.value(e) for f in FEATURES] for e in evidence], dtype=float)
    y = np.asarray(truth, dtype=bool)
    kept = list(range(len(FEATURES)))
    while kept:
        model = LogisticRegression(C=1.0)
        model.fit(x[:, kept], y)
        coef = model.coef_[0]
        if np.all(coef >= 0):
            break
        kept = [k for k, c in zip(kept, coef, strict=True) if c >= 0]
    if not kept or not np.any(model.coef_[0] > 0):
        return fit_calibration([raw_score(e) for e in evidence], truth, where)
    fitted = dict(zip((FEATURES[k].name for k in kept), model.coef_[0], strict=True))
    weights = tuple((f.name, round(float(fitted.get(f.name, 0.0)), 6)) for f in FEATURES)
    # score = sigmoid(intercept + sum w f) = sigmoid(1 * raw + offset), raw carrying INTERCEPT
    offset = float(model.intercept_[0]) - INTERCEPT
    return Calibration(
        1.0, offset, f"weights fitted on {len(evidence)} labelled alerts ({where})", None, weights
    )
