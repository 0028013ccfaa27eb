"""Helpers for risk tests: a small book of customers and accounts, and people with roles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.store.repositories import customers as customers_repo


def customer_row(customer_id: str, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "customer_id": customer_id,
        "customer_type": "individual",
        "name": f"Customer {customer_id}",
        "id_document_type": "resident_id",
        "id_number": customer_id,
        "nationality": "CN",
        "residence_country": "CN",
        "occupation_or_industry": "teacher",
        "onboarding_channel": "branch",
        "legal_representative": None,
        "pep": False,
        "segment": "retail",
        "onboarded_at": datetime(2024, 6, 3, 9, tzinfo=UTC),
    }
    row.update(fields)
    return row


@pytest.fixture
def add_customer(ctx: Context) -> Callable[..., str]:
    """Store a customer (ordinary low-risk defaults, overridable) with one personal account ``A<id>``."""

    def factory(customer_id: str, account_type: str = "personal", **fields: Any) -> str:
        with ctx.db.transaction() as session:
            customers_repo.upsert_customers(session, [customer_row(customer_id, **fields)])
            customers_repo.upsert_accounts(
                session,
                [
                    {
                        "account_id": f"A{customer_id}",
                        "bank_id": "B0001",
                        "customer_id": customer_id,
                        "account_type": account_type,
                        "opened_on": date(2024, 6, 3),
                    }
                ],
            )
        return customer_id

    return factory


def person(username: str, *roles: str) -> UserView:
    return UserView(1, username, username.title(), frozenset(roles), True)
