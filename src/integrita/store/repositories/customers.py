"""Customers, accounts and counterparties: bulk upsert on natural keys, lookups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from integrita.store.models import Account, Counterparty, Customer
from integrita.store.models.base import Base


def _upsert(session: Session, model: type[Base], key: str, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, updating existing ones on the natural key, so loading a file twice changes nothing."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = cast(Table, model.__table__)
    chunk = 500
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        stmt = insert(table).values(list(part))
        update_cols = {c: stmt.excluded[c] for c in part[0] if c != key}
        session.execute(stmt.on_conflict_do_update(index_elements=[key], set_=update_cols))


def upsert_customers(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    _upsert(session, Customer, "customer_id", rows)


def upsert_accounts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    _upsert(session, Account, "account_id", rows)


#: What sanctions screening reads of a customer: a change to any of them is screened again.
SCREENED_FIELDS = (
    "customer_type",
    "name",
    "id_document_type",
    "id_number",
    "birth_or_registration_date",
    "nationality",
    "residence_country",
)


def new_or_changed(session: Session, rows: Sequence[dict[str, Any]]) -> list[str]:
    """The ids of ``rows`` that are new customers or change a screened field of one."""
    ids = [r["customer_id"] for r in rows]
    columns = [getattr(Customer, f) for f in SCREENED_FIELDS]
    stored = {
        row[0]: tuple(row[1:])
        for row in session.execute(
            select(Customer.customer_id, *columns).where(Customer.customer_id.in_(ids))
        )
    }
    return [
        r["customer_id"]
        for r in rows
        if stored.get(r["customer_id"]) != tuple(r.get(f) for f in SCREENED_FIELDS)
    ]


def get_customer(session: Session, customer_id: str) -> Customer | None:
    return session.get(Customer, customer_id)


def get_account(session: Session, account_id: str) -> Account | None:
    return session.get(Account, account_id)


def customer_for_account(session: Session, account_id: str) -> Customer | None:
    stmt = (
        select(Customer)
        .join(Account, Account.customer_id == Customer.customer_id)
        .where(Account.account_id == account_id)
    )
    return session.execute(stmt).scalar_one_or_none()


def count_customers(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Customer)).scalar_one())


def count_accounts(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Account)).scalar_one())


def account_owner_map(session: Session) -> dict[str, str]:
    """account_id -> customer_id for the whole book (used to group alerts per customer)."""
    return dict(session.execute(select(Account.account_id, Account.customer_id)).tuples().all())


def get_or_create_counterparty(
    session: Session, bank_id: str, account: str, **fields: Any
) -> Counterparty:
    found = session.execute(
        select(Counterparty).where(Counterparty.bank_id == bank_id, Counterparty.account == account)
    ).scalar_one_or_none()
    if found is not None:
        return found
    counterparty = Counterparty(bank_id=bank_id, account=account, **fields)
    session.add(counterparty)
    session.flush()
    return counterparty


def names_of(session: Session, customer_ids: Sequence[str]) -> dict[str, str]:
    """The names of the given customers (ids the store does not know are left out)."""
    wanted = sorted({c for c in customer_ids if c})
    names: dict[str, str] = {}
    for start in range(0, len(wanted), 500):  # bounded IN lists on every database
        chunk = wanted[start : start + 500]
        rows = session.execute(
            select(Customer.customer_id, Customer.name).where(Customer.customer_id.in_(chunk))
        )
        names.update({customer_id: name for customer_id, name in rows})
    return names
