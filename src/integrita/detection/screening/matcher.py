"""One score in [0, 1] for a subject against a list entity, with the features that made it.

The algorithm is versioned like nomenklatura's logic-v1/logic-v2: the name score is the best
weighted name feature over every pair of names, evidence features then raise or lower it, and an
identical identity document decides. :func:`explain` renders the algorithm from the registry,
so the explanation can never drift from the code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from integrita.detection.screening.features import (
    FeatureSpec,
    evidence_features,
    features_by_weight,
    name_features,
)
from integrita.detection.screening.names import ParsedName, parse_name
from integrita.domain.screening import ListEntity, Subject, is_organisation

ALGORITHM = "integrita-screening-v1"
#: The score from which a candidate is a match (an alert, a held payment).
DEFAULT_THRESHOLD = 0.80


@dataclass(frozen=True, slots=True)
class FeatureHit:
    """A feature that fired: its value and what it added to the score."""

    name: str
    value: float
    contribution: float
    explanation: str


@dataclass(frozen=True, slots=True)
class MatchResult:
    entity: ListEntity
    score: float
    name_score: float
    subject_name: str
    entity_name: str
    features: tuple[FeatureHit, ...]
    algorithm: str = ALGORITHM

    def is_match(self, threshold: float = DEFAULT_THRESHOLD) -> bool:
        return self.score >= threshold


def parse_all(names: Sequence[str], schema: str) -> tuple[ParsedName, ...]:
    organisation = is_organisation(schema)
    return tuple(parse_name(n, organisation) for n in names if n and n.strip())


def _pair_values(a: ParsedName, b: ParsedName) -> tuple[float, list[tuple[FeatureSpec, float]]]:
    """Every name feature that fires for one pair of names (for the explanation)."""
    fired = []
    top = 0.0
    for spec in name_features():
        value = spec.func(a, b)
        if value > 0:
            fired.append((spec, value))
            top = max(top, spec.weight * value)
    return top, fired


def _pair_top(a: ParsedName, b: ParsedName) -> float:
    """The best weighted name feature of one pair, the heaviest features first: once the best
    so far reaches the next feature's weight no lighter feature can beat it, so they are not
    computed (the same value as :func:`_pair_values`, at a fraction of the cost)."""
    top = 0.0
    for spec in features_by_weight():
        if top >= spec.weight:
            break
        value = spec.weight * spec.func(a, b)
        top = max(top, value)
    return top


def _best_pair(
    left: Sequence[ParsedName], right: Sequence[ParsedName]
) -> tuple[float, ParsedName | None, ParsedName | None]:
    best: tuple[float, ParsedName | None, ParsedName | None] = (0.0, None, None)
    for a in left:
        for b in right:
            top = _pair_top(a, b)
            if top > best[0]:
                best = (top, a, b)
                if top >= 1.0:
                    return best
    return best


def score(
    subject: Subject,
    entity: ListEntity,
    subject_names: Sequence[ParsedName] | None = None,
    entity_names: Sequence[ParsedName] | None = None,
) -> MatchResult:
    """Score ``subject`` against ``entity`` (parsed names may be passed in when cached)."""
    found = score_at_least(subject, entity, 0.0, subject_names, entity_names)
    assert found is not None  # every score is at least 0
    return found


def score_at_least(
    subject: Subject,
    entity: ListEntity,
    floor: float,
    subject_names: Sequence[ParsedName] | None = None,
    entity_names: Sequence[ParsedName] | None = None,
) -> MatchResult | None:
    """The match of ``subject`` against ``entity`` when its score reaches ``floor``, else None.

    The score is settled first from numbers alone; the features are listed (and the result
    built) only for a candidate that reaches the floor -- most candidates a blocking index
    offers do not, and screening must not pay for explaining them."""
    left = subject_names if subject_names is not None else parse_all(subject.names, subject.schema)
    right = entity_names if entity_names is not None else parse_all(entity.names, entity.schema)
    name_score, a, b = _best_pair(left, right)
    total = name_score
    decisive = False
    evidence: list[tuple[FeatureSpec, float]] = []
    for spec in evidence_features():
        value = spec.func(subject, entity)
        if value:
            evidence.append((spec, value))
            if spec.name == "identifier" and value >= 1.0:
                decisive = True
            else:
                total += value
    final = 1.0 if decisive else min(1.0, max(0.0, total))
    if round(final, 4) < floor:
        return None
    fired = _pair_values(a, b)[1] if a is not None and b is not None else []
    # the name feature that set the score carries it; the others are listed as corroboration
    hits = [
        FeatureHit(
            spec.name,
            round(value, 4),
            round(spec.weight * value, 4) if abs(spec.weight * value - name_score) < 1e-9 else 0.0,
            spec.explanation,
        )
        for spec, value in fired
    ]
    hits += [
        FeatureHit(spec.name, round(value, 4), round(value, 4), spec.explanation)
        for spec, value in evidence
    ]
    return MatchResult(
        entity,
        round(final, 4),
        round(name_score, 4),
        a.original if a is not None else "",
        b.original if b is not None else "",
        tuple(hits),
    )


def explain() -> dict[str, object]:
    """The algorithm as an analyst reads it: every feature, its weight and its reason."""
    return {
        "algorithm": ALGORITHM,
        "threshold": DEFAULT_THRESHOLD,
        "name_features": [
            {"name": f.name, "weight": f.weight, "explanation": f.explanation}
            for f in name_features()
        ],
        "evidence_features": [
            {"name": f.name, "explanation": f.explanation} for f in evidence_features()
        ],
    }
