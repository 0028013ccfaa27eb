"""PBOC large-value transaction records: exported as a goAML CTR and submitted to the FIU.

A record is reported for its size, not for suspicion; its one step (``submit``) runs through
the workflow engine like every governed record (:data:`LARGE_VALUE_WORKFLOW`).
"""

from __future__ import annotations

from typing import Any

from integrita.domain.casework import LARGE_VALUE_WORKFLOW
from integrita.domain.permissions import Permission
from integrita.errors import InputError, NotFoundError
from integrita.services.casework import goaml
from integrita.services.casework.str_drafting import _major, reporting_entity
from integrita.services.core import workflow as engine
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, as_actor, ensure_permitted
from integrita.store.models import LargeValueRecord
from integrita.store.repositories import cases as cases_repo


def large_value_xml(ctx: Context, record_id: int, user: HasRoles) -> bytes:
    """A large-value transaction record as a goAML CTR, validated like an STR."""
    ensure_permitted(user, Permission.STR_EXPORT)
    with ctx.db.transaction() as session:
        record: LargeValueRecord | None = cases_repo.get_large_value(session, record_id)
        if record is None:
            raise NotFoundError(f"no large-value record {record_id}")
        return _large_value_xml(ctx, record)


def submit_large_value(
    ctx: Context, record_id: int, user: HasRoles, *, reference: str
) -> LargeValueRecord:
    """Mark a large-value record submitted (only when its goAML CTR validates); one audit event."""
    if not reference.strip():
        raise InputError("a submission needs the FIU's submission reference", field="reference")
    with ctx.db.transaction() as session:
        record = cases_repo.get_large_value(session, record_id)
        if record is None:
            raise NotFoundError(f"no large-value record {record_id}")
        engine.check(
            session,
            LARGE_VALUE_WORKFLOW,
            engine.RecordRef("large_value_record", record.id),
            record.status,
            "submit",
            as_actor(user),
        )
        _large_value_xml(ctx, record)
        step = engine.transition(
            session,
            LARGE_VALUE_WORKFLOW,
            engine.RecordRef("large_value_record", record.id),
            record.status,
            "submit",
            as_actor(user),
            at=ctx.now(),
            before={"status": record.status},
            after={"submission_ref": reference.strip()},
        )
        record.status, record.submitted_at = step.target or record.status, ctx.now()
        record.submission_ref = reference.strip()
        return record


def _large_value_xml(ctx: Context, record: LargeValueRecord) -> bytes:
    """The goAML CTR for one record; refused with the schema's message unless it validates."""
    s = ctx.settings
    content: dict[str, Any] = {
        "reporting_entity": reporting_entity(ctx),
        "entity_reference": f"LVR-{record.id}",
        "report_date": ctx.now().isoformat(),
        "currency_code_local": s.base_currency,
        "transmode_code": s.goaml_transmode_code,
        "funds_code": s.goaml_funds_code,
        "subject": {"type": "entity"},
        "transactions": [
            {
                "txn_id": record.txn_id,
                "booked_at": record.booked_at.isoformat(),
                "description": f"large-value transaction ({record.rule})",
                "amount": _major(record.amount_cny_minor, "CNY"),
                "direction": "out",
                "own_account": record.account_id,
                "counterparty_account": "unknown",
            }
        ],
        "indicators": list(s.goaml_indicator_codes),
    }
    xml = goaml.build_report_xml(content, report_code="CTR", zone=ctx.zone)
    goaml.require_valid(ctx.settings, xml, f"large-value record {record.id}")
    return xml
