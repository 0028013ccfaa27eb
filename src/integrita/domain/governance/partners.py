"""Suppliers, brand authorisation and IP infringement cases: the registers of the group's
partners and of those who use its name without right."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from integrita.domain.calendar import BusinessCalendar
from integrita.domain.governance.steps import four_eyes, opening, workflow
from integrita.domain.permissions import Permission
from integrita.domain.registers import NEW, FieldKind, FieldSpec, RegisterSpec
from integrita.domain.workflow import Involvement, person_step

P = Permission

SUPPLIER = RegisterSpec(
    name="supplier",
    label="supplier",
    group="Suppliers",
    description="Suppliers with their qualification, location, category and social-responsibility "
    "clauses; a second person qualifies them.",
    fields=(
        FieldSpec("code", "Supplier code"),
        FieldSpec("name", "Name"),
        FieldSpec("country", "Country (ISO code)"),
        FieldSpec("province", "Province", required=False),
        FieldSpec("city", "City", required=False),
        FieldSpec("category", "Category"),
        FieldSpec("csr_clauses", "Social-responsibility clauses in contract", FieldKind.YES_NO),
    ),
    key=("code",),
    filters=("country", "province", "category"),
    create_actions=("apply",),
    workflow=workflow(
        "supplier",
        "supplier",
        {"applied", "qualified", "refused", "suspended", "disqualified"},
        opening("apply", "applied", "register the supplier's application"),
        person_step(
            "amend",
            "applied",
            None,
            P.GOVERNANCE_RECORD,
            "correct the application",
            involvement=Involvement.CHANGED,
        ),
        four_eyes("qualify", "applied", "qualified", "qualify the supplier"),
        four_eyes("refuse", "applied", "refused", "refuse qualification"),
        person_step(
            "suspend",
            "qualified",
            "suspended",
            P.GOVERNANCE_RECORD,
            "suspend (assessment failed, breach)",
            involvement=Involvement.REQUESTED,
        ),
        four_eyes("reinstate", "suspended", "qualified", "reinstate", also={Involvement.REQUESTED}),
        four_eyes(
            "disqualify",
            {"qualified", "suspended"},
            "disqualified",
            "disqualify",
            also={Involvement.REQUESTED},
        ),
    ),
)

SUPPLIER_ASSESSMENT = RegisterSpec(
    name="supplier_assessment",
    label="supplier assessment",
    group="Suppliers",
    description="Periodic assessments of a supplier, with their score (0-100).",
    fields=(
        FieldSpec("supplier", "Supplier code"),
        FieldSpec("assessed_on", "Assessed on", FieldKind.DATE),
        FieldSpec("score", "Score (0-100)", FieldKind.INTEGER, maximum=100),
        FieldSpec("notes", "Notes", required=False),
    ),
    key=("supplier", "assessed_on"),
    filters=("supplier",),
    create_actions=("record",),
    workflow=workflow(
        "supplier_assessment",
        "assessment",
        {"recorded"},
        person_step("record", NEW, "recorded", P.GOVERNANCE_RECORD, "record the assessment"),
    ),
)

SUPPLIER_PROGRAMME = RegisterSpec(
    name="supplier_programme",
    label="supplier-development programme participant",
    group="Suppliers",
    description="Suppliers taking part in the group's supplier-development programmes.",
    fields=(
        FieldSpec("programme", "Programme"),
        FieldSpec("year", "Year", FieldKind.INTEGER),
        FieldSpec("supplier", "Supplier code"),
        FieldSpec("topic", "Topic"),
    ),
    key=("programme", "year", "supplier"),
    filters=("programme", "year"),
    create_actions=("enrol",),
    workflow=workflow(
        "supplier_programme",
        "programme participant",
        {"enrolled", "completed"},
        person_step("enrol", NEW, "enrolled", P.GOVERNANCE_RECORD, "enrol the supplier"),
        person_step("complete", "enrolled", "completed", P.GOVERNANCE_RECORD, "record completion"),
    ),
)


@dataclass(frozen=True, slots=True)
class SupplierPlace:
    code: str
    country: str
    province: str
    city: str


@dataclass(frozen=True, slots=True)
class SupplierShares:
    qualified: tuple[str, ...]
    domestic: tuple[str, ...]
    home_province: tuple[str, ...]
    home_city: tuple[str, ...]

    @staticmethod
    def percent(part: int, whole: int) -> Decimal:
        if not whole:
            return Decimal(0)
        return (Decimal(part) * 100 / whole).quantize(Decimal("0.01"))


def supplier_shares(
    qualified: Iterable[SupplierPlace], home_country: str, home_province: str, home_city: str
) -> SupplierShares:
    """Split the qualified suppliers by where they are: domestic (the bank's country), in the
    home province, in the home city — the local-procurement figures of the annual report."""

    def same(a: str, b: str) -> bool:
        return a.strip().casefold() == b.strip().casefold()

    suppliers = sorted(qualified, key=lambda s: s.code)
    domestic = [s for s in suppliers if same(s.country, home_country)]
    province = [s for s in domestic if same(s.province, home_province)]
    city = [s for s in province if same(s.city, home_city)]
    return SupplierShares(
        tuple(s.code for s in suppliers),
        tuple(s.code for s in domestic),
        tuple(s.code for s in province),
        tuple(s.code for s in city),
    )


BRAND_USER = RegisterSpec(
    name="brand_user",
    label="brand authorisation",
    group="Brand",
    description="Who may use the group brand (offline or online), for what scope and term; "
    "non-conforming users go on the rectification list.",
    fields=(
        FieldSpec("licensee", "Authorised user"),
        FieldSpec("channel", "Channel", FieldKind.CHOICE, choices=("offline", "online")),
        FieldSpec("scope", "Scope of use"),
        FieldSpec("term_from", "Term from", FieldKind.DATE),
        FieldSpec("term_to", "Term to", FieldKind.DATE),
        FieldSpec("url", "Web address (online use)", required=False),
    ),
    key=("licensee", "scope", "term_from"),
    filters=("channel", "licensee"),
    create_actions=("apply",),
    workflow=workflow(
        "brand_user",
        "brand authorisation",
        {"applied", "authorised", "refused", "rectification", "revoked"},
        opening("apply", "applied", "record the request to use the brand"),
        four_eyes("authorise", "applied", "authorised", "approve the use, scope and term"),
        four_eyes("refuse", "applied", "refused", "refuse the use"),
        person_step(
            "require_rectification",
            "authorised",
            "rectification",
            P.GOVERNANCE_RECORD,
            "non-conforming use: put on the rectification list",
            involvement=Involvement.REQUESTED,
        ),
        four_eyes(
            "accept_rectification",
            "rectification",
            "authorised",
            "the use conforms again",
            also={Involvement.REQUESTED},
        ),
        four_eyes("revoke", {"authorised", "rectification"}, "revoked", "revoke the authorisation"),
    ),
)

BRAND_EXEMPTION = RegisterSpec(
    name="brand_exemption",
    label="brand exemption",
    group="Brand",
    description="Exemptions from the brand rules, reviewed every year: the review falls due on "
    "the anniversary (the next working day when that is not one).",
    fields=(
        FieldSpec("holder", "Holder"),
        FieldSpec("exemption", "Exemption"),
        FieldSpec("granted_on", "Granted on", FieldKind.DATE),
        FieldSpec("review_due", "Review due", FieldKind.DATE, required=False, derived=True),
        FieldSpec("reviewed_on", "Last reviewed", FieldKind.DATE, required=False, derived=True),
    ),
    key=("holder", "exemption"),
    filters=("holder",),
    columns=("holder", "exemption", "granted_on", "review_due"),
    create_actions=("grant",),
    workflow=workflow(
        "brand_exemption",
        "brand exemption",
        {"proposed", "exempt", "withdrawn"},
        opening("grant", "proposed", "propose the exemption"),
        four_eyes("approve", "proposed", "exempt", "grant the exemption"),
        person_step(
            "review",
            "exempt",
            None,
            P.GOVERNANCE_APPROVE,
            "annual review: the exemption still holds",
            involvement=Involvement.REVIEWED,
        ),
        person_step(
            "withdraw", {"proposed", "exempt"}, "withdrawn", P.GOVERNANCE_APPROVE, "withdraw"
        ),
    ),
)


def annual_review_due(calendar: BusinessCalendar, last: date) -> date:
    """The next annual review of an exemption granted or last reviewed on ``last``: one year
    later, moved to the next working day when the anniversary is a holiday or weekend (nobody
    reviews on a holiday, and a review due on one is not overdue until the next working day)."""
    try:
        anniversary = last.replace(year=last.year + 1)
    except ValueError:  # 29 February
        anniversary = date(last.year + 1, 3, 1)
    if calendar.is_working_day(anniversary, provisional=True):
        return anniversary
    return calendar.add_working_days(anniversary, 1, field="granted_on")


IP_CASE = RegisterSpec(
    name="ip_case",
    label="IP infringement case",
    group="Intellectual property",
    description="Suspected piracy or infringement: where it was found, the item, the evidence; "
    "validation report, claim, referral to law enforcement, outcome.",
    fields=(
        FieldSpec("reference", "Reference"),
        FieldSpec("platform", "Source platform"),
        FieldSpec("item", "Infringing item"),
        FieldSpec("evidence", "Evidence"),
        FieldSpec("identified_on", "Identified on", FieldKind.DATE),
        FieldSpec("validated_on", "Validation report on", FieldKind.DATE, False, derived=True),
        FieldSpec("outcome", "Outcome", required=False),
    ),
    key=("reference",),
    filters=("platform",),
    create_actions=("identify",),
    step_fields={"close": ("outcome",)},
    workflow=workflow(
        "ip_case",
        "IP case",
        {"identified", "validated", "claimed", "referred", "closed"},
        opening("identify", "identified", "record the suspected infringement"),
        person_step(
            "validate",
            "identified",
            "validated",
            P.GOVERNANCE_RECORD,
            "complete the validation report",
            involvement=Involvement.DRAFTED,
        ),
        person_step("claim", "validated", "claimed", P.GOVERNANCE_RECORD, "make a claim"),
        four_eyes("refer", {"validated", "claimed"}, "referred", "refer to law enforcement"),
        person_step(
            "close",
            {"identified", "validated", "claimed", "referred"},
            "closed",
            P.GOVERNANCE_APPROVE,
            "close with the outcome",
            involvement=Involvement.DECIDED,
        ),
    ),
)
