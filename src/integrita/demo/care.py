"""A year of customer care for the customers in the store: orders, complaints run through the
real state machine on a moving clock, one satisfaction survey; prints the figures.

Every complaint step goes through :mod:`integrita.services.care.complaints` (so the
audit trail, clocks and figures are the real ones), in time order.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from integrita.domain.survey import DEFAULT_DIMENSIONS
from integrita.errors import InputError
from integrita.services.care import complaints, customer_records, surveys
from integrita.services.care import sla as care_sla
from integrita.services.care.complaints import Actor, ComplaintInput
from integrita.services.core.context import Context
from integrita.store.repositories import care_customers as cc_repo
from integrita.store.repositories import realtime as realtime_repo

OFFICER = Actor("demo-officer", frozenset({"complaints_officer"}))
DEPARTMENT = Actor("demo-department", frozenset({"product_owner"}))
QA = Actor("demo-qa", frozenset({"quality_assurance"}))

DEPARTMENTS = {
    "quality": ("Quality department", ("product_quality", "packaging")),
    "logistics": ("Logistics", ("delivery",)),
    "sales": ("Sales service", ("service", "documentation", "other")),
    "finance": ("Finance", ("billing",)),
}
PRODUCTS = ("rim-16", "rim-17", "rim-18", "steel-bar-20", "steel-plate-8")
CATEGORY_WEIGHTS = {
    "product_quality": 30,
    "packaging": 12,
    "delivery": 25,
    "service": 15,
    "billing": 8,
    "documentation": 5,
    "other": 5,
}
SEVERITY_WEIGHTS = {"low": 35, "medium": 40, "high": 20, "critical": 5}
MAX_COMPLAINTS = 600


@dataclass(frozen=True, slots=True)
class CareFigures:
    customers: int
    orders: int
    complaints: int
    invalid: int
    on_time_response_rate: float | None
    satisfaction_rate: float | None
    survey_id: int
    survey_invited: int
    survey_response_rate: float | None
    survey_score: float | None
    survey_score_interval: tuple[float, float] | None

    def lines(self) -> list[str]:
        def pct(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.1%}"

        interval = (
            f" (95% CI {self.survey_score_interval[0]:.1f}-{self.survey_score_interval[1]:.1f})"
            if self.survey_score_interval
            else ""
        )
        score = "n/a" if self.survey_score is None else f"{self.survey_score:.1f}"
        return [
            f"customers {self.customers}, orders {self.orders}, complaints {self.complaints} "
            f"({self.invalid} invalid)",
            f"on-time initial response rate: {pct(self.on_time_response_rate)} (target 100%)",
            f"complaint satisfaction rate: {pct(self.satisfaction_rate)} (target > 92%)",
            f"survey: {self.survey_invited} invited, response rate "
            f"{pct(self.survey_response_rate)} (floor 80%), score {score}{interval}",
        ]


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _ensure_departments(ctx: Context) -> None:
    existing = {d.code for d in complaints.list_departments(ctx)}
    for code, (name, categories) in DEPARTMENTS.items():
        if code not in existing:
            complaints.add_department(ctx, code, name, None, OFFICER)
            for category in categories:
                complaints.set_routing_rule(ctx, category, None, code, OFFICER)


def _orders(ctx: Context, rng: random.Random, customers: dict[str, str], start: date) -> int:
    rows: list[dict[str, Any]] = []
    for cid in customers:
        for n in range(rng.choice((0, 1, 2, 3, 4, 6, 8, 12))):
            ordered = start + timedelta(days=rng.randrange(365))
            delivered = ordered + timedelta(days=rng.randint(2, 20))
            rows.append(
                {
                    "order_id": f"DEMO-{cid}-{n}",
                    "customer_id": cid,
                    "product": rng.choice(PRODUCTS),
                    "ordered_on": ordered,
                    "quantity": rng.randint(1, 40),
                    "amount_minor": rng.randint(5_000, 5_000_000),
                    "currency": "CNY",
                    "delivery_status": rng.choices(("delivered", "late", "returned"), (90, 8, 2))[
                        0
                    ],
                    "delivered_on": delivered,
                }
            )
    customer_records.store_orders(ctx, rows, OFFICER)
    return len(rows)


def _plan(
    rng: random.Random, received: datetime, open_ids: list[int]
) -> list[tuple[timedelta, str, dict[str, Any]]]:
    """The steps one complaint will take, as delays after receipt."""
    steps: list[tuple[timedelta, str, dict[str, Any]]] = []
    # Most first responses come within a few hours; a few miss the 24 h target.
    t = timedelta(hours=rng.lognormvariate(1.3, 0.9))
    roll = rng.random()
    if roll < 0.06:
        return [(t, "judge_invalid", {"reason": "not a product or service of ours"})]
    if roll < 0.08 and open_ids:
        return [(t, "mark_duplicate", {"duplicate_of": open_ids[-1]})]
    steps.append((t, "judge_valid", {}))
    t += timedelta(hours=rng.uniform(0.2, 4))
    steps.append((t, "assign", {}))
    for _attempt in range(3):
        t += timedelta(hours=rng.uniform(8, 96))
        steps.append(
            (
                t,
                "rectify",
                {
                    "root_cause": rng.choice(
                        ("packing without separators", "supplier batch defect", "carrier delay")
                    ),
                    "corrective_action": "replace or repair the affected goods",
                    "preventive_action": "update the work instruction and train the team",
                    "meeting_record": "internal analysis meeting held with QA and the line",
                },
            )
        )
        t += timedelta(hours=rng.uniform(2, 24))
        if rng.random() < 0.1:
            steps.append((t, "fail_verification", {"note": "not yet effective"}))
            continue
        steps.append((t, "pass_verification", {"note": "verified on site"}))
        break
    else:
        return steps
    t += timedelta(hours=rng.uniform(1, 24))
    score = rng.choices((5, 4, 3, 2, 1), (62, 32, 4, 1.5, 0.5))[0]
    steps.append((t, "inform_customer", {"outcome": "rectified", "satisfaction": score}))
    t += timedelta(hours=rng.uniform(1, 48))
    steps.append((t, "close", {}))
    if score <= 2 and rng.random() < 0.5:
        t += timedelta(days=rng.uniform(1, 5))
        steps.append((t, "reopen", {"reason": "customer disputes the outcome"}))
    return steps


ACTORS = {
    "rectify": DEPARTMENT,
    "pass_verification": QA,
    "fail_verification": QA,
}


def generate_care_year(
    ctx: Context, seed: int, progress: Callable[[int], None] | None = None
) -> CareFigures:
    """Orders, a year of complaints and one survey for the customers in the store; the figures."""
    rng = random.Random(seed)
    end = ctx.now()
    start = end - timedelta(days=365)
    with ctx.db.transaction() as session:
        customers = cc_repo.all_customer_segments(session)
    if not customers:
        raise InputError("no customers in the store; generate or load customers first")
    clock = _Clock(start)
    sim = replace(ctx, clock=clock)
    _ensure_departments(sim)
    orders = _orders(sim, rng, customers, start.date())

    ids = sorted(customers)
    count = min(MAX_COMPLAINTS, max(12, len(ids) // 3))
    arrivals = sorted(start + timedelta(seconds=rng.uniform(0, 364 * 86400)) for _ in range(count))
    # Events: (when, order, kind, payload); complaints are filed and worked in time order.
    queue: list[tuple[datetime, int, str, Any]] = []
    serial = 0
    for at in arrivals:
        queue.append((at, serial, "file", None))
        serial += 1
    heapq.heapify(queue)
    filed: list[int] = []
    done = 0
    while queue:
        at, _, kind, payload = heapq.heappop(queue)
        if at > end:
            continue
        clock.now = at
        if kind == "file":
            category = _pick(rng, CATEGORY_WEIGHTS)
            cid = complaints.file_complaint(
                sim,
                ComplaintInput(
                    customer_id=rng.choice(ids),
                    channel=rng.choice(("phone", "email", "web", "branch")),
                    category=category,
                    severity=_pick(rng, SEVERITY_WEIGHTS),
                    description=f"demo {category.replace('_', ' ')} complaint",
                    product=rng.choice(PRODUCTS),
                ),
                OFFICER,
            )
            for delay, action, fields in _plan(rng, at, filed):
                heapq.heappush(queue, (at + delay, serial, "step", (cid, action, fields)))
                serial += 1
            filed.append(cid)
            done += 1
            if progress:
                progress(1)
        else:
            cid, action, fields = payload
            try:
                complaints.transition(sim, cid, action, ACTORS.get(action, OFFICER), fields)
            except InputError:
                if action != "mark_duplicate":
                    raise
                # The original was closed meanwhile: a repeat of a settled complaint.
                reason = f"repeat of complaint {fields['duplicate_of']}, already settled"
                complaints.transition(sim, cid, "judge_invalid", OFFICER, {"reason": reason})
    clock.now = end
    care_sla.sweep(sim, actor="demo")

    _give_contacts(ctx, rng, customers)
    survey_id = surveys.create_survey(
        sim, f"Customer satisfaction {end.year}", OFFICER, fraction=0.10, seed=seed
    )
    with ctx.db.transaction() as session:
        invited = [i.customer_id for i in cc_repo.invitations(session, survey_id)]
    # Only a customer whose invitation went out can answer (no phone or e-mail: never asked).
    reached = surveys.reached_customers(sim, survey_id)
    first_wave = [c for c in invited if c in reached and rng.random() < 0.75]
    for customer in first_wave:
        surveys.record_response(sim, survey_id, customer, _answers(rng), OFFICER)
    clock.now = end + timedelta(days=7)
    surveys.send_reminders(sim, survey_id, OFFICER)
    reached = surveys.reached_customers(sim, survey_id)
    for customer in invited:
        if customer in reached and customer not in first_wave and rng.random() < 0.7:
            surveys.record_response(sim, survey_id, customer, _answers(rng), OFFICER)
    results = surveys.results(sim, survey_id)
    year = care_sla.overall(ctx)
    return CareFigures(
        customers=len(ids),
        orders=orders,
        complaints=done,
        invalid=year.invalid,
        on_time_response_rate=year.on_time_first_response_rate,
        satisfaction_rate=year.satisfaction_rate,
        survey_id=survey_id,
        survey_invited=results.invited,
        survey_response_rate=results.response_rate,
        survey_score=results.overall.score if results.overall else None,
        survey_score_interval=(results.overall.low, results.overall.high)
        if results.overall
        else None,
    )


#: Share of demo customers without contact details that get a synthetic one before the survey:
#: the rest stay unreachable, so the survey shows invitations that could not be sent.
REACHABLE_SHARE = 0.95


def _give_contacts(ctx: Context, rng: random.Random, customers: dict[str, str]) -> None:
    """Most demo customers get a synthetic mobile number, as a bank's customers have one on file."""
    with ctx.db.transaction() as session:
        for n, customer in enumerate(sorted(customers)):
            if realtime_repo.contact_for_customer(session, customer) is None and (
                rng.random() < REACHABLE_SHARE
            ):
                realtime_repo.upsert_contact(session, customer, f"1370000{n:04d}", None, "zh")


def _answers(rng: random.Random) -> dict[str, int]:
    base = rng.choices((5, 4, 3), (45, 45, 10))[0]
    return {
        d.key: max(1, min(5, base + rng.choice((-1, 0, 0, 0, 1)) - (d.key == "price")))
        for d in DEFAULT_DIMENSIONS
    }


__all__ = ["CareFigures", "generate_care_year"]
