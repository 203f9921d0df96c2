"""The append-only audit log: one call to record what the product did or saw."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Event


def record_event(
    session: AsyncSession,
    *,
    account_id: int,
    kind: str,
    at: datetime,
    invitation_id: int | None = None,
    person_id: int | None = None,
    action_id: int | None = None,
    **detail: Any,
) -> Event:
    """Add an event to the session (committed with the caller's unit of work)."""
    event = Event(
        account_id=account_id,
        kind=kind,
        invitation_id=invitation_id,
        person_id=person_id,
        action_id=action_id,
        detail=detail,
        created_at=at,
    )
    session.add(event)
    return event
