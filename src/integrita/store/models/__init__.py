"""SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from integrita.store.models.alert import Alert, LargeValueRecord
from integrita.store.models.audit import AuditChainHead, AuditEvent
from integrita.store.models.base import Base
from integrita.store.models.calendar import CalendarYear
from integrita.store.models.care import (
    Complaint,
    ComplaintPause,
    CustomerNote,
    CustomerOrder,
    Department,
    Escalation,
    RoutingRule,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyMessage,
)
from integrita.store.models.case import Case, CaseNote, SuspiciousTransactionReport
from integrita.store.models.customer import Account, Counterparty, Customer
from integrita.store.models.detection import (
    AlertBudget,
    DetectionRun,
    DetectorParameterSet,
    ScoringModel,
)
from integrita.store.models.disclosure import DisclosurePublication
from integrita.store.models.governance import (
    GovernanceImport,
    GovernanceQuarantinedRow,
    GovernanceRecord,
)
from integrita.store.models.ingest import IngestRun, QuarantinedRow
from integrita.store.models.realtime import (
    AccountOpeningTask,
    AccountRealtimeState,
    BlockedCounterparty,
    Challenge,
    CustomerContact,
    ExecutedPayment,
    OutboxMessage,
    PaymentDecision,
    RuleSetVersion,
)
from integrita.store.models.risk import (
    CustomerRiskStatus,
    ProductReview,
    ProductReviewOpinion,
    RiskConfiguration,
    RiskEvent,
    RiskOverride,
    RiskRating,
    RiskRatingRun,
    RiskSelfAssessment,
)
from integrita.store.models.screening import (
    GoodGuyEntry,
    ScreeningEntity,
    ScreeningMatch,
    ScreeningSnapshot,
)
from integrita.store.models.user import ApiToken, RoleDelegation, User, UserRole, WebSession

__all__ = [
    "Account",
    "AccountOpeningTask",
    "AccountRealtimeState",
    "Alert",
    "AlertBudget",
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "BlockedCounterparty",
    "CalendarYear",
    "Case",
    "CaseNote",
    "Challenge",
    "Complaint",
    "ComplaintPause",
    "Counterparty",
    "Customer",
    "CustomerContact",
    "CustomerNote",
    "CustomerOrder",
    "CustomerRiskStatus",
    "Department",
    "DetectionRun",
    "DetectorParameterSet",
    "DisclosurePublication",
    "Escalation",
    "ExecutedPayment",
    "GoodGuyEntry",
    "GovernanceImport",
    "GovernanceQuarantinedRow",
    "GovernanceRecord",
    "IngestRun",
    "LargeValueRecord",
    "OutboxMessage",
    "PaymentDecision",
    "ProductReview",
    "ProductReviewOpinion",
    "QuarantinedRow",
    "RiskConfiguration",
    "RiskEvent",
    "RiskOverride",
    "RiskRating",
    "RiskRatingRun",
    "RiskSelfAssessment",
    "RoleDelegation",
    "RoutingRule",
    "RuleSetVersion",
    "ScoringModel",
    "ScreeningEntity",
    "ScreeningMatch",
    "ScreeningSnapshot",
    "Survey",
    "SurveyAnswer",
    "SurveyInvitation",
    "SurveyMessage",
    "SuspiciousTransactionReport",
    "User",
    "UserRole",
    "WebSession",
]
