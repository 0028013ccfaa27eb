"""How a capability other than batch monitoring hands an alert to case work.

Screening (and any later capability) raises its alerts here rather than importing monitoring:
capabilities talk to each other only through ``services/core``. The alert lands in the same
table and queue as detection's, keyed so the same finding is never raised twice, with its audit
event in the caller's transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

from integrita.services.core import audit
from integrita.store import Session
from integrita.store.repositories import alerts as alerts_repo


def raise_finding(
    session: Session,
    *,
    at: datetime,
    customer_id: str,
    source: str,
    finding_key: str,
    typologies: list[str],
    evidence: Mapping[str, object],
    score: float | None,
    explanation: list[dict[str, object]] | None,
    actor: str = "system",
) -> int | None:
    """Store one alert for ``finding_key``; None when that finding already raised one."""
    key = hashlib.sha256(f"{source}|{finding_key}".encode()).hexdigest()
    if alerts_repo.existing_dedup_keys(session, [key]):
        return None
    (alert_id,) = alerts_repo.add_many(
        session,
        [
            {
                "customer_id": customer_id,
                "source": source,
                "run_id": None,
                "raised_at": at,
                "dedup_key": key,
                "typologies": sorted(typologies),
                "evidence": dict(evidence),
                "score": score,
                "explanation": explanation,
                "status": "new",
            }
        ],
    )
    audit.record(
        session,
        at=at,
        actor=actor,
        action="alert.raised",
        entity_type="alert",
        entity_id=alert_id,
        after={
            "customer_id": customer_id,
            "typologies": typologies,
            "score": score,
            "source": source,
        },
    )
    return alert_id
