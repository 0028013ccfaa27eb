"""The institution's money-laundering risk self-assessment: inherent risk × control effectiveness → residual.

:func:`evaluate` is the whole method as one pure function over the document's
body: metrics become a score and a level per dimension, the assessor's
adjustments move a level up or down (with a reason), questionnaire answers give
each control area a score, and the configured matrix gives the residual risk.
"""

from __future__ import annotations

import copy
from typing import Any

from integrita.domain.permissions import Permission
from integrita.domain.risk import (
    CONTROL_AREAS,
    CONTROL_LEVELS,
    DEFAULT_RESIDUAL_MATRIX,
    DIMENSIONS,
    INHERENT_LEVELS,
    NEW,
    AssessmentStatus,
    residual_level,
    shift_level,
    validate_matrix,
)
from integrita.domain.workflow import AUTHORS, Involvement, Step, Workflow
from integrita.errors import InputError

ANSWER_SCORES: dict[str, float] = {"yes": 1.0, "partly": 0.5, "no": 0.0}

DEFAULT_ASSESSMENT_CONFIG: dict[str, Any] = {
    # Each metric is a share (0..1) computed from the data; it reaches full strength at ``full_at``.
    "dimension_metrics": {
        "customers": {
            "high_risk_customer_share": [0.5, 0.10],
            "pep_share": [0.3, 0.01],
            "organisation_share": [0.2, 0.30],
        },
        "geography": {
            "cross_border_share": [0.4, 0.10],
            "high_risk_country_share": [0.4, 0.005],
            "foreign_customer_share": [0.2, 0.10],
        },
        "products_and_services": {
            "high_risk_product_share": [0.6, 0.30],
            "cash_share": [0.4, 0.20],
        },
        "channels": {
            "non_face_to_face_share": [0.5, 0.50],
            "representative_share": [0.2, 0.20],
            "remote_channel_share": [0.3, 0.80],
        },
    },
    "inherent_thresholds": {"medium": 33.0, "high": 66.0},
    "control_thresholds": {"strong": 0.8, "adequate": 0.5},
    "matrix": DEFAULT_RESIDUAL_MATRIX,
    "questionnaire": {
        "customer_due_diligence": [
            "Is every customer identified and verified before the relationship starts?",
            "Is enhanced due diligence applied to high-risk customers and PEPs?",
            "Are beneficial owners of organisations identified and verified?",
        ],
        "monitoring": [
            "Are transactions monitored by documented, tested scenarios?",
            "Are alerts worked within the target time with four-eyes review?",
            "Are monitoring thresholds reviewed at least yearly?",
        ],
        "reporting": [
            "Are suspicious transaction reports filed within the statutory deadline?",
            "Are large-value transaction reports complete and on time?",
        ],
        "record_keeping": [
            "Are customer and transaction records kept for the statutory period?",
            "Can records be retrieved promptly for the regulator?",
        ],
        "training": [
            "Did all staff complete AML training this year?",
            "Do front-line and compliance staff get role-specific training?",
        ],
        "governance": [
            "Has the board approved the AML policy and risk appetite?",
            "Is the AML function independent and adequately staffed?",
            "Are new products reviewed for AML risk before launch?",
        ],
    },
}


