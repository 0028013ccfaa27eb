"""Satisfaction surveys: set-up, stratified sample, invitations and reminders, answers, results.

Invitations and reminders leave through :func:`send_survey_message`, the one
place that hands a message to the shared notification outbox (which delivers it
by e-mail or SMS with retries). Each message is also recorded in
``care_survey_messages``: ``enqueued`` when handed to the outbox, ``no_contact``
when the customer has no phone or e-mail on file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from integrita.domain import survey as sv
from integrita.domain.client_dates import require_within
from integrita.domain.permissions import Permission
from integrita.errors import InputError, NotFoundError
from integrita.logging import get_logger
from integrita.services.care.complaints import Actor
from integrita.services.core import audit, outbox
from integrita.services.core.context import Context
from integrita.services.core.csv_rows import RowErrors, read_csv
from integrita.services.core.permissions import ensure_permitted
from integrita.store import Session
from integrita.store.models import Survey
from integrita.store.repositories import care as care_repo
from integrita.store.repositories import care_customers as repo
from integrita.store.repositories import realtime as realtime_repo

log = get_logger(__name__)

MODES = ("internal", "agency")


def _dimensions(survey: Survey) -> list[sv.Dimension]:
    return [sv.Dimension(**d) for d in survey.dimensions]


def send_survey_message(
    session: Session,
    *,
    survey_id: int,
    customer_id: str,
    kind: str,
    sequence: int,
    at: datetime,
    language: str = "zh",
) -> None:
    """Hand one invitation or reminder to the notification outbox, in the caller's transaction."""
    template = f"care.survey_{kind}"
    params = {"survey_id": survey_id, "customer_id": customer_id}
    key = f"care-survey:{survey_id}:{customer_id}:{kind}:{sequence}"
    contact = realtime_repo.contact_for_customer(session, customer_id)
    status = "no_contact"
    if contact is not None and (contact[0] or contact[1]):
        phone, email, language = contact
        channel, recipient = ("email", email) if email else ("sms", phone)
        outbox.enqueue(session, channel, str(recipient), template, language, params, key, at=at)
        status = "enqueued"
    repo.insert_messages(
        session,
        [
            {
                "survey_id": survey_id,
                "customer_id": customer_id,
                "kind": kind,
                "template": template,
                "language": language,
                "params": params,
                "idempotency_key": key,
                "status": status,
                "created_at": at,
            }
        ],
    )


def create_survey(
    ctx: Context,
    name: str,
    actor: Actor,
    *,
    fraction: float = sv.MIN_SAMPLE_FRACTION,
    seed: int = 0,
    mode: str = "internal",
    dimensions: list[sv.Dimension] | None = None,
) -> int:
    """Set up a survey, draw its stratified sample and queue the invitations (internal mode)."""
    ensure_permitted(actor, Permission.SURVEY_RUN)
    if not name.strip():
        raise InputError("name the survey", field="name")
    if mode not in MODES:
        raise InputError(f"mode must be internal or agency, not {mode!r}", field="mode")
    dims = list(dimensions or sv.DEFAULT_DIMENSIONS)
    try:
        sv.check_dimensions(dims)
    except ValueError as exc:
        raise InputError(str(exc), field="dimensions") from exc
    now = ctx.now()
    since = ctx.local_date(now) - timedelta(days=ctx.settings.care_active_customer_days)
    with ctx.db.transaction() as session:
        population = repo.active_customers(session, since)
        if not population:
            raise InputError(
                f"no active customers (none with an order since {since.isoformat()})",
                field="population",
            )
        try:
            sample = sv.stratified_sample(population, fraction, seed)
        except ValueError as exc:
            raise InputError(str(exc), field="fraction") from exc
        survey = care_repo.add(
            session,
            Survey(
                name=name.strip(),
                dimensions=[
                    {"key": d.key, "label": d.label, "group": d.group, "weight": d.weight}
                    for d in dims
                ],
                sample_fraction=fraction,
                seed=seed,
                mode=mode,
                population=len(population),
                created_at=now,
                created_by=actor.username,
            ),
        )
        repo.insert_invitations(
            session,
            [
                {
                    "survey_id": survey.id,
                    "customer_id": cid,
                    "stratum": stratum,
                    "invited_at": now,
                    "reminders": 0,
                }
                for stratum, ids in sample.items()
                for cid in ids
            ],
        )
        if mode == "internal":
            for ids in sample.values():
                for cid in ids:
                    send_survey_message(
                        session,
                        survey_id=survey.id,
                        customer_id=cid,
                        kind="invitation",
                        sequence=0,
                        at=now,
                    )
        audit.record(
            session,
            at=now,
            actor=actor.username,
            action="care.survey_created",
            entity_type="care_survey",
            entity_id=survey.id,
            after={
                "name": survey.name,
                "mode": mode,
                "fraction": fraction,
                "seed": seed,
                "population": len(population),
                "sampled": {k: len(v) for k, v in sample.items()},
            },
        )
        return int(survey.id)


