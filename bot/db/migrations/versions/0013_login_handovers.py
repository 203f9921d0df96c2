"""login hand-overs: a chat sign-in waiting in the store for a worker to take it

`login_handovers` holds, per account, the credentials a `web` process received in chat (the
`li_at` cookie, or the e-mail and password), encrypted with the session key, until a worker takes
them (the row is deleted as it is read) or they lapse at `expires_at`.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.db.base import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_handovers",
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("credentials", sa.LargeBinary(), nullable=False),
        sa.Column("requested_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_login_handovers_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_login_handovers")),
    )
    op.create_index(op.f("ix_login_handovers_expires_at"), "login_handovers", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_login_handovers_expires_at"), table_name="login_handovers")
    op.drop_table("login_handovers")
