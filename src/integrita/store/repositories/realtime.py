"""Storage of the real-time engine: rule sets, decisions, rolling state, challenges, executed
payments, the blocklist, customer contacts and account-opening tasks. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from integrita.errors import DuplicateKeyError
from integrita.store.models import (
    Account,
    AccountOpeningTask,
    AccountRealtimeState,
    BlockedCounterparty,
    Challenge,
    Customer,
    CustomerContact,
    ExecutedPayment,
    PaymentDecision,
    RuleSetVersion,
)


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _insert_new(session: Session, stmt: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Plain INSERT of rows whose keys were checked to be absent (a plain INSERT is cached
    by SQLAlchemy; the dialects' ON CONFLICT forms are compiled again on every call)."""
    if not rows:
        return
    try:
        session.connection().execute(stmt, list(rows))
    except IntegrityError as exc:
        raise DuplicateKeyError(
            f"a concurrent transaction stored one of these keys first: {exc.orig}"
        ) from exc


# -- rule sets ---------------------------------------------------------------------------------
_ACTIVE_RULE_SET = select(RuleSetVersion.version, RuleSetVersion.thresholds).where(
    RuleSetVersion.status == "active"
)


def active_rule_set(session: Session) -> tuple[int, dict[str, Any]] | None:
    row = session.execute(_ACTIVE_RULE_SET).first()
    return (int(row[0]), dict(row[1])) if row else None


def active_version_number(session: Session) -> int | None:
    value = session.execute(
        select(RuleSetVersion.version).where(RuleSetVersion.status == "active")
    ).scalar_one_or_none()
    return int(value) if value is not None else None


def get_rule_set(session: Session, version: int, *, lock: bool = False) -> RuleSetVersion | None:
    stmt = select(RuleSetVersion).where(RuleSetVersion.version == version)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def list_rule_sets(session: Session) -> list[RuleSetVersion]:
    return list(session.execute(select(RuleSetVersion).order_by(RuleSetVersion.version)).scalars())


def next_rule_set_version(session: Session) -> int:
    current = session.execute(select(func.max(RuleSetVersion.version))).scalar_one()
    return int(current or 0) + 1


def add_rule_set(session: Session, **fields: Any) -> RuleSetVersion:
    """Raises :class:`DuplicateKeyError` when a concurrent transaction stored this version
    first (two first decisions creating the default policy at once); the caller retries."""
    version = RuleSetVersion(**fields)
    session.add(version)
    try:
        session.flush()
    except IntegrityError as exc:
        raise DuplicateKeyError(f"rule set version {version.version} exists: {exc.orig}") from exc
    return version


def supersede_active(session: Session, except_version: int) -> None:
    session.execute(
        update(RuleSetVersion)
        .where(RuleSetVersion.status == "active", RuleSetVersion.version != except_version)
        .values(status="superseded")
    )


# -- accounts, contacts, blocklist ---------------------------------------------------------------
def account_context(session: Session, account_id: str) -> dict[str, Any] | None:
    """Status, owner, segment and contact of an account in one query."""
    return account_contexts(session, [account_id]).get(account_id)


def account_contexts(session: Session, account_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """:func:`account_context` of many accounts in one query, keyed by account id."""
    if not account_ids:
        return {}
    rows = session.connection().execute(_ACCOUNT_CONTEXT_MANY, {"ids": sorted(set(account_ids))})
    return {
        str(row[0]): {
            "status": row[1],
            "customer_id": row[2],
            "segment": row[3],
            "phone": row[4],
            "email": row[5],
            "language": row[6] or "zh",
        }
        for row in rows
    }


# Statements of the decision path are built once, with expanding IN parameters, so that
# SQLAlchemy's compiled-statement cache serves every execution.
_ACCOUNT_CONTEXT_MANY = (
    select(
        Account.account_id,
        Account.status,
        Account.customer_id,
        Customer.segment,
        CustomerContact.phone,
        CustomerContact.email,
        CustomerContact.language,
    )
    .join(Customer, Customer.customer_id == Account.customer_id)
    .outerjoin(CustomerContact, CustomerContact.customer_id == Account.customer_id)
    .where(Account.account_id.in_(bindparam("ids", expanding=True)))
)


def contact_for_customer(
    session: Session, customer_id: str
) -> tuple[str | None, str | None, str] | None:
    """(phone, e-mail, language) where the customer receives notifications, or None."""
    contact = session.get(CustomerContact, customer_id)
    if contact is None:
        return None
    return contact.phone, contact.email, contact.language or "zh"


def upsert_contact(
    session: Session, customer_id: str, phone: str | None, email: str | None, language: str
) -> None:
    stmt = _insert(session)(CustomerContact).values(
        customer_id=customer_id, phone=phone, email=email, language=language
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["customer_id"],
            set_={"phone": phone, "email": email, "language": language},
        )
    )


_BLOCKED_AMONG = select(BlockedCounterparty.bank_id, BlockedCounterparty.account).where(
    BlockedCounterparty.account.in_(bindparam("accounts", expanding=True))
)


