"""detection governance: versioned detector parameter sets, the MLRO's alert budget, and what a
run used and left below the budget's line

Revision ID: 0015_det18_detection_governance
Revises: 0005_detection
Create Date: 2026-12-07 00:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_det18_detection_governance"
down_revision: str | Sequence[str] | None = "0005_detection"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "detector_parameter_sets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("detector", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("business_approved_by", sa.String(length=64), nullable=True),
        sa.Column("technology_approved_by", sa.String(length=64), nullable=True),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("diff", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detector_parameter_sets")),
        sa.UniqueConstraint("detector", "version", name="uq_detector_parameter_sets_version"),
    )
    op.create_table(
        "alert_budgets",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("alerts_per_month", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_alert_budgets")),
    )
    with op.batch_alter_table("detection_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alert_budget", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("alerts_below_line", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("below_line", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("alerts_without_owner", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("parameter_versions", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("detection_runs", schema=None) as batch_op:
        batch_op.drop_column("parameter_versions")
        batch_op.drop_column("alerts_without_owner")
        batch_op.drop_column("below_line")
        batch_op.drop_column("alerts_below_line")
        batch_op.drop_column("alert_budget")
    op.drop_table("alert_budgets")
    op.drop_table("detector_parameter_sets")