def send_reminders(ctx: Context, survey_id: int, actor: Actor) -> int:
    """Queue a reminder for every invited customer who has not answered yet."""
    ensure_permitted(actor, Permission.SURVEY_RUN)
    now = ctx.now()
    with ctx.db.transaction() as session:
        survey = repo.get_survey(session, survey_id)
        if survey is None:
            raise NotFoundError(f"no survey {survey_id}")
        if survey.mode != "internal":
            raise InputError("an agency survey sends its own reminders", field="mode")
        sent = 0
        for inv in repo.invitations(session, survey_id):
            if inv.responded_at is None:
                inv.reminders += 1
                send_survey_message(
                    session,
                    survey_id=survey_id,
                    customer_id=inv.customer_id,
                    kind="reminder",
                    sequence=inv.reminders,
                    at=now,
                )
                sent += 1
        audit.record(
            session,
            at=now,
            actor=actor.username,
            action="care.survey_reminders_sent",
            entity_type="care_survey",
            entity_id=survey_id,
            after={"reminders": sent},
        )
        return sent


def _answer_rows(
    survey: Survey, customer_id: str, answers: dict[str, int], on: date, source: str, where: str
) -> list[dict[str, Any]]:
    keys = {d["key"] for d in survey.dimensions}
    rows = []
    for key, value in answers.items():
        if key not in keys:
            raise InputError(f"{where}unknown dimension {key!r}", field=key)
        if not isinstance(value, int) or not sv.SCALE_MIN <= value <= sv.SCALE_MAX:
            raise InputError(f"{where}{key} must be a whole number 1-5, not {value!r}", field=key)
        rows.append(
            {
                "survey_id": survey.id,
                "customer_id": customer_id,
                "dimension": key,
                "answer": value,
                "answered_on": on,
                "source": source,
            }
        )
    if not rows:
        raise InputError(f"{where}no answers given", field="answers")
    return rows


def _record(
    session: Session,
    survey: Survey,
    customer_id: str,
    answers: dict[str, int],
    on: date,
    source: str,
    now: datetime,
    where: str = "",
) -> None:
    inv = repo.invitation(session, survey.id, customer_id)
    if inv is None:
        raise InputError(
            f"{where}customer {customer_id!r} is not in the sample", field="customer_id"
        )
    if inv.responded_at is not None:
        raise InputError(
            f"{where}customer {customer_id!r} has already answered", field="customer_id"
        )
    repo.insert_answers(session, _answer_rows(survey, customer_id, answers, on, source, where))
    inv.responded_at = now


def record_response(
    ctx: Context, survey_id: int, customer_id: str, answers: dict[str, int], actor: Actor
) -> None:
    """Store one sampled customer's answers (1-5 per dimension)."""
    ensure_permitted(actor, Permission.SURVEY_RUN)
    now = ctx.now()
    with ctx.db.transaction() as session:
        survey = repo.get_survey(session, survey_id)
        if survey is None:
            raise NotFoundError(f"no survey {survey_id}")
        _record(session, survey, customer_id, answers, ctx.local_date(now), "direct", now)
        audit.record(
            session,
            at=now,
            actor=actor.username,
            action="care.survey_answered",
            entity_type="care_survey",
            entity_id=survey_id,
            after={"customer_id": customer_id, "answers": answers},
        )


