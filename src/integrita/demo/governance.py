"""What ``integrita demo`` seeds into the governance registers: a plausible year of each.

Everything is filed through the same services a person uses (the workflow engine checks every
step, four-eyes included), by demo people named ``demo-...``; records carry the ``demo`` flag
where they are filed directly. Seeding twice changes nothing: the registers are seeded only
while empty.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from integrita.domain.roles import Role
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.services.governance import disclosure, imports, registers, trade_check

SEED = 21


def _person(username: str, *roles: Role) -> UserView:
    return UserView(0, username, username, frozenset(r.value for r in roles), True)


ANALYST = _person("demo-compliance-analyst", Role.ANALYST)
REVIEWER = _person("demo-compliance-reviewer", Role.REVIEWER)
MLRO = _person("demo-mlro", Role.MLRO)
EMPLOYEES = [_person(f"demo-staff-{i:02d}", Role.PRODUCT_OWNER) for i in range(1, 25)]
UNITS = ("Investment Banking", "Securities Brokerage", "Retail Banking", "Corporate Banking")
ISSUERS = (
    "Sinoriver Mining",
    "Harbour Steel",
    "Eastport Logistics",
    "Yellow River Power",
    "Zhongyuan Pharma",
    "Kaifeng Foods",
    "Luoyang Glass",
    "Pearl Delta Telecom",
)
PROVINCES = {
    "Henan": ("Luoyang", "Zhengzhou", "Kaifeng", "Xinxiang"),
    "Jiangsu": ("Suzhou", "Nanjing"),
    "Shandong": ("Jinan", "Qingdao"),
    "Guangdong": ("Shenzhen", "Guangzhou"),
    "Hebei": ("Shijiazhuang",),
}
CATEGORIES = ("steel", "castings", "bearings", "electrical", "logistics", "services", "IT")


def _suppliers_csv(rng: random.Random, count: int) -> str:
    lines = ["code,name,country,province,city,category,csr_clauses"]
    for i in range(1, count + 1):
        roll = rng.random()
        if roll < 0.06:
            country, province, city = rng.choice(("DE", "JP", "US", "IT")), "", ""
        elif roll < 0.06 + 0.29:
            country, province = "CN", "Henan"
            city = "Luoyang" if rng.random() < 0.72 else rng.choice(PROVINCES["Henan"][1:])
        else:
            country = "CN"
            province = rng.choice([p for p in PROVINCES if p != "Henan"])
            city = rng.choice(PROVINCES[province])
        csr = "yes" if rng.random() < 0.9 else "no"
        name = f"{city or country} {rng.choice(CATEGORIES).title()} Co {i}"
        lines.append(
            f"SUP-{i:04d},{name},{country},{province},{city},{rng.choice(CATEGORIES)},{csr}"
        )
    return "\n".join(lines) + "\n"


def seed(ctx: Context) -> list[str]:
    """Seed every register with a plausible year; returns lines to print."""
    if any(registers.overview(ctx, actor=MLRO).values()):
        return ["governance registers already seeded"]
    rng = random.Random(SEED)
    today = ctx.local_date()
    year = today.year
    start = date(year, 1, 2)

    def day(offset: int) -> str:
        return min(start + timedelta(days=offset), today).isoformat()

    def file(register: str, who: UserView, **fields: str) -> int:
        return registers.file_record(ctx, register, fields, actor=who, demo=True).record.id

    def step(
        register: str,
        record_id: int,
        action: str,
        who: UserView,
        *,
        seen_version: int | None = None,
        changes: dict[str, str] | None = None,
        note: str = "",
    ) -> None:
        registers.act(
            ctx,
            register,
            record_id,
            action,
            actor=who,
            seen_version=seen_version,
            changes=changes,
            note=note,
        )

    # information segregation
    for issuer, which in (
        ("Sinoriver Mining", "restricted"),
        ("Harbour Steel", "restricted"),
        ("Yellow River Power", "watch"),
    ):
        rid = file(
            "issuer_list",
            ANALYST,
            issuer=issuer,
            list=which,
            reason="mandate: advising on a transaction",
            listed_from=day(10),
        )
        step("issuer_list", rid, "approve", REVIEWER, seen_version=1)
    crossed = EMPLOYEES[:4]
    for n, person in enumerate(crossed):
        rid = file(
            "wall_crossing",
            ANALYST,
            employee=person.username,
            project="Project Lotus",
            issuer="Zhongyuan Pharma",
            crossed_on=day(20 + n),
            purpose="due diligence",
        )
        if n % 2 == 0:
            step("wall_crossing", rid, "acknowledge", person)
    requests = 0
    cleared: dict[str, str] = {}
    for person in EMPLOYEES[:12]:
        issuer = rng.choice(ISSUERS)
        rid = file(
            "dealing_request",
            person,
            employee=person.username,
            issuer=issuer,
            side="buy",
            quantity=str(rng.choice((100, 500, 1000))),
            requested_on=day(40),
        )
        requests += 1
        if registers.get_record(ctx, "dealing_request", rid, actor=MLRO).record.state == "cleared":
            cleared[person.username] = issuer
    trades = ["broker_ref,employee,issuer,side,quantity,traded_on"]
    for n, person in enumerate(EMPLOYEES[:10]):
        # most staff trade what they were cleared for; a few trade without asking
        issuer = cleared.get(person.username) or rng.choice(ISSUERS)
        trades.append(f"BRK-{year}-{n:03d},{person.username},{issuer},buy,100,{day(40)}")
    imports.import_csv(ctx, "employee_trade", "\n".join(trades) + "\n", actor=ANALYST, demo=True)
    checked = trade_check.check_trades(ctx, date.fromisoformat(day(40)), actor=ANALYST)
    for person in EMPLOYEES:
        rid = file(
            "conflict_declaration",
            person,
            employee=person.username,
            unit=rng.choice(UNITS),
            year=str(year),
            interests="none",
            declared_on=day(15),
        )
        step("conflict_declaration", rid, "accept", REVIEWER, seen_version=1)

    # anti-corruption
    for n, person in enumerate(EMPLOYEES[:9]):
        value = rng.choice(("150", "300", "480", "800", "2600"))
        rid = file(
            "gift",
            person,
            employee=person.username,
            unit=rng.choice(UNITS),
            direction="received",
            kind=rng.choice(("gift", "hospitality", "entertainment")),
            counterparty=f"Client {n + 1}",
            value=value,
            occurred_on=day(30 + n),
            description="festival courtesy",
        )
        if Decimal(value) > ctx.settings.gift_approval_threshold:
            step("gift", rid, "approve" if n % 2 else "decline", REVIEWER, seen_version=1)
    for person in EMPLOYEES:
        unit = UNITS[EMPLOYEES.index(person) % len(UNITS)]
        rid = file(
            "training",
            ANALYST,
            course="Anti-bribery essentials",
            employee=person.username,
            unit=unit,
            year=str(year),
        )
        if rng.random() < 0.85:
            step("training", rid, "complete", ANALYST)
        if rng.random() < 0.9:
            file(
                "integrity_attestation", person, employee=person.username, unit=unit, year=str(year)
            )
    insp = file(
        "inspection",
        ANALYST,
        reference=f"INS-{year}-01",
        unit="Luoyang Branch",
        scope="credit approvals and fee waivers",
        started_on=day(50),
    )
    step("inspection", insp, "amend", ANALYST, changes={"findings": "3 files lacked sign-off"})
    step("inspection", insp, "report", ANALYST)
    step("inspection", insp, "follow_up", ANALYST)
    owner = EMPLOYEES[5]
    for n, action in enumerate(("obtain missing sign-offs", "retrain approvers")):
        rid = file(
            "rectification_action",
            ANALYST,
            inspection=f"INS-{year}-01",
            action=action,
            owner=owner.username,
            due_on=day(80 + 30 * n),
        )
        if n == 0:
            step("rectification_action", rid, "rectify", owner)
            step("rectification_action", rid, "verify", ANALYST)
    wb = file(
        "whistleblowing_report",
        REVIEWER,
        intake_ref=f"WB-{year}-001",
        received_on=day(60),
        channel="hotline",
        allegation="supplier kickbacks in procurement",
        reporter_identity="Procurement clerk, Luoyang Branch",
    )
    step("whistleblowing_report", wb, "investigate", REVIEWER)

    # suppliers
    supplier_import = imports.import_csv(
        ctx, "supplier", _suppliers_csv(rng, 240), actor=ANALYST, demo=True
    )
    for n, rid in enumerate(supplier_import.record_ids):
        if n % 25 != 7:
            step("supplier", rid, "qualify", REVIEWER, seen_version=1)
    for n in range(1, 13):
        file(
            "supplier_assessment",
            ANALYST,
            supplier=f"SUP-{n:04d}",
            assessed_on=day(70),
            score=str(rng.randint(62, 98)),
        )
        file(
            "supplier_programme",
            ANALYST,
            programme="Supplier development",
            year=str(year),
            supplier=f"SUP-{n:04d}",
            topic="quality and integrity",
        )

    # brand
    for n, (licensee, channel) in enumerate(
        (("Luoyang Branch Hall", "offline"), ("Group e-shop", "online"), ("Partner app", "online"))
    ):
        rid = file(
            "brand_user",
            ANALYST,
            licensee=licensee,
            channel=channel,
            scope="logo on premises",
            term_from=day(5),
            term_to=f"{year + 2}-12-31",
        )
        step("brand_user", rid, "authorise", REVIEWER, seen_version=1)
        if n == 2:
            step("brand_user", rid, "require_rectification", ANALYST, note="outdated logo")
    for holder, granted in (
        ("Heritage building sign", f"{year - 1}-03-01"),
        ("Sponsor banner", day(3)),
    ):
        rid = file(
            "brand_exemption", ANALYST, holder=holder, exemption="legacy design", granted_on=granted
        )
        step("brand_exemption", rid, "approve", REVIEWER, seen_version=1)

    # IP infringement
    for n in range(1, 6):
        rid = file(
            "ip_case",
            ANALYST,
            reference=f"IP-{year}-{n:03d}",
            platform="marketplace.example",
            item="counterfeit branded merchandise",
            evidence="screenshots, test purchase",
            identified_on=day(10 * n),
        )
        if n <= 4:
            step("ip_case", rid, "validate", ANALYST)
        if n <= 2:
            step("ip_case", rid, "refer", REVIEWER, seen_version=1)

    figures = {f.key: f.value for f in disclosure.annual_figures(ctx, year)}
    return [
        f"information segregation: {requests} pre-clearance requests, "
        f"{checked.flagged} of {checked.checked} reported trades flagged into case work",
        f"suppliers: {figures['governance.suppliers.qualified']} qualified, "
        f"{figures['governance.suppliers.domestic_share']} % domestic, "
        f"{figures['governance.suppliers.home_province_share']} % in the home province, "
        f"{figures['governance.suppliers.home_city_share']} % in the home city",
        f"integrity: {figures['governance.integrity.gifts']} gifts, training completion "
        f"{figures['governance.integrity.training_completion']} %",
        f"IP: {figures['governance.ip.cases_identified']} cases, "
        f"{figures['governance.ip.validation_reports']} validation reports",
        "open them at http://127.0.0.1:8000/governance",
    ]
