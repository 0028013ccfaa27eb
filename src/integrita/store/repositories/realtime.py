"""Storage of the real-time engine: rule sets, decisions, rolling state, challenges, executed
payments, the blocklist, customer contacts and account-opening tasks. Never commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
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
from integrita.store.repositories.driver_sql import (
    Batch,
    DriverStatement,
    Params,
    Read,
    SqlDialect,
    Steps,
    Write,
    json_value,
)
from integrita.store.repositories.versions import VersionTable


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
_ACTIVE_RULE_SET = DriverStatement(
    "SELECT version, thresholds FROM rule_set_versions WHERE status = 'active'"
)


def active_rule_set(session: Session) -> tuple[int, dict[str, Any]] | None:
    rows = Batch(session).fetch(_ACTIVE_RULE_SET, ())
    return (int(rows[0][0]), dict(json_value(rows[0][1]))) if rows else None


def active_version_number(session: Session) -> int | None:
    value = session.execute(
        select(RuleSetVersion.version).where(RuleSetVersion.status == "active")
    ).scalar_one_or_none()
    return int(value) if value is not None else None


#: Every version of the real-time thresholds.
RULE_SETS = VersionTable(RuleSetVersion, "rule set")


# -- accounts, contacts, blocklist ---------------------------------------------------------------
def account_context(session: Session, account_id: str) -> dict[str, Any] | None:
    """Status, owner, segment and contact of an account in one query."""
    return account_contexts(session, [account_id]).get(account_id)


def account_contexts(session: Session, account_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """:func:`account_context` of many accounts in one query, keyed by account id."""
    if not account_ids:
        return {}
    batch = Batch(session)
    return _account_rows(
        batch.fetch(_ACCOUNT_CONTEXT_MANY, (batch.keys(sorted(set(account_ids))),))
    )


def _account_rows(rows: list[Any]) -> dict[str, dict[str, Any]]:
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


# The statements of the decision path run on the driver (see driver_sql).
_ACCOUNT_CONTEXT_MANY = DriverStatement(
    "SELECT a.account_id, a.status, a.customer_id, c.segment, k.phone, k.email, k.language"
    " FROM accounts a JOIN customers c ON c.customer_id = a.customer_id"
    " LEFT OUTER JOIN customer_contacts k ON k.customer_id = a.customer_id"
    " WHERE a.account_id {keys}"
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
    upsert_contacts(
        session,
        [{"customer_id": customer_id, "phone": phone, "email": email, "language": language}],
    )


def upsert_contacts(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store many customers' contact details (``customer_id``, ``phone``, ``email``,
    ``language``) in one statement executed for every row; a stored customer's are replaced."""
    if not rows:
        return
    stmt = _insert(session)(CustomerContact)
    session.connection().execute(
        stmt.on_conflict_do_update(
            index_elements=["customer_id"],
            set_={c: stmt.excluded[c] for c in ("phone", "email", "language")},
        ),
        [dict(r) for r in rows],
    )


_BLOCKED_AMONG = DriverStatement(
    "SELECT bank_id, account FROM blocked_counterparties WHERE account {keys}"
)


