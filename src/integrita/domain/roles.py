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
    #: an SMS or e-mail gateway calling back with delivery receipts
    NOTIFICATION_GATEWAY = "notification_gateway"


#: Roles that may only read.
READ_ONLY_ROLES = frozenset({Role.AUDITOR})

#: Roles held by systems, not people (no attestations, no staff figures).
SYSTEM_ROLES = frozenset({Role.PAYMENT_CHANNEL, Role.NOTIFICATION_GATEWAY})