def _answered_on(row: dict[str, str], where: str) -> date:
    try:
        return date.fromisoformat((row.get("answered_on") or "").strip())
    except ValueError as exc:
        raise InputError(f"{where}answered_on must be YYYY-MM-DD", field="answered_on") from exc


def _agency_answers(row: dict[str, str], keys: list[str], where: str) -> dict[str, int]:
    """A row's answers; blank cells are dimensions the customer did not answer."""
    answers: dict[str, int] = {}
    for key in keys:
        cell = (row.get(key) or "").strip()
        if not cell:
            continue
        if not cell.isdigit():
            raise InputError(f"{where}{key} must be a whole number 1-5, not {cell!r}", field=key)
        answers[key] = int(cell)
    return answers


def import_agency_csv(ctx: Context, survey_id: int, text: str, actor: Actor) -> int:
    """Import an external survey agency's results: customer_id, answered_on, one column per dimension.

    Blank cells are unanswered dimensions; every row is checked before anything is stored.
    """
    ensure_permitted(actor, Permission.SURVEY_RUN)
    now = ctx.now()
    errors = RowErrors()
    parsed = read_csv(text, errors)
    header = parsed.header
    for needed in ("customer_id", "answered_on"):
        if needed not in header:
            raise InputError(f"CSV is missing column {needed}", field="file")
    with ctx.db.transaction() as session:
        survey = repo.get_survey(session, survey_id)
        if survey is None:
            raise NotFoundError(f"no survey {survey_id}")
        keys = [d["key"] for d in survey.dimensions]
        unknown = [h for h in header if h not in {"customer_id", "answered_on", *keys}]
        if unknown:
            raise InputError(f"CSV has unknown column(s): {', '.join(unknown)}", field="file")
        count = 0
        seen: set[str] = set()
        for line, row in parsed.rows:
            where = f"row {line}: "
            with errors.row(line):
                cid = (row.get("customer_id") or "").strip()
                if cid in seen:
                    raise InputError(f"{where}customer {cid!r} appears twice", field="customer_id")
                seen.add(cid)
                on = _answered_on(row, where)
                # An answer is not dated after today (the bank's date); an agency may have
                # asked before the survey was recorded here, so earlier dates stand.
                require_within(
                    on,
                    field="answered_on",
                    latest=ctx.local_date(
                        now + timedelta(seconds=ctx.settings.client_clock_skew_seconds)
                    ),
                    latest_is="today",
                    where=where,
                )
                _record(
                    session,
                    survey,
                    cid,
                    _agency_answers(row, keys, where),
                    on,
                    "agency",
                    now,
                    where,
                )
                count += 1
        errors.raise_if_any()
        audit.record(
            session,
            at=now,
            actor=actor.username,
            action="care.survey_agency_imported",
            entity_type="care_survey",
            entity_id=survey_id,
            after={"responses": count},
        )
        return count


@dataclass(frozen=True, slots=True)
class DimensionResult:
    key: str
    label: str
    group: str
    weight: float
    estimate: sv.ScoreEstimate | None


@dataclass(frozen=True, slots=True)
class SurveyResults:
    id: int
    name: str
    mode: str
    created_at: datetime
    population: int
    sample_fraction: float
    seed: int
    invited: int
    responded: int
    response_rate: float | None
    warning: str | None
    strata: dict[str, dict[str, int]]
    dimensions: list[DimensionResult]
    overall: sv.ScoreEstimate | None
    messages: dict[str, int]
    #: Why the scores are withheld (below the response floor), or None when they are published.
    withheld: str | None = None
    #: Segments whose own response rate is below the floor, each named with its figures.
    segment_warnings: list[str] = field(default_factory=list)

    @property
    def labelled_messages(self) -> dict[str, int]:
        """The message counts as staff read them ("Invitations not sent (no phone or e-mail on
        file)"), for pages; ``messages`` keeps the stable ``kind:status`` keys for the API."""
        return {message_label(*key.split(":", 1)): n for key, n in self.messages.items()}


