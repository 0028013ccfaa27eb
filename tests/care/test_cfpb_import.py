"""Acceptance (issue 20, item 1): a CFPB-layout export imports through the shipped mapping, every
bad row quarantined with its physical line and reconciled, re-import stores nothing new, and the
SLA figures equal those computed here by hand from the fixture's own dates and verdicts."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from integrita.errors import PermissionDeniedError
from integrita.services.care import complaints, history_import
from integrita.services.care import sla as care_sla
from integrita.services.care.complaint_mapping import load_mapping
from integrita.services.core import quarantine
from integrita.services.core.context import Context
from integrita.store.repositories import audit as audit_repo
from integrita.store.repositories import customers as customers_repo
from tests.services.care_support import DEPARTMENT, OFFICER, complaint_input

FIXTURE = Path(__file__).parent / "fixtures" / "cfpb_complaints.csv"
CUSTOMER = "CFPB-CONSUMER"

#: A text on the one physical line of each bad row, and what is wrong with it.
BAD_ROWS = {
    "Carrier pigeon": "no mapping for 'Carrier pigeon'",
    "2024-13-45": "matches none of the date formats",
    "Savings account": "external_id (column 'Complaint ID') is empty",
    "Maybe": "'Maybe' is not yes or no",
    "2031-01-07": "received_at is in the future",
    "Closing on a mortgage": "cells where the header has 18",
}


def _register_consumer(ctx: Context) -> None:
    row = {
        "customer_id": CUSTOMER,
        "customer_type": "individual",
        "name": "A consumer, via the CFPB",
        "id_document_type": "none",
        "id_number": "CFPB",
        "birth_or_registration_date": date(2000, 1, 1),
        "segment": "retail",
    }
    with ctx.db.transaction() as session:
        customers_repo.upsert_customers(session, [row])


def _line_of(text: str, marker: str) -> int:
    return text[: text.index(marker)].count("\n") + 1


def _hand_rows(text: str) -> list[dict[str, str]]:
    """The good rows, chosen by hand: the records none of the bad-row markers sit on, first of
    each complaint id (the csv module, lenient, reads the file independently of the import)."""
    seen: set[str] = set()
    good = []
    for record in csv.DictReader(io.StringIO(text, newline="")):
        raw = ",".join(str(v) for v in record.values())
        if any(marker in raw for marker in BAD_ROWS) or record["Complaint ID"] in seen:
            continue
        seen.add(record["Complaint ID"])
        good.append(record)
    return good


def _month(value: str) -> str:
    if "/" in value:
        m, _, y = value.split("/")
        return f"{y}-{m}"
    return value[:7]


def test_the_cfpb_export_imports_with_bad_rows_quarantined_reconciled_and_idempotent(
    ctx: Context,
) -> None:
    _register_consumer(ctx)
    text = FIXTURE.read_text(encoding="utf-8")
    records = list(csv.reader(io.StringIO(text, newline="")))[1:]
    good = _hand_rows(text)

    first = history_import.import_history(
        ctx, text, load_mapping("cfpb"), OFFICER, source_file="cfpb.csv"
    )

    r = first.reconciliation
    assert r.rows_read == len(records) == 19
    assert r.stored == len(good) == 12
    assert r.duplicates == 1  # complaint 9100001 appears twice in the export
    assert r.quarantined == len(BAD_ROWS)
    assert r.rows_read == r.stored + r.duplicates + r.quarantined
    stored = dict(quarantine.quarantined_rows(ctx, r.run_id))
    for marker, reason in BAD_ROWS.items():
        line = _line_of(text, marker)
        assert line in stored, f"{marker!r} (line {line}) is quarantined"
        assert reason in stored[line]
    assert len(stored) == len(BAD_ROWS)
    # the multi-line narratives push later rows down: line numbers are physical lines
    assert (
        _line_of(text, "Carrier pigeon")
        > records.index(next(rec for rec in records if "Carrier pigeon" in rec)) + 2
    )

    again = history_import.import_history(
        ctx, text, load_mapping("cfpb"), OFFICER, source_file="cfpb.csv"
    )
    assert again.reconciliation.stored == 0 and again.imported_ids == []
    assert again.reconciliation.duplicates == len(good) + 1
    assert again.reconciliation.quarantined == len(BAD_ROWS)
    assert "nothing new" in " ".join(again.lines())
    assert len(complaints.queue(ctx, limit=1000)) + _closed_count(ctx) >= len(good)
    assert len(first.imported_ids) == len(set(first.imported_ids)) == len(good)


def _closed_count(ctx: Context) -> int:
    return len(complaints.queue(ctx, state="closed", limit=1000))


def test_imported_history_keeps_its_final_state_text_and_is_audited(ctx: Context) -> None:
    _register_consumer(ctx)
    text = FIXTURE.read_text(encoding="utf-8")
    result = history_import.import_history(ctx, text, load_mapping("cfpb"), OFFICER)
    by_external = {
        c["external_id"]: c
        for c in (complaints.get_complaint(ctx, i).complaint for i in result.imported_ids)
    }
    assert by_external["9100011"]["state"] == "assigned"  # In progress
    assert by_external["9100013"]["state"] == "received"  # Untimely response: never answered
    assert by_external["9100001"]["state"] == "closed"
    assert by_external["9100001"]["company_response"] == "Closed with explanation"
    narrative = by_external["9100001"]["description"]
    assert "isn\u2019t mine.\nI called twice" in narrative and "\n\nPlease remove it." in narrative
    assert narrative.startswith("Incorrect information on your report / Information belongs")
    assert by_external["9100002"]["description"].endswith("statement")  # N/A narrative: subject
    assert "N/A" not in by_external["9100002"]["description"]
    assert by_external["9100003"]["disputed"] is True
    assert by_external["9100003"]["first_response_timely"] is False
    assert by_external["9100005"]["disputed"] is None  # literal N/A is no answer
    assert by_external["9100009"]["channel"] == "email"
    assert by_external["9100003"]["channel"] == "agency"
    with ctx.db.transaction() as session:
        run = str(result.reconciliation.run_id)
        [event] = audit_repo.events_for(session, "ingest_run", run)
    assert event.action == "care.complaints_imported"
    named = {entry[0]: entry for entry in json.loads(event.after)["complaints"]}
    assert set(named) == set(result.imported_ids)
    assert named[by_external["9100011"]["id"]][1:3] == ["9100011", "assigned"]


def test_the_sla_figures_of_imported_history_equal_those_computed_by_hand(ctx: Context) -> None:
    _register_consumer(ctx)
    text = FIXTURE.read_text(encoding="utf-8")
    history_import.import_history(ctx, text, load_mapping("cfpb"), OFFICER)

    received: Counter[str] = Counter()
    verdicts: dict[str, list[bool]] = defaultdict(list)
    for row in _hand_rows(text):
        month = _month(row["Date received"])
        received[month] += 1
        if row["Timely response?"] in ("Yes", "No"):
            verdicts[month].append(row["Timely response?"] == "Yes")

    overall = {f.month: f for f in care_sla.figures(ctx) if f.department is None}
    assert set(overall) == set(received) == {"2024-11", "2024-12", "2025-01"}
    for month, figures in overall.items():
        assert figures.received == received[month]
        assert figures.invalid == 0
        on_time = sum(verdicts[month]) / len(verdicts[month])
        assert figures.on_time_first_response_rate == pytest.approx(on_time)
        assert figures.first_response_breaches == verdicts[month].count(False)
        assert figures.resolution_hours_p50 is None  # the export publishes no closing times
    assert overall["2024-11"].on_time_first_response_rate == pytest.approx(4 / 5)


def test_the_sweep_never_escalates_imported_history_retroactively(ctx: Context) -> None:
    _register_consumer(ctx)
    history_import.import_history(
        ctx, FIXTURE.read_text(encoding="utf-8"), load_mapping("cfpb"), OFFICER
    )
    # a complaint filed here a month ago and never answered is escalated by the same sweep
    native = complaint_input(CUSTOMER, received_at=ctx.now() - timedelta(days=30))
    native_id = complaints.file_complaint(ctx, native, OFFICER)
    result = care_sla.sweep(ctx)
    assert result.escalations == {"first_response": 1, "resolution": 1}
    assert {e["complaint_id"] for e in care_sla.escalations(ctx)} == {native_id}


def test_importing_history_needs_its_own_permission(ctx: Context) -> None:
    _register_consumer(ctx)
    with pytest.raises(PermissionDeniedError):
        history_import.import_history(
            ctx, FIXTURE.read_text(encoding="utf-8"), load_mapping("cfpb"), DEPARTMENT
        )


def test_the_api_imports_the_export_through_a_shipped_mapping_only(
    ctx: Context, make_user: Callable[..., str]
) -> None:
    from fastapi.testclient import TestClient

    from integrita.api.app import create_app

    _register_consumer(ctx)
    client = TestClient(create_app(ctx))
    headers = {"authorization": f"Bearer {make_user('olivia', 'complaints_officer')}"}
    body = FIXTURE.read_bytes()
    url = "/v1/care/complaints/history-import"
    first = client.post(f"{url}?mapping=cfpb", content=body, headers=headers)
    assert first.status_code == 200, first.text
    answer = first.json()
    assert (answer["rows_read"], answer["imported"], answer["already_present"]) == (19, 12, 1)
    assert answer["quarantined"] == len(BAD_ROWS) == len(answer["problems"])
    again = client.post(f"{url}?mapping=cfpb", content=body, headers=headers).json()
    assert again["imported"] == 0 and again["already_present"] == 13
    for bad in ("../../etc/passwd", "nosuch"):
        refused = client.post(url, params={"mapping": bad}, content=body, headers=headers)
        assert refused.status_code == 422 and refused.json()["field"] == "mapping"
    qa = {"authorization": f"Bearer {make_user('quinn', 'quality_assurance')}"}
    assert client.post(f"{url}?mapping=cfpb", content=body, headers=qa).status_code == 403


def test_an_imported_complaint_page_shows_its_source_and_keeps_the_narrative_paragraphs(
    ctx: Context,
) -> None:
    from tests.care.test_care_defects import _signed_in

    _register_consumer(ctx)
    result = history_import.import_history(
        ctx, FIXTURE.read_text(encoding="utf-8"), load_mapping("cfpb"), OFFICER
    )
    client = _signed_in(ctx, "olivia", "complaints_officer")
    page = client.get(f"/care/complaints/{result.imported_ids[0]}").text
    assert "cfpb complaint 9100001" in page
    assert "company response: Closed with explanation; timely by the source" in page
    assert "<p>Please remove it.</p>" in page  # the narrative's last paragraph, on its own
