"""The demo's history: a synthetic period that ends on the day before today, and the large-value
reports a bank would already have filed during it.

The demo's bank is generated for the days up to yesterday (the bank's local date), so its
deadlines, rating reviews, self-assessment and reports fall in the present. Detection finds the
period's large-value transactions all at once, today; a bank that has run for months would have
submitted each on its due date, so the demo submits those whose due date has passed, through the
same service (goAML CTR validated, workflow step, audit event) on the morning of the due date.
What is due today or later stays in the backlog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from integrita.domain.workflow import Actor
from integrita.services.casework import filings
from integrita.services.casework.large_value import submit_large_value
from integrita.services.core.context import Context
from integrita.synthetic import BankConfig

#: The demo's analyst files the historic large-value reports.
HISTORY_FILER = Actor("analyst", frozenset({"analyst"}))
#: Where the demo looks for the goAML schema when none is configured (the reference copy beside
#: the repository, as the demo's own hint says).
REFERENCE_SCHEMA = Path("../shared/reference/goaml/5.0.1/goAMLSchema.xsd")
#: Hour of the local due date at which the bank submitted.
SUBMITTED_AT_HOUR = 10


def _fixed(instant: datetime) -> Callable[[], datetime]:
    return lambda: instant


def bank_config(ctx: Context, *, customers: int, days: int, seed: int) -> BankConfig:
    """The demo bank: ``days`` of transactions ending yesterday, on the bank's local date."""
    return BankConfig(customers=customers, days=days, seed=seed, start=first_day(ctx, days))


def first_day(ctx: Context, days: int) -> date:
    """The first day of a ``days``-long period whose last day is yesterday (local)."""
    return ctx.local_date() - timedelta(days=days)


def schema_for_history(ctx: Context) -> bool:
    """Use the reference goAML schema when none is configured; False when there is none."""
    if ctx.settings.goaml_schema_path is None and REFERENCE_SCHEMA.exists():
        ctx.settings.goaml_schema_path = REFERENCE_SCHEMA.resolve()
    return ctx.settings.goaml_schema_path is not None


def submit_past_large_value(ctx: Context) -> int:
    """Submit every pending large-value record whose due date lies before today, each on its due
    date; returns how many were submitted."""
    submitted = 0
    while True:
        batch = filings.large_value_register(
            ctx, HISTORY_FILER, status=filings.OPEN_LARGE_VALUE, overdue=True, size=200
        ).rows
        if not batch:
            return submitted
        for record in batch:
            on = ctx.local_midnight(record.due_on) + timedelta(hours=SUBMITTED_AT_HOUR)
            back_then = replace(ctx, clock=_fixed(on))
            submit_large_value(
                back_then, record.id, HISTORY_FILER, reference=f"DEMO-CTR-{record.id}"
            )
            submitted += 1
