"""annual disclosure pack: published editions

A published edition freezes the year's figures (with the ids of the records behind each) as
canonical JSON and records its SHA-256; a later edition of the same year is a restatement.

Revision ID: 0015_report20_disclosure
Revises: 0014_screening
Create Date: 2026-12-07 00:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_report20_disclosure"
down_revision: str | Sequence[str] | None = "0014_screening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "disclosure_publications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("edition", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_publications")),
        sa.UniqueConstraint("year", "edition", name="uq_disclosure_publications_year_edition"),
    )
    op.create_index(
        op.f("ix_disclosure_publications_year"), "disclosure_publications", ["year"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_disclosure_publications_year"), table_name="disclosure_publications")
    op.drop_table("disclosure_publications")
