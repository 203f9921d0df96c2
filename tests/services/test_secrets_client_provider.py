"""ClientProvider: opens clients on the stored session, keeps it fresh, pauses on expiry."""

import logging
from contextlib import AbstractAsyncContextManager

import pytest

from automation.client import LinkedInClient
from automation.errors import SessionExpired
from bot.db.models import Account, SessionStatus
from bot.db.session import SessionFactory
from bot.services.clock import FrozenClock
from bot.services.linkedin import ClientProvider
from bot.services.secrets import SessionVault
from sandbox import SandboxServer


@pytest.fixture
def provider(fake_provider: ClientProvider) -> ClientProvider:
    """LinkedIn is the provider's counterpart, not its subject: in memory (tests/fakes/linkedin.py)."""
    return fake_provider


async def _stored(db: SessionFactory, account_id: int) -> Account:
    async with db() as session:
        return await session.get_one(Account, account_id)


async def test_open_uses_the_stored_session_and_stores_it_back_encrypted(
    db: SessionFactory,
    signed_in_account: Account,
    provider: ClientProvider,
    vault: SessionVault,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    before = await _stored(db, signed_in_account.id)
    cookie = next(c["value"] for c in (vault.load_session(before) or {})["cookies"] if c["name"] == "li_at")

    async with provider.open(signed_in_account) as client:
        await client.check_session()

    after = await _stored(db, signed_in_account.id)
    assert after.session_status is SessionStatus.VALID
    assert after.session_state != before.session_state  # re-encrypted from the context's state
    state = vault.load_session(after)
    assert state is not None and cookie in {c["value"] for c in state["cookies"]}
    assert cookie not in caplog.text


async def test_expired_session_is_marked_and_pauses_the_account(
    db: SessionFactory,
    signed_in_account: Account,
    provider: ClientProvider,
    sandbox: SandboxServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    stored_state = (await _stored(db, signed_in_account.id)).session_state
    sandbox.set_faults(expire_sessions=True)

    with pytest.raises(SessionExpired):
        async with provider.open(signed_in_account) as client:
            await client.check_session()

    after = await _stored(db, signed_in_account.id)
    assert after.session_status is SessionStatus.EXPIRED
    assert (after.paused, after.paused_reason) == (True, "session_expired")
    assert after.session_state == stored_state  # the dead session was not written back as valid
    assert "li_at" not in caplog.text


async def test_an_account_never_signed_in_opens_no_browser(
    db: SessionFactory, account: Account, vault: SessionVault, clock: FrozenClock
) -> None:
    opened: list[object] = []

    def opener(state: object, identity: object = None) -> AbstractAsyncContextManager[LinkedInClient]:
        opened.append(state)
        raise AssertionError("a browser context was opened without a session")

    provider = ClientProvider(db, vault, opener, clock)
    with pytest.raises(SessionExpired, match="not signed in"):
        async with provider.open(account):
            pass

    assert opened == []
    after = await _stored(db, account.id)
    assert after.session_status is SessionStatus.NONE  # "never signed in" is not "expired"
