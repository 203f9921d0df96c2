"""`invitesweep followups list|done`: the open follow-ups, and closing one without sending."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import (
    Account,
    Action,
    ActionState,
    Followup,
    FollowupState,
    Invitation,
    InvitationState,
    Person,
)
from bot.db.session import SessionFactory
from bot.services.actions.transitions import claim, fail
from bot.services.clock import system_clock
from bot.services.followup_sending import request_send
from tests.test_store_cli import cli_env as cli_env
from tests.test_store_cli import invoke


async def _accepted(db: SessionFactory, account: Account) -> None:
    now = system_clock()
    async with db.begin() as session:
        person = Person(account_id=account.id, slug="ana-lima", name="Ana Lima", profile_url="/in/ana-lima/")
        session.add(person)
        await session.flush()
        invitation = Invitation(
            account_id=account.id,
            person_id=person.id,
            state=InvitationState.ACCEPTED,
            sent_at_earliest=now - timedelta(days=9),
            sent_at_latest=now - timedelta(days=9),
            first_seen_at=now - timedelta(days=9),
            last_seen_at=now - timedelta(days=2),
            closed_at=now - timedelta(days=1),
        )
        session.add(invitation)
        await session.flush()
        session.add(
            Followup(
                account_id=account.id,
                invitation_id=invitation.id,
                person_id=person.id,
                state=FollowupState.SHOWN,
                accepted_at=now - timedelta(days=1),
                due_at=now,
                draft_message="Hi Ana, thanks for connecting!",
            )
        )


async def test_list_and_done(cli_env: dict[str, str], db: SessionFactory, account: Account) -> None:
    empty = await invoke(cli_env, "followups", "list")
    assert empty.exit_code == 0 and "No open follow-ups" in empty.output
    await _accepted(db, account)

    listed = await invoke(cli_env, "followups", "list")
    assert listed.exit_code == 0, listed.output
    assert (
        "Ana Lima — ana-lima — shown" in listed.output and "Hi Ana, thanks for connecting!" in listed.output
    )

    unknown = await invoke(cli_env, "followups", "done", "nobody-here")
    assert unknown.exit_code == 1 and "No open follow-up for nobody-here" in unknown.output
    done = await invoke(cli_env, "followups", "done", "https://www.linkedin.com/in/ana-lima/")
    assert done.exit_code == 0, done.output
    assert "Marked done: no message to Ana Lima." in done.output
    async with db() as session:
        assert await session.scalar(select(Followup.state)) is FollowupState.DONE
    again = await invoke(cli_env, "followups", "done", "ana-lima")
    assert again.exit_code == 1


async def test_done_cancels_a_queued_message_and_refuses_one_being_sent(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    await _accepted(db, account)
    async with db() as session:
        followup = await session.scalar(select(Followup))
    assert followup is not None
    message = await request_send(db, account.id, followup.id, now=system_clock())
    async with db.begin() as session:  # a worker has taken it: the browser may be typing it
        assert await claim(session, await session.get_one(Action, message.id), system_clock())

    sending = await invoke(cli_env, "followups", "done", "ana-lima")
    assert sending.exit_code == 1
    assert "The message to Ana Lima is being sent right now; nothing was changed." in sending.output
    async with db() as session:
        assert await session.scalar(select(Followup.state)) is FollowupState.SHOWN
        assert (await session.get_one(Action, message.id)).state is ActionState.RUNNING

    async with db.begin() as session:  # it failed for good: a second [Send] queues it again
        running = await session.get_one(Action, message.id)
        fail(session, running, system_clock(), error_kind="NotConnected", message="gone", retry_at=None)
    queued = await request_send(db, account.id, followup.id, now=system_clock())
    assert queued.id != message.id and queued.state is ActionState.QUEUED

    done = await invoke(cli_env, "followups", "done", "ana-lima")
    assert done.exit_code == 0, done.output
    assert "Marked done: the queued message to Ana Lima is cancelled, nothing is sent." in done.output
    async with db() as session:
        assert await session.scalar(select(Followup.state)) is FollowupState.DONE
        assert (await session.get_one(Action, queued.id)).state is ActionState.CANCELLED
