"""What each register adds to the generic layer: which create step a new record takes, the facts
its guards read, and the fields a step fills in (a review clock, a validation date).

Only registers with a rule of their own appear here; the rest are the generic layer alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from integrita.domain.governance.integrity import needs_approval
from integrita.domain.governance.partners import annual_review_due
from integrita.domain.governance.segregation import Holding, preclearance_refusals
from integrita.domain.registers import RegisterSpec, typed_amount, typed_date
from integrita.services.core.context import Context
from integrita.store import Session
from integrita.store.models import GovernanceRecord
from integrita.store.repositories import governance as repo

#: Issuer-list states in which the issuer is on its list (a removal not yet approved keeps it).
ON_LIST = ("listed", "removal_proposed")
#: Wall-crossing states in which the person still holds inside information.
OVER_THE_WALL = ("crossed", "acknowledged")


@dataclass(frozen=True, slots=True)
class Creation:
    action: str
    derived: dict[str, object] = field(default_factory=dict)


def listed_issuers(session: Session, which: str) -> list[str]:
    """Issuers on the watch or the restricted list now."""
    return [
        str(r.fields["issuer"])
        for r in repo.records(session, "issuer_list", ON_LIST)
        if r.fields.get("list") == which
    ]


def open_crossings(session: Session, employee: str) -> list[tuple[str, str]]:
    """(project, issuer) of every wall crossing of ``employee`` not yet cleared."""
    return [
        (str(r.fields["project"]), str(r.fields["issuer"]))
        for r in repo.records(session, "wall_crossing", OVER_THE_WALL)
        if r.fields.get("employee") == employee
    ]


def executed_purchases(session: Session, employee: str) -> list[Holding]:
    found = []
    for r in repo.records(session, "dealing_request", ("executed",)):
        bought_on = typed_date(r.fields.get("requested_on"))
        if r.fields.get("employee") == employee and r.fields.get("side") == "buy" and bought_on:
            found.append(Holding(str(r.fields["issuer"]), bought_on))
    return found


def _preclearance(ctx: Context, session: Session, values: Mapping[str, object]) -> Creation:
    employee = str(values["employee"])
    on = typed_date(values["requested_on"]) or ctx.local_date()
    refusals = preclearance_refusals(
        issuer=str(values["issuer"]),
        side=str(values["side"]),
        on=on,
        restricted=listed_issuers(session, "restricted"),
        crossed_projects=open_crossings(session, employee),
        purchases=executed_purchases(session, employee),
        holding_days=ctx.settings.dealing_holding_days,
    )
    if refusals:
        return Creation("request_refused", {"refusal": "; ".join(refusals)})
    return Creation("request_cleared")


def _gift(ctx: Context, session: Session, values: Mapping[str, object]) -> Creation:
    over = needs_approval(typed_amount(values["value"]), ctx.settings.gift_approval_threshold)
    return Creation("submit" if over else "register")


def _exemption(ctx: Context, session: Session, values: Mapping[str, object]) -> Creation:
    granted = typed_date(values["granted_on"]) or ctx.local_date()
    return Creation("grant", {"review_due": annual_review_due(ctx.calendar, granted).isoformat()})


CREATION_RULES = {
    "dealing_request": _preclearance,
    "gift": _gift,
    "brand_exemption": _exemption,
}


def creation(
    ctx: Context, session: Session, spec: RegisterSpec, values: Mapping[str, object]
) -> Creation:
    """The create step a new record takes, and the fields its register's rules derive."""
    rule = CREATION_RULES.get(spec.name)
    if rule is None:
        return Creation(spec.create_actions[0])
    return rule(ctx, session, values)


def step_facts(session: Session, spec: RegisterSpec, row: GovernanceRecord) -> dict[str, object]:
    """Facts beyond the record's own fields that its guards read."""
    if spec.name == "inspection":
        open_actions = [
            r
            for r in repo.records(session, "rectification_action")
            if r.fields.get("inspection") == row.fields.get("reference") and r.state != "verified"
        ]
        return {"open_actions": len(open_actions)}
    return {}


def step_changes(
    ctx: Context, spec: RegisterSpec, row: GovernanceRecord, action: str, today: date
) -> dict[str, object]:
    """Fields a step fills in by itself: the next annual review of an exemption (from the day of
    this review), the date an IP case's validation report was completed."""
    if spec.name == "brand_exemption" and action == "review":
        return {
            "reviewed_on": today.isoformat(),
            "review_due": annual_review_due(ctx.calendar, today).isoformat(),
        }
    if spec.name == "ip_case" and action == "validate":
        return {"validated_on": today.isoformat()}
    return {}
