"""Fidelity of the sandbox's sign-in pages and session wall (reference §5, §8.4)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from sandbox import SandboxServer

pytestmark = pytest.mark.browser

SENT = "/mynetwork/invitation-manager/sent/"


@pytest_asyncio.fixture(loop_scope="session")
async def signed_out_page(sandbox: SandboxServer, browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context()
    context.set_default_timeout(5_000)
    yield await context.new_page()
    await context.close()


async def _sign_in(page: Page, sandbox: SandboxServer, password: str | None = None) -> None:
    await page.locator("#username[name=session_key]").fill(sandbox.config.email)
    await page.locator("#password[name=session_password]").fill(password or sandbox.config.password)
    await page.get_by_role("button", name="Sign in").click()


async def test_classic_login_sets_the_session_cookies_and_lands_on_the_feed(
    sandbox: SandboxServer, signed_out_page: Page
) -> None:
    page = signed_out_page
    await page.goto(sandbox.url("/login"))
    await expect(page.locator("form.login__form input[type=hidden][name=csrfToken]")).to_have_count(1)
    await expect(page.locator("button[type=submit][data-litms-control-urn=login-submit]")).to_have_text(
        "Sign in"
    )

    await _sign_in(page, sandbox)

    await expect(page).to_have_url(sandbox.url("/feed/"))
    cookies = {c["name"]: c for c in await page.context.cookies()}
    assert cookies["li_at"]["httpOnly"] is True
    assert cookies["JSESSIONID"]["value"].startswith('"ajax:') and cookies["JSESSIONID"]["value"].endswith(
        '"'
    )
    assert sandbox.state.sessions.valid(cookies["li_at"]["value"])


async def test_wrong_password_shows_an_error_and_sets_no_session(
    sandbox: SandboxServer, signed_out_page: Page
) -> None:
    page = signed_out_page
    await page.goto(sandbox.url("/login"))
    await _sign_in(page, sandbox, password="not-the-password")
    await expect(page.locator(".form__label--error")).to_contain_text("Wrong email or password")
    assert page.url.endswith("/checkpoint/lg/login-submit")
    assert "li_at" not in {c["name"] for c in await page.context.cookies()}


async def test_signed_out_visit_returns_to_the_page_after_login(
    sandbox: SandboxServer, signed_out_page: Page
) -> None:
    page = signed_out_page
    await page.goto(sandbox.url(SENT))
    assert "/login/?session_redirect=" in page.url
    await _sign_in(page, sandbox)
    await expect(page).to_have_url(sandbox.url(SENT))
    await expect(page.get_by_role("listitem")).to_have_count(10)


async def test_email_pin_checkpoint(sandbox: SandboxServer, signed_out_page: Page) -> None:
    sandbox.set_faults(checkpoint="email_pin")
    page = signed_out_page
    await page.goto(sandbox.url("/login"))
    await _sign_in(page, sandbox)
    await expect(page).to_have_url(re.compile(r"/checkpoint/challenge/[0-9a-f]+$"))
    form = page.locator("form#email-pin-challenge")
    await expect(form.locator("input[name=pin]")).to_have_count(2)  # one of them a hidden duplicate
    pin = form.locator("#input__email_verification_pin[name=pin]")

    await pin.fill("000000")
    await page.locator("#email-pin-submit-button").click()
    await expect(page.locator(".body__banner--error")).to_be_visible()

    await page.locator("#input__email_verification_pin").fill(sandbox.config.pin)
    await page.locator("#email-pin-submit-button").click()
    await expect(page).to_have_url(sandbox.url("/feed/"))


async def test_two_step_checkpoint(sandbox: SandboxServer, signed_out_page: Page) -> None:
    sandbox.set_faults(checkpoint="two_step")
    page = signed_out_page
    await page.goto(sandbox.url("/login"))
    await _sign_in(page, sandbox)
    await page.locator("#input__phone_verification_pin[autocomplete=one-time-code]").fill(sandbox.config.pin)
    await page.locator("#two-step-submit-button").click()
    await expect(page).to_have_url(sandbox.url("/feed/"))


async def test_captcha_checkpoint_needs_a_person(sandbox: SandboxServer, signed_out_page: Page) -> None:
    sandbox.set_faults(checkpoint="captcha")
    page = signed_out_page
    await page.goto(sandbox.url("/login"))
    await _sign_in(page, sandbox)
    await expect(page.get_by_text("Let’s do a quick security check")).to_be_visible()
    await expect(page.locator("input[name=pin]")).to_have_count(0)
    await page.frame_locator("iframe[src*=captcha]").get_by_role("button", name="I’m not a robot").click()
    await expect(page).to_have_url(sandbox.url("/feed/"))


async def test_formless_login_variant(sandbox: SandboxServer, signed_out_page: Page) -> None:
    sandbox.set_faults(login_variant="formless")
    page = signed_out_page
    await page.goto(sandbox.url("/login"))
    await expect(page.locator("form")).to_have_count(0)
    await page.locator("input[type=email][autocomplete=username]").fill(sandbox.config.email)
    await page.locator("input[type=password][autocomplete=current-password]").fill("wrong")
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")
    await page.locator("input[type=password][autocomplete=current-password]").fill(sandbox.config.password)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page).to_have_url(sandbox.url("/feed/"))


def test_session_expiry_sends_every_page_to_login(sandbox: SandboxServer) -> None:
    cookies = {c["name"]: c["value"] for c in sandbox.mint_session()}
    assert httpx.get(sandbox.url(SENT), cookies=cookies).status_code == 200
    sandbox.set_faults(expire_sessions=True)
    response = httpx.get(sandbox.url(SENT), cookies=cookies)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/login/?session_redirect=")


async def test_app_approval_checkpoint_waits_for_the_phone(
    sandbox: SandboxServer, signed_out_page: Page
) -> None:
    sandbox.set_faults(checkpoint="app_approval")
    page = signed_out_page
    await page.goto(sandbox.url("/login"))
    await _sign_in(page, sandbox)
    await expect(page.get_by_role("heading", name="Check your LinkedIn app")).to_be_visible()
    assert "li_at" not in {c["name"] for c in await page.context.cookies()}
    assert sandbox.state.sessions.approve_challenges() == 1
    await expect(page).to_have_url(sandbox.url("/feed/"))


def test_login_page_sends_a_signed_in_member_on(sandbox: SandboxServer) -> None:
    client = httpx.Client(base_url=sandbox.base_url)
    client.cookies.set("li_at", sandbox.mint_session()[0]["value"])
    response = client.get("/login", params={"session_redirect": sandbox.url(SENT)})
    assert response.status_code == 302
    assert response.headers["location"] == SENT
    assert client.get("/flagship-web/login").headers["location"] == "/feed/"
