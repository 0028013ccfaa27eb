"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from integrita.store.models.alert import Alert, LargeValueRecord
from integrita.store.models.audit import AuditChainHead, AuditEvent
from integrita.store.models.base import Base
from integrita.store.models.customer import Account, Counterparty, Customer
from integrita.store.models.detection import DetectionRun, ScoringModel
from integrita.store.models.ingest import IngestRun, QuarantinedRow
from integrita.store.models.user import ApiToken, User, UserRole

__all__ = [
    "Account",
    "Alert",
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "Counterparty",
    "Customer",
    "DetectionRun",
    "IngestRun",
    "LargeValueRecord",
    "QuarantinedRow",
    "ScoringModel",
    "User",
    "UserRole",
]