def blocked_among(session: Session, pairs: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (bank, account) counterparties are on the blocklist, in one query."""
    if not pairs:
        return set()
    accounts = sorted({account for _, account in pairs})
    batch = Batch(session)
    rows = batch.fetch(_BLOCKED_AMONG, (batch.keys(accounts),))
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


_STATE_COLUMNS = ("recent", "history_count", "history_mean", "history_m2", "history_max")
_STATE_SELECT_MANY = DriverStatement(
    "SELECT account_id, recent, history_count, history_mean, history_m2, history_max"
    " FROM account_realtime_state WHERE account_id {keys} ORDER BY account_id{for_update}"
)
_STATE_INSERT_MANY = DriverStatement(
    "INSERT INTO account_realtime_state (account_id, recent, history_count, history_mean,"
    " history_m2, history_max, updated_at) VALUES (%s, {json}, 0, 0.0, 0.0, 0, %s)"
)
_STATE_UPDATE_MANY = DriverStatement(
    "UPDATE account_realtime_state SET recent = {json}, history_count = %s, history_mean = %s,"
    " history_m2 = %s, history_max = %s, updated_at = %s WHERE account_id = %s"
)


def _state_rows(rows: list[Any]) -> dict[str, dict[str, Any]]:
    return {
        str(row[0]): {"account_id": row[0], "recent": json_value(row[1])}
        | dict(zip(_STATE_COLUMNS[1:], row[2:], strict=True))
        for row in rows
    }


def _create_missing_states_steps(
    sql: SqlDialect, wanted: list[str], at: datetime, found: dict[str, dict[str, Any]]
) -> Steps[dict[str, dict[str, Any]]]:
    """The states of ``wanted`` (account ids in order), keyed by account id: ``found`` (already
    read and locked) plus the missing ones, created and then read with their locks, in account
    order (so two batches that share accounts cannot deadlock).

    A concurrent transaction that created one of the missing states first makes the insert
    raise :class:`DuplicateKeyError`; the transaction is then spoilt and must be retried.
    """
    missing = [a for a in wanted if a not in found]
    if missing:
        empty, created = sql.json([]), sql.timestamp(at)
        yield Write([(_STATE_INSERT_MANY, [(a, empty, created) for a in missing])])
        (rows,) = yield Read([(_STATE_SELECT_MANY, (sql.keys(missing),))])
        found.update(_state_rows(rows))
    return found


def state_writes(
    sql: SqlDialect, rows: Sequence[dict[str, Any]]
) -> tuple[DriverStatement, list[Params]]:
    """The update of many accounts' states (each row: ``key`` = account id plus the state
    columns), for a :class:`Write`."""
    return _STATE_UPDATE_MANY, [
        (
            sql.json(row["recent"]),
            row["history_count"],
            row["history_mean"],
            row["history_m2"],
            row["history_max"],
            sql.timestamp(row["updated_at"]),
            row["key"],
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class DecisionInputs:
    """What a batch of decisions reads: :func:`account_contexts`, :func:`active_rule_set`,
    the locked states of the known accounts, :func:`decision_answers` and the blocked
    counterparties among the receiving accounts."""

    accounts: dict[str, dict[str, Any]]
    rule_set: tuple[int, dict[str, Any]] | None
    states: dict[str, dict[str, Any]]
    answered: dict[str, tuple[str, dict[str, Any]]]
    blocked: set[tuple[str, str]]


def decision_inputs_steps(
    sql: SqlDialect,
    account_ids: Sequence[str],
    txn_ids: Sequence[str],
    counterparties: Sequence[tuple[str, str]],
    at: datetime,
) -> Steps[DecisionInputs]:
    """The reads of a decision batch, sent together (one round trip on PostgreSQL). The
    states of known accounts are locked and created when missing."""
    wanted = sorted(set(account_ids))
    rows = yield Read(
        [
            (_ACCOUNT_CONTEXT_MANY, (sql.keys(wanted),)),
            (_ACTIVE_RULE_SET, ()),
            (_STATE_SELECT_MANY, (sql.keys(wanted),)),
            (_DECISION_ANSWERS, (sql.keys(sorted(set(txn_ids))),)),
            (_BLOCKED_AMONG, (sql.keys(sorted({a for _, a in counterparties})),)),
        ]
    )
    accounts = _account_rows(rows[0])
    states = {a: s for a, s in _state_rows(rows[2]).items() if a in accounts}
    states = yield from _create_missing_states_steps(sql, sorted(accounts), at, states)
    return DecisionInputs(
        accounts=accounts,
        rule_set=(int(rows[1][0][0]), dict(json_value(rows[1][0][1]))) if rows[1] else None,
        states=states,
        answered=_answer_rows(rows[3]),
        blocked={(str(b), str(a)) for b, a in rows[4]} & set(counterparties),
    )


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
    batch = Batch(session)
    return _answer_rows(batch.fetch(_DECISION_ANSWERS, (batch.keys(sorted(set(txn_ids))),)))


def _answer_rows(rows: list[Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {str(row[0]): (str(row[1]), dict(json_value(row[2]))) for row in rows}


def get_decision(session: Session, txn_id: str, *, lock: bool = False) -> PaymentDecision | None:
    stmt = select(PaymentDecision).where(PaymentDecision.txn_id == txn_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


_DECISION_TABLE = cast(Table, PaymentDecision.__table__)
_DECISION_INSERT_MANY = DriverStatement(
    "INSERT INTO payment_decisions (txn_id, account_id, customer_id, decided_at, event_hash,"
    " event, decision, response, rule_set_version, status, challenge_id)"
    " VALUES (%s, %s, %s, %s, %s, {json}, %s, {json}, %s, %s, %s)"
)
_DECISION_ANSWERS = DriverStatement(
    "SELECT txn_id, event_hash, response FROM payment_decisions WHERE txn_id {keys}"
)


def decision_writes(
    sql: SqlDialect, rows: Sequence[dict[str, Any]]
) -> tuple[DriverStatement, list[Params]]:
    """The insert of many decisions, for a :class:`Write`."""
    return _DECISION_INSERT_MANY, [
        (
            row["txn_id"],
            row["account_id"],
            row["customer_id"],
            sql.timestamp(row["decided_at"]),
            row["event_hash"],
            sql.json(row["event"]),
            row["decision"],
            sql.json(row["response"]),
            row["rule_set_version"],
            row["status"],
            row["challenge_id"],
        )
        for row in rows
    ]


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
_CHALLENGE_INSERT_MANY = DriverStatement(
    "INSERT INTO payment_challenges (id, txn_id, code_hash, salt, created_at, expires_at,"
    " attempts, max_attempts, last_attempt_at, status)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, NULL, %s)"
)


def challenge_writes(
    sql: SqlDialect, rows: Sequence[dict[str, Any]]
) -> tuple[DriverStatement, list[Params]]:
    """The insert of new challenges (each row as
    :func:`~integrita.services.realtime.challenges.plan` builds it), for a :class:`Write`."""
    return _CHALLENGE_INSERT_MANY, [
        (
            row["id"],
            row["txn_id"],
            row["code_hash"],
            row["salt"],
            sql.timestamp(row["created_at"]),
            sql.timestamp(row["expires_at"]),
            row["attempts"],
            row["max_attempts"],
            row["status"],
        )
        for row in rows
    ]


def get_challenge(
    session: Session, challenge_id: str, *, lock: bool = False, fresh: bool = False
) -> Challenge | None:
    """A challenge; ``fresh`` re-reads a row already loaded (after a conditional UPDATE)."""
    stmt = select(Challenge).where(Challenge.id == challenge_id)
    if lock:
        stmt = stmt.with_for_update()
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    return session.execute(stmt).scalar_one_or_none()


def expired_pending_challenges(
    session: Session, now: datetime, *, limit: int | None = None
) -> list[Challenge]:
    stmt = (
        select(Challenge)
        .where(Challenge.status == "pending", Challenge.expires_at < now)
        .order_by(Challenge.expires_at, Challenge.id)
        .limit(limit)
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
