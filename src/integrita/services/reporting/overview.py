"""The compliance overview: one tile per flow, every figure a link to the records behind it,
and how far the ledger is behind the transaction stream.

Each count is the ``total`` of the very list query its link opens (the alert queue, the case
queue, the filing registers, the decision register, the rating lists, the complaint desk), so the
figure and the list it leads to cannot disagree. Dates are the bank's local dates: "this week"
starts on the local Monday, ages are counted in calendar days back from today's local date.
A tile appears only for a person who may open its lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from integrita.domain.permissions import Permission
from integrita.domain.risk import BAND_ORDER
from integrita.services.care import complaints as care_complaints
from integrita.services.care import sla as care_sla
from integrita.services.care import surveys as care_surveys
from integrita.services.casework import cases, deadlines, filings
from integrita.services.core import outbox
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, ensure_permitted, permitted
from integrita.services.realtime import decision_register
from integrita.services.reporting.stream_status import StreamStatus, status
from integrita.services.risk import rating
from integrita.store.repositories import cases as cases_repo

#: (label, first day back, last day back): open alerts and active cases by age in days.
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–7 days", 0, 7),
    ("8–30 days", 8, 30),
    ("31–90 days", 31, 90),
    ("over 90 days", 91, None),
)
#: Weeks of alert volume the chart shows.
CHART_WEEKS = 8
#: The nearest statutory deadlines the STR tile lists.
NEAREST_DEADLINES = 5
#: The STR pipeline, in the order a report moves through it.
STR_PIPELINE = (
    ("draft", "Drafts awaiting approval"),
    ("approved", "Approved, to hand over"),
    ("submitted", "Submitted"),
    ("transferred", "Transferred to another authority"),
    ("filed", "Filed"),
)


@dataclass(frozen=True, slots=True)
class Figure:
    """One number on the overview and the list it stands for."""

    label: str
    link: str
    #: A count of records (the rows of ``link``); None for a share or a score.
    count: int | None = None
    #: How a share or a score is shown ("96.5 %"); counts are shown as the count.
    shown: str = ""

    @property
    def text(self) -> str:
        return f"{self.count:,}" if self.count is not None else self.shown


@dataclass(frozen=True, slots=True)
class Group:
    heading: str
    figures: list[Figure]
    #: Draw the figures as bars (a chart) rather than as a list.
    chart: bool = False


@dataclass(frozen=True, slots=True)
class Deadline:
    label: str
    link: str
    due_on: date
    working_days_left: int | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class Tile:
    key: str
    title: str
    groups: list[Group]
    deadlines: list[Deadline] = field(default_factory=list)

    def figures(self) -> Iterator[Figure]:
        for group in self.groups:
            yield from group.figures


@dataclass(frozen=True, slots=True)
class Overview:
    today: date
    tiles: list[Tile]
    #: How far the ledger is behind the transaction stream (or that the figure is unavailable);
    #: None when the bank does not stream.
    stream: StreamStatus | None = None


def _link(path: str, **params: object) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _age_window(today: date, first: int, last: int | None) -> tuple[date | None, date]:
    """[from, to] local dates of the records aged ``first``..``last`` days today."""
    return (today - timedelta(days=last) if last is not None else None), today - timedelta(
        days=first
    )


# -- one function per tile --------------------------------------------------------------------


def alerts_tile(ctx: Context, user: HasRoles) -> Tile:
    """Alert volume this week and month (and per week, as a chart), open alerts by typology and
    by age."""
    today = ctx.local_date()

    def raised(label: str, start: date | None, end: date | None, status: str = "") -> Figure:
        total = cases.alert_queue(
            ctx, user, status=status, raised_from=start, raised_to=end, size=1
        ).total
        return Figure(
            label,
            _link("/alerts", status=status, raised_from=start, raised_to=end),
            total,
        )

    monday = today - timedelta(days=today.weekday())
    volume = [
        raised("Raised this week", monday, today),
        raised("Raised this month", today.replace(day=1), today),
        raised("Open (not yet in a case)", None, None, "new"),
    ]
    weeks = [
        raised(f"week of {start:%d %b}", start, min(start + timedelta(days=6), today))
        for start in (monday - timedelta(weeks=n) for n in range(CHART_WEEKS - 1, -1, -1))
    ]
    with ctx.db.transaction() as session:
        typologies = list(cases_repo.open_alert_typologies(session))
    by_typology = [
        Figure(
            name.replace("_", " "),
            _link("/alerts", status="new", typology=name),
            cases.alert_queue(ctx, user, status="new", typology=name, size=1).total,
        )
        for name in typologies
    ]
    ageing = [
        raised(label, *_age_window(today, first, last), status="new")
        for label, first, last in AGE_BUCKETS
    ]
    return Tile(
        "alerts",
        "Alerts",
        [
            Group("Volume", volume),
            Group(f"Raised per week (last {CHART_WEEKS} weeks)", weeks, chart=True),
            Group("Open alerts by typology", by_typology),
            Group("Open alerts by age", ageing),
        ],
    )


def cases_tile(ctx: Context, user: HasRoles) -> Tile:
    """Cases still being worked, by state and by age since they were opened."""
    today = ctx.local_date()
    by_state = [
        Figure(
            state.replace("_", " "),
            _link("/cases", state=state),
            cases.case_queue(ctx, user, state=state, size=1).total,
        )
        for state in cases.active_case_states()
    ]
    by_age = []
    for label, first, last in AGE_BUCKETS:
        start, end = _age_window(today, first, last)
        total = cases.case_queue(
            ctx, user, state="active", opened_from=start, opened_to=end, size=1
        ).total
        link = _link("/cases", state="active", opened_from=start, opened_to=end)
        by_age.append(Figure(label, link, total))
    return Tile(
        "cases", "Cases", [Group("Active cases by state", by_state), Group("By age", by_age)]
    )


def str_tile(ctx: Context, user: HasRoles) -> Tile:
    """The STR pipeline from draft to filed, the overdue ones, and the nearest deadlines."""
    pipeline = [
        Figure(
            label,
            _link("/strs", status=status),
            filings.str_register(ctx, user, status=status, size=1).total,
        )
        for status, label in STR_PIPELINE
    ]
    overdue = filings.str_register(ctx, user, status=filings.OPEN_STR, overdue=True, size=1).total
    pipeline.append(
        Figure(
            "Past their deadline", _link("/strs", status=filings.OPEN_STR, overdue="true"), overdue
        )
    )
    listed = deadlines.deadlines(ctx, user, later_limit=NEAREST_DEADLINES)
    nearest = [
        Deadline(f"{d.kind} {d.record_id}", d.link, d.due_on, d.working_days_left, d.overdue)
        for d in [*listed.overdue, *listed.due_soon, *listed.later]
        if d.kind == "STR"
    ]
    nearest.sort(key=lambda d: (d.due_on, d.label))
    return Tile(
        "str",
        "Suspicious transaction reports",
        [Group("Pipeline", pipeline)],
        deadlines=nearest[:NEAREST_DEADLINES],
    )


def large_value_tile(ctx: Context, user: HasRoles) -> Tile:
    """Large-value records not yet submitted, and how many of them are past their due date."""

    def register(label: str, status: str, overdue: bool = False) -> Figure:
        total = filings.large_value_register(
            ctx, user, status=status, overdue=overdue, size=1
        ).total
        link = _link("/large-value", status=status, overdue="true" if overdue else "")
        return Figure(label, link, total)

    return Tile(
        "large_value",
        "Large-value reporting",
        [
            Group(
                "Backlog",
                [
                    register("Pending submission", filings.OPEN_LARGE_VALUE),
                    register("Overdue", filings.OPEN_LARGE_VALUE, overdue=True),
                    register("Submitted", "submitted"),
                ],
            )
        ],
    )


def risk_tile(ctx: Context, user: HasRoles) -> Tile:
    """Customers per effective risk band, and reviews or first ratings past their due date."""
    ensure_permitted(user, Permission.RISK_READ)
    distribution = rating.band_distribution(ctx)
    bands = [
        Figure(band.value, _link("/risk", band=band.value), distribution.get(band.value, 0))
        for band in BAND_ORDER
    ]
    overdue = Figure(
        "Overdue reviews", _link("/risk", view="overdue"), len(rating.overdue_reviews(ctx))
    )
    return Tile(
        "risk",
        "Customer risk",
        [Group("Customers by band", bands, chart=True), Group("Reviews", [overdue])],
    )


def realtime_tile(ctx: Context, user: HasRoles) -> Tile:
    """Real-time decisions by outcome in the last day and week, and holds waiting for review."""
    groups = []
    for hours, heading in ((24, "Last 24 hours"), (168, "Last 7 days")):
        counts = decision_register.outcome_counts(ctx, user, hours)
        groups.append(
            Group(
                heading,
                [
                    Figure(
                        outcome,
                        _link("/payments/decisions", decision=outcome, within_hours=hours),
                        n,
                    )
                    for outcome, n in counts.items()
                ],
            )
        )
    waiting = decision_register.decisions(ctx, user, decision="hold", status="decided", size=1)
    link = _link("/payments/decisions", decision="hold", status="decided")
    groups.append(Group("Holds", [Figure("Waiting for review", link, waiting.total)]))
    return Tile("realtime", "Real-time decisions", groups)


def care_tile(ctx: Context, user: HasRoles) -> Tile:
    """Complaint service levels (first response on time, breached and still open), satisfaction,
    and the response rate of the latest survey."""
    ensure_permitted(user, Permission.CARE_READ)
    figures = care_sla.overall(ctx)
    open_by_state = care_complaints.queue_counts(ctx)
    states = [
        Figure(state.replace("_", " "), _link("/care", state=state), sum(per_dept.values()))
        for state, per_dept in sorted(open_by_state.items())
    ]
    breached = len(care_sla.breached(ctx, limit=care_sla.BREACHED_LIST_LIMIT))
    service = [
        Figure(
            "First response on time",
            "/care/report",
            shown=_pct(figures.on_time_first_response_rate),
        ),
        Figure("Breached and still open", "/care?breached=true", breached),
        Figure("Satisfied", "/care/report", shown=_pct(figures.satisfaction_rate)),
    ]
    groups = [Group("Service levels", service), Group("Open complaints by state", states)]
    latest = care_surveys.list_surveys(ctx)
    if latest:
        newest = max(latest, key=lambda s: (s["created_at"], s["id"]))
        result = care_surveys.results(ctx, int(newest["id"]))
        link = f"/care/surveys/{result.id}"
        groups.append(
            Group(
                f"Survey: {result.name}",
                [
                    Figure("Responded", link, shown=f"{result.responded:,} of {result.invited:,}"),
                    Figure("Response rate", link, shown=_pct(result.response_rate)),
                ],
            )
        )
    return Tile("care", "Complaints and satisfaction", groups)


def outbox_tile(ctx: Context, user: HasRoles) -> Tile:
    """Notifications waiting to be sent, by priority (a growing count of codes or notices means
    the dispatcher is behind), and the dead letters: messages that failed every attempt, to be
    replayed or explained."""
    ensure_permitted(user, Permission.OUTBOX_READ)
    link = "/outbox/dead-letters"
    waiting = outbox.backlog(ctx)
    backlog = [
        Figure(label, link, shown=f"{waiting.get(int(p), 0):,}")
        for p, label in outbox.PRIORITY_LABELS.items()
    ]
    dead = [Figure("Dead letters", link, outbox.dead_letter_count(ctx, user))]
    groups = [Group("Waiting to be sent", backlog), Group("Failed every attempt", dead)]
    return Tile("outbox", "Notifications", groups)


#: Each tile and the permission its lists need; a person sees the tiles they may drill into.
TILES: tuple[tuple[Permission, Callable[[Context, HasRoles], Tile]], ...] = (
    (Permission.CASE_READ, alerts_tile),
    (Permission.CASE_READ, cases_tile),
    (Permission.STR_READ, str_tile),
    (Permission.STR_READ, large_value_tile),
    (Permission.RISK_READ, risk_tile),
    (Permission.PAYMENT_READ, realtime_tile),
    (Permission.CARE_READ, care_tile),
    (Permission.OUTBOX_READ, outbox_tile),
)


def overview(ctx: Context, user: HasRoles) -> Overview:
    """Every tile this person may open, computed now on the bank's local date."""
    ensure_permitted(user, Permission.OVERVIEW_READ)
    tiles = [tile(ctx, user) for needed, tile in TILES if permitted(user, needed)]
    return Overview(ctx.local_date(), tiles, status(ctx))
