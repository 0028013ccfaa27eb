"""Who may do what: the roles compliance and service staff hold."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ANALYST = "analyst"
    REVIEWER = "reviewer"
    MLRO = "mlro"
    PRODUCT_OWNER = "product_owner"
    COMPLAINTS_OFFICER = "complaints_officer"
    QUALITY_ASSURANCE = "quality_assurance"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"
    BUSINESS_APPROVER = "business_approver"
    TECHNOLOGY_APPROVER = "technology_approver"
    PAYMENT_CHANNEL = "payment_channel"


#: Roles that may only read.
READ_ONLY_ROLES = frozenset({Role.AUDITOR})
