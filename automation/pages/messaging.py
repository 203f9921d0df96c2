"""The messaging page (`/messaging/compose/?recipient=<slug>`): a member's conversation and its box.

The conversation is found by meaning: the `log` whose accessible name is "Conversation with
<name>" in the page's language (so a message never lands in another member's thread), its
messages are its list items, and the box is the textbox named "Write a message…" (a
`contenteditable` on today's site, a `<textarea>` on older ones; Playwright fills either).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.async_api import Page

from automation.config import AutomationConfig
from automation.errors import LayoutChanged, NotConnected
from automation.pages.common import exactly, one_of, open_url, same_person
from automation.text import clean_text

COMPOSE_PATH = "/messaging/compose/"
WRITE_A_MESSAGE = exactly(
    "Write a message…", "Write a message...", "Nachricht schreiben…", "Nachricht schreiben...",
    "Schrijf een bericht…", "Schrijf een bericht...", "Rédigez un message…", "Rédigez un message...",
    "Escribe un mensaje…", "Escribe un mensaje...",
)  # fmt: skip
SEND = exactly("Send", "Senden", "Verzenden", "Envoyer", "Enviar")
_CONVERSATION_WITH = one_of(
    "Conversation with", "Unterhaltung mit", "Gesprek met", "Conversation avec", "Conversación con"
)
NOT_CONNECTED = re.compile(
    r"only message your connections|nur Ihren Kontakten Nachrichten|alleen uw connecties een bericht"
    r"|qu[’']à vos relations|mensajes a tus contactos",
    re.IGNORECASE,
)


def normalised(text: str) -> str:
    """A message as compared with the conversation: whitespace runs (line breaks too) as one space."""
    return " ".join(text.split())


class MessagingPage:
    """One conversation: open it, read it, write and send in it."""

    def __init__(self, page: Page, config: AutomationConfig) -> None:
        self.page = page
        self.config = config
        self.box = page.get_by_role("textbox", name=WRITE_A_MESSAGE)
        self.form = page.locator("form").filter(has=self.box)
        self.send_button = self.form.get_by_role("button", name=SEND)
        self.not_connected = page.get_by_role("alert").filter(has_text=NOT_CONNECTED)

        # Playwright runs `name=` patterns as JavaScript regexes: no named groups, no inline flags.
        self.conversation = page.get_by_role("log", name=re.compile(rf"^\s*(?:{_CONVERSATION_WITH})\s"))

    async def with_whom(self) -> str:
        """The name the conversation is labelled with, as its label spells it (cleaned)."""
        label = clean_text(await self.conversation.get_attribute("aria-label") or "")
        return re.sub(rf"^\s*(?:{_CONVERSATION_WITH})\s+", "", label)

    async def open(self, slug: str, name: str | None) -> None:
        """Open the conversation with `slug`.

        Raises:
            NotConnected: LinkedIn offers no box (not a connection).
            LayoutChanged: neither a box nor LinkedIn's notice appears, or the thread is not `name`'s.
        """
        await open_url(self.page, self.config.url(f"{COMPOSE_PATH}?recipient={quote(slug)}"))
        # first: whichever appears first tells us where we are.
        await self.box.or_(self.not_connected).first.wait_for()
        if await self.not_connected.count() > 0:
            raise NotConnected(f"{slug} is not a connection: LinkedIn offers no message box")
        if await self.conversation.count() != 1 or (
            name is not None and not same_person(await self.with_whom(), name)
        ):
            raise LayoutChanged(f"the messaging page for {slug} shows no conversation with {name or slug}")

    async def messages(self) -> list[str]:
        """The open conversation's messages as shown, oldest first, whitespace normalised."""
        items = self.conversation.get_by_role("listitem")
        texts: list[str] = []
        for index in range(await items.count()):
            # The body paragraph, without the sender's name shown above it.
            body = items.nth(index).locator("p")
            texts.append(normalised(clean_text(" ".join(await body.all_inner_texts()))))
        return texts

    async def write_and_send(self, text: str) -> None:
        """Type `text` into the box and send it; returns once the page has loaded again."""
        await self.box.fill(text)
        async with self.page.expect_navigation(wait_until="domcontentloaded"):
            await self.send_button.click()
