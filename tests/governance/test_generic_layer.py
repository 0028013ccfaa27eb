"""The generic register layer: typed fields, idempotent filing, steps through the engine."""

from __future__ import annotations

import pytest

from integrita.errors import InputError, StaleVersionError, StateTransitionError
from integrita.services.core.context import Context
from integrita.services.governance import registers
from tests.governance.support import ANALYST, REVIEWER, REVIEWER_2

ENTRY = {
    "issuer": "Sinoriver Mining",
    "list": "restricted",
    "reason": "advising on the takeover",
    "listed_from": "2025-03-01",
}


def test_a_record_is_filed_once_on_its_natural_key(ctx: Context) -> None:
    first = registers.file_record(ctx, "issuer_list", ENTRY, actor=ANALYST)
    again = registers.file_record(ctx, "issuer_list", ENTRY, actor=ANALYST)
    assert first.created and not again.created
    assert again.record.id == first.record.id
    assert first.record.state == "proposed"


def test_a_bad_value_names_its_field(ctx: Context) -> None:
    with pytest.raises(InputError) as err:
        registers.file_record(
            ctx, "issuer_list", {**ENTRY, "listed_from": "01/03/2025"}, actor=ANALYST
        )
    assert err.value.field == "listed_from"
    with pytest.raises(InputError) as err:
        registers.file_record(ctx, "issuer_list", {**ENTRY, "list": "grey"}, actor=ANALYST)
    assert err.value.field == "list"


def test_an_amendment_makes_a_new_version_and_a_stale_approval_is_refused(ctx: Context) -> None:
    rec = registers.file_record(ctx, "issuer_list", ENTRY, actor=ANALYST).record
    amended = registers.act(
        ctx, "issuer_list", rec.id, "amend", actor=ANALYST, changes={"reason": "mandate signed"}
    )
    assert amended.version == 2
    with pytest.raises(StaleVersionError):
        registers.act(ctx, "issuer_list", rec.id, "approve", actor=REVIEWER, seen_version=1)
    done = registers.act(ctx, "issuer_list", rec.id, "approve", actor=REVIEWER, seen_version=2)
    assert done.state == "listed"
    page = registers.get_record(ctx, "issuer_list", rec.id, actor=REVIEWER_2)
    assert [h.action for h in page.history] == ["propose", "amend", "approve"]
    assert page.history[1].changes == {"reason": "mandate signed"}


def test_a_step_from_the_wrong_state_is_refused(ctx: Context) -> None:
    rec = registers.file_record(ctx, "issuer_list", ENTRY, actor=ANALYST).record
    with pytest.raises(StateTransitionError):
        registers.act(ctx, "issuer_list", rec.id, "approve_removal", actor=REVIEWER, seen_version=1)
