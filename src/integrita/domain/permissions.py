"""The one table of who may do what: each permission names the roles that hold it.

Routes, pages, CLI commands and services all read this table (through
``integrita.services.core.permissions``), so a role list is written once. A test walks every
route and every CLI command and checks that each declares a permission from here. Separation of
duties (who may *not* act although they hold the role) lives in the workflows
(:mod:`integrita.domain.workflow`), not here.
"""

from __future__ import annotations

from enum import StrEnum

from integrita.domain.roles import Role


class Permission(StrEnum):
    # any signed-in person or system
    SIGNED_IN = "signed_in"
    # case work and reporting
    CASE_READ = "case.read"
    CASE_WORK = "case.work"
    CASE_INVESTIGATE = "case.investigate"
    CASE_REVIEW = "case.review"
    CASE_OPEN = "case.open"
    STR_READ = "str.read"
    STR_EDIT = "str.edit"
    STR_APPROVE = "str.approve"
    STR_FILE = "str.file"
    STR_EXPORT = "str.export"
    CASE_FIGURES = "case.figures"
    LARGE_VALUE_SUBMIT = "large_value.submit"
    AUDIT_READ = "audit.read"
    # the annual disclosure pack
    DISCLOSURE_READ = "disclosure.read"
    DISCLOSURE_PUBLISH = "disclosure.publish"
    #: the compliance overview: every queue's figures on one page, each a link to its records
    OVERVIEW_READ = "overview.read"
    #: see a customer's name beside the id on queues and record pages (others see it masked)
    CUSTOMER_NAME_READ = "customer.name_read"
    # real-time
    PAYMENT_EVALUATE = "payment.evaluate"
    PAYMENT_READ = "payment.read"
    HOLD_DECIDE = "hold.decide"
    BLOCKLIST_EDIT = "blocklist.edit"
    ACCOUNT_OPENING = "account.opening"
    RULESET_READ = "ruleset.read"
    RULESET_PROPOSE = "ruleset.propose"
    RULESET_APPROVE_BUSINESS = "ruleset.approve_business"
    RULESET_APPROVE_TECHNOLOGY = "ruleset.approve_technology"
    RULESET_ACTIVATE = "ruleset.activate"
    OUTBOX_OPERATE = "outbox.operate"
    #: a gateway reports what became of messages it took (delivery receipts)
    OUTBOX_RECEIPT = "outbox.receipt"
    # batch detection: governed detector parameters and the alert budget
    DETECTION_PARAMS_READ = "detection_params.read"
    DETECTION_PARAMS_PROPOSE = "detection_params.propose"
    DETECTION_PARAMS_APPROVE_BUSINESS = "detection_params.approve_business"
    DETECTION_PARAMS_APPROVE_TECHNOLOGY = "detection_params.approve_technology"
    DETECTION_PARAMS_ACTIVATE = "detection_params.activate"
    DETECTION_PARAMS_BACKTEST = "detection_params.backtest"
    ALERT_BUDGET_READ = "alert_budget.read"
    ALERT_BUDGET_SET = "alert_budget.set"
    OUTBOX_READ = "outbox.read"
    # money-laundering risk
    RISK_READ = "risk.read"
    RISK_RATE = "risk.rate"
    RISK_EVENT_RECORD = "risk.event_record"
    RISK_OVERRIDE_REQUEST = "risk.override_request"
    RISK_OVERRIDE_DECIDE = "risk.override_decide"
    RISK_OVERRIDE_STR_SUBJECT = "risk.override_str_subject"
    ASSESSMENT_DRAFT = "assessment.draft"
    ASSESSMENT_REVIEW = "assessment.review"
    ASSESSMENT_SIGN = "assessment.sign"
    PRODUCT_REVIEW_READ = "product_review.read"
    PRODUCT_REVIEW_SUBMIT = "product_review.submit"
    PRODUCT_REVIEW_OPINE = "product_review.opine"
    PRODUCT_REVIEW_LAUNCH = "product_review.launch"
    # customer care
    CARE_READ = "care.read"
    COMPLAINT_RECEIVE = "complaint.receive"
    #: Import complaints from another system in their real final state (history, with a mapping).
    COMPLAINT_IMPORT_HISTORY = "complaint.import_history"
    COMPLAINT_HANDLE = "complaint.handle"
    COMPLAINT_CLOCK = "complaint.clock"
    CARE_SLA_SWEEP = "care.sla_sweep"
    COMPLAINT_RECTIFY = "complaint.rectify"
    COMPLAINT_VERIFY = "complaint.verify"
    COMPLAINT_PROCESS = "complaint.process"
    COMPLAINT_DEPARTMENT_FIX = "complaint.department_fix"
    ROUTING_EDIT = "routing.edit"
    CUSTOMER_RECORD_EDIT = "customer_record.edit"
    SURVEY_RUN = "survey.run"
    # sanctions and PEP screening
    SCREENING_READ = "screening.read"
    SCREENING_RUN = "screening.run"
    LIST_IMPORT = "screening.list_import"
    MATCH_DISPOSE = "screening.match_dispose"
    MATCH_APPROVE = "screening.match_approve"
    GOOD_GUY_ADD = "screening.good_guy_add"
    GOOD_GUY_APPROVE = "screening.good_guy_approve"
    # governance and integrity registers
    GOVERNANCE_READ = "governance.read"
    GOVERNANCE_RECORD = "governance.record"
    GOVERNANCE_APPROVE = "governance.approve"
    #: an employee's own filings: dealing pre-clearance, declarations, gifts, acknowledgements
    GOVERNANCE_DECLARE = "governance.declare"
    WHISTLEBLOWING_HANDLE = "whistleblowing.handle"
    WHISTLEBLOWER_IDENTITY = "whistleblowing.identity"
    # administration
    USER_ADMIN = "user.admin"
    #: create the audit key, write checkpoints (operators with access to the key's host)
    AUDIT_ANCHOR = "audit.anchor"
    DELEGATION_ADMIN = "delegation.admin"
    CALENDAR_LOAD = "calendar.load"


