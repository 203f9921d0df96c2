"""Which accounts are due for their daily sync (besides the one before each digest)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Account, SessionStatus

SYNC_EVERY = timedelta(hours=24)


async def accounts_due_for_sync(
    session: AsyncSession, now: datetime, every: timedelta = SYNC_EVERY
) -> list[Account]:
    """Signed-in, unpaused accounts not synced within `every` (never-synced ones first)."""
    query = (
        select(Account)
        .where(
            Account.session_status == SessionStatus.VALID,
            Account.paused.is_(False),
            or_(Account.last_synced_at.is_(None), Account.last_synced_at <= now - every),
        )
        .order_by(Account.last_synced_at.is_not(None), Account.last_synced_at, Account.id)
    )
    return list((await session.scalars(query)).all())
