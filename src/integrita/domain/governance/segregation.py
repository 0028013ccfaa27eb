"""Information segregation: watch and restricted lists, wall crossings, personal-account dealing,
conflicts-of-interest declarations — and the pre-clearance rules that read them.

Securities and investment-banking staff who hold inside information about an issuer must not
trade it; the restricted list says which issuers nobody may trade, a wall crossing says which
person holds inside information about which project's issuer. A pre-clearance request is
refused when either says so, and a position must be held for the holding period before it is
sold (no short-term trading on information).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from integrita.domain.governance.steps import (
    four_eyes,
    opening,
    own,
    workflow,
)
from integrita.domain.permissions import Permission
from integrita.domain.registers import NEW, FieldKind, FieldSpec, RegisterSpec
from integrita.domain.workflow import Involvement, person_step

P = Permission
EMPLOYEE = FieldSpec("employee", "Employee (user name)")
UNIT = FieldSpec("unit", "Unit")
ISSUER = FieldSpec("issuer", "Issuer")
SIDE = FieldSpec("side", "Side", FieldKind.CHOICE, choices=("buy", "sell"))

ISSUER_LIST = RegisterSpec(
    name="issuer_list",
    label="watch / restricted list entry",
    group="Information segregation",
    description="Issuers on the watch list (monitored) or the restricted list (no staff dealing); "
    "a second person approves every addition and removal.",
    fields=(
        ISSUER,
        FieldSpec("list", "List", FieldKind.CHOICE, choices=("watch", "restricted")),
        FieldSpec("reason", "Reason"),
        FieldSpec("listed_from", "Listed from", FieldKind.DATE),
    ),
    key=("issuer", "list", "listed_from"),
    filters=("list", "issuer"),
    create_actions=("propose",),
    workflow=workflow(
        "issuer_list",
        "list entry",
        {"proposed", "listed", "rejected", "removal_proposed", "removed"},
        opening("propose", "proposed", "propose the issuer for the list"),
        person_step(
            "amend",
            "proposed",
            None,
            P.GOVERNANCE_RECORD,
            "change the proposal",
            involvement=Involvement.CHANGED,
        ),
        four_eyes("approve", "proposed", "listed", "add the issuer to the list"),
        four_eyes("reject", "proposed", "rejected", "refuse the addition"),
        person_step(
            "propose_removal",
            "listed",
            "removal_proposed",
            P.GOVERNANCE_RECORD,
            "propose taking the issuer off the list",
            involvement=Involvement.REQUESTED,
        ),
        four_eyes(
            "approve_removal",
            "removal_proposed",
            "removed",
            "take the issuer off the list",
            also={Involvement.REQUESTED},
        ),
        four_eyes(
            "keep_listed",
            "removal_proposed",
            "listed",
            "refuse the removal",
            also={Involvement.REQUESTED},
        ),
    ),
)

WALL_CROSSING = RegisterSpec(
    name="wall_crossing",
    label="wall crossing",
    group="Information segregation",
    description="Who was brought over the wall, for which project and issuer, when and by whom; "
    "the person acknowledges their duties themselves.",
    fields=(
        EMPLOYEE,
        FieldSpec("project", "Project"),
        ISSUER,
        FieldSpec("crossed_on", "Crossed on", FieldKind.DATE),
        FieldSpec("purpose", "Purpose"),
    ),
    key=("employee", "project"),
    filters=("employee", "project", "issuer"),
    create_actions=("record",),
    workflow=workflow(
        "wall_crossing",
        "wall crossing",
        {"crossed", "acknowledged", "cleared"},
        opening("record", "crossed", "bring the person over the wall"),
        own(
            "acknowledge",
            "crossed",
            "acknowledged",
            "acknowledge the duties of an insider",
            Involvement.SIGNED,
        ),
        person_step(
            "clear",
            {"crossed", "acknowledged"},
            "cleared",
            P.GOVERNANCE_RECORD,
            "clear the person (the project is public or abandoned)",
            involvement=Involvement.DECIDED,
        ),
    ),
)

DEALING_REQUEST = RegisterSpec(
    name="dealing_request",
    label="personal-account dealing request",
    group="Information segregation",
    description="An employee's pre-clearance request; checked on filing against the restricted "
    "list, the employee's open wall crossings and the holding period.",
    fields=(
        EMPLOYEE,
        ISSUER,
        SIDE,
        FieldSpec("quantity", "Quantity", FieldKind.INTEGER),
        FieldSpec("requested_on", "Requested on", FieldKind.DATE),
        FieldSpec("refusal", "Refused because", required=False, derived=True),
    ),
    key=("employee", "issuer", "side", "requested_on"),
    filters=("employee", "issuer"),
    create_actions=("request_cleared", "request_refused"),
    workflow=workflow(
        "dealing_request",
        "dealing request",
        {"cleared", "refused", "executed"},
        own(
            "request_cleared",
            NEW,
            "cleared",
            "ask for pre-clearance (cleared)",
            Involvement.REQUESTED,
        ),
        own(
            "request_refused",
            NEW,
            "refused",
            "ask for pre-clearance (refused)",
            Involvement.REQUESTED,
        ),
        own(
            "report_execution",
            "cleared",
            "executed",
            "report that the cleared trade was executed",
            Involvement.SUBMITTED,
        ),
    ),
)

EMPLOYEE_TRADE = RegisterSpec(
    name="employee_trade",
    label="reported employee trade",
    group="Information segregation",
    description="Trades reported by brokers (CSV import), checked daily against the lists, the "
    "wall crossings and the pre-clearances; a breach raises an alert into case work.",
    fields=(
        FieldSpec("broker_ref", "Broker reference"),
        EMPLOYEE,
        ISSUER,
        SIDE,
        FieldSpec("quantity", "Quantity", FieldKind.INTEGER),
        FieldSpec("traded_on", "Traded on", FieldKind.DATE),
        FieldSpec("finding", "Finding", required=False, derived=True),
    ),
    key=("broker_ref",),
    filters=("employee", "issuer", "traded_on"),
    create_actions=("report",),
    workflow=workflow(
        "employee_trade",
        "reported trade",
        {"reported", "checked", "flagged"},
        person_step("report", NEW, "reported", P.GOVERNANCE_RECORD, "take the broker's report in"),
        person_step(
            "pass_check",
            "reported",
            "checked",
            P.GOVERNANCE_RECORD,
            "daily check: nothing found",
            involvement=Involvement.REVIEWED,
        ),
        person_step(
            "flag",
            "reported",
            "flagged",
            P.GOVERNANCE_RECORD,
            "daily check: breach, alert raised",
            involvement=Involvement.REVIEWED,
        ),
    ),
)

CONFLICT_DECLARATION = RegisterSpec(
    name="conflict_declaration",
    label="conflict-of-interest declaration",
    group="Information segregation",
    description="Each employee's annual declaration of outside interests, attested by them and "
    "accepted by a compliance reviewer other than the declarant.",
    fields=(
        EMPLOYEE,
        UNIT,
        FieldSpec("year", "Year", FieldKind.INTEGER),
        FieldSpec("interests", "Interests declared (or 'none')"),
        FieldSpec("declared_on", "Declared on", FieldKind.DATE),
    ),
    key=("employee", "year"),
    filters=("employee", "unit", "year"),
    create_actions=("declare",),
    workflow=workflow(
        "conflict_declaration",
        "declaration",
        {"declared", "accepted", "returned"},
        own("declare", NEW, "declared", "attest the year's declaration", Involvement.DRAFTED),
        four_eyes("accept", "declared", "accepted", "accept the declaration"),
        person_step(
            "return",
            "declared",
            "returned",
            P.GOVERNANCE_APPROVE,
            "return it for completion",
            involvement=Involvement.REVIEWED,
            excludes={Involvement.DRAFTED},
        ),
        own("redeclare", "returned", "declared", "declare again, completed", Involvement.CHANGED),
    ),
)


# -- pre-clearance -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Holding:
    """A cleared purchase the employee executed: held until ``held_until``."""

    issuer: str
    bought_on: date


def preclearance_refusals(
    *,
    issuer: str,
    side: str,
    on: date,
    restricted: Iterable[str],
    crossed_projects: Iterable[tuple[str, str]],
    purchases: Iterable[Holding],
    holding_days: int,
) -> list[str]:
    """Every reason a personal trade in ``issuer`` on ``on`` is refused (empty: cleared).

    * The issuer is on the restricted list: the bank may hold inside information about it, or
      be advising on it, and no member of staff trades it.
    * The employee is over the wall on a project whose issuer this is: they hold inside
      information, and a trade would be insider dealing.
    * A sale within the holding period of a purchase: short-term trading in and out of a
      position is what the holding period forbids.
    """
    name = issuer.strip().casefold()
    reasons = []
    if any(r.strip().casefold() == name for r in restricted):
        reasons.append(f"{issuer} is on the restricted list")
    for project, crossed_issuer in crossed_projects:
        if crossed_issuer.strip().casefold() == name:
            reasons.append(f"you are over the wall on project {project} for {crossed_issuer}")
    if side == "sell":
        for holding in purchases:
            until = holding.bought_on + timedelta(days=holding_days)
            if holding.issuer.strip().casefold() == name and on < until:
                reasons.append(
                    f"bought on {holding.bought_on.isoformat()}: held until {until.isoformat()} "
                    f"({holding_days}-day holding period)"
                )
    return reasons


# -- the daily check of reported trades ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Clearance:
    """A pre-clearance granted to the employee: for which issuer and side, valid until when."""

    issuer: str
    side: str
    granted_on: date
    valid_until: date


def trade_findings(
    *,
    issuer: str,
    side: str,
    traded_on: date,
    restricted: Iterable[str],
    watched: Iterable[str],
    crossed_projects: Iterable[tuple[str, str]],
    clearances: Iterable[Clearance],
) -> list[str]:
    """Why a trade a broker reported needs a compliance look (empty: nothing found).

    * No pre-clearance for this issuer and side valid on the trade date: every personal trade
      must be cleared first, and a trade without one bypassed the restricted-list check.
    * The issuer is on the restricted list: nobody may trade it, cleared or not.
    * The issuer is on the watch list: the bank holds sensitive information about it, and
      every staff trade in it is reviewed.
    * The employee is over the wall for the issuer: a trade may be insider dealing.
    """
    name = issuer.strip().casefold()

    def same(other: str) -> bool:
        return other.strip().casefold() == name

    found = []
    cleared = any(
        same(c.issuer) and c.side == side and c.granted_on <= traded_on <= c.valid_until
        for c in clearances
    )
    if not cleared:
        found.append(f"no pre-clearance to {side} {issuer} valid on {traded_on.isoformat()}")
    if any(same(r) for r in restricted):
        found.append(f"{issuer} is on the restricted list")
    if any(same(w) for w in watched):
        found.append(f"{issuer} is on the watch list")
    for project, crossed_issuer in crossed_projects:
        if same(crossed_issuer):
            found.append(f"over the wall on project {project} for {crossed_issuer}")
    return found