def new_body(
    year: int, metrics: dict[str, dict[str, float]], config: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A fresh draft body: the data's metrics, an empty questionnaire, no adjustments."""
    cfg = copy.deepcopy(config or DEFAULT_ASSESSMENT_CONFIG)
    validate_matrix(cfg["matrix"])
    body: dict[str, Any] = {
        "year": year,
        "config": cfg,
        "metrics": metrics,
        "adjustments": {d: {"steps": 0, "reason": ""} for d in DIMENSIONS},
        "answers": {
            area: [{"question": q, "answer": None, "evidence": ""} for q in questions]
            for area, questions in cfg["questionnaire"].items()
        },
    }
    return evaluate(body)


def _inherent_score(metrics: dict[str, float], spec: dict[str, list[float]]) -> float:
    total_weight = sum(w for w, _ in spec.values()) or 1.0
    points = sum(
        w * min(float(metrics.get(name, 0.0)) / full, 1.0) for name, (w, full) in spec.items()
    )
    return round(100.0 * points / total_weight, 1)


def _level(score: float, thresholds: dict[str, float]) -> str:
    if score >= thresholds["high"]:
        return "high"
    if score >= thresholds["medium"]:
        return "medium"
    return "low"


def control_level(score: float | None, thresholds: dict[str, float]) -> str:
    """Strong / adequate / weak from the share of questions met; unanswered counts as weak."""
    if score is None:
        return "weak"
    if score >= thresholds["strong"]:
        return "strong"
    if score >= thresholds["adequate"]:
        return "adequate"
    return "weak"


def evaluate(body: dict[str, Any]) -> dict[str, Any]:
    """Recompute inherent, control and residual levels from metrics, adjustments and answers."""
    out = copy.deepcopy(body)
    cfg = out["config"]
    inherent: dict[str, dict[str, Any]] = {}
    for dim in DIMENSIONS:
        score = _inherent_score(out["metrics"].get(dim, {}), cfg["dimension_metrics"][dim])
        computed = _level(score, cfg["inherent_thresholds"])
        steps = int(out["adjustments"][dim]["steps"])
        inherent[dim] = {
            "score": score,
            "computed_level": computed,
            "level": shift_level(computed, steps),
        }
    controls: dict[str, dict[str, Any]] = {}
    area_scores: list[float] = []
    for area in CONTROL_AREAS:
        answers = [a["answer"] for a in out["answers"].get(area, [])]
        given = [ANSWER_SCORES[a] for a in answers if a is not None]
        score_or_none = (
            round(sum(given) / len(answers), 2) if answers and len(given) == len(answers) else None
        )
        controls[area] = {
            "score": score_or_none,
            "answered": len(given),
            "questions": len(answers),
            "level": control_level(score_or_none, cfg["control_thresholds"]),
        }
        area_scores.append(score_or_none if score_or_none is not None else 0.0)
    overall_score = round(sum(area_scores) / len(area_scores), 2)
    overall = control_level(overall_score, cfg["control_thresholds"])
    out["inherent"] = inherent
    out["controls"] = controls
    out["control_overall"] = {"score": overall_score, "level": overall}
    out["residual"] = {
        dim: residual_level(cfg["matrix"], inherent[dim]["level"], overall) for dim in DIMENSIONS
    }
    return out


def adjust(body: dict[str, Any], dimension: str, steps: int, reason: str) -> dict[str, Any]:
    """The assessor moves a dimension's inherent level by -2..+2 steps; a reason is required."""
    if dimension not in DIMENSIONS:
        raise InputError(
            f"unknown dimension {dimension!r}; known: {', '.join(DIMENSIONS)}", field="dimension"
        )
    if not -2 <= steps <= 2:
        raise InputError("an adjustment moves the level by -2 to +2 steps", field="steps")
    if steps != 0 and len(reason.strip()) < 10:
        raise InputError("an adjustment needs a reason of at least 10 characters", field="reason")
    out = copy.deepcopy(body)
    out["adjustments"][dimension] = {"steps": steps, "reason": reason.strip()}
    return evaluate(out)


def answer(
    body: dict[str, Any], area: str, index: int, value: str, evidence: str
) -> dict[str, Any]:
    """Record the answer (yes / partly / no) and evidence for one control question."""
    if area not in body["answers"]:
        raise InputError(
            f"unknown control area {area!r}; known: {', '.join(CONTROL_AREAS)}", field="area"
        )
    questions = body["answers"][area]
    if not 0 <= index < len(questions):
        raise InputError(f"{area} has questions 0..{len(questions) - 1}", field="index")
    if value not in ANSWER_SCORES:
        raise InputError("answer must be yes, partly or no", field="answer")
    if value != "no" and not evidence.strip():
        raise InputError("a yes or partly answer needs evidence", field="evidence")
    out = copy.deepcopy(body)
    out["answers"][area][index] = {
        **questions[index],
        "answer": value,
        "evidence": evidence.strip(),
    }
    return evaluate(out)


def unanswered(body: dict[str, Any]) -> list[str]:
    return [
        f"{area} #{i}"
        for area, items in body["answers"].items()
        for i, a in enumerate(items)
        if a["answer"] is None
    ]


__all__ = [
    "CONTROL_LEVELS",
    "INHERENT_LEVELS",
    "adjust",
    "answer",
    "evaluate",
    "new_body",
    "unanswered",
]


# -- the governed life cycle -----------------------------------------------------------------------

#: Whoever drafted or changed a self-assessment neither reviews nor signs it; a review or a
#: signature binds to the revision seen and is a person's act.
_APPROVAL: dict[str, Any] = {"excludes": AUTHORS, "binds_version": True, "needs_person": True}
_DRAFT = frozenset({AssessmentStatus.DRAFT})


def _change(action: str, meaning: str) -> Step:
    """A substantive edit of the draft: its author joins the people who may not approve it."""
    return Step(
        action, _DRAFT, None, Permission.ASSESSMENT_DRAFT, meaning, involvement=Involvement.CHANGED
    )


ASSESSMENT_WORKFLOW = Workflow(
    name="self_assessment",
    label="self-assessment",
    states=frozenset({NEW, *AssessmentStatus}),
    steps={
        step.action: step
        for step in (
            Step(
                "draft",
                frozenset({NEW}),
                AssessmentStatus.DRAFT,
                Permission.ASSESSMENT_DRAFT,
                "draft a version from the data",
                involvement=Involvement.DRAFTED,
            ),
            _change("adjust", "adjust a dimension's inherent level"),
            _change("answer", "answer a control question"),
            Step(
                "review",
                _DRAFT,
                AssessmentStatus.REVIEWED,
                Permission.ASSESSMENT_REVIEW,
                "review the complete draft",
                involvement=Involvement.REVIEWED,
                **_APPROVAL,
            ),
            Step(
                "sign",
                frozenset({AssessmentStatus.REVIEWED}),
                AssessmentStatus.SIGNED,
                Permission.ASSESSMENT_SIGN,
                "sign the reviewed version",
                involvement=Involvement.SIGNED,
                **_APPROVAL,
            ),
            Step(
                "supersede",
                frozenset(
                    {AssessmentStatus.DRAFT, AssessmentStatus.REVIEWED, AssessmentStatus.SIGNED}
                ),
                AssessmentStatus.SUPERSEDED,
                Permission.ASSESSMENT_DRAFT,
                "replace by a newer version of the year",
            ),
        )
    },
)
