"""CLI: `keep add|remove|list` — the keep list: people never suggested and never withdrawn in bulk."""

from __future__ import annotations

import click

from bot.commands.console import CliContext, find_account, pass_cli, run
from bot.commands.outcomes import WorkFailed
from bot.commands.params import ProfileSlug, account_option
from bot.commands.texts import say
from bot.services.people import kept_people, person_by_slug, set_keep


@click.group()
def keep() -> None:
    """The keep list: people never suggested and never withdrawn in bulk."""


async def _set_keep(cli: CliContext, account_name: str, slugs: tuple[str, ...], value: bool) -> None:
    async with cli.store() as db:
        account = await find_account(db, account_name)
        changed: list[str] = []
        unknown: list[str] = []
        async with db.begin() as session:
            for slug in slugs:
                person = await person_by_slug(session, account, slug)
                if person is None:
                    unknown.append(slug)
                    continue
                await set_keep(session, account, person, value, cli.clock())
                changed.append(person.name)
        say("keep_changed", changed=changed, unknown=unknown, keep=value)
        if unknown:
            raise WorkFailed("keep_unknown", unknown=unknown, changed=len(changed))


@keep.command("add")
@account_option
@click.argument("profiles", nargs=-1, required=True, type=ProfileSlug())
@pass_cli
def keep_add(cli: CliContext, account_name: str, profiles: tuple[str, ...]) -> None:
    """Keep-list people by profile slug or URL."""
    run(_set_keep(cli, account_name, profiles, True))


@keep.command("remove")
@account_option
@click.argument("profiles", nargs=-1, required=True, type=ProfileSlug())
@pass_cli
def keep_remove(cli: CliContext, account_name: str, profiles: tuple[str, ...]) -> None:
    """Take people off the keep list."""
    run(_set_keep(cli, account_name, profiles, False))


@keep.command("list")
@account_option
@pass_cli
def keep_list(cli: CliContext, account_name: str) -> None:
    """List the keep-listed people."""

    async def _list() -> None:
        async with cli.store() as db:
            account = await find_account(db, account_name)
            async with db() as session:
                people = await kept_people(session, account)
            say("keep_list", people=people)

    run(_list())
