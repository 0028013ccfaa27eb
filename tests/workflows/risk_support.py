"""Set-up shared by the risk workflow tests: rated customers, some of them subjects of a filed STR."""

from __future__ import annotations

from datetime import UTC, date, datetime

from integrita.services.core.context import Context
from integrita.services.risk import events, rating
from integrita.store.models import Case, SuspiciousTransactionReport
from integrita.store.repositories import customers as customers_repo
from tests.services.risk.conftest import customer_row


def rated_customers(ctx: Context, plain: list[str], str_subjects: list[str]) -> None:
    """Store and rate customers; each STR subject has an STR filed with the regulator."""
    at = datetime(2025, 1, 6, 9, tzinfo=UTC)
    with ctx.db.transaction() as session:
        customers_repo.upsert_customers(session, [customer_row(c) for c in plain + str_subjects])
        customers_repo.upsert_accounts(
            session,
            [
                {
                    "account_id": f"A{c}",
                    "bank_id": "B0001",
                    "customer_id": c,
                    "account_type": "personal",
                    "opened_on": date(2024, 6, 3),
                }
                for c in plain + str_subjects
            ],
        )
        for customer in str_subjects:
            case = Case(customer_id=customer, state="reported", opened_at=at, updated_at=at)
            session.add(case)
            session.flush()
            report = SuspiciousTransactionReport(
                case_id=case.id,
                customer_id=customer,
                status="filed",
                determined_at=at,
                due_on=date(2025, 1, 13),
                content={},
                drafted_by="ana",
                created_at=at,
                updated_at=at,
            )
            session.add(report)
            session.flush()
            events.record_risk_event(session, customer, "str", f"STR-{report.id}", at)
    rating.rate_all(ctx)
