"""governance and integrity registers: records, CSV imports, quarantined rows

Revision ID: 0015_gov21_registers
Revises: 0014_screening
Create Date: 2026-12-07 00:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_gov21_registers"
down_revision: str | Sequence[str] | None = "0014_screening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "governance_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("register", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("reference_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_records")),
        sa.UniqueConstraint("register", "reference_hash", name="uq_governance_records_register"),
    )
    op.create_index(
        "ix_governance_records_register_state",
        "governance_records",
        ["register", "state"],
        unique=False,
    )
    op.create_table(
        "governance_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("register", sa.String(length=40), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_imports")),
    )
    op.create_index(
        op.f("ix_governance_imports_register"), "governance_imports", ["register"], unique=False
    )
    op.create_table(
        "governance_quarantine",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_quarantine")),
    )
    op.create_index(
        op.f("ix_governance_quarantine_import_id"),
        "governance_quarantine",
        ["import_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_governance_quarantine_import_id"), table_name="governance_quarantine")
    op.drop_table("governance_quarantine")
    op.drop_index(op.f("ix_governance_imports_register"), table_name="governance_imports")
    op.drop_table("governance_imports")
    op.drop_index("ix_governance_records_register_state", table_name="governance_records")
    op.drop_table("governance_records")
