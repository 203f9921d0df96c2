"""pause causes: every stored `paused_reason` becomes a PauseCause value

Earlier versions stored some pauses under the error's class name ("SessionExpired",
"WeeklyLimit", "SessionKeyError", ...). They are rewritten once here, so every reader (the
sign-in rule, the status and queue texts) sees only the values of
`bot.services.session_health.PauseCause`. The values are written out, not imported: a migration
must keep meaning what it meant when it was written.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CAUSES = (
    "owner",
    "session_expired",
    "session_unreadable",
    "checkpoint",
    "captcha",
    "restricted",
    "unusual_activity",
    "weekly_limit",
    "unsupported_language",
    "linkedin",
)
LEGACY = {
    "SessionExpired": "session_expired",
    "SessionKeyError": "session_unreadable",
    "SecurityCheckpoint": "checkpoint",
    "HumanRequired": "captcha",
    "CaptchaRequired": "captcha",
    "AccountRestricted": "restricted",
    "UnusualActivity": "unusual_activity",
    "WeeklyLimit": "weekly_limit",
    "UnsupportedLanguage": "unsupported_language",
}
OTHER = "linkedin"  # any other refusal that needs the owner


def upgrade() -> None:
    accounts = sa.table("accounts", sa.column("paused_reason", sa.String(200)))
    for old, new in LEGACY.items():
        op.execute(accounts.update().where(accounts.c.paused_reason == old).values(paused_reason=new))
    op.execute(
        accounts.update()
        .where(accounts.c.paused_reason.is_not(None), accounts.c.paused_reason.not_in(CAUSES))
        .values(paused_reason=OTHER)
    )


def downgrade() -> None:
    # Older versions know every cause but this one, which they stored as the error's name.
    accounts = sa.table("accounts", sa.column("paused_reason", sa.String(200)))
    op.execute(
        accounts.update()
        .where(accounts.c.paused_reason == "session_unreadable")
        .values(paused_reason="SessionKeyError")
    )
