"""CLI: `login` — sign in to LinkedIn (a visible browser, or headless with `--email`) and store
the session encrypted."""

from __future__ import annotations

from datetime import timedelta

import click

from automation.access import LinkedInAccess
from automation.config import endpoint_label
from automation.errors import CheckpointRequired, HumanRequired, NoVisibleBrowser
from bot.commands import browser_work
from bot.commands.console import CliContext, pass_cli, run
from bot.commands.outcomes import BadInput, NeedsSignIn
from bot.commands.params import Email, account_option
from bot.commands.texts import renderer, say
from bot.db.models import Account
from bot.services.accounts import get_or_create_account
from bot.services.identity import browser_identity
from bot.services.linkedin import exclusive_browser
from bot.services.secrets import SessionVault
from bot.services.session_health import adopt_session


@click.command()
@account_option
@click.option(
    "--email", type=Email(), help="Sign in headless with this email; prompts for the password (and a PIN)."
)
@pass_cli
def login(cli: CliContext, account_name: str, email: str | None) -> None:
    """Sign in to LinkedIn in a visible browser (2FA, captcha) and store the session encrypted."""
    settings = cli.settings
    password = click.prompt("LinkedIn password", hide_input=True) if email else None

    async def _login() -> None:
        vault = SessionVault.from_settings(settings)
        config = settings.automation_config()
        if email is None and config.remote_browser:
            # Refused before anything is created or shown: no window could appear here.
            where = endpoint_label(config.remote_browser)
            error = NoVisibleBrowser(f"the browser is the remote one at {where}")
            raise BadInput("browser_failed", error=error, kind="NoVisibleBrowser")
        async with cli.store() as db, LinkedInAccess(config) as access:
            async with db.begin() as session:
                account = await get_or_create_account(
                    session, account_name, timezone=settings.default_timezone
                )
            lease = timedelta(seconds=settings.worker_lease_seconds)
            async with exclusive_browser(db, account.id, cli.clock, lease):  # no worker drives it meanwhile
                if email is None:
                    say("login_visible", url=config.url("/login"))
                    try:
                        state = await access.visible_login()
                    except HumanRequired:
                        raise NeedsSignIn("login_visible_failed") from None
                else:
                    assert password is not None
                    identity = browser_identity(account, vault)
                    state = await browser_work.credential_login(access, email, password, _ask_code, identity)
            async with db.begin() as session:
                stored = await session.get_one(Account, account.id)
                await adopt_session(session, stored, vault, state, cli.clock())
            say("login_done", account=account)

    run(_login())


def _ask_code(error: CheckpointRequired) -> str:
    return str(click.prompt(renderer().cli("login_code", kind=error.kind)))
