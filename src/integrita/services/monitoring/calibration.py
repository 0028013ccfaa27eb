"""Entity alerts over a split of labelled history: the backtest's alerts and the entity score's
calibration (its weights), fitted on the validation split so the test split stays unseen.

Training (:func:`integrita.services.monitoring.scoring.train_model`) stores the calibration in the
model card, a detection run reads it from the active model, and the evaluation fits it the same
way — one path from labelled history to the score on an alert.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from integrita.detection.entity_alerts import (
    EntityAlert,
    as_scored,
    group_alerts,
    thirty_day_period,
)
from integrita.detection.entity_score import Calibration, entity_score, fit_weights
from integrita.detection.quality import line_for_recall

if TYPE_CHECKING:
    from integrita.services.monitoring.scoring import Dataset


def split_alerts(
    data: Dataset,
    rows: np.ndarray[Any, Any],
    score: np.ndarray[Any, Any],
    threshold: float,
    owners: dict[str, str],
    calibration: Calibration = Calibration(),
) -> list[EntityAlert]:
    """Entity alerts (30-day periods) from the matches and model hits within ``rows`` — those a
    run raises: context-explained alerts nothing corroborates are left out."""
    universe = {data.txn_ids[i] for i in rows}
    score_of = {data.txn_ids[i]: float(s) for i, s in zip(rows, score, strict=True)}
    alerts = group_alerts(
        data.matches,
        owner_of=owners.get,
        period_of=lambda ts: thirty_day_period(ts),
        score_of=score_of,
        calibration=calibration,
        model_hits=[t for t, s in score_of.items() if s >= threshold],
        accounts_of=data.accounts_of,
        ts_of={data.txn_ids[i]: int(data.ts[i]) for i in rows},
        universe=universe,
        owners_known=bool(owners),
        business=data.business,
        corroborating_score=threshold,
    )
    return [a for a in alerts if not a.explained]


def calibrate(
    data: Dataset,
    rows: np.ndarray[Any, Any],
    score: np.ndarray[Any, Any],
    threshold: float,
    owners: dict[str, str],
    where: str = "validation split",
) -> Calibration:
    """The entity score's weights fitted on the alerts of ``rows`` (:func:`fit_weights`; an alert
    is true when its evidence holds a laundering transaction), with the alert line chosen on the same alerts: the
    calibrated score that alerts :data:`~integrita.detection.quality.LINE_TARGET_RECALL` of their patterns with the fewest
    alerts (:func:`line_for_recall`) — as the model's threshold is chosen on validation."""
    alerts = split_alerts(data, rows, score, threshold, owners)
    positives = {data.txn_ids[i] for i in rows if data.y[i]}
    score_of = {data.txn_ids[i]: float(s) for i, s in zip(rows, score, strict=True)}
    fitted = fit_weights(
        [a.evidence_figures(score_of) for a in alerts],
        [not a.txn_ids.isdisjoint(positives) for a in alerts],
        where,
    )
    for a in alerts:
        a.score = entity_score(a.evidence_figures(score_of), fitted)
    line = line_for_recall(as_scored(alerts), positives, data.pattern_of_label, data.accounts_of)
    return replace(fitted, alert_line=line)
