"""The daily check of reported employee trades against the lists, the wall crossings and the
pre-clearances; a breach raises an alert into case work (through ``services/core``).

Brokers report the staff's trades (imported as CSV into the ``employee_trade`` register). Each
trade of the day is checked once: it passes, or it is flagged with its findings and an alert
about the employee lands in the same queue as detection's alerts, raised once per trade.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from integrita.domain.governance.segregation import EMPLOYEE_TRADE, Clearance, trade_findings
from integrita.domain.registers import typed_date
from integrita.services.core.case_intake import raise_finding
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, as_actor
from integrita.services.governance.records import take_step
from integrita.services.governance.rules import listed_issuers, open_crossings
from integrita.store import Session
from integrita.store.repositories import governance as repo

#: Alerts from this check carry this source and typology in the case-work queue.
ALERT_SOURCE = "governance"
TYPOLOGY = "staff_dealing"
#: A pre-clearance is valid on the day it is granted and this many working days after.
CLEARANCE_WORKING_DAYS = 1


@dataclass(frozen=True, slots=True)
class TradeCheckResult:
    day: date
    checked: int
    flagged: int
    alert_ids: list[int]


def _clearances(ctx: Context, session: Session, employee: str) -> list[Clearance]:
    found = []
    for r in repo.records(session, "dealing_request", ("cleared", "executed")):
        granted = typed_date(r.fields.get("requested_on"))
        if r.fields.get("employee") != employee or granted is None:
            continue
        until = ctx.calendar.add_working_days(granted, CLEARANCE_WORKING_DAYS, field="day")
        found.append(Clearance(str(r.fields["issuer"]), str(r.fields["side"]), granted, until))
    return found


def check_trades(ctx: Context, day: date, *, actor: HasRoles) -> TradeCheckResult:
    """Check every reported trade of ``day`` (the bank's local date) not checked yet."""
    who = as_actor(actor)
    at = ctx.now()
    checked = flagged = 0
    alert_ids: list[int] = []
    with ctx.db.transaction() as session:
        restricted = listed_issuers(session, "restricted")
        watched = listed_issuers(session, "watch")
        for row in repo.records(session, EMPLOYEE_TRADE.name, ("reported",)):
            if typed_date(row.fields.get("traded_on")) != day:
                continue
            employee = str(row.fields["employee"])
            findings = trade_findings(
                issuer=str(row.fields["issuer"]),
                side=str(row.fields["side"]),
                traded_on=day,
                restricted=restricted,
                watched=watched,
                crossed_projects=open_crossings(session, employee),
                clearances=_clearances(ctx, session, employee),
            )
            checked += 1
            if not findings:
                take_step(session, EMPLOYEE_TRADE, row, "pass_check", who, at=at)
                continue
            flagged += 1
            take_step(
                session,
                EMPLOYEE_TRADE,
                row,
                "flag",
                who,
                at=at,
                changes={"finding": "; ".join(findings)},
                note="; ".join(findings),
            )
            alert_id = raise_finding(
                session,
                at=at,
                customer_id=f"employee:{employee}"[:64],
                source=ALERT_SOURCE,
                finding_key=f"{EMPLOYEE_TRADE.name}|{row.id}",
                typologies=[TYPOLOGY],
                evidence={
                    "trade": row.reference,
                    "employee": employee,
                    "issuer": row.fields["issuer"],
                    "side": row.fields["side"],
                    "quantity": row.fields["quantity"],
                    "traded_on": day.isoformat(),
                    "findings": findings,
                },
                score=None,
                explanation=[{"rule": TYPOLOGY, "why": f} for f in findings],
                actor=who.username,
            )
            if alert_id is not None:
                alert_ids.append(alert_id)
    return TradeCheckResult(day, checked, flagged, alert_ids)
