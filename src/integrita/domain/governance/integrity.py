"""Anti-corruption and integrity: gifts and hospitality, training and attestations,
inspections with their rectification actions, whistle-blowing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from integrita.domain.governance.steps import (
    four_eyes,
    opening,
    own,
    workflow,
)
from integrita.domain.permissions import Permission
from integrita.domain.registers import NEW, FieldKind, FieldSpec, RegisterSpec
from integrita.domain.workflow import Actor, Involvement, person_step

P = Permission
EMPLOYEE = FieldSpec("employee", "Employee (user name)")
UNIT = FieldSpec("unit", "Unit")

GIFT = RegisterSpec(
    name="gift",
    label="gift, hospitality or entertainment",
    group="Anti-corruption",
    description="Gifts, hospitality and entertainment given or received; above the threshold a "
    "compliance reviewer approves or declines it.",
    fields=(
        EMPLOYEE,
        UNIT,
        FieldSpec("direction", "Direction", FieldKind.CHOICE, choices=("received", "given")),
        FieldSpec(
            "kind", "Kind", FieldKind.CHOICE, choices=("gift", "hospitality", "entertainment")
        ),
        FieldSpec("counterparty", "Counterparty"),
        FieldSpec("value", "Value (RMB)", FieldKind.AMOUNT),
        FieldSpec("occurred_on", "Date", FieldKind.DATE),
        FieldSpec("description", "Description"),
    ),
    key=("employee", "counterparty", "kind", "occurred_on"),
    filters=("employee", "unit", "kind"),
    create_actions=("register", "submit"),
    workflow=workflow(
        "gift",
        "gift",
        {"registered", "pending_approval", "approved", "declined"},
        own(
            "register",
            NEW,
            "registered",
            "register (at or under the threshold)",
            Involvement.PROPOSED,
        ),
        own(
            "submit",
            NEW,
            "pending_approval",
            "submit for approval (over the threshold)",
            Involvement.PROPOSED,
        ),
        four_eyes("approve", "pending_approval", "approved", "approve the gift"),
        four_eyes("decline", "pending_approval", "declined", "decline: return or refuse it"),
    ),
)


def needs_approval(value: Decimal, threshold: Decimal) -> bool:
    """A gift worth more than the threshold needs a reviewer's approval: at that value it can
    buy influence, below it it is a courtesy that registration alone makes visible."""
    return value > threshold


TRAINING = RegisterSpec(
    name="training",
    label="integrity training record",
    group="Anti-corruption",
    description="Who attended which integrity course in which year, and who completed it.",
    fields=(
        FieldSpec("course", "Course"),
        EMPLOYEE,
        UNIT,
        FieldSpec("year", "Year", FieldKind.INTEGER),
    ),
    key=("course", "employee", "year"),
    filters=("course", "unit", "year"),
    create_actions=("enrol",),
    workflow=workflow(
        "training",
        "training record",
        {"enrolled", "completed"},
        person_step("enrol", NEW, "enrolled", P.GOVERNANCE_RECORD, "enrol the employee"),
        person_step(
            "complete",
            "enrolled",
            "completed",
            P.GOVERNANCE_RECORD,
            "record completion",
            involvement=Involvement.VERIFIED,
        ),
    ),
)

INTEGRITY_ATTESTATION = RegisterSpec(
    name="integrity_attestation",
    label="integrity attestation",
    group="Anti-corruption",
    description="Each employee's annual attestation that they kept the code of integrity.",
    fields=(EMPLOYEE, UNIT, FieldSpec("year", "Year", FieldKind.INTEGER)),
    key=("employee", "year"),
    filters=("unit", "year"),
    create_actions=("attest",),
    workflow=workflow(
        "integrity_attestation",
        "attestation",
        {"attested"},
        own("attest", NEW, "attested", "attest for the year", Involvement.SIGNED),
    ),
)


def no_open_actions(facts: Mapping[str, object], actor: Actor) -> str | None:
    """An inspection is closed only when every rectification action it raised is verified:
    closing it earlier would drop the follow-up of findings still open."""
    open_actions = facts.get("open_actions", 0)
    if isinstance(open_actions, int) and open_actions > 0:
        return f"{open_actions} rectification action(s) of this inspection are not verified yet"
    return None


INSPECTION = RegisterSpec(
    name="inspection",
    label="on-site risk inspection",
    group="Anti-corruption",
    description="Centralised on-site inspections: scope, findings, follow-up; closed by a "
    "second person once every rectification action is verified.",
    fields=(
        FieldSpec("reference", "Reference"),
        UNIT,
        FieldSpec("scope", "Scope"),
        FieldSpec("started_on", "Started on", FieldKind.DATE),
        FieldSpec("findings", "Findings", required=False),
    ),
    key=("reference",),
    filters=("unit",),
    create_actions=("open",),
    workflow=workflow(
        "inspection",
        "inspection",
        {"fieldwork", "reported", "follow_up", "closed"},
        opening("open", "fieldwork", "open the inspection"),
        person_step(
            "amend",
            {"fieldwork", "reported"},
            None,
            P.GOVERNANCE_RECORD,
            "write the findings",
            involvement=Involvement.DRAFTED,
        ),
        person_step("report", "fieldwork", "reported", P.GOVERNANCE_RECORD, "issue the report"),
        person_step(
            "follow_up", "reported", "follow_up", P.GOVERNANCE_RECORD, "follow the actions up"
        ),
        person_step(
            "close",
            "follow_up",
            "closed",
            P.GOVERNANCE_APPROVE,
            "close the inspection",
            involvement=Involvement.APPROVED,
            excludes={Involvement.PROPOSED, Involvement.DRAFTED},
            guards=(no_open_actions,),
        ),
    ),
)

RECTIFICATION = RegisterSpec(
    name="rectification_action",
    label="rectification action",
    group="Anti-corruption",
    description="An inspection finding's action: owner, due date; the owner rectifies, another "
    "person verifies.",
    fields=(
        FieldSpec("inspection", "Inspection reference"),
        FieldSpec("action", "Action"),
        FieldSpec("owner", "Owner (user name)"),
        FieldSpec("due_on", "Due on", FieldKind.DATE),
    ),
    key=("inspection", "action"),
    filters=("inspection", "owner"),
    create_actions=("assign",),
    workflow=workflow(
        "rectification_action",
        "rectification action",
        {"open", "rectified", "verified"},
        person_step("assign", NEW, "open", P.GOVERNANCE_RECORD, "assign the action"),
        own("rectify", "open", "rectified", "report it rectified", Involvement.RECTIFIED),
        person_step(
            "verify",
            "rectified",
            "verified",
            P.GOVERNANCE_RECORD,
            "verify the rectification",
            involvement=Involvement.VERIFIED,
            excludes={Involvement.RECTIFIED},
        ),
        person_step(
            "reopen",
            "rectified",
            "open",
            P.GOVERNANCE_RECORD,
            "not rectified: reopen",
            excludes={Involvement.RECTIFIED},
        ),
    ),
)

WHISTLEBLOWING = RegisterSpec(
    name="whistleblowing_report",
    label="whistle-blowing report",
    group="Anti-corruption",
    description="Reports of misconduct; the reporter's identity is shown to the MLRO alone, and "
    "every view of it is audited.",
    fields=(
        FieldSpec("intake_ref", "Intake reference"),
        FieldSpec("received_on", "Received on", FieldKind.DATE),
        FieldSpec(
            "channel",
            "Channel",
            FieldKind.CHOICE,
            choices=("hotline", "email", "letter", "in_person", "web"),
        ),
        FieldSpec("allegation", "Allegation"),
        FieldSpec("reporter_identity", "Reporter identity", required=False, protected=True),
        FieldSpec("conclusion", "Conclusion", required=False),
    ),
    key=("intake_ref",),
    filters=("channel",),
    create_actions=("receive",),
    step_fields={"conclude": ("conclusion",)},
    read_permission=P.WHISTLEBLOWING_HANDLE,
    protected_reader=P.WHISTLEBLOWER_IDENTITY,
    workflow=workflow(
        "whistleblowing_report",
        "whistle-blowing report",
        {"received", "investigating", "concluded", "closed"},
        opening("receive", "received", "take the report in", P.WHISTLEBLOWING_HANDLE),
        person_step(
            "investigate", "received", "investigating", P.WHISTLEBLOWING_HANDLE, "investigate"
        ),
        person_step(
            "conclude",
            "investigating",
            "concluded",
            P.WHISTLEBLOWING_HANDLE,
            "conclude",
            involvement=Involvement.DECIDED,
        ),
        person_step(
            "close",
            "concluded",
            "closed",
            P.WHISTLEBLOWING_HANDLE,
            "close after a second person reads the conclusion",
            involvement=Involvement.APPROVED,
            excludes={Involvement.DECIDED},
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class CompletionRate:
    unit: str
    enrolled: int
    completed: int

    @property
    def percent(self) -> Decimal:
        if not self.enrolled:
            return Decimal(0)
        return (Decimal(self.completed) * 100 / self.enrolled).quantize(Decimal("0.01"))


def completion_rates(records: Iterable[tuple[str, bool]]) -> list[CompletionRate]:
    """Per unit: how many enrolled, how many completed (``records`` are (unit, completed))."""
    enrolled: dict[str, int] = {}
    completed: dict[str, int] = {}
    for unit, done in records:
        enrolled[unit] = enrolled.get(unit, 0) + 1
        completed[unit] = completed.get(unit, 0) + (1 if done else 0)
    return [CompletionRate(u, enrolled[u], completed[u]) for u in sorted(enrolled)]
