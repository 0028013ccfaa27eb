"""detection runs and scoring models

Revision ID: 0005_detection
Revises: 0002_alerts
Create Date: 2026-11-23 18:31:17.630623
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_detection"
down_revision: str | Sequence[str] | None = "0002_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "detection_runs",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("new_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scan_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scan_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("partitions", sa.JSON(), nullable=False),
        sa.Column("matches", sa.JSON(), nullable=False),
        sa.Column("alerts_raised", sa.Integer(), nullable=False),
        sa.Column("alerts_duplicate", sa.Integer(), nullable=False),
        sa.Column("large_value_records", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_detection_runs")),
    )
    op.create_table(
        "scoring_models",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_scoring_models")),
    )


def downgrade() -> None:
    op.drop_table("scoring_models")
    op.drop_table("detection_runs")
