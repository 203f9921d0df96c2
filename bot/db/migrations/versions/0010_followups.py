"""follow-ups: a first message after an accepted invitation, and the days until its card

`followups` holds one row per accepted invitation (unique `invitation_id`): its state (due,
shown, sent, done), when the card is due and was delivered, the drafted message and
the template behind it, and when the message was sent. `accounts.followup_days` is how long
after an acceptance the card comes (3 unless changed). A message action is an `actions` row of
kind "message": the kind column is a plain string, so it needs no change.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("followup_days", sa.Integer(), server_default=sa.text("3"), nullable=False)
        )
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "due", "shown", "sent", "done", name="followupstate", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("accepted_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("card_sent_at", bot.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("draft_message", sa.String(length=600), nullable=True),
        sa.Column("draft_template", sa.String(length=80), nullable=True),
        sa.Column("model_verdict", sa.String(length=20), nullable=True),
        sa.Column("message_sent_at", bot.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_at", bot.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_followups_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_followups_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_followups_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_followups_invitation_id")),
    )
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followups_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_followups_state_due", ["state", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index("ix_followups_state_due")
        batch_op.drop_index(batch_op.f("ix_followups_account_id"))
    op.drop_table("followups")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("followup_days")
