"""Screening point 3a: every new or changed customer is screened where it is written -- at
customer ingest and at real-time account opening -- and a match becomes an alert in case work."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from integrita.services.core.context import Context
from integrita.services.ingest import ingest
from integrita.services.realtime import account_opening
from integrita.services.screening import dispositions, lists
from integrita.services.screening.index_cache import forget
from integrita.store.models import Account, Alert
from tests.screening.conftest import ANALYST, FIXTURES, OPERATOR, add_customer

HEADER = (
    "customer_id,customer_type,name,id_document_type,id_number,birth_or_registration_date,"
    "nationality,residence_country,occupation_or_industry,onboarding_channel,legal_representative,"
    "pep,segment,onboarded_at\n"
)


def _row(customer_id: str, name: str, born: str) -> str:
    return (
        f"{customer_id},individual,{name},resident_id,11010119{customer_id[-1]}0101123{customer_id[-1]},"
        f"{born},CN,CN,,branch,,false,retail,\n"
    )


@pytest.fixture
def listed(ctx: Context) -> Context:
    forget(ctx)
    lists.import_list(ctx, "un", FIXTURES / "un_consolidated.xml", actor=OPERATOR)
    return ctx


def _matches(ctx: Context) -> list[tuple[str, str, str]]:
    return [
        (m.subject_ref, m.entity_id, m.trigger)
        for m in dispositions.list_matches(ctx, actor=ANALYST)
    ]


def _screening_alerts(ctx: Context) -> int:
    with ctx.db.transaction() as session:
        return sum(1 for a in session.query(Alert).all() if a.source == "screening")


def test_a_listed_customer_loaded_from_a_file_becomes_a_match_and_an_alert(
    listed: Context, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        HEADER + _row("C1", "Wang Jianguo", "1968-04-12") + _row("C2", "Zhou Xun", "1974-10-18")
    )
    ingest.ingest_file(listed, path)
    assert [(ref, trigger) for ref, _, trigger in _matches(listed)] == [("C1", "onboarding")]
    assert _screening_alerts(listed) == 1


def test_loading_the_same_file_again_screens_nobody_and_a_changed_customer_again(
    listed: Context, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(HEADER + _row("C1", "Zhou Xun", "1974-10-18"))
    ingest.ingest_file(listed, path)
    ingest.ingest_file(listed, path)
    assert _matches(listed) == []
    # the customer's name changes to a listed one: the changed record is screened
    path.write_text(HEADER + _row("C1", "王建国", "1968-04-12"))
    ingest.ingest_file(listed, path)
    assert [(ref, trigger) for ref, _, trigger in _matches(listed)] == [("C1", "onboarding")]
    assert _screening_alerts(listed) == 1


def test_opening_an_account_screens_its_owner(listed: Context) -> None:
    # written straight to the store: nothing screened it yet
    add_customer(listed, "C7", "WANG Jianguo", born=date(1968, 4, 12))
    with listed.db.transaction() as session:
        session.add(
            Account(
                account_id="A7",
                bank_id="B0001",
                customer_id="C7",
                account_type="personal",
                opened_on=date(2026, 12, 1),
            )
        )
    assert _matches(listed) == []
    account_opening.record_opening(listed, "A7", "holder", "Wang Jianguo", user=OPERATOR)
    assert [(ref, trigger) for ref, _, trigger in _matches(listed)] == [("C7", "account_opening")]
    assert _screening_alerts(listed) == 1
    # opening it again raises nothing new: the same customer and entity, unchanged
    account_opening.record_opening(listed, "A7", "holder", "Wang Jianguo", user=OPERATOR)
    assert _screening_alerts(listed) == 1
