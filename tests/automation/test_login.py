"""Signing in: both login forms, the code checkpoints relayed through `CheckpointRequired`, refusals."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser

from automation.client import LinkedInClient
from automation.config import AutomationConfig
from automation.errors import BadLogin, CheckpointRequired, HumanRequired, SessionExpired
from sandbox.config import DEFAULT_EMAIL, DEFAULT_PASSWORD, DEFAULT_PIN

pytestmark = pytest.mark.browser


@pytest.fixture
async def signed_out(browser: Browser, automation_config: AutomationConfig) -> AsyncIterator[LinkedInClient]:
    """A client with no session at all."""
    async with LinkedInClient(browser, automation_config) as client:
        yield client


async def assert_state_signs_in(browser: Browser, config: AutomationConfig, state: dict) -> None:
    """A storage_state from a login opens the Sent page in a fresh context."""
    async with LinkedInClient(browser, config, state) as fresh:
        await fresh.check_session()


@pytest.mark.parametrize("variant", ["classic", "formless"])
async def test_login_with_credentials(
    signed_out: LinkedInClient, browser: Browser, automation_config, sandbox, variant: str
) -> None:
    sandbox.set_faults(login_variant=variant)
    with pytest.raises(SessionExpired):
        await signed_out.check_session()
    state = await signed_out.login(DEFAULT_EMAIL, DEFAULT_PASSWORD)
    assert any(c["name"] == "li_at" for c in state["cookies"])
    await signed_out.check_session()
    await assert_state_signs_in(browser, automation_config, state)


@pytest.mark.parametrize("variant", ["classic", "formless"])
async def test_wrong_password_is_bad_login(signed_out: LinkedInClient, sandbox, variant: str) -> None:
    sandbox.set_faults(login_variant=variant)
    with pytest.raises(BadLogin):
        await signed_out.login(DEFAULT_EMAIL, "not-the-password")


@pytest.mark.parametrize("checkpoint", ["email_pin", "two_step"])
async def test_code_checkpoint_is_relayed_and_finished_in_the_same_page(
    signed_out: LinkedInClient, browser: Browser, automation_config, sandbox, checkpoint: str
) -> None:
    sandbox.set_faults(checkpoint=checkpoint)
    with pytest.raises(CheckpointRequired) as raised:
        await signed_out.login(DEFAULT_EMAIL, DEFAULT_PASSWORD)
    assert raised.value.kind == checkpoint

    with pytest.raises(CheckpointRequired) as again:
        await raised.value.submit("000000")  # a wrong code: asked again, same page
    assert again.value.kind == checkpoint and "did not accept" in str(again.value)

    state = await again.value.submit(DEFAULT_PIN)
    assert any(c["name"] == "li_at" for c in state["cookies"])
    await assert_state_signs_in(browser, automation_config, state)


async def test_captcha_needs_a_human(signed_out: LinkedInClient, sandbox) -> None:
    sandbox.set_faults(checkpoint="captcha")
    with pytest.raises(HumanRequired):
        await signed_out.login(DEFAULT_EMAIL, DEFAULT_PASSWORD)


async def test_session_from_an_li_at_cookie(signed_out: LinkedInClient, sandbox) -> None:
    li_at = next(c["value"] for c in sandbox.mint_session() if c["name"] == "li_at")
    state = await signed_out.login_with_cookie(li_at)
    assert any(c["name"] == "li_at" and c["value"] == li_at for c in state["cookies"])


async def test_an_invalid_cookie_is_session_expired(signed_out: LinkedInClient) -> None:
    with pytest.raises(SessionExpired):
        await signed_out.login_with_cookie("not-a-session")
