"""CLI: `followups list|done` — first messages to new connections, as the bot proposes them.

Sending stays a tap on the card (the owner reads the message first); here one sees what is
coming and can close a follow-up done another way (which cancels its message if a [Send] of it
is still queued, and is refused while the message is being sent).
"""

from __future__ import annotations

import click

from bot.commands.console import CliContext, find_account, pass_cli, run
from bot.commands.outcomes import WorkFailed
from bot.commands.params import ProfileSlug, account_option
from bot.commands.texts import say
from bot.services import followups
from bot.services.actions import ActionRefused
from bot.services.followup_sending import mark_done
from bot.services.people import person_by_slug


@click.group("followups")
def followups_group() -> None:
    """Follow-ups after acceptance: list them, or mark one done."""


@followups_group.command("list")
@account_option
@pass_cli
def followups_list(cli: CliContext, account_name: str) -> None:
    """List open follow-ups, soonest due first."""

    async def _list() -> None:
        async with cli.store() as db:
            account = await find_account(db, account_name)
            async with db() as session:
                rows = await followups.open_followups(session, account)
            say("followups_list", rows=rows, timezone=account.timezone)

    run(_list())


@followups_group.command("done")
@account_option
@click.argument("profile", type=ProfileSlug())
@pass_cli
def followups_done(cli: CliContext, account_name: str, profile: str) -> None:
    """Mark the follow-up of a person (profile slug or URL) done without sending."""

    async def _done() -> None:
        async with cli.store() as db:
            account = await find_account(db, account_name)
            async with db() as session:
                person = await person_by_slug(session, account, profile)
                rows = await followups.open_followups(session, account)
            open_ids = [f.id for f, p in rows if person is not None and p.id == person.id]
            if person is None or not open_ids:
                raise WorkFailed("followups_unknown", profile=profile)
            try:
                closed = await mark_done(db, account.id, open_ids[0], now=cli.clock())
            except ActionRefused as refused:  # "sending": the worker is typing it right now
                raise WorkFailed("followups_sending", name=person.name) from refused
            except followups.FollowupClosed as closed_meanwhile:
                raise WorkFailed("followups_unknown", profile=profile) from closed_meanwhile
            say(
                "followups_done",
                name=person.name,
                at=closed.followup.done_at,
                cancelled=closed.cancelled_send,
            )

    run(_done())
