"""risk rating, self-assessment and product reviews

Revision ID: 0008_risk
Revises: 0002_alerts
Create Date: 2026-11-23 18:32:12.278928
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_risk"
down_revision: str | Sequence[str] | None = "0002_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_risk_status",
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=16), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_review_due", sa.Date(), nullable=False),
        sa.Column("override_id", sa.Integer(), nullable=True),
        sa.Column("override_band", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_risk_status")),
    )
    with op.batch_alter_table("customer_risk_status", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_risk_status_band"), ["band"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_customer_risk_status_next_review_due"), ["next_review_due"], unique=False
        )

    op.create_table(
        "product_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("target_customers", sa.Text(), nullable=False),
        sa.Column("channels", sa.Text(), nullable=False),
        sa.Column("cross_border", sa.Boolean(), nullable=False),
        sa.Column("cash", sa.Boolean(), nullable=False),
        sa.Column("third_party_payments", sa.Boolean(), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("launched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_reviews")),
        sa.UniqueConstraint("reference", name=op.f("uq_product_reviews_reference")),
    )
    with op.batch_alter_table("product_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_reviews_submitted_at"), ["submitted_at"], unique=False
        )

    op.create_table(
        "risk_configurations",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_risk_configurations")),
    )
    op.create_table(
        "risk_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_events")),
        sa.UniqueConstraint("customer_id", "kind", "reference", name="uq_risk_events_natural"),
    )
    with op.batch_alter_table("risk_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_events_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index("ix_risk_events_pending", ["run_id"], unique=False)

    op.create_table(
        "risk_overrides",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("from_band", sa.String(length=16), nullable=False),
        sa.Column("to_band", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_overrides")),
    )
    with op.batch_alter_table("risk_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_overrides_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "risk_rating_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_rating_runs")),
    )
    op.create_table(
        "risk_ratings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=16), nullable=False),
        sa.Column("contributions", sa.JSON(), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_ratings")),
    )
    with op.batch_alter_table("risk_ratings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_risk_ratings_customer_run", ["customer_id", "run_id"], unique=False
        )

    op.create_table(
        "risk_self_assessments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("drafted_by", sa.String(length=64), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_by", sa.String(length=64), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_self_assessments")),
        sa.UniqueConstraint("year", "version", name="uq_risk_self_assessments_year_version"),
    )
    op.create_table(
        "product_review_opinions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("required_control", sa.Text(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["product_reviews.id"],
            name=op.f("fk_product_review_opinions_review_id_product_reviews"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_review_opinions")),
    )
    with op.batch_alter_table("product_review_opinions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_review_opinions_review_id"), ["review_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("product_review_opinions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_review_opinions_review_id"))

    op.drop_table("product_review_opinions")
    op.drop_table("risk_self_assessments")
    with op.batch_alter_table("risk_ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_ratings_customer_run")

    op.drop_table("risk_ratings")
    op.drop_table("risk_rating_runs")
    with op.batch_alter_table("risk_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_overrides_customer_id"))

    op.drop_table("risk_overrides")
    with op.batch_alter_table("risk_events", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_events_pending")
        batch_op.drop_index(batch_op.f("ix_risk_events_customer_id"))

    op.drop_table("risk_events")
    op.drop_table("risk_configurations")
    with op.batch_alter_table("product_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_reviews_submitted_at"))

    op.drop_table("product_reviews")
    with op.batch_alter_table("customer_risk_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_risk_status_next_review_due"))
        batch_op.drop_index(batch_op.f("ix_customer_risk_status_band"))

    op.drop_table("customer_risk_status")
