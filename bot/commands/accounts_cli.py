"""CLI: `accounts add|list|rename|remove`, the explicit way to make, see, rename and remove LinkedIn
accounts; `accounts proxy set|clear` and `accounts identity`, how an account's browser looks to LinkedIn.

Renaming and removing follow the chat's /accounts rules (`bot.services.owner_accounts`): the same
name check and clash refusal, and no removal while a worker is in the account's browser work.

`--account NAME` on the other commands only finds accounts; signing in (`invitesweep login`)
and `accounts add` are what create them.
"""

from __future__ import annotations

import click

from bot.commands.console import CliContext, find_account, pass_cli, run
from bot.commands.outcomes import BadInput, WorkFailed
from bot.commands.params import AccountName, BrowserSetting, ProxyServer, account_option
from bot.commands.texts import invalid, say
from bot.db.models import Account
from bot.services.accounts import AccountExists, create_account
from bot.services.identity import (
    InvalidIdentity,
    clear_proxy,
    identity_view,
    set_browser_settings,
    set_proxy,
)
from bot.services.owner_accounts import (
    AccountInUse,
    account_lines,
    removal_summary,
    remove_account,
    rename_account,
)
from bot.services.secrets import SessionVault


@click.group()
def accounts() -> None:
    """The LinkedIn accounts InviteSweep keeps (self-hosting usually has one: "default")."""


@accounts.command("add")
@click.argument("name", type=AccountName())
@pass_cli
def accounts_add(cli: CliContext, name: str) -> None:
    """Add an account called NAME (1–64 printable characters); sign it in with `login --account`."""
    settings = cli.settings

    async def _add() -> None:
        async with cli.store() as db:
            try:
                async with db.begin() as session:
                    await create_account(session, name, timezone=settings.default_timezone)
            except AccountExists:
                raise BadInput("account_exists", name=name) from None
        say("account_added", name=name)

    run(_add())


@accounts.command("list")
@pass_cli
def accounts_list(cli: CliContext) -> None:
    """List the accounts: name, owner in Telegram, LinkedIn session, paused or not, pending."""

    async def _list() -> None:
        async with cli.store() as db, db() as session:
            say("accounts_list", accounts=await account_lines(session))

    run(_list())


@accounts.command("rename")
@click.argument("old", type=AccountName())
@click.argument("new", type=AccountName())
@pass_cli
def accounts_rename(cli: CliContext, old: str, new: str) -> None:
    """Rename the account OLD to NEW (1–64 printable characters, not taken)."""

    async def _rename() -> None:
        async with cli.store() as db:
            account = await find_account(db, old)
            try:
                async with db.begin() as session:
                    row = await session.get_one(Account, account.id)
                    await rename_account(session, row, new, cli.clock())
            except AccountExists:
                raise BadInput("account_exists", name=new) from None
        say("account_renamed", old=old, new=new)

    run(_rename())


@accounts.command("remove")
@click.argument("name", type=AccountName())
@click.option("--yes", "-y", "assume_yes", is_flag=True, help="Do not ask for confirmation.")
@pass_cli
def accounts_remove(cli: CliContext, name: str, assume_yes: bool) -> None:
    """Remove the account NAME with everything kept of it (invitations, people, queue, reminders,
    follow-ups, events, session). Refused while a worker is doing its browser work."""

    async def _remove() -> None:
        async with cli.store() as db:
            account = await find_account(db, name)
            async with db() as session:
                summary = await removal_summary(session, account)
            question = cli.renderer.cli("account_remove_confirm", summary=summary)
            if not assume_yes and not click.confirm(question):
                raise WorkFailed("account_remove_aborted", name=name)
            try:
                async with db.begin() as session:
                    await remove_account(session, account.id, cli.clock())
            except AccountInUse as busy:
                raise WorkFailed("account_remove_busy", name=name, reason=busy.reason) from None
        say("account_removed", summary=summary)

    run(_remove())


@accounts.group("proxy")
def accounts_proxy() -> None:
    """Route an account's browser through a proxy of its own (or directly again)."""


@accounts_proxy.command("set")
@account_option
@click.argument("server", type=ProxyServer())
@click.option(
    "--username", help="The proxy's username; its password is then asked for (never on the command line)."
)
@pass_cli
def accounts_proxy_set(cli: CliContext, account_name: str, server: str, username: str | None) -> None:
    """Send the account's browser traffic through the proxy at SERVER (http://host:port, socks5://…)."""
    password = click.prompt("Proxy password", hide_input=True) if username is not None else None

    async def _set() -> None:
        vault = SessionVault.from_settings(cli.settings)
        async with cli.store() as db:
            account = await find_account(db, account_name)
            try:
                async with db.begin() as session:
                    set_proxy(await session.get_one(Account, account.id), vault, server, username, password)
            except InvalidIdentity as exc:
                raise invalid(exc.reason, "") from None
        say("proxy_set", name=account_name, server=server, username=username)

    run(_set())


@accounts_proxy.command("clear")
@account_option
@pass_cli
def accounts_proxy_clear(cli: CliContext, account_name: str) -> None:
    """Let the account's browser connect directly again (its proxy and credentials are forgotten)."""

    async def _clear() -> None:
        async with cli.store() as db:
            account = await find_account(db, account_name)
            async with db.begin() as session:
                had = clear_proxy(await session.get_one(Account, account.id))
        say("proxy_cleared", name=account_name, had=had)

    run(_clear())


@accounts.command("identity")
@account_option
@click.option(
    "--locale",
    type=BrowserSetting("locale"),
    help='The browser\'s language, e.g. nl-NL ("default": its own).',
)
@click.option(
    "--timezone",
    type=BrowserSetting("timezone"),
    help='The browser\'s time zone, e.g. Europe/Amsterdam ("default").',
)
@pass_cli
def accounts_identity(cli: CliContext, account_name: str, locale: str | None, timezone: str | None) -> None:
    """Show (and with --locale/--timezone set) how the account's browser looks to LinkedIn."""

    async def _identity() -> None:
        vault = SessionVault.from_settings(cli.settings)
        async with cli.store() as db:
            account = await find_account(db, account_name)
            async with db.begin() as session:
                row = await session.get_one(Account, account.id)
                set_browser_settings(row, locale=locale, timezone=timezone)
                view = identity_view(row, vault)
        say("identity", name=account_name, identity=view)

    run(_identity())
