"""Customer care's part of the annual disclosure pack: complaints and how fast they were
answered, complaint satisfaction, and the satisfaction surveys' response rate and score.

"Responded within 24 hours" is measured on each complaint's own initial-response deadline (the
24-hour commitment, with the care clock's pauses), not re-derived here, so the pack and the care
desk can never disagree. A satisfaction share is taken of the valid complaints whose customer
gave a rating; invalid and duplicate complaints are no service the bank gave.
"""

from __future__ import annotations

from decimal import Decimal

from integrita.domain.disclosure import DrillRow, Figure, Unit
from integrita.services.care import surveys
from integrita.services.core.context import Context
from integrita.store.models import Complaint, SurveyInvitation
from integrita.store.repositories import disclosure as repo
from integrita.store.repositories.care import NOT_VALID

SECTION = "Customer care"
#: A rating of 4 or 5 (of 5) counts as satisfied, as on the monthly quality report.
SATISFIED_FROM = 4


def _complaint_row(c: Complaint, ctx: Context, detail: str = "") -> DrillRow:
    received = ctx.local_date(c.received_at).isoformat()
    text = f"Complaint #{c.id}, {c.category}, received {received}"
    return DrillRow(
        "complaint", str(c.id), f"{text}, {detail}" if detail else text, f"/care/complaints/{c.id}"
    )


def _invitation_row(i: SurveyInvitation) -> DrillRow:
    return DrillRow(
        "survey_invitation",
        str(i.id),
        f"Survey {i.survey_id}, customer {i.customer_id} ({i.stratum})",
        f"/care/surveys/{i.survey_id}",
    )


def _responded_in_time(c: Complaint) -> bool:
    return (
        c.first_response_at is not None
        and c.first_response_due_at is not None
        and c.first_response_at <= c.first_response_due_at
    )


def annual_figures(ctx: Context, year: int) -> list[Figure]:
    """Complaints received in ``year``, the share answered within 24 hours, the share of rated
    valid complaints whose customer was satisfied, and the year's surveys."""
    start, end = ctx.year_bounds(year)
    with ctx.db.transaction() as session:
        received = repo.complaints_received_between(session, start, end)
        survey_rows = repo.surveys_created_between(session, start, end)
        invitations = repo.invitations_of(session, [s.id for s in survey_rows])
        all_rows = [_complaint_row(c, ctx) for c in received]
        in_time = [_complaint_row(c, ctx) for c in received if _responded_in_time(c)]
        rated = [c for c in received if c.validity not in NOT_VALID and c.satisfaction is not None]
        satisfied = [
            _complaint_row(c, ctx, f"rated {c.satisfaction}/5")
            for c in rated
            if (c.satisfaction or 0) >= SATISFIED_FROM
        ]
    responded = [_invitation_row(i) for i in invitations if i.responded_at is not None]
    figures = [
        Figure.count(SECTION, "care.complaints.received", "Complaints received", all_rows),
        Figure.share(
            SECTION,
            "care.complaints.responded_24h",
            "Complaints answered within 24 hours",
            in_time,
            len(received),
        ),
        Figure.share(
            SECTION,
            "care.complaints.satisfied",
            "Customers satisfied with the handling of their complaint",
            satisfied,
            len(rated),
        ),
        Figure.count(
            SECTION,
            "care.surveys.invited",
            "Customers invited to satisfaction surveys",
            [_invitation_row(i) for i in invitations],
        ),
        Figure.share(
            SECTION,
            "care.surveys.response_rate",
            "Survey response rate",
            responded,
            len(invitations),
            parent="care.surveys.invited",
        ),
    ]
    figures.append(_survey_score(ctx, [s.id for s in survey_rows]))
    return figures


def _survey_score(ctx: Context, survey_ids: list[int]) -> Figure:
    """The year's satisfaction score (0-100): each survey's overall score weighted by its
    responses; the rows are the surveys it was taken from."""
    weighted = Decimal(0)
    weight = 0
    rows = []
    withheld: list[str] = []
    for survey_id in survey_ids:
        result = surveys.results(ctx, survey_id)
        if result.withheld:
            withheld.append(f"{result.name}: {result.withheld}")
            continue
        if result.overall is None or not result.responded:
            continue
        weighted += Decimal(str(result.overall.score)) * result.responded
        weight += result.responded
        rows.append(
            DrillRow(
                "survey",
                str(survey_id),
                f"{result.name}: score {result.overall.score:.1f} from {result.responded} "
                f"responses",
                f"/care/surveys/{survey_id}",
            )
        )
    value = (weighted / weight).quantize(Decimal("0.1")) if weight else Decimal(0)
    return Figure(
        SECTION,
        "care.surveys.score",
        "Satisfaction survey score (0-100)",
        value,
        Unit.SCORE,
        tuple(rows),
        denominator=weight,
        note="; ".join(
            ([] if weight or withheld else ["no survey responses in the year"])
            + [f"not counted, scores withheld — {w}" for w in withheld]
        ),
    )
