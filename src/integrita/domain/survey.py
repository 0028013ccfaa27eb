"""Customer satisfaction surveys: weighted dimensions, stratified samples, scores with intervals.

The published practice: independent surveys on product quality (packaging,
interior, appearance), service before, during and after the sale, delivery and
price; at least 10 % of customers are sampled and at least 80 % must answer.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: The sample must cover at least this share of active customers in every stratum.
MIN_SAMPLE_FRACTION = 0.10
#: Below this response rate the results are flagged as not representative.
RESPONSE_RATE_FLOOR = 0.80
#: Answers are given on a 1-5 scale; scores are reported on 0-100.
SCALE_MIN, SCALE_MAX = 1, 5


@dataclass(frozen=True, slots=True)
class Dimension:
    key: str
    label: str
    group: str
    weight: float


DEFAULT_DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("packaging", "Packaging", "Product quality", 0.10),
    Dimension("interior", "Interior quality", "Product quality", 0.15),
    Dimension("appearance", "Appearance", "Product quality", 0.10),
    Dimension("service_before", "Service before the sale", "Service", 0.10),
    Dimension("service_during", "Service during the sale", "Service", 0.10),
    Dimension("service_after", "Service after the sale", "Service", 0.15),
    Dimension("delivery", "Delivery", "Delivery", 0.15),
    Dimension("price", "Price", "Price", 0.15),
)


def check_dimensions(dimensions: Sequence[Dimension]) -> None:
    """Keys are unique and weights are positive."""
    if not dimensions:
        raise ValueError("a survey needs at least one dimension")
    keys = [d.key for d in dimensions]
    if len(set(keys)) != len(keys):
        raise ValueError("dimension keys must be unique")
    for d in dimensions:
        if not d.weight > 0:
            raise ValueError(f"dimension {d.key!r}: weight must be positive")


def stratified_sample(
    population: Mapping[str, str], fraction: float, seed: int
) -> dict[str, list[str]]:
    """Draw ``ceil(fraction × size)`` customers at random from every stratum (customer_id → stratum).

    The same population, fraction and seed always give the same sample.
    """
    if not MIN_SAMPLE_FRACTION <= fraction <= 1:
        raise ValueError(
            f"sample fraction must be between {MIN_SAMPLE_FRACTION:.0%} and 100%, not {fraction:.1%}"
        )
    strata: dict[str, list[str]] = {}
    for customer_id, stratum in population.items():
        strata.setdefault(stratum, []).append(customer_id)
    rng = random.Random(seed)
    sample: dict[str, list[str]] = {}
    for stratum in sorted(strata):
        members = sorted(strata[stratum])
        size = math.ceil(round(fraction * len(members), 9))
        sample[stratum] = sorted(rng.sample(members, size))
    return sample


def answer_score(answer: int) -> float:
    """A 1-5 answer on the 0-100 scale: 1 → 0, 3 → 50, 5 → 100."""
    if not SCALE_MIN <= answer <= SCALE_MAX:
        raise ValueError(f"answers are 1-5, not {answer}")
    return (answer - SCALE_MIN) * 100.0 / (SCALE_MAX - SCALE_MIN)


# Two-sided 95 % Student t critical values for 1..30 degrees of freedom.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ScoreEstimate:
    """A mean 0-100 score with its 95 % confidence interval (Student t)."""

    score: float
    low: float
    high: float
    n: int


def estimate(values: Sequence[float]) -> ScoreEstimate | None:
    n = len(values)
    if n == 0:
        return None
    mean = sum(values) / n
    if n == 1:
        return ScoreEstimate(mean, mean, mean, 1)
    variance = sum((v - mean) ** 2 for v in values) / (n - 1)
    t = _T95[n - 2] if n - 1 <= len(_T95) else 1.96
    half = t * math.sqrt(variance / n)
    return ScoreEstimate(mean, max(0.0, mean - half), min(100.0, mean + half), n)


def respondent_score(answers: Mapping[str, int], dimensions: Sequence[Dimension]) -> float | None:
    """One respondent's overall score: the weighted mean of the dimensions they answered."""
    weighted = [(d.weight, answer_score(answers[d.key])) for d in dimensions if d.key in answers]
    total = sum(w for w, _ in weighted)
    if total == 0:
        return None
    return sum(w * s for w, s in weighted) / total


@dataclass(frozen=True, slots=True)
class SurveyScores:
    by_dimension: dict[str, ScoreEstimate | None]
    overall: ScoreEstimate | None


def score_survey(
    responses: Sequence[Mapping[str, int]], dimensions: Sequence[Dimension]
) -> SurveyScores:
    """Per-dimension and overall 0-100 scores with confidence intervals over respondents."""
    by_dimension = {
        d.key: estimate([answer_score(r[d.key]) for r in responses if d.key in r])
        for d in dimensions
    }
    per_respondent = [respondent_score(r, dimensions) for r in responses]
    overall = estimate([s for s in per_respondent if s is not None])
    return SurveyScores(by_dimension, overall)


def response_rate(invited: int, responded: int) -> float | None:
    return responded / invited if invited else None


def below_floor(invited: int, responded: int) -> bool:
    """Scores of a sample that answered below the floor are not representative: fewer than 80 %
    of the invited customers answered (a sample nobody was invited to has no rate)."""
    rate = response_rate(invited, responded)
    return rate is not None and rate < RESPONSE_RATE_FLOOR


def withheld_reason(invited: int, responded: int) -> str | None:
    """Why the scores are not published, or None when they are."""
    if invited == 0:
        return "scores are not published: nobody was invited"
    if not below_floor(invited, responded):
        return None
    rate = responded / invited
    return (
        f"scores are not published: only {responded} of {invited} invited customers answered "
        f"({rate:.1%}), below the {RESPONSE_RATE_FLOOR:.0%} response floor"
    )


def segment_warnings(strata: dict[str, tuple[int, int]]) -> list[str]:
    """Every segment (stratum) whose own response rate is below the floor, named: a survey can
    reach the floor overall while one segment — the elderly, say — answers far less."""
    out = []
    for segment, (invited, responded) in sorted(strata.items()):
        if below_floor(invited, responded):
            out.append(
                f"{segment}: {responded} of {invited} answered ({responded / invited:.1%}), below "
                f"the {RESPONSE_RATE_FLOOR:.0%} floor"
            )
    return out


def response_rate_warning(invited: int, responded: int) -> str | None:
    """A warning when fewer than 80 % of the invited customers answered."""
    rate = response_rate(invited, responded)
    if rate is None or rate >= RESPONSE_RATE_FLOOR:
        return None
    return (
        f"response rate {rate:.1%} ({responded} of {invited}) is below the "
        f"{RESPONSE_RATE_FLOOR:.0%} floor; the results may not be representative"
    )
