"""The screening points: a name on demand, customers at onboarding and on change, the whole
book, the delta after a list update, and a payment's counterparty in real time.

A customer over the threshold becomes a :class:`~integrita.store.models.ScreeningMatch` (once
per customer–entity pair and version of both) and an alert in case work, unless the good-guy
list holds a confirmed false positive for that same pair, unchanged on both sides.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from integrita.detection.screening.index import BlockingIndex, IndexedEntity
from integrita.detection.screening.matcher import MatchResult
from integrita.domain.permissions import Permission
from integrita.domain.screening import ListEntity, MatchState, Subject
from integrita.services.core.case_intake import raise_finding
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, ensure_permitted
from integrita.services.screening.book_keys import customers_meeting, record_keys
from integrita.services.screening.index_cache import current_index
from integrita.services.screening.subjects import customer_subject
from integrita.store import Session
from integrita.store.repositories import screening as repo

Progress = Callable[[float], None]
#: Customers read from the database per batch (onboarding, delta screening).
DELTA_BATCH = 5_000


@dataclass(frozen=True, slots=True)
class FeatureView:
    name: str
    value: float
    contribution: float
    explanation: str


@dataclass(frozen=True, slots=True)
class CandidateView:
    """A list entity scored against a subject, with the features behind the score."""

    source: str
    snapshot_id: int
    entity_id: str
    schema: str
    caption: str
    matched_name: str
    subject_name: str
    score: float
    is_match: bool
    features: tuple[FeatureView, ...]
    programmes: tuple[str, ...]
    topics: tuple[str, ...]


@dataclass
class ScreeningSummary:
    """What a screening run did; ``screened`` subjects met ``compared`` candidates in total."""

    trigger: str
    screened: int = 0
    compared: int = 0
    matches: int = 0
    new_matches: int = 0
    suppressed: int = 0
    alerts: int = 0
    seconds: float = 0.0
    match_ids: list[int] = field(default_factory=list)


def candidate_view(entry: IndexedEntity, result: MatchResult, threshold: float) -> CandidateView:
    entity = entry.entity
    return CandidateView(
        entry.source,
        entry.snapshot_id,
        entity.entity_id,
        entity.schema,
        entity.caption,
        result.entity_name,
        result.subject_name,
        result.score,
        result.score >= threshold,
        tuple(FeatureView(f.name, f.value, f.contribution, f.explanation) for f in result.features),
        entity.programmes,
        entity.topics,
    )


def screen_name(
    ctx: Context,
    subject: Subject,
    *,
    actor: HasRoles,
    threshold: float | None = None,
    near_misses: bool = False,
    limit: int = 10,
) -> list[CandidateView]:
    """Candidates for one subject, best first: matches only, or near-misses too."""
    ensure_permitted(actor, Permission.SCREENING_RUN)
    cut = ctx.settings.screening_threshold if threshold is None else threshold
    index = current_index(ctx)
    found = index.screen(subject, threshold=cut / 2 if near_misses else cut, limit=limit)
    return [candidate_view(e, r, cut) for e, r in found]


def screen_counterparty(
    ctx: Context, name: str, country: str | None = None
) -> CandidateView | None:
    """The strongest list match for a payment's counterparty name, or None (real time)."""
    if not name or not name.strip():
        return None
    index = current_index(ctx)
    if not len(index):
        return None
    cut = ctx.settings.screening_threshold
    subject = Subject(
        name=name.strip(), schema="LegalEntity", countries=(country,) if country else ()
    )
    found = index.screen(subject, threshold=cut, limit=1)
    return candidate_view(*found[0], cut) if found else None


