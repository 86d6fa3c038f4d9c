"""assessment workflow: versions, life-cycle history, disputes, screenings, founding dates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 13:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("firms") as batch_op:
        batch_op.add_column(sa.Column("founded_on", sa.Date(), nullable=True))

    with op.batch_alter_table("assessments") as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1",
                                      nullable=False))
        batch_op.add_column(sa.Column("supersedes_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.Text(), server_default="", nullable=False))
        for step in ("submitted", "reviewed", "finalised"):
            batch_op.add_column(sa.Column(f"{step}_at", sa.DateTime(), nullable=True))
            batch_op.add_column(sa.Column(f"{step}_by", sa.String(length=120), server_default="",
                                          nullable=False))
        batch_op.create_foreign_key(op.f("fk_assessments_supersedes_id_assessments"),
                                    "assessments", ["supersedes_id"], ["id"])
        batch_op.create_index(op.f("ix_assessments_supersedes_id"), ["supersedes_id"],
                              unique=False)
        batch_op.create_index(op.f("ix_assessments_status"), ["status"], unique=False)

    op.create_table(
        "status_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=120), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"],
                                name=op.f("fk_status_changes_assessment_id_assessments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_changes")),
    )
    op.create_index(op.f("ix_status_changes_assessment_id"), "status_changes",
                    ["assessment_id"], unique=False)
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("resolved_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"],
                                name=op.f("fk_disputes_assessment_id_assessments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    op.create_index(op.f("ix_disputes_assessment_id"), "disputes", ["assessment_id"],
                    unique=False)
    op.create_table(
        "screenings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"],
                                name=op.f("fk_screenings_assessment_id_assessments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screenings")),
        sa.UniqueConstraint("assessment_id", name=op.f("uq_screenings_assessment_id")),
    )


def downgrade() -> None:
    op.drop_table("screenings")
    op.drop_index(op.f("ix_disputes_assessment_id"), table_name="disputes")
    op.drop_table("disputes")
    op.drop_index(op.f("ix_status_changes_assessment_id"), table_name="status_changes")
    op.drop_table("status_changes")
    with op.batch_alter_table("assessments") as batch_op:
        batch_op.drop_index(op.f("ix_assessments_status"))
        batch_op.drop_index(op.f("ix_assessments_supersedes_id"))
        batch_op.drop_constraint(op.f("fk_assessments_supersedes_id_assessments"),
                                 type_="foreignkey")
        for step in ("finalised", "reviewed", "submitted"):
            batch_op.drop_column(f"{step}_by")
            batch_op.drop_column(f"{step}_at")
        batch_op.drop_column("notes")
        batch_op.drop_column("supersedes_id")
        batch_op.drop_column("version")
    with op.batch_alter_table("firms") as batch_op:
        batch_op.drop_column("founded_on")
