"""Customers, accounts and counterparties: the vocabulary of the operational store."""

from __future__ import annotations

from enum import StrEnum


class CustomerType(StrEnum):
    INDIVIDUAL = "individual"
    ORGANISATION = "organisation"


class IdDocumentType(StrEnum):
    """Identity document types seen at onboarding."""

    RESIDENT_ID = "resident_id"
    PASSPORT = "passport"
    HK_MACAO_PERMIT = "hk_macao_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    FOREIGN_RESIDENT_PERMIT = "foreign_resident_permit"
    BUSINESS_LICENSE = "business_license"
    UNIFIED_SOCIAL_CREDIT_CODE = "unified_social_credit_code"
    OTHER = "other"


class OnboardingChannel(StrEnum):
    """How the customer relationship was opened; non-face-to-face channels carry more risk."""

    BRANCH = "branch"
    ONLINE = "online"
    MOBILE = "mobile"
    AGENT = "agent"
    REPRESENTATIVE = "representative"


class Segment(StrEnum):
    """Service segments; ``elderly`` is a protected segment for funds-protection rules."""

    RETAIL = "retail"
    ELDERLY = "elderly"
    STUDENT = "student"
    PRIVATE_BANKING = "private_banking"
    SME = "sme"
    CORPORATE = "corporate"


class AccountType(StrEnum):
    PERSONAL = "personal"
    PERSONAL_SAVINGS = "personal_savings"
    CORPORATE_SETTLEMENT = "corporate_settlement"
    CORPORATE_GENERAL = "corporate_general"
    SECURITIES = "securities"
    CREDIT_CARD = "credit_card"


class AccountStatus(StrEnum):
    PENDING_VERIFICATION = "pending_verification"
    ACTIVE = "active"
    DORMANT = "dormant"
    FROZEN = "frozen"
    CLOSED = "closed"


class CounterpartyKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    MERCHANT = "merchant"
    UNKNOWN = "unknown"
