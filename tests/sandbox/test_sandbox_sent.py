"""Fidelity of the sandbox's E4 Sent page to the live page (reference §1.2, §1.3, §8.1, §8.2)."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Page, expect

from sandbox import SandboxConfig, SandboxServer
from sandbox.model import WithdrawOutcome
from sandbox.sent import PAGINATION_PATH, PAGINATION_SDUIID, fragment_latency

pytestmark = pytest.mark.browser

SENT = "/mynetwork/invitation-manager/sent/"
WITHDRAW_NAME = re.compile(r"^Withdraw invitation sent to (.+)$")


async def _open_sent(page: Page, sandbox: SandboxServer) -> None:
    await page.goto(sandbox.url(SENT))
    await expect(page.get_by_role("listitem").first).to_be_visible()


async def _scroll_main_to_bottom(page: Page) -> None:
    await page.locator("main").evaluate("main => main.scrollTo(0, main.scrollHeight)")


async def test_body_does_not_scroll_but_main_does(sandbox: SandboxServer, sandbox_page: Page) -> None:
    await _open_sent(sandbox_page, sandbox)
    scrolled = await sandbox_page.evaluate("() => { window.scrollTo(0, 5000); return window.scrollY; }")
    main_scrolls = await sandbox_page.locator("main#workspace").evaluate(
        "main => main.scrollHeight > main.clientHeight && getComputedStyle(main).overflowY === 'auto'"
    )
    assert scrolled == 0
    assert main_scrolls


async def test_ten_rows_then_lazy_loads_on_main_scroll_up_to_the_pill(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    page = sandbox_page
    pagination_urls: list[str] = []
    page.on(
        "request",
        lambda r: pagination_urls.append(r.url) if "rsc-action/actions/pagination" in r.url else None,
    )
    await _open_sent(page, sandbox)
    rows = page.get_by_role("listitem")
    assert await rows.count() == 10
    await expect(page.get_by_role("link", name=re.compile(r"^People \(\d+\)$"))).to_have_text("People (35)")

    for expected in (20, 30, 35):
        await _scroll_main_to_bottom(page)
        await expect(rows).to_have_count(expected)

    assert all("?sduiid=" in url for url in pagination_urls) and len(pagination_urls) == 3
    names = [
        WITHDRAW_NAME.match(label or "")
        for label in await page.get_by_role("link", name=WITHDRAW_NAME).evaluate_all(
            "els => els.map(e => e.getAttribute('aria-label'))"
        )
    ]
    expected_names = [sandbox.state.person(slug).name for slug in sandbox.state.pending_slugs()]  # type: ignore[union-attr]
    assert [m.group(1) for m in names if m] == expected_names


async def test_lazy_rows_link_withdraw_to_the_sent_page_and_pictures_to_profiles(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    await _open_sent(sandbox_page, sandbox)
    await _scroll_main_to_bottom(sandbox_page)
    await expect(sandbox_page.get_by_role("listitem")).to_have_count(20)
    hrefs = await sandbox_page.get_by_role("link", name=WITHDRAW_NAME).evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert hrefs[:10] == [sandbox.url("/")] * 10
    assert hrefs[10:] == [sandbox.url(SENT)] * 10
    first_slug = sandbox.state.pending_slugs()[0]
    picture = sandbox_page.get_by_role("listitem").first.locator("a[href*='/in/']")
    await expect(picture).to_have_attribute("href", sandbox.url(f"/in/{first_slug}/"))


async def test_synthetic_click_and_enter_do_not_open_the_confirmation(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    page = sandbox_page
    dialog_requests: list[str] = []
    page.on(
        "request", lambda r: dialog_requests.append(r.url) if "WithdrawConfirmationDialog" in r.url else None
    )
    await _open_sent(page, sandbox)
    slug = sandbox.state.pending_slugs()[0]
    control = page.get_by_role("link", name=WITHDRAW_NAME).first

    await control.evaluate("el => el.click()")
    await control.focus()
    await page.keyboard.press("Enter")
    # A trusted click afterwards proves the page was listening all along; by the time its dialog
    # shows, a dialog request from the earlier activations would have been seen too.
    await control.click()

    await expect(page.locator("dialog[open]")).to_have_count(1)
    assert len(dialog_requests) == 1
    assert page.url == sandbox.url(SENT)
    assert sandbox.state.is_pending(slug)


async def test_trusted_click_and_confirm_withdraw_on_the_server(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    page = sandbox_page
    await _open_sent(page, sandbox)
    slug = sandbox.state.pending_slugs()[0]
    person = sandbox.state.person(slug)
    assert person is not None

    await page.get_by_role("link", name=f"Withdraw invitation sent to {person.name}").click()
    dialog = page.locator("dialog[open]")
    await expect(dialog).to_have_attribute("data-testid", "dialog")
    await expect(dialog.locator("header#dialog-header > h2")).to_have_text("Withdraw invitation")
    await expect(dialog).to_contain_text(
        "If you withdraw now, you won’t be able to resend to this person for up to 3 weeks."
    )
    assert await dialog.get_attribute("role") is None
    await expect(dialog.get_by_role("button", name="Dismiss")).to_be_visible()
    await expect(dialog.get_by_role("button", name="Cancel")).to_be_visible()
    confirm = dialog.get_by_role("button", name=f"Withdraw invitation sent to {person.name}")
    await expect(confirm).to_have_text("Withdraw")

    await confirm.click()

    await expect(page.get_by_role("alert")).to_have_text(f"Invitation to {person.first_name} withdrawn.")
    await expect(page.get_by_role("link", name=f"Withdraw invitation sent to {person.name}")).to_have_count(0)
    await expect(page.get_by_role("link", name="People (34)")).to_be_visible()
    assert not sandbox.state.is_pending(slug)
    assert sandbox.state.withdrawn_slugs() == [slug]
    assert sandbox.state.withdraw_requests() == {slug: 1}


async def test_cancel_and_dismiss_withdraw_nothing(sandbox: SandboxServer, sandbox_page: Page) -> None:
    page = sandbox_page
    await _open_sent(page, sandbox)
    control = page.get_by_role("link", name=WITHDRAW_NAME).first
    for button in ("Cancel", "Dismiss"):
        await control.click()
        await page.locator("dialog[open]").get_by_role("button", name=button, exact=True).click()
        await expect(page.locator("dialog[open]")).to_have_count(0)
    assert sandbox.state.pill_count() == 35
    await expect(page.get_by_role("listitem")).to_have_count(10)


async def test_decoys_are_present(sandbox: SandboxServer, sandbox_page: Page) -> None:
    page = sandbox_page
    await _open_sent(page, sandbox)
    await expect(page.locator("aside dialog:not([open])")).to_have_count(2)
    await expect(page.locator("dialog[open]")).to_have_count(0)
    # A hidden duplicate of a row: in the DOM, not in the accessibility tree.
    await expect(page.locator("[role=listitem]")).to_have_count(11)
    await expect(page.get_by_role("listitem")).to_have_count(10)
    rail_slugs = await page.locator("aside a[href*='/in/']").evaluate_all(
        "els => els.map(e => e.getAttribute('href').split('/in/')[1].replace('/', ''))"
    )
    assert rail_slugs and not set(rail_slugs) & set(sandbox.state.pending_slugs())


async def test_confirm_does_nothing_fault(sandbox: SandboxServer, sandbox_page: Page) -> None:
    sandbox.set_faults(confirm_noop=True)
    page = sandbox_page
    await _open_sent(page, sandbox)
    await page.get_by_role("link", name=WITHDRAW_NAME).first.click()
    await page.locator("dialog[open]").get_by_role("button", name=WITHDRAW_NAME).click()
    await expect(page.locator("dialog[open]")).to_be_visible()
    assert sandbox.state.pill_count() == 35


async def test_withdrawal_that_does_not_hold_returns_on_reload(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    sandbox.set_faults(withdraw_holds=False)
    page = sandbox_page
    await _open_sent(page, sandbox)
    first = page.get_by_role("link", name=WITHDRAW_NAME).first
    label = await first.get_attribute("aria-label")
    await first.click()
    await page.locator("dialog[open]").get_by_role("button", name=WITHDRAW_NAME).click()
    await expect(page.get_by_role("link", name=label or "")).to_have_count(0)
    await expect(page.get_by_role("link", name="People (34)")).to_be_visible()

    await page.reload()
    await expect(page.get_by_role("link", name=label or "")).to_have_count(1)
    await expect(page.get_by_role("link", name="People (35)")).to_be_visible()


def test_every_confirmed_withdrawal_is_counted_a_refused_repeat_too(sandbox: SandboxServer) -> None:
    """What "exactly once" is checked against: a second confirm changes nothing but is seen."""
    first, second = sandbox.state.pending_slugs()[:2]
    assert sandbox.state.withdraw(first) is WithdrawOutcome.WITHDRAWN
    assert sandbox.state.withdraw(first) is WithdrawOutcome.NOT_PENDING
    assert sandbox.state.withdraw(second) is WithdrawOutcome.WITHDRAWN
    assert sandbox.state.withdraw_requests() == {first: 2, second: 1}
    sandbox.reset()
    assert sandbox.state.withdraw_requests() == {}


def test_pill_uses_a_thousands_comma(sandbox: SandboxServer) -> None:
    sandbox.reset(pending=1200)
    response = httpx.get(sandbox.url(SENT), cookies={c["name"]: c["value"] for c in sandbox.mint_session()})
    assert ">People (1,200)</a>" in response.text


def test_empty_world_shows_zero_and_no_empty_text(sandbox: SandboxServer) -> None:
    sandbox.reset(pending=0)
    response = httpx.get(sandbox.url(SENT), cookies={c["name"]: c["value"] for c in sandbox.mint_session()})
    assert ">People (0)</a>" in response.text
    assert 'role="listitem"' not in response.text
    assert "No pending invitations" not in response.text


def test_pages_redirect_to_login_without_a_session(sandbox: SandboxServer) -> None:
    response = httpx.get(sandbox.url(SENT))
    assert response.status_code == 302
    assert response.headers["location"].startswith("/login/?session_redirect=")
    sandbox.set_faults(auth_redirect="authwall")
    assert httpx.get(sandbox.url(SENT)).headers["location"].startswith("/authwall")


async def test_dialog_naming_another_member_withdraws_that_member(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    sandbox.set_faults(dialog_wrong_person=True)
    page = sandbox_page
    await _open_sent(page, sandbox)
    clicked, other = sandbox.state.pending_slugs()[:2]
    other_name = sandbox.state.person(other).name  # type: ignore[union-attr]
    await page.get_by_role("link", name=WITHDRAW_NAME).first.click()
    confirm = page.locator("dialog[open]").get_by_role("button", name=WITHDRAW_NAME)
    await expect(confirm).to_have_attribute("aria-label", f"Withdraw invitation sent to {other_name}")
    await confirm.click()
    await expect(page.get_by_role("alert")).to_have_text(f"Invitation to {other_name.split()[0]} withdrawn.")
    assert sandbox.state.is_pending(clicked)
    assert not sandbox.state.is_pending(other)


async def test_withdraw_network_error_keeps_the_row(sandbox: SandboxServer, sandbox_page: Page) -> None:
    sandbox.set_faults(withdraw_error=True)
    page = sandbox_page
    await _open_sent(page, sandbox)
    await page.get_by_role("link", name=WITHDRAW_NAME).first.click()
    await page.locator("dialog[open]").get_by_role("button", name=WITHDRAW_NAME).click()
    await expect(page.get_by_role("alert")).to_have_text("Something went wrong. Please try again.")
    await expect(page.get_by_role("listitem")).to_have_count(10)
    await expect(page.get_by_role("link", name="People (35)")).to_be_visible()
    assert sandbox.state.pill_count() == 35


async def test_slow_responses_still_serve_the_page(sandbox: SandboxServer, sandbox_page: Page) -> None:
    sandbox.set_faults(delay_ms=150)
    await _open_sent(sandbox_page, sandbox)
    await _scroll_main_to_bottom(sandbox_page)
    await expect(sandbox_page.get_by_role("listitem")).to_have_count(20)
    assert sandbox.state.faults.delay_ms == 150


def test_fragment_latency_is_drawn_from_its_range_reproducibly_per_fragment() -> None:
    config = SandboxConfig(seed=3, fragment_latency=(0.2, 0.4))
    delays = [fragment_latency(config, cursor) for cursor in range(1, 51)]
    assert all(0.2 <= delay <= 0.4 for delay in delays)
    assert len(set(delays)) == len(delays)  # drawn per fragment, not one delay for all
    assert delays == [
        fragment_latency(SandboxConfig(seed=3, fragment_latency=(0.2, 0.4)), c) for c in range(1, 51)
    ]
    assert delays != [
        fragment_latency(SandboxConfig(seed=4, fragment_latency=(0.2, 0.4)), c) for c in range(1, 51)
    ]
    assert fragment_latency(SandboxConfig(seed=3), 1) == 0.0
    with pytest.raises(ValueError, match="fragment_latency"):
        SandboxConfig(fragment_latency=(0.4, 0.2))


def test_fragments_are_answered_after_their_latency(sandbox: SandboxServer) -> None:
    sandbox.reset(pending=30, fragment_latency=(0.2, 0.3))
    cookies = {c["name"]: c["value"] for c in sandbox.mint_session()}
    with httpx.Client(base_url=sandbox.url(""), cookies=cookies) as http:
        cursor = int(re.findall(r'"cursor":\s*(\d+)', http.get(SENT).text)[0])
        response = http.post(f"{PAGINATION_PATH}?sduiid={PAGINATION_SDUIID}", json={"cursor": cursor})
    assert response.text.count('role="listitem"') == 10
    # The delay is the fragment's own draw (a lower bound: the answer cannot come sooner).
    assert response.elapsed.total_seconds() >= fragment_latency(sandbox.state.config, cursor) >= 0.2


async def test_load_more_button_variant_replaces_infinite_scroll(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    sandbox.set_faults(load_more_button=True)
    page = sandbox_page
    await _open_sent(page, sandbox)
    rows = page.get_by_role("listitem")
    await _scroll_main_to_bottom(page)
    load_more = page.get_by_role("button", name="Load more")
    await expect(load_more).to_be_visible()
    assert await rows.count() == 10
    for expected in (20, 30, 35):
        await load_more.click()
        await expect(rows).to_have_count(expected)
    await expect(load_more).to_be_hidden()


async def test_synthetic_click_on_the_confirm_button_withdraws_nothing(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    page = sandbox_page
    await _open_sent(page, sandbox)
    slug = sandbox.state.pending_slugs()[0]
    await page.get_by_role("link", name=WITHDRAW_NAME).first.click()
    confirm = page.locator("dialog[open]").get_by_role("button", name=WITHDRAW_NAME)
    await confirm.evaluate("el => el.click()")
    await expect(page.locator("dialog[open]")).to_be_visible()
    assert sandbox.state.is_pending(slug)
    await confirm.click()
    await expect(page.locator("dialog[open]")).to_have_count(0)
    assert not sandbox.state.is_pending(slug)


async def test_session_expiring_mid_withdrawal_lands_on_login(
    sandbox: SandboxServer, sandbox_page: Page
) -> None:
    page = sandbox_page
    await _open_sent(page, sandbox)
    slug = sandbox.state.pending_slugs()[0]
    await page.get_by_role("link", name=WITHDRAW_NAME).first.click()
    sandbox.set_faults(expire_sessions=True)
    await page.locator("dialog[open]").get_by_role("button", name=WITHDRAW_NAME).click()
    await expect(page).to_have_url(re.compile(r"/login/\?session_redirect=.*invitation-manager%2Fsent"))
    assert sandbox.state.is_pending(slug)
