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
    fired = []
    top = 0.0
    for spec in name_features():
        value = spec.func(a, b)
        if value > 0:
            fired.append((spec, value))
            top = max(top, spec.weight * value)
    return top, fired


def _best_name(
    left: Sequence[ParsedName], right: Sequence[ParsedName]
) -> tuple[float, str, str, list[tuple[FeatureSpec, float]]]:
    best: tuple[float, str, str, list[tuple[FeatureSpec, float]]] = (0.0, "", "", [])
    for a in left:
        for b in right:
            top, fired = _pair_values(a, b)
            if top > best[0]:
                best = (top, a.original, b.original, fired)
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
    left = subject_names if subject_names is not None else parse_all(subject.names, subject.schema)
    right = entity_names if entity_names is not None else parse_all(entity.names, entity.schema)
    name_score, subject_name, entity_name, fired = _best_name(left, right)
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
    total = name_score
    decisive = False
    for spec in evidence_features():
        value = spec.func(subject, entity)
        if value:
            hits.append(FeatureHit(spec.name, round(value, 4), round(value, 4), spec.explanation))
            if spec.name == "identifier" and value >= 1.0:
                decisive = True
            else:
                total += value
    final = 1.0 if decisive else min(1.0, max(0.0, total))
    return MatchResult(
        entity, round(final, 4), round(name_score, 4), subject_name, entity_name, tuple(hits)
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
