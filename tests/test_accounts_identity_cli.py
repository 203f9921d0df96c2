"""`accounts proxy set|clear` and `accounts identity`: an account's browser identity from the CLI,
refused when bad before anything changes, and used by the next sync."""

from __future__ import annotations

import pytest

from bot.db.models import Account
from bot.db.session import SessionFactory
from sandbox import SandboxServer
from tests.fixtures.proxy import RecordingProxy
from tests.test_store_cli import invoke as invoke_with_input
from tests.test_store_cli_browser import invoke, signed_in_env

__all__ = ["signed_in_env"]  # the fixture, used by name below


async def _stored(db: SessionFactory, account_id: int) -> Account:
    async with db() as session:
        return await session.get_one(Account, account_id)


@pytest.mark.browser
async def test_a_proxy_set_from_the_cli_carries_the_next_sync_and_a_wrong_one_names_the_account(
    signed_in_env: dict[str, str],
    db: SessionFactory,
    account: Account,
    sandbox: SandboxServer,
    recording_proxy: RecordingProxy,
) -> None:
    env = signed_in_env
    wrong = "wr0ng-pa55word"
    setting = await invoke_with_input(
        env, "accounts", "proxy", "set", recording_proxy.server, "--username", "tester", input=f"{wrong}\n"
    )
    assert setting.exit_code == 0, setting.output
    assert f'The browser of "default" now goes through the proxy at {recording_proxy.server} as tester' in (
        setting.output
    )
    assert wrong not in setting.output

    refused = await invoke(env, "sync")
    assert refused.exit_code == 1, refused.output
    assert 'the proxy of account "default" refused its credentials (HTTP 407)' in refused.output
    assert "accounts proxy set" in refused.output
    assert wrong not in refused.output
    assert recording_proxy.passed() == []

    fixed = await invoke_with_input(
        env, "accounts", "proxy", "set", recording_proxy.server, "--username", "tester",
        input=f"{recording_proxy.password}\n",
    )  # fmt: skip
    assert fixed.exit_code == 0, fixed.output
    synced = await invoke(env, "sync")
    assert synced.exit_code == 0, synced.output
    assert any("/mynetwork/invitation-manager/sent" in url for url in recording_proxy.passed())
    assert (await _stored(db, account.id)).user_agent is not None  # chosen on that first flow

    shown = await invoke(env, "accounts", "identity")
    assert f"Proxy: {recording_proxy.server} as tester (password stored encrypted)" in shown.output
    assert recording_proxy.password not in shown.output
    assert "User agent: Mozilla/5.0" in shown.output

    cleared = await invoke(env, "accounts", "proxy", "clear")
    assert cleared.exit_code == 0, cleared.output
    before = len(recording_proxy.seen)
    assert (await invoke(env, "sync")).exit_code == 0
    assert len(recording_proxy.seen) == before  # direct again


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("accounts", "proxy", "set", "http://tester:hunter2@127.0.0.1:3128"), "not a proxy address"),
        (("accounts", "proxy", "set", "127.0.0.1:3128"), "not a proxy address"),
        (("accounts", "identity", "--locale", "English"), '"English" is not a language tag'),
        (("accounts", "identity", "--timezone", "Mars/Olympus"), '"Mars/Olympus" is not a time zone'),
        (("accounts", "proxy", "set", "http://127.0.0.1:3128", "--account", "nobody"), "nobody"),
    ],
)
async def test_bad_identity_input_is_refused_and_changes_nothing(
    signed_in_env: dict[str, str], db: SessionFactory, account: Account, args: tuple[str, ...], says: str
) -> None:
    before = await _stored(db, account.id)
    result = await invoke(signed_in_env, *args)
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert "hunter2" not in result.output
    after = await _stored(db, account.id)
    identity = ("proxy_server", "proxy_credentials", "browser_locale", "browser_timezone")
    assert [getattr(after, field) for field in identity] == [getattr(before, field) for field in identity]


async def test_the_identity_is_set_and_shown(
    signed_in_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    result = await invoke(
        signed_in_env, "accounts", "identity", "--locale", "nl-NL", "--timezone", "Europe/Amsterdam"
    )
    assert result.exit_code == 0, result.output
    assert "Proxy: none (direct)" in result.output
    assert "Language: nl-NL" in result.output
    assert "Time zone: Europe/Amsterdam" in result.output
    stored = await _stored(db, account.id)
    assert (stored.browser_locale, stored.browser_timezone) == ("nl-NL", "Europe/Amsterdam")

    reset = await invoke(signed_in_env, "accounts", "identity", "--locale", "default")
    assert "Language: the browser's own" in reset.output
    assert "Time zone: Europe/Amsterdam" in reset.output


@pytest.mark.browser
async def test_signing_in_with_credentials_goes_through_the_accounts_proxy(
    signed_in_env: dict[str, str], recording_proxy: RecordingProxy, sandbox: SandboxServer
) -> None:
    from sandbox.config import DEFAULT_EMAIL, DEFAULT_PASSWORD

    setting = await invoke_with_input(
        signed_in_env, "accounts", "proxy", "set", recording_proxy.server, "--username", "tester",
        input=f"{recording_proxy.password}\n",
    )  # fmt: skip
    assert setting.exit_code == 0, setting.output
    result = await invoke_with_input(
        signed_in_env, "login", "--email", DEFAULT_EMAIL, input=f"{DEFAULT_PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert any("/login" in url for url in recording_proxy.passed())
