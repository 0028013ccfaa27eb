"""Shared set-up for the customer-care tests: customers, users, a department and a routing rule."""

from __future__ import annotations

from datetime import date

from integrita.services.care.complaints import (
    Actor,
    ComplaintInput,
    add_department,
    set_routing_rule,
)
from integrita.services.core.context import Context
from integrita.services.core.users import add_user
from integrita.store.repositories import customers as customers_repo

OFFICER = Actor("olivia", frozenset({"complaints_officer"}))
QA = Actor("quinn", frozenset({"quality_assurance"}))
DEPARTMENT = Actor("dana", frozenset({"product_owner"}))
ADMIN = Actor("root", frozenset({"administrator"}))


def add_customers(ctx: Context, segments: dict[str, int]) -> list[str]:
    rows = []
    for segment, count in segments.items():
        for i in range(count):
            rows.append(
                {
                    "customer_id": f"{segment[:3].upper()}{i:04d}",
                    "customer_type": "organisation",
                    "name": f"{segment} customer {i}",
                    "id_document_type": "business_license",
                    "id_number": f"{segment}{i}",
                    "birth_or_registration_date": date(2010, 1, 1),
                    "segment": segment,
                }
            )
    with ctx.db.transaction() as session:
        customers_repo.upsert_customers(session, rows)
    return [r["customer_id"] for r in rows]


def set_up_care(ctx: Context) -> str:
    """One customer, a quality department headed by a user, and a routing rule for product quality."""
    customer = add_customers(ctx, {"corporate": 1})[0]
    add_user(ctx, "harry", "Harry Head", "a long test password", ["product_owner"])
    add_department(ctx, "quality", "Quality department", "harry", OFFICER)
    add_department(ctx, "logistics", "Logistics", None, OFFICER)
    set_routing_rule(ctx, "product_quality", None, "quality", OFFICER)
    set_routing_rule(ctx, "delivery", None, "logistics", OFFICER)
    return customer


def complaint_input(customer: str, **overrides: object) -> ComplaintInput:
    data = ComplaintInput(
        customer_id=customer,
        channel="phone",
        category="product_quality",
        severity="high",
        description="Wheel rims arrived scratched",
        product="rim-17",
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return data
