"""Case-work fixtures: people with roles, alerts raised through the alert service, the goAML schema."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.core.users import UserView
from integrita.services.monitoring.alerts import raise_alert
from integrita.store.repositories import customers as customers_repo
from tests.conftest import require

PASSWORD = "a long test password"
REPO_ROOT = Path(__file__).resolve().parents[2]
GOAML_SCHEMA = REPO_ROOT.parent / "shared/reference/goaml/5.0.1/goAMLSchema.xsd"


@pytest.fixture
def goaml_ctx(ctx: Context) -> Context:
    """The context with the goAML 5.0.1 reference schema as the FIU's schema."""
    require(GOAML_SCHEMA.exists(), f"goAML reference schema missing at {GOAML_SCHEMA}")
    ctx.settings.goaml_schema_path = GOAML_SCHEMA
    return ctx


@pytest.fixture
def person(ctx: Context) -> Callable[..., UserView]:
    def factory(username: str, *roles: str) -> UserView:
        return users.add_user(ctx, username, username.title(), PASSWORD, roles)

    return factory


@pytest.fixture
def client(goaml_ctx: Context) -> TestClient:
    return TestClient(create_app(goaml_ctx))


@pytest.fixture
def token(ctx: Context, person: Callable[..., UserView]) -> Callable[..., dict[str, str]]:
    """Create a user and return the authorization header for their API token."""

    def factory(username: str, *roles: str) -> dict[str, str]:
        person(username, *roles)
        return {"authorization": f"Bearer {users.issue_token(ctx, username, 'test')}"}

    return factory


def seed_customer(ctx: Context, customer_id: str = "C1", name: str = "Wang Fang") -> None:
    """A customer with one account, and three transactions in the ledger."""
    with ctx.db.transaction() as session:
        customers_repo.upsert_customers(
            session,
            [
                {
                    "customer_id": customer_id,
                    "customer_type": "person",
                    "name": name,
                    "id_document_type": "resident_id",
                    "id_number": "110101199001011234",
                    "birth_or_registration_date": date(1990, 1, 1),
                    "nationality": "CN",
                    "residence_country": "CN",
                    "occupation_or_industry": "Trader",
                }
            ],
        )
        customers_repo.upsert_accounts(
            session,
            [
                {
                    "account_id": f"A-{customer_id}",
                    "bank_id": "001",
                    "customer_id": customer_id,
                    "account_type": "current",
                    "currency": "CNY",
                    "opened_on": date(2020, 5, 1),
                }
            ],
        )
    rows = []
    for i, (frm, to) in enumerate(
        [(f"A-{customer_id}", "X1"), (f"A-{customer_id}", "X2"), ("X3", f"A-{customer_id}")]
    ):
        rows.append(
            {
                "txn_id": f"T-{customer_id}-{i}",
                "booked_at": ctx.now().replace(day=1, hour=10 + i),
                "channel": "online",
                "kind": "transfer",
                "from_bank": "001" if frm.startswith("A-") else "777",
                "from_account": frm,
                "to_bank": "001" if to.startswith("A-") else "777",
                "to_account": to,
                "amount_paid_minor": 4_990_000 + i,
                "paid_currency": "CNY",
                "amount_received_minor": 4_990_000 + i,
                "received_currency": "CNY",
                "payment_format": "Wire",
                "counterparty_type": "third_party_personal",
                "cross_border": False,
                "from_country": "CN",
                "to_country": "CN",
            }
        )
    open_ledger(ctx).append_table(pa.Table.from_pylist(rows))


def alert_for(
    ctx: Context, customer_id: str = "C1", typology: str = "structuring", score: float = 0.9
) -> int:
    """Raise an alert the way detection does (evidence nested by typology)."""
    txn_ids = [f"T-{customer_id}-{i}" for i in range(3)]
    with ctx.db.transaction() as session:
        raised = raise_alert(
            session,
            at=ctx.now(),
            customer_id=customer_id,
            source="detection",
            typologies=[typology],
            evidence={
                "typologies": {
                    typology: {
                        "why": "many deposits just below the threshold",
                        "matches": [{"accounts": [f"A-{customer_id}"], "txn_ids": txn_ids}],
                    }
                }
            },
            evidence_txn_ids=txn_ids,
            score=score,
        )
    assert raised is not None
    return raised.id