def _record(
    session: Session,
    ctx: Context,
    summary: ScreeningSummary,
    hits: Sequence[tuple[Subject, IndexedEntity, MatchResult]],
    *,
    actor: str,
) -> None:
    """Store new matches (good-guy list applied) and raise their alerts, in one transaction."""
    if not hits:
        return
    at = ctx.now()
    refs = sorted({s.reference or s.name for s, _, _ in hits})
    cleared = {
        (g.customer_id, g.source, g.entity_id, g.customer_hash, g.entity_hash)
        for g in repo.good_guys(session, refs)
    }
    keys = []
    for subject, entry, _ in hits:
        keys.append(
            (
                subject.reference or subject.name,
                entry.source,
                entry.entity.entity_id,
                subject.content_hash(),
                entry.entity.content_hash(),
            )
        )
    known = repo.known_match_ids(session, keys)
    for key, (subject, entry, result) in zip(keys, hits, strict=True):
        summary.matches += 1
        if key in cleared:
            summary.suppressed += 1
            continue
        if key in known:
            continue
        known.add(key)
        features = [
            {
                "name": f.name,
                "value": f.value,
                "contribution": f.contribution,
                "explanation": f.explanation,
            }
            for f in result.features
        ]
        match = repo.add_match(
            session,
            subject_kind="customer",
            subject_ref=key[0],
            subject=_subject_json(subject),
            subject_hash=key[3],
            source=entry.source,
            entity_id=entry.entity.entity_id,
            entity_hash=key[4],
            snapshot_id=entry.snapshot_id,
            score=result.score,
            features=features,
            trigger=summary.trigger,
            state=MatchState.OPEN,
            version=1,
            created_at=at,
        )
        summary.new_matches += 1
        summary.match_ids.append(match.id)
        alert_id = raise_finding(
            session,
            at=at,
            customer_id=key[0],
            source="screening",
            finding_key="|".join(key),
            typologies=[
                "sanctions_match" if "sanction" in entry.entity.topics else "watchlist_match"
            ],
            evidence={
                "match_id": match.id,
                "list": entry.source,
                "snapshot_id": entry.snapshot_id,
                "entity_id": entry.entity.entity_id,
                "entity": entry.entity.caption,
                "matched_name": result.entity_name,
                "customer_name": result.subject_name,
            },
            score=result.score,
            explanation=[
                {"feature": f["name"], "value": f["value"], "explanation": f["explanation"]}
                for f in features
            ],
            actor=actor,
        )
        if alert_id is not None:
            match.alert_id = alert_id
            summary.alerts += 1


def _subject_json(subject: Subject) -> dict[str, Any]:
    return {
        "name": subject.name,
        "schema": subject.schema,
        "birth_date": subject.birth_date,
        "countries": list(subject.countries),
        "identifiers": [{"kind": i.kind, "number": i.number} for i in subject.identifiers],
        "reference": subject.reference,
    }


def _screen_rows(
    index: BlockingIndex,
    rows: Iterable[Any],
    threshold: float,
    summary: ScreeningSummary,
    keyed: list[Subject] | None = None,
    met: dict[str, list[int]] | None = None,
) -> list[tuple[Subject, IndexedEntity, MatchResult]]:
    """Screen customer rows; ``keyed`` collects the subjects whose keys are to be stored;
    ``met`` names the entries each customer is scored against (else the index chooses)."""
    hits = []
    for row in rows:
        subject = customer_subject(row)
        summary.screened += 1
        if keyed is not None:
            keyed.append(subject)
        among = met.get(row.customer_id, []) if met is not None else None
        for entry, result in index.screen(subject, threshold=threshold, limit=5, among=among):
            hits.append((subject, entry, result))
    return hits


def screen_customers(
    ctx: Context, customer_ids: Sequence[str], *, actor: HasRoles, trigger: str = "onboarding"
) -> ScreeningSummary:
    """Screen these customers (new or changed) against every list in force."""
    ensure_permitted(actor, Permission.SCREENING_RUN)
    return screen_onboarded(ctx, customer_ids, trigger=trigger, by=actor.username)


