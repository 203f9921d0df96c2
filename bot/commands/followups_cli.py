"""CLI: `followups list|done` — first messages to new connections, as the bot proposes them.

Sending stays a tap on the card (the owner reads the message first); here one sees what is
coming and can close a follow-up done another way.
"""

from __future__ import annotations

import click

from bot.commands.console import CliContext, find_account, pass_cli, run
from bot.commands.outcomes import WorkFailed
from bot.commands.params import ProfileSlug, account_option
from bot.commands.texts import say
from bot.db.models import Followup
from bot.services import followups
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
            async with db.begin() as session:
                person = await person_by_slug(session, account, profile)
                rows = await followups.open_followups(session, account)
                open_ids = [f.id for f, p in rows if person is not None and p.id == person.id]
                if person is None or not open_ids:
                    raise WorkFailed("followups_unknown", profile=profile)
                done: Followup = await followups.mark_done(
                    session, open_ids[0], account_id=account.id, now=cli.clock()
                )
            say("followups_done", name=person.name, at=done.done_at)

    run(_done())
