"""Every language the automation supports, end to end: profiles, invitations, refusals and signing in.

The Sent page's listing and withdrawals run in every language in test_sent_list.py and
test_withdraw.py, the profile's top card in test_profile_invite.py; here the custom-invite
dialog, LinkedIn's refusals and the sign-in pages, whose words differ.
"""

from datetime import timedelta

import pytest
from playwright.async_api import Browser

from automation.client import LinkedInClient
from automation.config import AutomationConfig
from automation.errors import (
    BadLogin,
    CheckpointRequired,
    HumanRequired,
    InviteBlocked,
    NoteQuotaExhausted,
    WeeklyLimit,
)
from automation.types import ProfileState
from sandbox.config import DEFAULT_EMAIL, DEFAULT_PASSWORD, DEFAULT_PIN
from tests.automation.test_profile_invite import stranger

pytestmark = pytest.mark.browser

SUPPORTED = ["en", "de", "nl", "fr", "es"]


@pytest.mark.parametrize("locale", SUPPORTED)
async def test_invite_with_a_note_reads_the_quota_in_every_language(
    linkedin: LinkedInClient, sandbox, locale: str
) -> None:
    sandbox.reset(locale=locale, notes_quota=4)
    slug = stranger(sandbox, in_menu=True)
    result = await linkedin.invite(slug, "Good to meet you in Lyon")
    assert (result.note_sent, result.note_limit, result.notes_remaining) == (True, 200, 3)
    assert sandbox.state.invitation(slug).note == "Good to meet you in Lyon"


@pytest.mark.parametrize("locale", SUPPORTED)
async def test_refusals_are_recognised_in_every_language(
    linkedin: LinkedInClient, sandbox, locale: str
) -> None:
    sandbox.reset(locale=locale, notes_quota=0)
    with pytest.raises(NoteQuotaExhausted):
        await linkedin.invite(stranger(sandbox), "Hello")

    withdrawn = sandbox.state.pending_slugs()[-1]
    await linkedin.withdraw(withdrawn)
    assert (await linkedin.profile(withdrawn)).state is ProfileState.BLOCKED
    with pytest.raises(InviteBlocked):
        await linkedin.invite(withdrawn, None)
    sandbox.advance_clock(timedelta(days=22))
    assert (await linkedin.profile(withdrawn)).state is ProfileState.CONNECTABLE

    sandbox.set_faults(weekly_limit=True)
    with pytest.raises(WeeklyLimit):
        await linkedin.invite(stranger(sandbox), None)
    assert sandbox.state.invited_slugs() == []


@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize("variant", ["classic", "formless"])
async def test_sign_in_with_a_code_in_every_language(
    browser: Browser, automation_config: AutomationConfig, sandbox, locale: str, variant: str
) -> None:
    sandbox.reset(locale=locale)
    sandbox.set_faults(login_variant=variant, checkpoint="email_pin")
    async with LinkedInClient(browser, automation_config) as client:
        with pytest.raises(BadLogin):
            await client.login(DEFAULT_EMAIL, "not-the-password")
        with pytest.raises(CheckpointRequired) as raised:
            await client.login(DEFAULT_EMAIL, DEFAULT_PASSWORD)
        with pytest.raises(CheckpointRequired) as again:
            await raised.value.submit("000000")
        assert "did not accept" in str(again.value)
        state = await again.value.submit(DEFAULT_PIN)
        assert any(c["name"] == "li_at" for c in state["cookies"])
        await client.check_session()


@pytest.mark.parametrize("locale", SUPPORTED)
@pytest.mark.parametrize("checkpoint", ["captcha", "app_approval"])
async def test_a_person_is_asked_for_in_every_language(
    browser: Browser, automation_config: AutomationConfig, sandbox, locale: str, checkpoint: str
) -> None:
    sandbox.reset(locale=locale)
    sandbox.set_faults(checkpoint=checkpoint)
    async with LinkedInClient(browser, automation_config) as client:
        with pytest.raises(HumanRequired):
            await client.login(DEFAULT_EMAIL, DEFAULT_PASSWORD)
    if checkpoint == "app_approval":
        # Sessions (and their challenges) outlive resets: leave no phone prompt waiting for later tests.
        assert sandbox.state.sessions.approve_challenges() >= 1


async def test_a_connect_link_in_words_we_lack_is_found_by_where_it_goes(
    linkedin: LinkedInClient, sandbox
) -> None:
    await linkedin.page.add_init_script(
        """document.addEventListener("DOMContentLoaded", () => {
          for (const a of document.querySelectorAll('a[href*="/preload/custom-invite/"]')) {
            a.setAttribute("aria-label", "Conectar con " + a.getAttribute("aria-label"));
          }
        });"""
    )
    assert (await linkedin.profile(stranger(sandbox))).state is ProfileState.CONNECTABLE
