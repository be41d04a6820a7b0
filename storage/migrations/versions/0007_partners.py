"""offers, searches and partner connections

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

WHEN = storage.types.UTCDateTime(timezone=True)


def text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "partner_connection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("a_kind", text(20), nullable=False),
        sa.Column("a_id", sa.Integer(), nullable=False),
        sa.Column("b_kind", text(20), nullable=False),
        sa.Column("b_id", sa.Integer(), nullable=False),
        sa.Column("a_interested_at", WHEN, nullable=True),
        sa.Column("b_interested_at", WHEN, nullable=True),
        sa.Column("status", text(20), nullable=False),
        sa.Column("postal_code", text(5), nullable=False),
        sa.Column("recommended_by", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("connected_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(["recommended_by"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("a_kind", "a_id", "b_kind", "b_id", name="uq_partner_connection_sides"),
    )
    op.create_table(
        "partner_consent",
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("side", text(1), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("shared", text(300), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["partner_connection.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("connection_id", "side"),
    )
    with op.batch_alter_table("partner_consent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_consent_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "partner_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("direction", text(10), nullable=False),
        sa.Column("kind", text(20), nullable=False),
        sa.Column("title", text(200), nullable=False),
        sa.Column("text", text(2000), nullable=False),
        sa.Column("interests", sa.JSON(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=True),
        sa.Column("postal_code", text(5), nullable=False),
        sa.Column("place", text(200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("radius_km", sa.Float(), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=True),
        sa.Column("date_until", sa.Date(), nullable=True),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("status", text(20), nullable=False),
        sa.Column("language", text(10), nullable=True),
        sa.Column("pushed_at", WHEN, nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("partner_post", schema=None) as batch_op:
        batch_op.create_index(
            "ix_partner_post_open", ["status", "direction", "expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_partner_post_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_partner_post_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "partner_notification",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_id"], ["partner_post.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id", "post_id"),
    )
    with op.batch_alter_table("partner_notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_notification_sent_at"), ["sent_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("partner_notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_notification_sent_at"))
    op.drop_table("partner_notification")
    with op.batch_alter_table("partner_post", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_post_owner_id"))
        batch_op.drop_index(batch_op.f("ix_partner_post_organisation_id"))
        batch_op.drop_index("ix_partner_post_open")
    op.drop_table("partner_post")
    with op.batch_alter_table("partner_consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_consent_person_id"))
    op.drop_table("partner_consent")
    op.drop_table("partner_connection")
