"""Closing invitations that left the Sent page: accepted if we are now connected, else vanished.

Used by `bot.services.sync` only after a complete scrape. Invitations an active withdraw action
owns are left to the queue, and everything is re-checked inside the closing transaction because
the worker may have recorded something meanwhile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from automation.errors import AutomationError
from automation.types import ProfileState, SentInvitation
from bot.db.models import Account, Invitation, InvitationState, Person
from bot.db.session import SessionFactory
from bot.services.actions.queries import in_flight
from bot.services.events import record_event
from bot.services.followups import open_followup

if TYPE_CHECKING:
    # Types only: Playwright loads with the browser, not with the bot (docs/benchmarks.md).
    from automation.client import LinkedInClient

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MissingInvitation:
    invitation_id: int
    person_id: int
    slug: str


async def missing_invitations(
    session: AsyncSession, account_id: int, rows: dict[str, SentInvitation], started: datetime
) -> tuple[list[MissingInvitation], int]:
    """Return the pending invitations the scrape did not show, and how many the queue owns."""
    query = (
        select(Invitation.id, Invitation.person_id, Person.slug, in_flight(account_id))
        .join(Person, Person.id == Invitation.person_id)
        .where(
            Invitation.account_id == account_id,
            Invitation.state == InvitationState.PENDING,
            # Created after the scrape began (an invite the worker just sent): not missing.
            Invitation.first_seen_at <= started,
        )
        .order_by(Invitation.first_seen_at, Invitation.id)
    )
    missing: list[MissingInvitation] = []
    left_to_queue = 0
    for invitation_id, person_id, slug, owned_by_queue in (await session.execute(query)).all():
        if slug in rows:
            continue
        if owned_by_queue:
            left_to_queue += 1
            continue
        missing.append(MissingInvitation(invitation_id, person_id, slug))
    return missing, left_to_queue


async def verdict(client: LinkedInClient, slug: str) -> InvitationState | None:
    """Read the profile: ACCEPTED, VANISHED, or None when it still shows the invitation pending."""
    try:
        profile = await client.profile(slug)
    except AutomationError as exc:
        if exc.pauses_account:
            raise
        # The profile could not be read (removed member, odd page): it is gone from Sent all the same.
        logger.info("profile of a missing invitation unreadable (%s); marking vanished", type(exc).__name__)
        return InvitationState.VANISHED
    if profile.state is ProfileState.PENDING:
        return None
    if profile.state is ProfileState.CONNECTED:
        return InvitationState.ACCEPTED
    return InvitationState.VANISHED


async def close_missing(
    db: SessionFactory,
    account_id: int,
    verdicts: list[tuple[MissingInvitation, InvitationState | None]],
    started: datetime,
    at: datetime,
) -> tuple[int, int]:
    """Close each invitation with its verdict; returns (accepted, vanished)."""
    accepted = vanished = 0
    async with db.begin() as session:
        for item, found in verdicts:
            if found is None:
                continue
            invitation = await session.get(Invitation, item.invitation_id)
            # Re-checked inside the transaction: the worker may have taken it over meanwhile.
            if invitation is None or invitation.state is not InvitationState.PENDING:
                continue
            if await _in_flight(session, account_id, invitation.id) or invitation.last_seen_at > started:
                continue
            invitation.state = found
            invitation.closed_at = at
            record_event(
                session,
                account_id=account_id,
                kind=f"invitation_{found.value}",
                at=at,
                invitation_id=invitation.id,
                person_id=item.person_id,
            )
            if found is InvitationState.ACCEPTED:
                accepted += 1
                account = await session.get_one(Account, account_id)
                await open_followup(session, account, invitation, at=at)
            else:
                vanished += 1
    return accepted, vanished


async def _in_flight(session: AsyncSession, account_id: int, invitation_id: int) -> bool:
    query = select(Invitation.id).where(Invitation.id == invitation_id, in_flight(account_id))
    return (await session.execute(query)).first() is not None
