"""customer care

Revision ID: 0007_care
Revises: 0002_alerts
Create Date: 2026-11-23 18:54:36.146045
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_care"
down_revision: str | Sequence[str] | None = "0002_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "care_escalations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "complaint_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("head_user_id", sa.Integer(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_escalations")),
        sa.UniqueConstraint("complaint_id", "kind", "round", name="uq_care_escalation"),
    )
    op.create_table(
        "care_surveys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("dimensions", sa.JSON(), nullable=False),
        sa.Column("sample_fraction", sa.Float(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_surveys")),
    )
    op.create_table(
        "care_customer_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("noted_on", sa.Date(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_care_customer_notes_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_customer_notes")),
    )
    with op.batch_alter_table("care_customer_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_customer_notes_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "care_departments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("head_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["head_user_id"], ["users.id"], name=op.f("fk_care_departments_head_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_departments")),
        sa.UniqueConstraint("code", name=op.f("uq_care_departments_code")),
    )
    op.create_table(
        "care_orders",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=120), nullable=False),
        sa.Column("ordered_on", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("delivery_status", sa.String(length=20), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_care_orders_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_care_orders")),
    )
    with op.batch_alter_table("care_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_orders_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "care_survey_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("dimension", sa.String(length=40), nullable=False),
        sa.Column("answer", sa.Integer(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_care_survey_answers_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["care_surveys.id"],
            name=op.f("fk_care_survey_answers_survey_id_care_surveys"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_survey_answers")),
        sa.UniqueConstraint("survey_id", "customer_id", "dimension", name="uq_care_survey_answer"),
    )
    with op.batch_alter_table("care_survey_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_survey_answers_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_care_survey_answers_survey_id"), ["survey_id"], unique=False
        )

    op.create_table(
        "care_survey_invitations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("stratum", sa.String(length=40), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_care_survey_invitations_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["care_surveys.id"],
            name=op.f("fk_care_survey_invitations_survey_id_care_surveys"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_survey_invitations")),
        sa.UniqueConstraint("survey_id", "customer_id", name="uq_care_survey_invitation"),
    )
    with op.batch_alter_table("care_survey_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_survey_invitations_survey_id"), ["survey_id"], unique=False
        )

    op.create_table(
        "care_survey_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["care_surveys.id"],
            name=op.f("fk_care_survey_messages_survey_id_care_surveys"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_survey_messages")),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_care_survey_messages_idempotency_key")
        ),
    )
    with op.batch_alter_table("care_survey_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_survey_messages_survey_id"), ["survey_id"], unique=False
        )

    op.create_table(
        "care_complaints",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=120), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("validity", sa.String(length=16), nullable=True),
        sa.Column("invalid_reason", sa.Text(), nullable=True),
        sa.Column(
            "duplicate_of_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_month", sa.String(length=7), nullable=False),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_seconds", sa.Float(), nullable=True),
        sa.Column("paused_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_breached", sa.Boolean(), nullable=False),
        sa.Column("resolution_breached", sa.Boolean(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("corrective_action", sa.Text(), nullable=True),
        sa.Column("preventive_action", sa.Text(), nullable=True),
        sa.Column("meeting_record", sa.Text(), nullable=True),
        sa.Column("qa_note", sa.Text(), nullable=True),
        sa.Column("qa_failures", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_care_complaints_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["care_departments.id"],
            name=op.f("fk_care_complaints_department_id_care_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_complaints")),
    )
    with op.batch_alter_table("care_complaints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_complaints_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_care_complaints_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(
            "ix_care_complaints_first_due_open",
            ["first_response_due_at"],
            unique=False,
            sqlite_where=sa.text("first_response_at IS NULL AND state <> 'closed'"),
            postgresql_where=sa.text("first_response_at IS NULL AND state <> 'closed'"),
        )
        batch_op.create_index(
            "ix_care_complaints_month", ["received_month", "department_id"], unique=False
        )
        batch_op.create_index(
            "ix_care_complaints_resolution_due_open",
            ["resolution_due_at"],
            unique=False,
            sqlite_where=sa.text("resolved_at IS NULL AND state <> 'closed'"),
            postgresql_where=sa.text("resolved_at IS NULL AND state <> 'closed'"),
        )
        batch_op.create_index("ix_care_complaints_state", ["state", "department_id"], unique=False)

    op.create_table(
        "care_routing_rules",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("product", sa.String(length=120), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["care_departments.id"],
            name=op.f("fk_care_routing_rules_department_id_care_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_routing_rules")),
        sa.UniqueConstraint("category", "product", name="uq_care_routing_rule"),
    )
    op.create_table(
        "care_complaint_pauses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "complaint_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["care_complaints.id"],
            name=op.f("fk_care_complaint_pauses_complaint_id_care_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_complaint_pauses")),
    )
    with op.batch_alter_table("care_complaint_pauses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_complaint_pauses_complaint_id"), ["complaint_id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # Complaints change at every step and the SLA sweep flags breaches in bulk: free room on
        # each page lets PostgreSQL update rows in place without touching the indexes (HOT).
        op.execute("ALTER TABLE care_complaints SET (fillfactor = 80)")


def downgrade() -> None:
    with op.batch_alter_table("care_complaint_pauses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_complaint_pauses_complaint_id"))

    op.drop_table("care_complaint_pauses")
    op.drop_table("care_routing_rules")
    with op.batch_alter_table("care_complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_care_complaints_state")
        batch_op.drop_index(
            "ix_care_complaints_resolution_due_open",
            sqlite_where=sa.text("resolved_at IS NULL AND state <> 'closed'"),
            postgresql_where=sa.text("resolved_at IS NULL AND state <> 'closed'"),
        )
        batch_op.drop_index("ix_care_complaints_month")
        batch_op.drop_index(
            "ix_care_complaints_first_due_open",
            sqlite_where=sa.text("first_response_at IS NULL AND state <> 'closed'"),
            postgresql_where=sa.text("first_response_at IS NULL AND state <> 'closed'"),
        )
        batch_op.drop_index(batch_op.f("ix_care_complaints_department_id"))
        batch_op.drop_index(batch_op.f("ix_care_complaints_customer_id"))

    op.drop_table("care_complaints")
    with op.batch_alter_table("care_survey_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_survey_messages_survey_id"))

    op.drop_table("care_survey_messages")
    with op.batch_alter_table("care_survey_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_survey_invitations_survey_id"))

    op.drop_table("care_survey_invitations")
    with op.batch_alter_table("care_survey_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_survey_answers_survey_id"))
        batch_op.drop_index(batch_op.f("ix_care_survey_answers_customer_id"))

    op.drop_table("care_survey_answers")
    with op.batch_alter_table("care_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_orders_customer_id"))

    op.drop_table("care_orders")
    op.drop_table("care_departments")
    with op.batch_alter_table("care_customer_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_customer_notes_customer_id"))

    op.drop_table("care_customer_notes")
    op.drop_table("care_surveys")
    op.drop_table("care_escalations")
