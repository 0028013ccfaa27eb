"""sanctions and PEP screening: list snapshots, entities, matches, good-guy list

Revision ID: 0014_screening
Revises: 0001_foundation
Create Date: 2026-12-06 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_screening"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("entity_count", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_snapshots")),
        sa.UniqueConstraint("source", "version", name="uq_screening_snapshots_source"),
    )
    op.create_index(
        op.f("ix_screening_snapshots_source"), "screening_snapshots", ["source"], unique=False
    )
    op.create_table(
        "screening_entities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("schema", sa.String(length=32), nullable=False),
        sa.Column("caption", sa.String(length=512), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_entities")),
        sa.UniqueConstraint("snapshot_id", "entity_id", name="uq_screening_entities_snapshot_id"),
    )
    op.create_table(
        "screening_matches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_ref", sa.String(length=128), nullable=False),
        sa.Column("subject", sa.JSON(), nullable=False),
        sa.Column("subject_hash", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("entity_hash", sa.String(length=32), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_matches")),
        sa.UniqueConstraint(
            "subject_ref",
            "source",
            "entity_id",
            "subject_hash",
            "entity_hash",
            name="uq_screening_matches_pair",
        ),
    )
    op.create_index(
        op.f("ix_screening_matches_subject_ref"),
        "screening_matches",
        ["subject_ref"],
        unique=False,
    )
    op.create_index("ix_screening_matches_state", "screening_matches", ["state"], unique=False)
    op.create_table(
        "screening_good_guys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("customer_hash", sa.String(length=32), nullable=False),
        sa.Column("entity_hash", sa.String(length=32), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_good_guys")),
    )
    op.create_index(
        op.f("ix_screening_good_guys_customer_id"),
        "screening_good_guys",
        ["customer_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_screening_good_guys_customer_id"), table_name="screening_good_guys")
    op.drop_table("screening_good_guys")
    op.drop_index("ix_screening_matches_state", table_name="screening_matches")
    op.drop_index(op.f("ix_screening_matches_subject_ref"), table_name="screening_matches")
    op.drop_table("screening_matches")
    op.drop_table("screening_entities")
    op.drop_index(op.f("ix_screening_snapshots_source"), table_name="screening_snapshots")
    op.drop_table("screening_snapshots")