def results(ctx: Context, survey_id: int) -> SurveyResults:
    """Response rate against the 80 % floor, and 0-100 scores per dimension and overall."""
    with ctx.db.transaction() as session:
        survey = repo.get_survey(session, survey_id)
        if survey is None:
            raise NotFoundError(f"no survey {survey_id}")
        invs = repo.invitations(session, survey_id)
        answers = repo.answers(session, survey_id)
        messages = repo.message_counts(session, survey_id)
        since = survey.created_at.date() - timedelta(days=ctx.settings.care_active_customer_days)
        population = repo.active_customers(session, since)
    dims = _dimensions(survey)
    per_customer: dict[str, dict[str, int]] = {}
    for a in answers:
        per_customer.setdefault(a.customer_id, {})[a.dimension] = a.answer
    scores = sv.score_survey(list(per_customer.values()), dims)
    invited = len(invs)
    responded = sum(1 for i in invs if i.responded_at is not None)
    warning = sv.response_rate_warning(invited, responded)
    if warning:
        log.warning("survey %s: %s", survey_id, warning)
    pop_by_stratum = Counter(population.values())
    strata: dict[str, dict[str, int]] = {}
    for inv in invs:
        s = strata.setdefault(
            inv.stratum,
            {"population": pop_by_stratum.get(inv.stratum, 0), "invited": 0, "responded": 0},
        )
        s["invited"] += 1
        s["responded"] += inv.responded_at is not None
    withheld = sv.withheld_reason(invited, responded)
    dimensions = [
        DimensionResult(
            d.key, d.label, d.group, d.weight, None if withheld else scores.by_dimension[d.key]
        )
        for d in dims
    ]
    return SurveyResults(
        id=survey.id,
        name=survey.name,
        mode=survey.mode,
        created_at=survey.created_at,
        population=survey.population,
        sample_fraction=survey.sample_fraction,
        seed=survey.seed,
        invited=invited,
        responded=responded,
        response_rate=sv.response_rate(invited, responded),
        warning=warning,
        strata=dict(sorted(strata.items())),
        dimensions=dimensions,
        overall=None if withheld else scores.overall,
        messages={f"{k}:{s}": n for (k, s), n in sorted(messages.items())},
        withheld=withheld,
        segment_warnings=sv.segment_warnings(
            {k: (v["invited"], v["responded"]) for k, v in strata.items()}
        ),
    )


#: What staff call the messages of a survey, by (kind, status) as stored.
_MESSAGE_KINDS = {"invitation": "Invitations", "reminder": "Reminders"}
_MESSAGE_STATUSES = {
    "enqueued": "sent to the outbox",
    "no_contact": "not sent (no phone or e-mail on file)",
    "queued": "waiting to be sent",
}


def message_label(kind: str, status: str) -> str:
    """``("invitation", "no_contact")`` -> "Invitations not sent (no phone or e-mail on file)"."""
    what = _MESSAGE_KINDS.get(kind, kind.replace("_", " ").capitalize())
    how = _MESSAGE_STATUSES.get(status, status.replace("_", " "))
    return f"{what} {how}"


def reached_customers(ctx: Context, survey_id: int) -> set[str]:
    """Customers whose invitation or reminder actually went out (handed to the outbox)."""
    with ctx.db.transaction() as session:
        return repo.reached_customers(session, survey_id)


def list_surveys(ctx: Context) -> list[dict[str, Any]]:
    with ctx.db.transaction() as session:
        return [
            {"id": s.id, "name": s.name, "mode": s.mode, "created_at": s.created_at}
            for s in repo.list_surveys(session)
        ]