def blocked_among(session: Session, pairs: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (bank, account) counterparties are on the blocklist, in one query."""
    if not pairs:
        return set()
    accounts = sorted({account for _, account in pairs})
    rows = session.connection().execute(_BLOCKED_AMONG, {"accounts": accounts})
    found = {(str(b), str(a)) for b, a in rows}
    return found & set(pairs)


def blocked_set(session: Session) -> set[tuple[str, str]]:
    rows = session.execute(select(BlockedCounterparty.bank_id, BlockedCounterparty.account))
    return {(str(b), str(a)) for b, a in rows}


def add_blocked(session: Session, **fields: Any) -> None:
    stmt = _insert(session)(BlockedCounterparty).values(**fields)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["bank_id", "account"]))


def set_account_status(session: Session, account_id: str, status: str) -> None:
    session.execute(update(Account).where(Account.account_id == account_id).values(status=status))


def segments_by_account(session: Session) -> dict[str, str]:
    rows = session.execute(
        select(Account.account_id, Customer.segment).join(
            Customer, Customer.customer_id == Account.customer_id
        )
    )
    return {str(a): str(s) for a, s in rows}


def sample_accounts(session: Session, limit: int) -> list[tuple[str, str, str]]:
    """(account_id, bank_id, customer segment) of active accounts, for synthetic traffic."""
    rows = session.execute(
        select(Account.account_id, Account.bank_id, Customer.segment)
        .join(Customer, Customer.customer_id == Account.customer_id)
        .where(Account.status == "active")
        .order_by(Account.account_id)
        .limit(limit)
    )
    return [(str(a), str(b), str(s)) for a, b, s in rows]


# -- rolling state -----------------------------------------------------------------------------
_STATE_TABLE = cast(Table, AccountRealtimeState.__table__)
_STATE_SELECT = (
    select(
        _STATE_TABLE.c.recent,
        _STATE_TABLE.c.history_count,
        _STATE_TABLE.c.history_mean,
        _STATE_TABLE.c.history_m2,
        _STATE_TABLE.c.history_max,
    )
    .where(_STATE_TABLE.c.account_id == bindparam("account_id"))
    .with_for_update()
)
_STATE_UPDATE = (
    update(_STATE_TABLE)
    .where(_STATE_TABLE.c.account_id == bindparam("key"))
    .values(
        recent=bindparam("recent"),
        history_count=bindparam("history_count"),
        history_mean=bindparam("history_mean"),
        history_m2=bindparam("history_m2"),
        history_max=bindparam("history_max"),
        updated_at=bindparam("updated_at"),
    )
)


def lock_state(session: Session, account_id: str, at: datetime) -> dict[str, Any]:
    """The account's state as a dict, created when missing and locked (PostgreSQL) until commit."""
    params = {"account_id": account_id}
    row = session.execute(_STATE_SELECT, params).first()
    if row is None:
        stmt = _insert(session)(_STATE_TABLE).on_conflict_do_nothing(index_elements=["account_id"])
        session.execute(
            stmt,
            {
                "account_id": account_id,
                "recent": [],
                "history_count": 0,
                "history_mean": 0.0,
                "history_m2": 0.0,
                "history_max": 0,
                "updated_at": at,
            },
        )
        row = session.execute(_STATE_SELECT, params).one()
    return dict(row._mapping)


def save_state(session: Session, account_id: str, values: dict[str, Any]) -> None:
    session.execute(_STATE_UPDATE, {"key": account_id, **values})


_STATE_SELECT_MANY = (
    select(
        _STATE_TABLE.c.account_id,
        _STATE_TABLE.c.recent,
        _STATE_TABLE.c.history_count,
        _STATE_TABLE.c.history_mean,
        _STATE_TABLE.c.history_m2,
        _STATE_TABLE.c.history_max,
    )
    .where(_STATE_TABLE.c.account_id.in_(bindparam("ids", expanding=True)))
    .order_by(_STATE_TABLE.c.account_id)
    .with_for_update()
)
_STATE_INSERT = insert(_STATE_TABLE)


def _select_states(session: Session, account_ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = session.connection().execute(_STATE_SELECT_MANY, {"ids": account_ids})
    return {str(row[0]): dict(row._mapping) for row in rows}


def lock_states(
    session: Session, account_ids: Sequence[str], at: datetime
) -> dict[str, dict[str, Any]]:
    """:func:`lock_state` of many accounts: created when missing, locked in account order (so
    two batches that share accounts cannot deadlock), keyed by account id.

    Raises :class:`DuplicateKeyError` when a concurrent transaction created one of the missing
    states first; the caller's transaction is then spoilt and must be retried.
    """
    wanted = sorted(set(account_ids))
    if not wanted:
        return {}
    found = _select_states(session, wanted)
    missing = [a for a in wanted if a not in found]
    if missing:
        _insert_new(
            session,
            _STATE_INSERT,
            [
                {
                    "account_id": account_id,
                    "recent": [],
                    "history_count": 0,
                    "history_mean": 0.0,
                    "history_m2": 0.0,
                    "history_max": 0,
                    "updated_at": at,
                }
                for account_id in missing
            ],
        )
        found.update(_select_states(session, missing))
    return found


def save_states(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Write many accounts' states (each row: ``key`` = account id plus the state columns)."""
    if rows:
        session.connection().execute(_STATE_UPDATE, list(rows))


# -- decisions ---------------------------------------------------------------------------------
def decision_answer(session: Session, txn_id: str) -> tuple[str, dict[str, Any]] | None:
    """(event hash, stored answer) of a decided payment, without loading the whole row."""
    return decision_answers(session, [txn_id]).get(txn_id)


def decision_answers(
    session: Session, txn_ids: Sequence[str]
) -> dict[str, tuple[str, dict[str, Any]]]:
    """:func:`decision_answer` of many payments in one query, keyed by txn_id."""
    if not txn_ids:
        return {}
    rows = session.connection().execute(_DECISION_ANSWERS, {"ids": sorted(set(txn_ids))})
    return {str(row[0]): (str(row[1]), dict(row[2])) for row in rows}


def get_decision(session: Session, txn_id: str, *, lock: bool = False) -> PaymentDecision | None:
    stmt = select(PaymentDecision).where(PaymentDecision.txn_id == txn_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


_DECISION_TABLE = cast(Table, PaymentDecision.__table__)
_DECISION_INSERT_MANY = insert(_DECISION_TABLE)
_DECISION_ANSWERS = select(
    _DECISION_TABLE.c.txn_id, _DECISION_TABLE.c.event_hash, _DECISION_TABLE.c.response
).where(_DECISION_TABLE.c.txn_id.in_(bindparam("ids", expanding=True)))


def add_decisions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many decisions. Raises :class:`DuplicateKeyError` when a concurrent transaction
    stored a decision for one of the txn_ids first (the caller retries)."""
    _insert_new(session, _DECISION_INSERT_MANY, rows)


def holds(session: Session, limit: int = 200) -> list[PaymentDecision]:
    stmt = (
        select(PaymentDecision)
        .where(PaymentDecision.decision == "hold", PaymentDecision.status == "decided")
        .order_by(PaymentDecision.decided_at)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def decision_mix(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(PaymentDecision.decision, func.count()).group_by(PaymentDecision.decision)
    )
    return {str(d): int(n) for d, n in rows}


def count_decisions(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(PaymentDecision)).scalar_one())


def decision_ids(session: Session) -> list[str]:
    return [str(t) for t in session.execute(select(PaymentDecision.txn_id)).scalars()]


# -- challenges --------------------------------------------------------------------------------
_CHALLENGE_INSERT = insert(cast(Table, Challenge.__table__))


def add_challenges(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(_CHALLENGE_INSERT, list(rows))


def get_challenge(session: Session, challenge_id: str, *, lock: bool = False) -> Challenge | None:
    stmt = select(Challenge).where(Challenge.id == challenge_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def expired_pending_challenges(session: Session, now: datetime) -> list[Challenge]:
    stmt = (
        select(Challenge)
        .where(Challenge.status == "pending", Challenge.expires_at < now)
        .with_for_update()
    )
    return list(session.execute(stmt).scalars())


# -- executed payments -------------------------------------------------------------------------
def add_executed(session: Session, txn_id: str, booked_at: datetime, row: dict[str, Any]) -> None:
    stmt = _insert(session)(ExecutedPayment).values(
        txn_id=txn_id, booked_at=booked_at, row=row, flushed_at=None
    )
    session.execute(stmt.on_conflict_do_nothing(index_elements=["txn_id"]))


def unflushed(session: Session, limit: int) -> list[ExecutedPayment]:
    stmt = (
        select(ExecutedPayment)
        .where(ExecutedPayment.flushed_at.is_(None))
        .order_by(ExecutedPayment.booked_at, ExecutedPayment.txn_id)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def mark_flushed(session: Session, txn_ids: Sequence[str], at: datetime) -> None:
    for start in range(0, len(txn_ids), 500):
        part = list(txn_ids[start : start + 500])
        session.execute(
            update(ExecutedPayment).where(ExecutedPayment.txn_id.in_(part)).values(flushed_at=at)
        )


def count_unflushed(session: Session) -> int:
    stmt = (
        select(func.count())
        .select_from(ExecutedPayment)
        .where(ExecutedPayment.flushed_at.is_(None))
    )
    return int(session.execute(stmt).scalar_one())


# -- account-opening tasks ---------------------------------------------------------------------
def add_opening_task(session: Session, **fields: Any) -> AccountOpeningTask:
    task = AccountOpeningTask(**fields)
    session.add(task)
    session.flush()
    return task


def get_opening_task(session: Session, task_id: int) -> AccountOpeningTask | None:
    return session.get(AccountOpeningTask, task_id, with_for_update=True)


def opening_tasks(session: Session, account_id: str) -> list[AccountOpeningTask]:
    stmt = (
        select(AccountOpeningTask)
        .where(AccountOpeningTask.account_id == account_id)
        .order_by(AccountOpeningTask.id)
    )
    return list(session.execute(stmt).scalars())
