from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from integrita.domain.workflow import Actor
from integrita.services.core.context import Context
from integrita.store.models import Customer

FIXTURES = Path(__file__).parent / "fixtures"
OPERATOR = Actor("ops", frozenset({"administrator"}))
ANALYST = Actor("ana", frozenset({"analyst"}))
SECOND_ANALYST = Actor("bob", frozenset({"analyst"}))
REVIEWER = Actor("rita", frozenset({"reviewer"}))
MLRO = Actor("max", frozenset({"mlro"}))


def add_customer(
    ctx: Context,
    customer_id: str,
    name: str,
    *,
    born: date | None = None,
    nationality: str | None = "CN",
    doc: str = "resident_id",
    number: str = "110101199001011234",
    kind: str = "individual",
) -> None:
    with ctx.db.transaction() as session:
        existing = session.get(Customer, customer_id)
        if existing is not None:
            existing.name = name
            existing.birth_or_registration_date = born
            return
        session.add(
            Customer(
                customer_id=customer_id,
                customer_type=kind,
                name=name,
                id_document_type=doc,
                id_number=number,
                birth_or_registration_date=born,
                nationality=nationality,
                residence_country=nationality,
            )
        )


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
