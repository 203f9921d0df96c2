"""An account's browser identity in the store: checked before it is kept, the proxy's credentials
encrypted, given to every client of the account, and its user agent chosen once."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from automation.errors import ProxyFailed
from bot.db.models import Account
from bot.db.session import SessionFactory
from bot.services.identity import (
    InvalidIdentity,
    browser_identity,
    clear_proxy,
    identity_view,
    set_browser_settings,
    set_proxy,
)
from bot.services.linkedin import ClientProvider
from bot.services.secrets import SessionVault
from sandbox import SandboxServer
from tests.fakes.linkedin import FakeLinkedIn, FakeLinkedInSite
from tests.fixtures.proxy import RecordingProxy

PASSWORD = "pr0xy-s3cret"


async def _stored(db: SessionFactory, account_id: int) -> Account:
    async with db() as session:
        return await session.get_one(Account, account_id)


async def _set_proxy(
    db: SessionFactory, account: Account, vault: SessionVault, server: str, username: str, password: str
) -> None:
    async with db.begin() as session:
        set_proxy(await session.get_one(Account, account.id), vault, server, username, password)


@pytest.mark.parametrize(
    "server",
    [
        "127.0.0.1:3128",  # no scheme
        "ftp://127.0.0.1:3128",
        "http://127.0.0.1",  # no port
        "http://tester:hunter2@127.0.0.1:3128",  # credentials belong in --username / the prompt
        "http://127.0.0.1:3128/path",
        "http://127.0.0.1:99999",
        "http://:3128",
    ],
)
async def test_a_bad_proxy_address_is_refused_and_nothing_changes(
    db: SessionFactory, account: Account, vault: SessionVault, server: str
) -> None:
    with pytest.raises(InvalidIdentity) as refused:
        async with db.begin() as session:
            set_proxy(await session.get_one(Account, account.id), vault, server, "tester", PASSWORD)
    assert refused.value.reason == "proxy_server"
    assert "hunter2" not in str(refused.value)
    after = await _stored(db, account.id)
    assert (after.proxy_server, after.proxy_credentials) == (None, None)


async def test_bad_locales_time_zones_and_credentials_are_refused(
    db: SessionFactory, account: Account, vault: SessionVault
) -> None:
    async with db() as session:
        row = await session.get_one(Account, account.id)
        for change, reason in (
            ({"locale": "English"}, "locale"),
            ({"locale": "en_US"}, "locale"),
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"locale": "nl-NL", "timezone": "Nowhere"}, "timezone"),
        ):
            with pytest.raises(InvalidIdentity) as refused:
                set_browser_settings(row, **change)
            assert refused.value.reason == reason
            assert (row.browser_locale, row.browser_timezone) == (None, None)  # nothing half-set
        with pytest.raises(InvalidIdentity, match="proxy_credentials"):
            set_proxy(row, vault, "http://127.0.0.1:3128", None, PASSWORD)
        with pytest.raises(InvalidIdentity, match="proxy_credentials"):
            set_proxy(row, vault, "http://127.0.0.1:3128", "tester", "line\nbreak")
        assert row.proxy_server is None


async def test_the_proxy_credentials_are_stored_encrypted_and_shown_without_the_password(
    db: SessionFactory, account: Account, vault: SessionVault
) -> None:
    await _set_proxy(db, account, vault, "http://127.0.0.1:3128", "tester", PASSWORD)
    async with db() as session:
        raw = (await session.execute(text("SELECT * FROM accounts WHERE id = :id"), {"id": account.id})).one()
    assert PASSWORD.encode() not in b"".join(
        value if isinstance(value, bytes) else str(value).encode() for value in raw
    )
    stored = await _stored(db, account.id)
    identity = browser_identity(stored, vault)
    assert identity.proxy is not None
    assert (identity.proxy.server, identity.proxy.username, identity.proxy.password) == (
        "http://127.0.0.1:3128",
        "tester",
        PASSWORD,
    )
    view = identity_view(stored, vault)
    assert (view.proxy_username, view.proxy_password_set) == ("tester", True)
    assert PASSWORD not in repr(view)

    async with db.begin() as session:
        assert clear_proxy(await session.get_one(Account, account.id))
    assert browser_identity(await _stored(db, account.id), vault).proxy is None


async def test_every_client_of_the_account_is_opened_as_its_identity(
    db: SessionFactory,
    signed_in_account: Account,
    vault: SessionVault,
    fake_site: FakeLinkedInSite,
    fake_provider: ClientProvider,
) -> None:
    await _set_proxy(db, signed_in_account, vault, "socks5://127.0.0.1:1080", "tester", PASSWORD)
    async with db.begin() as session:
        set_browser_settings(
            await session.get_one(Account, signed_in_account.id), locale="de-DE", timezone="Europe/Berlin"
        )
    async with fake_provider.open(signed_in_account) as client:
        await client.check_session()
    opened = fake_site.opened[-1]
    assert isinstance(opened, FakeLinkedIn)
    assert opened.identity is not None
    assert opened.identity.label == signed_in_account.name
    assert opened.identity.proxy is not None and opened.identity.proxy.password == PASSWORD
    assert (opened.identity.locale, opened.identity.timezone_id) == ("de-DE", "Europe/Berlin")
    assert (await _stored(db, signed_in_account.id)).user_agent is None  # the fake has no browser


@pytest.mark.browser
async def test_the_user_agent_is_chosen_on_the_first_flow_and_kept(
    db: SessionFactory, signed_in_account: Account, chromium_provider: ClientProvider
) -> None:
    async with chromium_provider.open(signed_in_account) as client:
        await client.check_session()
        first = client.user_agent
    stored = await _stored(db, signed_in_account.id)
    assert first is not None and stored.user_agent == first
    assert "HeadlessChrome" not in first and "Chrome/" in first

    mark = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{}.0.0.0 Safari/537.36"
    )
    major = first.split("Chrome/")[1].split(".")[0]
    async with db.begin() as session:
        (await session.get_one(Account, signed_in_account.id)).user_agent = mark.format(major) + " kept"
    async with chromium_provider.open(signed_in_account) as client:
        await client.check_session()
        assert await client.page.evaluate("navigator.userAgent") == mark.format(major) + " kept"


@pytest.mark.browser
async def test_a_refusing_proxy_is_one_clear_error_and_the_password_is_never_logged(
    db: SessionFactory,
    signed_in_account: Account,
    vault: SessionVault,
    chromium_provider: ClientProvider,
    recording_proxy: RecordingProxy,
    sandbox: SandboxServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await _set_proxy(
        db, signed_in_account, vault, recording_proxy.server, recording_proxy.username, "wr0ng-pa55"
    )
    with pytest.raises(ProxyFailed) as failed:
        async with chromium_provider.open(signed_in_account) as client:
            await client.list_sent()
    assert f'account "{signed_in_account.name}"' in str(failed.value)
    assert "wr0ng-pa55" not in str(failed.value) + caplog.text
    assert recording_proxy.passed() == []

    await _set_proxy(db, signed_in_account, vault, recording_proxy.server, recording_proxy.username, PASSWORD)
    async with chromium_provider.open(signed_in_account) as client:
        listed = await client.list_sent()
    assert len(listed.invitations) == len(sandbox.state.pending())
    assert recording_proxy.passed()
    assert PASSWORD not in caplog.text
