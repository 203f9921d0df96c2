"""browser identity: an account's proxy (credentials encrypted), browser locale, time zone, user agent

`proxy_server` is the proxy's address (no credentials in it); `proxy_credentials` its username
and password as a Fernet token of the session key, like `session_state`. `browser_locale` and
`browser_timezone` are NULL for the browser's own; `user_agent` is chosen on the first flow.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proxy_server", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("proxy_credentials", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("browser_locale", sa.String(length=35), nullable=True))
        batch_op.add_column(sa.Column("browser_timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("user_agent", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("user_agent")
        batch_op.drop_column("browser_timezone")
        batch_op.drop_column("browser_locale")
        batch_op.drop_column("proxy_credentials")
        batch_op.drop_column("proxy_server")
