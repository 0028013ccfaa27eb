"""The customer record: basic information, orders and deliveries, purchase volume, complaints,
survey answers, special requirements and demand changes; order and delivery imports; trends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from integrita.domain.money import exact_minor_units, from_minor_units
from integrita.domain.permissions import Permission
from integrita.errors import InputError, NotFoundError
from integrita.services.care.complaints import Actor, complaint_dict
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.csv_rows import RowErrors, read_csv
from integrita.services.core.permissions import ensure_permitted
from integrita.store.models import CustomerNote
from integrita.store.repositories import care as care_repo
from integrita.store.repositories import care_customers as repo
from integrita.store.repositories import customers as customers_repo

NOTE_KINDS = ("special_requirement", "demand_change", "quality_objection")
DELIVERY_STATUSES = ("pending", "shipped", "delivered", "late", "returned", "cancelled")


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    basic: dict[str, Any]
    orders: list[dict[str, Any]]
    volume_by_month: list[dict[str, Any]]
    complaints: list[dict[str, Any]]
    survey_answers: list[dict[str, Any]]
    notes: dict[str, list[dict[str, Any]]]


def record(ctx: Context, customer_id: str) -> CustomerRecord:
    with ctx.db.transaction() as session:
        c = customers_repo.get_customer(session, customer_id)
        if c is None:
            raise NotFoundError(f"no customer {customer_id}")
        basic = {
            "customer_id": c.customer_id,
            "name": c.name,
            "customer_type": c.customer_type,
            "segment": c.segment,
            "industry": c.occupation_or_industry,
            "residence_country": c.residence_country,
            "onboarded_at": c.onboarded_at,
        }
        orders = [
            {
                "order_id": o.order_id,
                "product": o.product,
                "ordered_on": o.ordered_on,
                "quantity": o.quantity,
                "amount": str(from_minor_units(o.amount_minor, o.currency)),
                "currency": o.currency,
                "delivery_status": o.delivery_status,
                "delivered_on": o.delivered_on,
            }
            for o in repo.orders_for(session, customer_id)
        ]
        volume = [
            {"month": m, "orders": n, "amount_minor": a}
            for m, _s, n, a in repo.volume_by_segment_month(session, customer_id)
        ]
        complaints = [
            complaint_dict(x) for x in care_repo.complaints_for_customer(session, customer_id)
        ]
        answers = [
            {
                "survey": name,
                "dimension": a.dimension,
                "answer": a.answer,
                "answered_on": a.answered_on,
                "source": a.source,
            }
            for name, a in repo.answers_for_customer(session, customer_id)
        ]
        notes: dict[str, list[dict[str, Any]]] = {k: [] for k in NOTE_KINDS}
        for n in repo.notes_for(session, customer_id):
            notes.setdefault(n.kind, []).append(
                {"text": n.text, "noted_on": n.noted_on, "author": n.author}
            )
    return CustomerRecord(basic, orders, volume, complaints, answers, notes)


def add_note(
    ctx: Context, customer_id: str, kind: str, text: str, actor: Actor, noted_on: date | None = None
) -> None:
    """Add a special requirement, demand change or quality objection, dated and authored."""
    ensure_permitted(actor, Permission.CUSTOMER_RECORD_EDIT)
    if kind not in NOTE_KINDS:
        raise InputError(f"kind must be one of {', '.join(NOTE_KINDS)}", field="kind")
    if not text.strip():
        raise InputError("the note is empty", field="text")
    now = ctx.now()
    with ctx.db.transaction() as session:
        if customers_repo.get_customer(session, customer_id) is None:
            raise NotFoundError(f"no customer {customer_id}")
        note = care_repo.add(
            session,
            CustomerNote(
                customer_id=customer_id,
                kind=kind,
                text=text.strip(),
                noted_on=noted_on or ctx.local_date(now),
                author=actor.username,
                created_at=now,
            ),
        )
        audit.record(
            session,
            at=now,
            actor=actor.username,
            action="care.customer_note_added",
            entity_type="customer",
            entity_id=customer_id,
            after={"note_id": note.id, "kind": kind},
        )


ORDER_COLUMNS = (
    "order_id",
    "customer_id",
    "product",
    "ordered_on",
    "quantity",
    "amount",
    "currency",
)


def _date(value: str, where: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InputError(f"{where}{name} must be YYYY-MM-DD, not {value!r}", field=name) from exc


def import_orders_csv(ctx: Context, text: str, actor: Actor) -> int:
    """Load orders (and their delivery status, when given); loading the same file twice changes nothing."""
    ensure_permitted(actor, Permission.CUSTOMER_RECORD_EDIT)
    errors = RowErrors()
    parsed = read_csv(text, errors)
    missing = [c for c in ORDER_COLUMNS if c not in parsed.header]
    if missing:
        raise InputError(f"CSV is missing column(s): {', '.join(missing)}", field="file")
    rows: list[dict[str, Any]] = []
    for line, row in parsed.rows:
        with errors.row(line):
            rows.append(_order_row(row, f"row {line}: ", line))
    errors.raise_if_any()
    return store_orders(ctx, rows, actor)


def _order_row(row: dict[str, str], where: str, line: int) -> dict[str, Any]:
    """One order row, checked; an amount finer than the currency's minor unit is refused."""
    order_id = (row["order_id"] or "").strip()
    if not order_id:
        raise InputError(f"{where}order_id is empty", field="order_id")
    try:
        quantity = int(row["quantity"])
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}quantity must be a whole number", field="quantity") from exc
    currency = (row["currency"] or "").strip().upper()
    try:
        amount = exact_minor_units((row["amount"] or "").strip(), currency)
    except InputError as exc:
        raise InputError(f"{where}amount/currency not understood: {exc}", field="amount") from exc
    status = (row.get("delivery_status") or "pending").strip().lower() or "pending"
    if status not in DELIVERY_STATUSES:
        raise InputError(f"{where}unknown delivery_status {status!r}", field="delivery_status")
    delivered = (row.get("delivered_on") or "").strip()
    return {
        "line": line,
        "order_id": order_id,
        "customer_id": (row["customer_id"] or "").strip(),
        "product": (row["product"] or "").strip(),
        "ordered_on": _date(row["ordered_on"] or "", where, "ordered_on"),
        "quantity": quantity,
        "amount_minor": amount,
        "currency": currency,
        "delivery_status": status,
        "delivered_on": _date(delivered, where, "delivered_on") if delivered else None,
    }


