"""One settings object for the whole platform.

Values come, in increasing priority, from the defaults below, a TOML config file
(``integrita.toml`` in the working directory, or the path in ``INTEGRITA_CONFIG``)
and environment variables prefixed ``INTEGRITA_`` (e.g. ``INTEGRITA_DATABASE_URL``).
"""

from __future__ import annotations

import os
import tomllib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from integrita.errors import ConfigurationError


def _config_file_values() -> dict[str, Any]:
    path = Path(os.environ.get("INTEGRITA_CONFIG", "integrita.toml"))
    if not path.exists():
        if "INTEGRITA_CONFIG" in os.environ:
            raise ConfigurationError(f"config file {path} named by INTEGRITA_CONFIG does not exist")
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"config file {path} is not valid TOML: {exc}") from exc
    section = data.get("integrita", data)
    if not isinstance(section, dict):
        raise ConfigurationError(f"config file {path}: [integrita] must be a table")
    return section


#: The longest text a request may carry in a field, by the field's kind (see integrita.http.fields).
DEFAULT_TEXT_LIMITS: dict[str, int] = {
    "code": 64,
    "name": 255,
    "note": 8_000,
    "long_text": 20_000,
}


class Settings(BaseSettings):
    """Everything an operator can set without touching code."""

    model_config = SettingsConfigDict(env_prefix="INTEGRITA_", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"), description="Where the SQLite file, ledger and reports live."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; SQLite file in data_dir when unset."
    )
    ledger_dir: Path | None = Field(
        default=None, description="Parquet ledger root; data_dir/ledger when unset."
    )
    log_level: str = "INFO"
    log_json: bool = True
    duckdb_memory_limit: str = Field(
        default="1500MB", description="Cap on DuckDB's working memory."
    )
    duckdb_threads: int = Field(default=2, ge=1)
    base_currency: str = Field(default="CNY", min_length=3, max_length=3)
    timezone: str = Field(
        default="Asia/Shanghai",
        description="The bank's time zone: every statutory and reporting date (deadlines, report "
        "years and months, review dates, texts to customers) is a local date here; stored "
        "instants stay UTC.",
    )
    calendar_country: str = Field(
        default="CN", description="Business calendar: CN (mainland China) or an ISO country."
    )
    extra_holidays: list[str] = Field(
        default_factory=list, description="ISO dates added as public holidays."
    )
    extra_working_days: list[str] = Field(
        default_factory=list, description="ISO dates that are working days."
    )
    goaml_schema_path: Path | None = Field(default=None, description="The FIU's goAML XSD.")
    goaml_rentity_id: int = Field(
        default=1, ge=1, description="The bank's goAML reporting-entity id."
    )
    goaml_rentity_branch: str = Field(default="Head office", min_length=1, max_length=255)
    goaml_institution_name: str = Field(
        default="Integrita Demo Bank", description="Our bank's name."
    )
    bank_name: str = Field(
        default="Integrita Demo Bank",
        min_length=1,
        max_length=200,
        description="The bank's name as every report prints it in its header.",
    )
    bank_logo_path: Path | None = Field(
        default=None,
        description="A PNG or JPEG logo printed beside the bank's name on every report page.",
    )
    report_font_path: Path = Field(
        default=Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
        description="A TrueType font with Chinese glyphs for reports (Debian: fonts-wqy-microhei).",
    )
    goaml_institution_code: str = Field(default="001", description="Our bank's code at the FIU.")
    goaml_reporting_first_name: str = Field(default="Compliance")
    goaml_reporting_last_name: str = Field(default="Officer")
    goaml_address: str = Field(default="1 Financial Street")
    goaml_city: str = Field(default="Beijing")
    goaml_country_code: str = Field(default="CN", min_length=2, max_length=2)
    goaml_indicator_codes: list[str] = Field(
        default_factory=lambda: ["-"],
        description="Indicator codes the FIU's schema accepts (the 5.0.1 template accepts only '-').",
    )
    goaml_transmode_code: str = Field(default="A", description="Conduction type for transactions.")
    goaml_funds_code: str = Field(default="A", description="Funds type for both sides.")
    str_due_working_days: int = Field(
        default=5, ge=1, description="An STR is due this many working days after determination."
    )
    due_soon_working_days: int = Field(
        default=2, ge=0, description="Deadlines within this many working days are 'due soon'."
    )
    governance_home_country: str = Field(
        default="CN", min_length=2, max_length=2, description="Suppliers here are domestic."
    )
    governance_home_province: str = Field(
        default="Henan", description="The group's home province (local-procurement share)."
    )
    governance_home_city: str = Field(
        default="Luoyang", description="The group's home city (local-procurement share)."
    )
    gift_approval_threshold: Decimal = Field(
        default=Decimal("500"),
        ge=0,
        description="Gifts and hospitality worth more than this (RMB) need a reviewer's approval.",
    )
    dealing_holding_days: int = Field(
        default=30,
        ge=0,
        description="Staff hold a personal position this many days before selling.",
    )
    secret_key: str | None = Field(
        default=None, description="Signs web sessions; a random key is kept in data_dir when unset."
    )
    session_hours: float = Field(
        default=8.0, gt=0, description="A web session ends this long after sign-in in any case."
    )
    session_idle_minutes: float = Field(
        default=30.0, gt=0, description="A web session unused this long ends."
    )
    public_url: str | None = Field(
        default=None,
        description="The address people open (e.g. https://integrita.bank.example); https "
        "makes the session cookie Secure, and its origin is accepted on form posts.",
    )
    audit_key_path: Path | None = Field(
        default=None,
        description="File holding the audit trail's HMAC key (data_dir/audit.key when unset); "
        "keep it where database administrators cannot read it.",
    )
    audit_key: str | None = Field(
        default=None,
        description="The audit HMAC key itself (hex), instead of a file; e.g. from a secret store.",
    )
    audit_checkpoint_path: Path | None = Field(
        default=None,
        description="Append-only file of signed audit heads (data_dir/audit-checkpoints.jsonl "
        "when unset); keep it outside the database's reach.",
    )
    sqlite_busy_seconds: float = Field(
        default=5.0,
        gt=0,
        description="SQLite: how long a request waits for another writer's lock before it "
        "is answered 503 with Retry-After.",
    )
    api_token_recheck_seconds: float = Field(
        default=5.0,
        ge=0,
        description="An API token is checked against the database at most this often per "
        "process; a revoked token or changed role takes effect within this many seconds.",
    )
    screening_threshold: float = Field(
        default=0.80, gt=0, le=1, description="Screening score from which a name is a match."
    )
    screening_max_drop_share: float = Field(
        default=0.10,
        ge=0,
        le=1,
        description="A list file that drops more than this share of the previous snapshot's "
        "entities is held for confirmation, not applied.",
    )
    sign_in_max_failures: int = Field(
        default=5, ge=1, description="Failed sign-ins before the account is locked."
    )
    sign_in_lock_minutes: int = Field(
        default=15, ge=1, description="How long a locked account stays locked."
    )
    care_first_response_hours: float = Field(
        default=24.0,
        gt=0,
        description="Complaints: initial response due this many clock hours after receipt.",
    )
    care_resolution_hours: dict[str, float] = Field(
        default_factory=lambda: {"critical": 48.0, "high": 120.0, "medium": 240.0, "low": 360.0},
        description="Complaints: resolution target in clock hours per severity.",
    )
    care_working_hours: str = Field(
        default="",
        description="Complaint clocks run in these hours of working days (e.g. 09:00-17:00); empty = around the clock.",
    )
    care_timezone: str = Field(
        default="Asia/Shanghai", description="Time zone of care_working_hours."
    )
    care_due_soon_hours: float = Field(
        default=4.0,
        gt=0,
        description="Complaints whose deadline is this close are listed as due soon.",
    )
    care_active_customer_days: int = Field(
        default=365, ge=1, description="Surveys: a customer with an order this recent is active."
    )
    spark_master: str = Field(
        default="local[2]", description="Spark master URL for --engine spark."
    )
    spark_driver_memory: str = Field(
        default="4g",
        pattern=r"^[0-9]+[kmgt]$",
        description="Spark driver memory (in local mode also the executor's), e.g. 4g.",
    )
    spark_executor_memory: str = Field(
        default="2g",
        pattern=r"^[0-9]+[kmgt]$",
        description="Memory of each Spark executor on a cluster (spark://...), e.g. 2g.",
    )
    spark_ledger_uri: str | None = Field(
        default=None,
        description=(
            "Where Spark executors read the ledger on a cluster (shared storage: s3a://..., "
            "hdfs://..., or a path mounted at the same place on every worker); the local "
            "ledger path when unset."
        ),
    )
    fx_rates_path: Path | None = Field(
        default=None,
        description="JSON table of dated exchange rates into CNY; the shipped table when unset.",
    )
    outbox_max_attempts: int = Field(
        default=5, ge=1, description="Delivery attempts before a notification is dead-lettered."
    )
    outbox_backoff_seconds: float = Field(
        default=30.0, gt=0, description="First retry delay; doubles after each failure."
    )
    outbox_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a dispatcher's claim on a message lasts; after it another may "
        "send it again (same idempotency key).",
    )
    outbox_notice_useful_life_seconds: int = Field(
        default=3600,
        ge=1,
        description="A payment notice not sent within this is dropped (status expired).",
    )
    outbox_bulk_useful_life_seconds: int = Field(
        default=7 * 86400,
        ge=1,
        description="A bulk message (survey invitation) not sent within this is dropped.",
    )
    outbox_poll_seconds: float = Field(
        default=0.2,
        gt=0,
        le=5,
        description="Once a claim drained the queue, how long a dispatcher waits before the "
        "next, and how long a send's outcome may wait to be recorded with others: longer costs "
        "the database fewer transactions when messages trickle in, shorter sends a code sooner "
        "(a backlog is claimed without waiting).",
    )
    outbox_sms_concurrency: int = Field(
        default=64, ge=1, le=4096, description="SMS sends in flight at once per dispatcher."
    )
    outbox_email_concurrency: int = Field(
        default=8, ge=1, le=256, description="SMTP sends in flight at once per dispatcher."
    )
    outbox_sms_rate_per_second: float = Field(
        default=0.0, ge=0, description="SMS sends per second per dispatcher; 0: no limit."
    )
    outbox_email_rate_per_second: float = Field(
        default=0.0, ge=0, description="E-mails per second per dispatcher; 0: no limit."
    )
    nats_url: str = Field(
        default="nats://127.0.0.1:4222", description="NATS server of the transaction stream."
    )
    stream_name: str = Field(
        default="TRANSACTIONS",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="JetStream stream of executed transactions.",
    )
    stream_subject: str = Field(
        default="transactions.executed",
        description="Subject executed transactions arrive on (one or more per message, as JSON lines).",
    )
    stream_dead_letter_subject: str = Field(
        default="transactions.dead",
        description="Subject refused transactions are republished on, with the reason in a header.",
    )
    stream_consumer: str = Field(
        default="integrita-ledger",
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Durable JetStream consumer that appends to the ledger.",
    )
    stream_batch: int = Field(
        default=20_000, ge=1, le=1_000_000, description="Messages per ledger append."
    )
    stream_linger_seconds: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="How long a batch short of stream_batch waits for more messages: a slow "
        "stream is appended in fewer, larger batches (each batch costs a ledger write, an index "
        "commit and a merge check whatever its size).",
    )
    stream_max_in_flight: int = Field(
        default=50_000,
        ge=1,
        description="Messages delivered and not yet acknowledged (back-pressure on the server).",
    )
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server for e-mail notifications.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = Field(default="integrita@localhost", description="From: address.")
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    sms_webhook_url: str | None = Field(
        default=None, description="HTTP endpoint of the SMS gateway (JSON POST)."
    )
    sms_webhook_token: str | None = Field(default=None, description="Bearer token for the gateway.")

    text_limits: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_TEXT_LIMITS),
        description="Longest text accepted per field kind (code, name, note, long_text).",
    )
    max_request_bytes: int = Field(
        default=2_000_000,
        ge=1024,
        description="Request bodies larger than this are refused with 413 before being read.",
    )

    client_clock_skew_seconds: float = Field(
        default=300.0,
        ge=0,
        description="A date a client supplies (an STR's 'on' date, a survey answer) may be this "
        "far ahead of the server's clock.",
    )
    payment_max_age_hours: float = Field(
        default=24.0, gt=0, description="A payment's occurred_at may be at most this old."
    )
    payment_max_ahead_seconds: float = Field(
        default=300.0, ge=0, description="A payment's occurred_at may be this far in the future."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"timezone must be an IANA zone such as Asia/Shanghai, not {value!r}"
            ) from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError(f"log_level must be DEBUG, INFO, WARNING or ERROR, not {value!r}")
        return level

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'integrita.db').resolve()}"

    @property
    def resolved_ledger_dir(self) -> Path:
        return self.ledger_dir if self.ledger_dir is not None else self.data_dir / "ledger"

    @property
    def resolved_audit_key_path(self) -> Path:
        return self.audit_key_path or self.data_dir / "audit.key"

    @property
    def resolved_audit_checkpoint_path(self) -> Path:
        return self.audit_checkpoint_path or self.data_dir / "audit-checkpoints.jsonl"

    @property
    def labels_dir(self) -> Path:
        """Evaluation labels live apart from the ledger so detection never sees them."""
        return self.data_dir / "labels"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"


def load_settings(**overrides: Any) -> Settings:
    """Build settings from file, environment and explicit overrides (highest first)."""
    file_values = _config_file_values()
    # Environment variables beat the file: drop file keys that the environment sets.
    merged = {k: v for k, v in file_values.items() if f"INTEGRITA_{k.upper()}" not in os.environ}
    merged.update(overrides)
    unknown = set(file_values) - set(Settings.model_fields)
    if unknown:
        raise ConfigurationError(f"unknown setting(s) in config file: {', '.join(sorted(unknown))}")
    try:
        return Settings(**merged)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
