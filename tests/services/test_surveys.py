from __future__ import annotations

import pytest

from integrita.errors import InputError
from integrita.services.care import customer_records, surveys
from integrita.services.core.context import Context
from integrita.store.repositories import care_customers
from tests.services.care_support import OFFICER, QA, add_customers

DIMS = "packaging,interior,appearance,service_before,service_during,service_after,delivery,price"


def _active(ctx: Context, counts: dict[str, int]) -> list[str]:
    ids = add_customers(ctx, counts)
    lines = ["order_id,customer_id,product,ordered_on,quantity,amount,currency,delivery_status"]
    lines += [f"O{i},{cid},rim-17,2025-01-15,4,1200.50,CNY,delivered" for i, cid in enumerate(ids)]
    customer_records.import_orders_csv(ctx, "\n".join(lines) + "\n", OFFICER)
    return ids


def test_a_survey_samples_ten_percent_of_every_segment_and_queues_invitations(
    ctx: Context,
) -> None:
    _active(ctx, {"retail": 31, "sme": 12, "corporate": 5})
    sid = surveys.create_survey(ctx, "2025 satisfaction", OFFICER, fraction=0.1, seed=3)
    results = surveys.results(ctx, sid)
    assert {k: v["invited"] for k, v in results.strata.items()} == {
        "corporate": 1,
        "retail": 4,
        "sme": 2,
    }
    assert results.invited == 7
    assert results.messages == {"invitation:no_contact": 7}  # no phone or e-mail on file
    assert results.response_rate == 0.0
    assert results.warning is not None and "below the 80% floor" in results.warning
    # Same seed, same sample.
    again = surveys.create_survey(ctx, "again", OFFICER, fraction=0.1, seed=3)
    with ctx.db.transaction() as session:
        first = [i.customer_id for i in care_customers.invitations(session, sid)]
        second = [i.customer_id for i in care_customers.invitations(session, again)]
    assert first == second
    assert surveys.send_reminders(ctx, sid, QA) == 7
    assert surveys.results(ctx, sid).messages == {
        "invitation:no_contact": 7,
        "reminder:no_contact": 7,
    }


def test_invitations_and_reminders_go_through_the_notification_outbox(ctx: Context) -> None:
    from integrita.store.repositories import outbox as outbox_repo
    from integrita.store.repositories import realtime as realtime_repo

    ids = _active(ctx, {"retail": 10})
    with ctx.db.transaction() as session:
        for n, cid in enumerate(ids):
            email = f"c{n}@example.com" if n % 2 == 0 else None
            realtime_repo.upsert_contact(
                session, cid, f"1380000{n:04d}", email, "en" if n % 3 == 0 else "zh"
            )
    sid = surveys.create_survey(ctx, "outbox", OFFICER, fraction=1.0, seed=1)
    assert surveys.results(ctx, sid).messages == {"invitation:enqueued": 10}
    surveys.send_reminders(ctx, sid, QA)
    with ctx.db.transaction() as session:
        messages = [
            m for m in outbox_repo.all_messages(session) if m.template.startswith("care.survey_")
        ]
    assert len(messages) == 20
    assert {m.channel for m in messages} == {"email", "sms"}
    assert {m.template for m in messages} == {"care.survey_invitation", "care.survey_reminder"}
    assert all(m.status == "pending" for m in messages)


def test_agency_results_are_imported_from_csv_and_scored(ctx: Context) -> None:
    _active(ctx, {"corporate": 10})
    sid = surveys.create_survey(ctx, "agency 2025", OFFICER, fraction=0.5, seed=1, mode="agency")
    results = surveys.results(ctx, sid)
    assert results.messages == {}  # the agency contacts the customers itself
    with ctx.db.transaction() as session:
        sampled = [i.customer_id for i in care_customers.invitations(session, sid)]
    rows = [f"customer_id,answered_on,{DIMS}"]
    answers = ["5,5,5,5,5,5,5,5", "3,3,3,3,3,3,3,3", "4,4,4,4,4,4,4,4", "1,,,,,,,"]
    for cid, a in zip(sampled, answers, strict=False):
        rows.append(f"{cid},2025-03-01,{a}")
    assert surveys.import_agency_csv(ctx, sid, "\n".join(rows) + "\n", QA) == 4
    results = surveys.results(ctx, sid)
    assert (results.invited, results.responded) == (5, 4)
    assert results.response_rate == 0.8 and results.warning is None
    packaging = results.dimensions[0].estimate
    assert packaging is not None and packaging.score == pytest.approx((100 + 50 + 75 + 0) / 4)
    assert results.overall is not None
    assert results.overall.score == pytest.approx((100 + 50 + 75 + 0) / 4)


def test_a_bad_agency_row_is_named_and_nothing_is_stored(ctx: Context) -> None:
    _active(ctx, {"corporate": 10})
    sid = surveys.create_survey(ctx, "agency", OFFICER, fraction=0.5, seed=1, mode="agency")
    with ctx.db.transaction() as session:
        sampled = [i.customer_id for i in care_customers.invitations(session, sid)]
    text = f"customer_id,answered_on,price\n{sampled[0]},2025-03-01,4\n{sampled[1]},2025-03-01,9\n"
    with pytest.raises(InputError, match="row 3: price") as err:
        surveys.import_agency_csv(ctx, sid, text, QA)
    assert err.value.field == "price"
    assert surveys.results(ctx, sid).responded == 0
    with pytest.raises(InputError, match="not in the sample"):
        surveys.import_agency_csv(
            ctx, sid, "customer_id,answered_on,price\nCOR9999,2025-03-01,4\n", QA
        )


def test_a_direct_answer_marks_the_invitation_responded(ctx: Context) -> None:
    _active(ctx, {"sme": 10})
    sid = surveys.create_survey(ctx, "direct", OFFICER, fraction=0.1, seed=5)
    with ctx.db.transaction() as session:
        (invited,) = [i.customer_id for i in care_customers.invitations(session, sid)]
    surveys.record_response(ctx, sid, invited, {"price": 4, "delivery": 5}, OFFICER)
    results = surveys.results(ctx, sid)
    assert results.response_rate == 1.0 and results.warning is None
    with pytest.raises(InputError, match="already answered"):
        surveys.record_response(ctx, sid, invited, {"price": 4}, OFFICER)


def test_a_survey_without_active_customers_is_refused(ctx: Context) -> None:
    add_customers(ctx, {"sme": 3})  # no orders: nobody is active
    with pytest.raises(InputError, match="no active customers"):
        surveys.create_survey(ctx, "empty", OFFICER)