_CASE_WORKERS = frozenset({Role.ANALYST, Role.REVIEWER, Role.MLRO})
_CASE_READERS = _CASE_WORKERS | {Role.AUDITOR}
_INVESTIGATORS = frozenset({Role.ANALYST, Role.MLRO})
_REVIEWERS = frozenset({Role.REVIEWER, Role.MLRO})
_DETECTION_READERS = frozenset(
    {Role.ANALYST, Role.REVIEWER, Role.MLRO, Role.AUDITOR, Role.ADMINISTRATOR}
    | {Role.BUSINESS_APPROVER, Role.TECHNOLOGY_APPROVER}
)
_CARE_WORKERS = frozenset({Role.COMPLAINTS_OFFICER, Role.QUALITY_ASSURANCE, Role.PRODUCT_OWNER})

POLICY: dict[Permission, frozenset[Role]] = {
    Permission.SIGNED_IN: frozenset(Role),
    Permission.CASE_READ: _CASE_READERS | {Role.QUALITY_ASSURANCE, Role.ADMINISTRATOR},
    Permission.CASE_WORK: _CASE_WORKERS,
    Permission.CASE_INVESTIGATE: _INVESTIGATORS,
    Permission.CASE_REVIEW: _REVIEWERS,
    Permission.CASE_OPEN: frozenset({Role.ANALYST, Role.MLRO, Role.ADMINISTRATOR}),
    Permission.STR_READ: _CASE_READERS | {Role.QUALITY_ASSURANCE, Role.ADMINISTRATOR},
    Permission.STR_EDIT: _INVESTIGATORS,
    Permission.STR_APPROVE: _REVIEWERS,
    Permission.STR_FILE: _INVESTIGATORS | _REVIEWERS,
    Permission.STR_EXPORT: _CASE_READERS,
    Permission.CASE_FIGURES: frozenset(
        {Role.MLRO, Role.AUDITOR, Role.REVIEWER, Role.ADMINISTRATOR}
    ),
    Permission.LARGE_VALUE_SUBMIT: _CASE_WORKERS,
    Permission.AUDIT_READ: frozenset(
        {Role.AUDITOR, Role.ADMINISTRATOR, Role.MLRO, Role.QUALITY_ASSURANCE}
    ),
    # the pack spans AML and care: the people who answer for either read it, the auditor checks
    # it, and only the head of compliance (MLRO) signs an edition off for publication
    Permission.DISCLOSURE_READ: frozenset(
        {Role.MLRO, Role.REVIEWER, Role.AUDITOR, Role.ADMINISTRATOR, Role.QUALITY_ASSURANCE}
    ),
    Permission.DISCLOSURE_PUBLISH: frozenset({Role.MLRO}),
    # the MLRO (head of compliance) and the auditor oversee every flow; the reviewer sees the
    # backlog they approve from
    Permission.OVERVIEW_READ: frozenset({Role.MLRO, Role.REVIEWER, Role.AUDITOR}),
    # the people who investigate, decide or talk to the customer need the name; quality
    # assurance, auditors, administrators, approvers and systems work from the id (masked name)
    Permission.CUSTOMER_NAME_READ: _CASE_WORKERS | {Role.COMPLAINTS_OFFICER, Role.PRODUCT_OWNER},
    Permission.PAYMENT_EVALUATE: frozenset({Role.PAYMENT_CHANNEL}),
    Permission.PAYMENT_READ: frozenset(
        {Role.PAYMENT_CHANNEL, Role.ANALYST, Role.REVIEWER, Role.AUDITOR, Role.MLRO}
    ),
    Permission.HOLD_DECIDE: frozenset({Role.ANALYST, Role.REVIEWER}),
    Permission.BLOCKLIST_EDIT: frozenset({Role.ANALYST, Role.REVIEWER, Role.MLRO}),
    Permission.ACCOUNT_OPENING: frozenset({Role.ANALYST, Role.REVIEWER, Role.ADMINISTRATOR}),
    Permission.RULESET_READ: frozenset(
        {Role.ANALYST, Role.MLRO, Role.AUDITOR, Role.REVIEWER, Role.ADMINISTRATOR}
        | {Role.BUSINESS_APPROVER, Role.TECHNOLOGY_APPROVER}
    ),
    Permission.RULESET_PROPOSE: frozenset({Role.MLRO, Role.ADMINISTRATOR}),
    Permission.RULESET_APPROVE_BUSINESS: frozenset({Role.BUSINESS_APPROVER}),
    Permission.RULESET_APPROVE_TECHNOLOGY: frozenset({Role.TECHNOLOGY_APPROVER}),
    Permission.RULESET_ACTIVATE: frozenset({Role.BUSINESS_APPROVER, Role.TECHNOLOGY_APPROVER}),
    Permission.OUTBOX_OPERATE: frozenset({Role.ADMINISTRATOR}),
    Permission.OUTBOX_RECEIPT: frozenset({Role.NOTIFICATION_GATEWAY}),
    Permission.DETECTION_PARAMS_READ: _DETECTION_READERS,
    # the MLRO sets detection thresholds (DESIGN: who uses it)
    Permission.DETECTION_PARAMS_PROPOSE: frozenset({Role.MLRO}),
    Permission.DETECTION_PARAMS_APPROVE_BUSINESS: frozenset({Role.BUSINESS_APPROVER}),
    Permission.DETECTION_PARAMS_APPROVE_TECHNOLOGY: frozenset({Role.TECHNOLOGY_APPROVER}),
    Permission.DETECTION_PARAMS_ACTIVATE: frozenset(
        {Role.BUSINESS_APPROVER, Role.TECHNOLOGY_APPROVER}
    ),
    # a backtest reads the labelled history: those who propose or approve a change
    Permission.DETECTION_PARAMS_BACKTEST: frozenset(
        {Role.MLRO, Role.BUSINESS_APPROVER, Role.TECHNOLOGY_APPROVER}
    ),
    Permission.ALERT_BUDGET_READ: _DETECTION_READERS,
    Permission.ALERT_BUDGET_SET: frozenset({Role.MLRO}),
    Permission.OUTBOX_READ: frozenset({Role.ADMINISTRATOR, Role.AUDITOR, Role.MLRO}),
    Permission.RISK_READ: _CASE_READERS,
    Permission.RISK_RATE: frozenset({Role.MLRO, Role.ADMINISTRATOR}),
    Permission.RISK_EVENT_RECORD: _CASE_WORKERS,
    Permission.RISK_OVERRIDE_REQUEST: _CASE_WORKERS,
    Permission.RISK_OVERRIDE_DECIDE: _REVIEWERS,
    Permission.RISK_OVERRIDE_STR_SUBJECT: frozenset({Role.MLRO}),
    Permission.ASSESSMENT_DRAFT: _CASE_WORKERS,
    Permission.ASSESSMENT_REVIEW: _REVIEWERS,
    Permission.ASSESSMENT_SIGN: frozenset({Role.MLRO}),
    Permission.PRODUCT_REVIEW_READ: _CASE_READERS | {Role.PRODUCT_OWNER},
    Permission.PRODUCT_REVIEW_SUBMIT: frozenset({Role.PRODUCT_OWNER}),
    Permission.PRODUCT_REVIEW_OPINE: _REVIEWERS,
    Permission.PRODUCT_REVIEW_LAUNCH: frozenset({Role.PRODUCT_OWNER, Role.MLRO}),
    # the head of compliance (MLRO) answers for customer protection too: reads complaints and surveys
    Permission.CARE_READ: _CARE_WORKERS | {Role.AUDITOR, Role.MLRO},
    Permission.COMPLAINT_RECEIVE: frozenset({Role.COMPLAINTS_OFFICER}),
    Permission.COMPLAINT_IMPORT_HISTORY: frozenset({Role.COMPLAINTS_OFFICER}),
    Permission.COMPLAINT_HANDLE: _CARE_WORKERS,
    Permission.COMPLAINT_CLOCK: frozenset({Role.COMPLAINTS_OFFICER, Role.PRODUCT_OWNER}),
    Permission.CARE_SLA_SWEEP: frozenset({Role.COMPLAINTS_OFFICER, Role.ADMINISTRATOR}),
    Permission.COMPLAINT_RECTIFY: frozenset({Role.COMPLAINTS_OFFICER, Role.PRODUCT_OWNER}),
    Permission.COMPLAINT_VERIFY: frozenset({Role.QUALITY_ASSURANCE}),
    # the service department judges, routes, informs and closes; the responsible department
    # (its staff hold the product-owner role) rectifies
    Permission.COMPLAINT_PROCESS: frozenset({Role.COMPLAINTS_OFFICER}),
    Permission.COMPLAINT_DEPARTMENT_FIX: frozenset({Role.PRODUCT_OWNER}),
    Permission.ROUTING_EDIT: frozenset({Role.COMPLAINTS_OFFICER, Role.ADMINISTRATOR}),
    Permission.CUSTOMER_RECORD_EDIT: _CARE_WORKERS,
    Permission.SURVEY_RUN: frozenset({Role.COMPLAINTS_OFFICER, Role.QUALITY_ASSURANCE}),
    Permission.SCREENING_READ: _CASE_READERS | {Role.ADMINISTRATOR},
    Permission.SCREENING_RUN: _CASE_WORKERS | {Role.ADMINISTRATOR, Role.PAYMENT_CHANNEL},
    Permission.LIST_IMPORT: frozenset({Role.MLRO, Role.ADMINISTRATOR}),
    Permission.MATCH_DISPOSE: _INVESTIGATORS,
    Permission.MATCH_APPROVE: _REVIEWERS,
    Permission.GOOD_GUY_ADD: _INVESTIGATORS,
    Permission.GOOD_GUY_APPROVE: _REVIEWERS,
    Permission.GOVERNANCE_READ: _CASE_READERS | {Role.ADMINISTRATOR, Role.QUALITY_ASSURANCE},
    Permission.GOVERNANCE_RECORD: _CASE_WORKERS,
    Permission.GOVERNANCE_APPROVE: _REVIEWERS,
    # every member of staff files their own dealing requests, declarations and gifts; a system
    # (the payment channel) is no employee
    Permission.GOVERNANCE_DECLARE: frozenset(Role) - {Role.PAYMENT_CHANNEL},
    Permission.WHISTLEBLOWING_HANDLE: _REVIEWERS,
    # the reporter's identity: the MLRO alone, each view audited
    Permission.WHISTLEBLOWER_IDENTITY: frozenset({Role.MLRO}),
    Permission.USER_ADMIN: frozenset({Role.ADMINISTRATOR}),
    Permission.AUDIT_ANCHOR: frozenset({Role.ADMINISTRATOR}),
    Permission.DELEGATION_ADMIN: frozenset({Role.ADMINISTRATOR}),
    # the official holiday list moves every statutory deadline: the administrator or the MLRO
    Permission.CALENDAR_LOAD: frozenset({Role.ADMINISTRATOR, Role.MLRO}),
}


def roles_for(permission: Permission) -> frozenset[Role]:
    """The roles that hold ``permission`` (every permission is in the table; a test checks it)."""
    return POLICY[permission]