def screen_onboarded(
    ctx: Context, customer_ids: Sequence[str], *, trigger: str, by: str
) -> ScreeningSummary:
    """Screen new or changed customers for the path that wrote them (ingest, account opening:
    see :mod:`integrita.services.core.sanctions`); their keys are stored for delta screening."""
    started = time.perf_counter()
    summary = ScreeningSummary(trigger)
    index = current_index(ctx, fresh=True)
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), DELTA_BATCH):
        keyed: list[Subject] = []
        with ctx.db.transaction() as session:
            rows = repo.customers(session, ids[start : start + DELTA_BATCH])
            hits = _screen_rows(index, rows, ctx.settings.screening_threshold, summary, keyed)
            _record(session, ctx, summary, hits, actor=by)
        # a new or changed customer's keys, so the next list change finds it without a scan
        record_keys(ctx, keyed)
    summary.seconds = time.perf_counter() - started
    return summary


def screen_book(
    ctx: Context,
    *,
    actor: HasRoles,
    entities: BlockingIndex | None = None,
    trigger: str = "batch",
    progress: Progress | None = None,
) -> ScreeningSummary:
    """Screen the whole book against ``entities`` (default: every list in force); the book's
    keys are stored as it goes."""
    ensure_permitted(actor, Permission.SCREENING_RUN)
    started = time.perf_counter()
    summary = ScreeningSummary(trigger)
    index = entities if entities is not None else current_index(ctx, fresh=True)
    threshold = ctx.settings.screening_threshold
    hits: list[tuple[Subject, IndexedEntity, MatchResult]] = []
    with ctx.db.transaction() as session:
        for batch in repo.all_customers(session):
            keyed: list[Subject] = []
            hits += _screen_rows(index, batch, threshold, summary, keyed)
            record_keys(ctx, keyed)
            if progress is not None:
                progress(len(batch))
    with ctx.db.transaction() as session:
        _record(session, ctx, summary, hits, actor=actor.username)
    summary.seconds = time.perf_counter() - started
    return summary


def delta_index(ctx: Context, snapshot_id: int, entity_ids: Sequence[str]) -> BlockingIndex:
    """An index holding only the entities a list update added or changed."""
    index = BlockingIndex()
    with ctx.db.transaction() as session:
        snapshot = repo.get_snapshot(session, snapshot_id)
        source = snapshot.source if snapshot else ""
        payloads = repo.entity_payloads(session, snapshot_id, entity_ids)
    index.add((ListEntity.from_json(p) for p in payloads), source=source, snapshot_id=snapshot_id)
    return index.freeze()


def screen_delta(
    ctx: Context,
    snapshot_id: int,
    entity_ids: Sequence[str],
    *,
    actor: HasRoles,
    progress: Progress | None = None,
) -> ScreeningSummary:
    """After a list update: only the new and changed entities, against the customers whose
    stored keys meet them (a join, not a scan of the book); ``progress`` counts those."""
    ensure_permitted(actor, Permission.SCREENING_RUN)
    started = time.perf_counter()
    summary = ScreeningSummary("delta")
    index = delta_index(ctx, snapshot_id, entity_ids)
    if not len(index):
        return summary
    met = customers_meeting(ctx, index)
    ids = sorted(met)
    threshold = ctx.settings.screening_threshold
    hits: list[tuple[Subject, IndexedEntity, MatchResult]] = []
    with ctx.db.transaction() as session:
        for start in range(0, len(ids), DELTA_BATCH):
            rows = repo.customers(session, ids[start : start + DELTA_BATCH])
            hits += _screen_rows(index, rows, threshold, summary, met=met)
            if progress is not None:
                progress(len(rows))
    with ctx.db.transaction() as session:
        _record(session, ctx, summary, hits, actor=actor.username)
    summary.seconds = time.perf_counter() - started
    return summary


def book_size(ctx: Context) -> int:
    with ctx.db.transaction() as session:
        return repo.customer_count(session)