def store_orders(ctx: Context, rows: list[dict[str, Any]], actor: Actor) -> int:
    """Upsert checked order rows (row numbers in errors count a CSV header as row 1)."""
    ensure_permitted(actor, Permission.CUSTOMER_RECORD_EDIT)
    with ctx.db.transaction() as session:
        known = repo.existing_customer_ids(session, [r["customer_id"] for r in rows])
        errors = RowErrors()
        for index, r in enumerate(rows, start=2):
            if r["customer_id"] not in known:
                errors.add(r.get("line", index), f"no customer {r['customer_id']!r}", "customer_id")
        errors.raise_if_any()
        repo.upsert_orders(session, [{k: v for k, v in r.items() if k != "line"} for r in rows])
        audit.record(
            session,
            at=ctx.now(),
            actor=actor.username,
            action="care.orders_imported",
            entity_type="care_orders",
            entity_id=ctx.now().strftime("%Y%m%dT%H%M%S"),
            after={"orders": len(rows)},
        )
    return len(rows)


def import_deliveries_csv(ctx: Context, text: str, actor: Actor) -> int:
    """Update delivery status: order_id, delivery_status, delivered_on."""
    ensure_permitted(actor, Permission.CUSTOMER_RECORD_EDIT)
    errors = RowErrors()
    parsed = read_csv(text, errors)
    missing = [c for c in ("order_id", "delivery_status") if c not in parsed.header]
    if missing:
        raise InputError(f"CSV is missing column(s): {', '.join(missing)}", field="file")
    updates: list[tuple[int, str, str, date | None]] = []
    for line, row in parsed.rows:
        where = f"row {line}: "
        with errors.row(line):
            status = (row["delivery_status"] or "").strip().lower()
            if status not in DELIVERY_STATUSES:
                raise InputError(
                    f"{where}unknown delivery_status {status!r}", field="delivery_status"
                )
            delivered = (row.get("delivered_on") or "").strip()
            updates.append(
                (
                    line,
                    (row["order_id"] or "").strip(),
                    status,
                    _date(delivered, where, "delivered_on") if delivered else None,
                )
            )
    errors.raise_if_any()
    with ctx.db.transaction() as session:
        known = repo.existing_order_ids(session, [u[1] for u in updates])
        for line, oid, _s, _d in updates:
            if oid not in known:
                errors.add(line, f"no order {oid!r}", "order_id")
        errors.raise_if_any()
        for _line, oid, status, delivered_on in updates:
            repo.set_delivery(session, oid, status, delivered_on)
        audit.record(
            session,
            at=ctx.now(),
            actor=actor.username,
            action="care.deliveries_imported",
            entity_type="care_orders",
            entity_id=ctx.now().strftime("%Y%m%dT%H%M%S"),
            after={"deliveries": len(updates)},
        )
    return len(updates)


@dataclass(frozen=True, slots=True)
class SegmentTrends:
    """Monthly series per segment: purchase volume, complaints (objections) and satisfaction."""

    months: list[str]
    volume: dict[str, list[int]]
    complaints: dict[str, list[int]]
    satisfaction_rate: dict[str, list[float | None]]


def trends(ctx: Context) -> SegmentTrends:
    with ctx.db.transaction() as session:
        volume_rows = repo.volume_by_segment_month(session)
        complaint_rows = repo.complaints_by_segment_month(session)
    months = sorted({r[0] for r in volume_rows} | {r[0] for r in complaint_rows})
    segments = sorted({r[1] for r in volume_rows} | {r[1] for r in complaint_rows})
    index = {m: i for i, m in enumerate(months)}
    volume = {s: [0] * len(months) for s in segments}
    complaints = {s: [0] * len(months) for s in segments}
    sat: dict[str, list[float | None]] = {s: [None] * len(months) for s in segments}
    for m, s, _n, amount in volume_rows:
        volume[s][index[m]] = amount
    for m, s, n, rated, satisfied in complaint_rows:
        complaints[s][index[m]] = n
        sat[s][index[m]] = satisfied / rated if rated else None
    return SegmentTrends(months, volume, complaints, sat)
