from __future__ import annotations

import pytest

from integrita.errors import InputError
from integrita.services.care import complaints, customer_records
from integrita.services.core.context import Context
from tests.services.care_support import OFFICER, add_customers, complaint_input

ORDERS = """order_id,customer_id,product,ordered_on,quantity,amount,currency,delivery_status,delivered_on
A1,COR0000,rim-17,2025-01-10,4,1000.00,CNY,delivered,2025-01-15
A2,COR0000,rim-18,2025-02-03,2,600.25,CNY,shipped,
"""


def test_the_customer_record_gathers_orders_complaints_and_dated_notes(ctx: Context) -> None:
    (cid,) = add_customers(ctx, {"corporate": 1})
    assert customer_records.import_orders_csv(ctx, ORDERS, OFFICER) == 2
    assert customer_records.import_orders_csv(ctx, ORDERS, OFFICER) == 2  # idempotent
    customer_records.import_deliveries_csv(
        ctx, "order_id,delivery_status,delivered_on\nA2,delivered,2025-02-09\n", OFFICER
    )
    complaints.file_complaint(ctx, complaint_input(cid), OFFICER)
    customer_records.add_note(ctx, cid, "special_requirement", "Deliver before 10:00", OFFICER)
    customer_records.add_note(ctx, cid, "demand_change", "From 4 to 8 rims a month", OFFICER)
    rec = customer_records.record(ctx, cid)
    assert rec.basic["segment"] == "corporate"
    assert [(o["order_id"], o["delivery_status"]) for o in rec.orders] == [
        ("A2", "delivered"),
        ("A1", "delivered"),
    ]
    assert rec.orders[0]["amount"] == "600.25"
    assert rec.volume_by_month == [
        {"month": "2025-01", "orders": 1, "amount_minor": 100000},
        {"month": "2025-02", "orders": 1, "amount_minor": 60025},
    ]
    assert len(rec.complaints) == 1
    note = rec.notes["special_requirement"][0]
    assert (note["text"], note["author"], str(note["noted_on"])) == (
        "Deliver before 10:00",
        "olivia",
        "2025-03-03",
    )
    trends = customer_records.trends(ctx)
    assert trends.months == ["2025-01", "2025-02", "2025-03"]
    assert trends.volume["corporate"] == [100000, 60025, 0]
    assert trends.complaints["corporate"] == [0, 0, 1]


def test_an_order_for_an_unknown_customer_is_named_by_row(ctx: Context) -> None:
    add_customers(ctx, {"corporate": 1})
    bad = ORDERS + "A3,NOBODY,rim-17,2025-01-10,1,1.00,CNY,pending,\n"
    with pytest.raises(InputError, match="row 4: no customer"):
        customer_records.import_orders_csv(ctx, bad, OFFICER)
    with pytest.raises(InputError, match="row 2: unknown delivery_status"):
        customer_records.import_deliveries_csv(ctx, "order_id,delivery_status\nA1,lost\n", OFFICER)
