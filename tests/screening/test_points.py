"""Screening points (onboarding, book, delta, counterparty) and the governed match flow."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson
import pytest

from integrita.domain.screening import Subject
from integrita.errors import PermissionDeniedError, StaleVersionError, StateTransitionError
from integrita.services.core.context import Context
from integrita.services.screening import dispositions, lists, points
from integrita.services.screening.index_cache import forget
from tests.screening.conftest import (
    ANALYST,
    FIXTURES,
    OPERATOR,
    REVIEWER,
    SECOND_ANALYST,
    add_customer,
)


@pytest.fixture
def listed(ctx: Context) -> Context:
    forget(ctx)
    lists.import_list(ctx, "un", FIXTURES / "un_consolidated.xml", actor=OPERATOR)
    return ctx


def test_screen_a_name_lists_candidates_with_their_features(listed: Context) -> None:
    found = points.screen_name(listed, Subject("Jianguo WANG"), actor=ANALYST)
    assert found[0].entity_id == "KPi.901"
    assert found[0].is_match
    assert "chinese_reading_identical" in {f.name for f in found[0].features}
    assert found[0].source == "un"


def test_screening_needs_the_screening_permission(listed: Context) -> None:
    from integrita.domain.workflow import Actor

    with pytest.raises(PermissionDeniedError):
        points.screen_name(
            listed, Subject("x"), actor=Actor("qa", frozenset({"quality_assurance"}))
        )


def test_a_new_customer_matching_a_list_becomes_a_match_and_an_alert(listed: Context) -> None:
    add_customer(listed, "C1", "王建國", born=date(1968, 4, 12))
    add_customer(listed, "C2", "李娜", born=date(1990, 1, 1))
    summary = points.screen_customers(listed, ["C1", "C2"], actor=OPERATOR)
    assert (summary.screened, summary.new_matches, summary.alerts) == (2, 1, 1)
    match = dispositions.list_matches(listed, actor=ANALYST)[0]
    assert (match.subject_ref, match.entity_id, match.state) == ("C1", "KPi.901", "open")
    again = points.screen_customers(listed, ["C1"], actor=OPERATOR)
    assert again.new_matches == 0  # the same pair, unchanged, is not raised twice


def test_a_namesake_born_decades_apart_is_not_a_match(listed: Context) -> None:
    add_customer(listed, "C3", "王建国", born=date(1999, 4, 12))
    assert points.screen_customers(listed, ["C3"], actor=OPERATOR).matches == 0


def test_disposition_needs_a_second_person(listed: Context) -> None:
    add_customer(listed, "C1", "Wang Jianguo", born=date(1968, 4, 12))
    match_id = points.screen_customers(listed, ["C1"], actor=OPERATOR).match_ids[0]
    proposed = dispositions.dispose(
        listed, match_id, "propose_false_positive", actor=ANALYST, seen_version=1
    )
    with pytest.raises(StateTransitionError, match="separation of duties"):
        dispositions.dispose(listed, match_id, "approve", actor=_mlro("ana"), seen_version=2)
    with pytest.raises(PermissionDeniedError):
        dispositions.dispose(listed, match_id, "approve", actor=SECOND_ANALYST, seen_version=2)
    done = dispositions.dispose(
        listed, match_id, "approve", actor=REVIEWER, seen_version=proposed.version
    )
    assert (done.state, done.version) == ("false_positive", 3)


def test_an_approval_binds_the_proposal_the_reviewer_saw(listed: Context) -> None:
    add_customer(listed, "C1", "Wang Jianguo", born=date(1968, 4, 12))
    match_id = points.screen_customers(listed, ["C1"], actor=OPERATOR).match_ids[0]
    dispositions.dispose(listed, match_id, "propose_false_positive", actor=ANALYST, seen_version=1)
    seen = 2  # the reviewer opens the false-positive proposal
    # meanwhile it is returned and proposed again as a true match
    dispositions.dispose(listed, match_id, "return", actor=_mlro("max"), seen_version=2)
    dispositions.dispose(listed, match_id, "propose_true_match", actor=ANALYST, seen_version=3)
    with pytest.raises(StaleVersionError, match="changed since version 2"):
        dispositions.dispose(listed, match_id, "approve", actor=REVIEWER, seen_version=seen)
    done = dispositions.dispose(listed, match_id, "approve", actor=REVIEWER, seen_version=4)
    assert done.state == "true_match"


def _mlro(name: str):  # type: ignore[no-untyped-def]
    from integrita.domain.workflow import Actor

    return Actor(name, frozenset({"mlro", "analyst"}))


def test_good_guy_entry_needs_a_second_person_and_suppresses_until_a_side_changes(
    listed: Context,
) -> None:
    add_customer(listed, "C1", "Wang Jianguo", born=date(1968, 4, 12))
    match_id = points.screen_customers(listed, ["C1"], actor=OPERATOR).match_ids[0]
    dispositions.dispose(listed, match_id, "propose_false_positive", actor=ANALYST, seen_version=1)
    dispositions.dispose(listed, match_id, "approve", actor=REVIEWER, seen_version=2)
    entry = dispositions.propose_good_guy(
        listed, match_id, "different person, met in branch", actor=ANALYST
    )
    with pytest.raises(StateTransitionError, match="separation of duties"):
        dispositions.decide_good_guy(listed, entry.id, True, actor=_mlro("ana"))
    assert dispositions.decide_good_guy(listed, entry.id, True, actor=REVIEWER).state == "active"
    # unchanged on both sides: suppressed
    assert points.screen_customers(listed, ["C1"], actor=OPERATOR).suppressed == 1
    # the customer changes: screened afresh
    add_customer(listed, "C1", "Wang Jian Guo", born=date(1968, 4, 12))
    changed = points.screen_customers(listed, ["C1"], actor=OPERATOR, trigger="change")
    assert (changed.suppressed, changed.new_matches) == (0, 1)


def test_a_list_update_screens_only_what_changed(listed: Context, tmp_path: Path) -> None:
    add_customer(listed, "C1", "Wang Jianguo", born=date(1968, 4, 12))
    add_customer(listed, "C2", "欧阳锋", born=date(1955, 6, 1))
    add_customer(listed, "C3", "Li Na", born=date(1980, 1, 1))
    first = [
        {"id": "keep", "schema": "Person", "properties": {"name": ["王建国"]}},
        {"id": "change", "schema": "Person", "properties": {"name": ["Somebody Else"]}},
    ]
    path = tmp_path / "v1.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in first))
    lists.import_list(listed, "ftm", path, actor=OPERATOR)
    second = [
        first[0],
        {"id": "change", "schema": "Person", "properties": {"name": ["Ouyang Feng"]}},
    ]
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in second))
    update = lists.import_list(listed, "ftm", path, actor=OPERATOR)
    assert update.to_screen == ("change",)
    summary = points.screen_delta(listed, update.snapshot.id, update.to_screen, actor=OPERATOR)
    # the book's keys are joined with the changed entity's: only Ouyang Feng meets it
    assert summary.screened == 1
    matched = {
        (m.subject_ref, m.entity_id) for m in dispositions.list_matches(listed, actor=ANALYST)
    }
    # the unchanged entity that also matches C1 is not screened again
    assert matched == {("C2", "change")}


def test_whole_book_screening_on_demand(listed: Context) -> None:
    add_customer(listed, "C1", "WANG Jianguo", born=date(1968, 4, 12))
    add_customer(listed, "C2", "Zhou Xun", born=date(1974, 10, 18))
    summary = points.screen_book(listed, actor=OPERATOR)
    assert (summary.screened, summary.new_matches) == (2, 1)


def test_a_counterparty_name_on_a_list_is_found(listed: Context) -> None:
    found = points.screen_counterparty(listed, "Dandong Hongxiang Industrial Development Co Ltd")
    assert found is not None and found.entity_id == "KPe.903"
    assert points.screen_counterparty(listed, "Shanghai Bakery Ltd") is None


def test_the_review_detail_shows_both_records_and_the_list_version(listed: Context) -> None:
    add_customer(listed, "C1", "王建国", born=date(1968, 4, 12))
    match_id = points.screen_customers(listed, ["C1"], actor=OPERATOR).match_ids[0]
    detail = dispositions.match_detail(listed, match_id, actor=ANALYST)
    assert detail.entity is not None and detail.entity.entity_id == "KPi.901"
    assert detail.match.subject["name"] == "王建国"
    assert detail.list_version == 1 and detail.list_file == "un_consolidated.xml"
    assert "propose_true_match" in detail.actions
