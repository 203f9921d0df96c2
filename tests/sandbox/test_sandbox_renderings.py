"""The older renderings (E3, E2) and the German and Dutch Sent pages (reference §1.4, §1.5, §2)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from playwright.async_api import Page, expect

from sandbox import SandboxServer

pytestmark = pytest.mark.browser

SENT = "/mynetwork/invitation-manager/sent/"


def _get(sandbox: SandboxServer, path: str) -> str:
    cookies = {c["name"]: c["value"] for c in sandbox.mint_session()}
    response = httpx.get(sandbox.url(path), cookies=cookies)
    response.raise_for_status()
    return response.text


def _first(sandbox: SandboxServer) -> tuple[str, str]:
    slug = sandbox.state.pending_slugs()[0]
    person = sandbox.state.person(slug)
    assert person is not None
    return slug, person.name


async def test_e3_withdraw_button_and_withdrawn_confirm(sandbox: SandboxServer, sandbox_page: Page) -> None:
    sandbox.reset(rendering="e3")
    page = sandbox_page
    slug, name = _first(sandbox)
    await page.goto(sandbox.url(SENT))
    await expect(page.locator("nav button[aria-current=true]")).to_have_text("People (35)")
    card = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=name, exact=True))
    withdraw = card.locator("button[data-view-name='sent-invitations-withdraw-single']")
    await expect(withdraw).to_have_text("Withdraw")
    await expect(page.locator("button[data-view-name='sent-invitations-withdraw-single']")).to_have_count(10)

    await withdraw.click()
    confirm = page.locator("dialog[open] [data-view-name='edge-creation-connect-action'] button")
    await expect(confirm).to_have_attribute("aria-label", f"Withdrawn invitation sent to {name}")
    await confirm.click()

    await expect(page.get_by_role("alert")).to_have_text(f"Invitation to {name.split()[0]} withdrawn.")
    await expect(page.locator("nav button[aria-current=true]")).to_have_text("People (34)")
    assert sandbox.state.withdrawn_slugs() == [slug]


async def test_e2_ember_cards_load_more_and_alertdialog(sandbox: SandboxServer, sandbox_page: Page) -> None:
    sandbox.reset(rendering="e2")
    page = sandbox_page
    slug, name = _first(sandbox)
    await page.goto(sandbox.url(SENT))
    cards = page.locator("li.invitation-card")
    await expect(cards).to_have_count(10)
    await expect(cards.first.locator(".invitation-card__title")).to_have_text(name)
    await expect(cards.first.locator(".invitation-card__subtitle")).not_to_be_empty()
    await expect(cards.first.locator(".time-badge")).to_have_text(
        re.compile(r"^Sent (today|yesterday|\d+ \w+ ago)$")
    )

    await page.locator("button.scaffold-finite-scroll__load-button", has_text="Load more").click()
    await expect(cards).to_have_count(20)

    await cards.first.locator("button.invitation-card__action-btn").click()
    modal = page.locator("div[role=alertdialog].artdeco-modal")
    buttons = modal.locator(".artdeco-modal__confirm-dialog-btn")
    await expect(buttons).to_have_count(2)
    await expect(buttons.nth(0)).to_have_text("Cancel")
    await modal.locator("button[data-test-dialog-primary-btn].artdeco-button--primary").click()

    await expect(page.get_by_role("alert")).to_have_text(f"Invitation to {name.split()[0]} withdrawn.")
    await expect(cards).to_have_count(19)
    assert sandbox.state.withdrawn_slugs() == [slug]


def test_e2_pagination_and_sent_today(sandbox: SandboxServer) -> None:
    sandbox.reset(rendering="e2")
    names = [p.name for p in map(sandbox.state.person, sandbox.state.pending_slugs()) if p]
    page_two = _get(sandbox, SENT + "?page=2")
    assert names[10] in page_two and names[9] not in page_two
    assert 'href="?page=4"' in page_two
    assert ">Sent today</time>" in _get(sandbox, SENT)


def test_german_page(sandbox: SandboxServer) -> None:
    sandbox.reset(locale="de", pending=1200)
    html = _get(sandbox, SENT)
    _, name = _first(sandbox)
    assert ">Personen (1.200)</a>" in html
    assert f'aria-label="Einladung an {name} zurückziehen"' in html
    assert "<span><span>Zurückziehen</span></span>" in html
    assert re.search(r"Vor \d+ (Minuten?|Stunden?) gesendet", html)
    assert re.search(r"Vor \d+ (Monaten|Jahren?) gesendet", html) is None  # only the first rows render


def test_dutch_page_with_a_configured_pill_word(sandbox: SandboxServer) -> None:
    sandbox.reset(locale="nl")
    _, name = _first(sandbox)
    html = _get(sandbox, SENT)
    assert ">Mensen (35)</a>" in html
    assert f'aria-label="Uitnodiging aan {name} intrekken"' in html
    sandbox.set_faults(pill_word="Personen")
    assert ">Personen (35)</a>" in _get(sandbox, SENT)


def _age_first_row_to(sandbox: SandboxServer, age: timedelta) -> None:
    invitation = sandbox.state.invitation(sandbox.state.pending_slugs()[0])
    assert invitation is not None
    sandbox.advance_clock(age - (sandbox.state.now() - invitation.sent_at))


@pytest.mark.parametrize(
    ("locale", "age", "text"),
    [
        ("en", timedelta(seconds=20), "Sent now"),
        ("en", timedelta(minutes=1, seconds=5), "Sent 1 minute ago"),
        ("en", timedelta(hours=5, minutes=59), "Sent 5 hours ago"),
        ("en", timedelta(days=1, hours=3), "Sent yesterday"),
        ("en", timedelta(days=6, hours=23), "Sent 6 days ago"),
        ("en", timedelta(days=7), "Sent 1 week ago"),
        ("en", timedelta(days=29), "Sent 4 weeks ago"),
        ("en", timedelta(days=31), "Sent 1 month ago"),
        ("en", timedelta(days=359), "Sent 11 months ago"),
        ("en", timedelta(days=800), "Sent 2 years ago"),
        ("de", timedelta(days=1, hours=1), "Gestern gesendet"),
        ("de", timedelta(days=21), "Vor 3 Wochen gesendet"),
        ("de", timedelta(days=400), "Vor 1 Jahr gesendet"),
        ("nl", timedelta(days=21), "3 weken geleden verzonden"),
        ("nl", timedelta(days=35), "1 maand geleden verzonden"),
    ],
)
def test_age_text_follows_the_sandbox_clock(
    sandbox: SandboxServer, locale: str, age: timedelta, text: str
) -> None:
    sandbox.reset(pending=1, locale=locale)
    _age_first_row_to(sandbox, age)
    assert f"<span>{text}</span>" in _get(sandbox, SENT)
