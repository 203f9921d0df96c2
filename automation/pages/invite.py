"""The custom-invite dialog (`/preload/custom-invite/?vanityName=<slug>`): add a note, send, and
recognise LinkedIn's refusals (3-week block, weekly limit, no notes left)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from playwright.async_api import Page

from automation.config import AutomationConfig
from automation.errors import (
    AutomationError,
    InviteBlocked,
    LayoutChanged,
    NoteQuotaExhausted,
    NoteTooLong,
    WeeklyLimit,
)
from automation.pages.common import exactly, open_url
from automation.pages.friction import WEEKLY_LIMIT
from automation.text import clean_text
from automation.types import ProfileState

# The dialog's words per language. English is measured (reference §4.2, §4.5); German "Ohne Notiz senden"
# and "Senden" come from public tools (§2); the rest is our best knowledge of LinkedIn's wording.
ADD_NOTE = exactly(
    "Add a note", "Notiz hinzufügen", "Notitie toevoegen", "Ajouter une note", "Añadir una nota"
)
SEND_WITHOUT_NOTE = exactly(
    "Send without a note", "Send now", "Ohne Notiz senden", "Zonder notitie verzenden", "Envoyer sans note",
    "Enviar sin nota",
)  # fmt: skip
SEND_INVITATION = exactly(
    "Send invitation", "Send", "Einladung senden", "Senden", "Uitnodiging verzenden", "Verzenden",
    "Envoyer l’invitation", "Envoyer l'invitation", "Envoyer", "Enviar invitación", "Enviar",
)  # fmt: skip
COUNTER = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
QUOTA = re.compile(
    r"(\d+)\s+personalized invitations? remaining"
    r"|Noch (\d+) personalisierte Einladung"
    r"|Nog (\d+) gepersonaliseerde uitnodiging"
    r"|(\d+) invitations? personnalisées?"
    r"|(\d+) invitaciones? personalizadas?",
    re.IGNORECASE,
)
UPSELL = re.compile(
    r"Send unlimited personalized invites|out of free custom notes"
    r"|unbegrenzt personalisierte Einladungen|onbeperkt gepersonaliseerde uitnodigingen"
    r"|invitations personnalisées en illimité|invitaciones personalizadas ilimitadas",
    re.IGNORECASE,
)
BLOCKED = re.compile(
    r"resend an invitation \d+ weeks after withdrawing|\d+ Wochen nach dem Zurückziehen"
    r"|\d+ weken na het intrekken|\d+ semaines après l[’']avoir retirée|\d+ semanas después de retirarla",
    re.IGNORECASE,
)
NOT_SENT = re.compile(
    r"Invitation not sent|Einladung nicht gesendet|Uitnodiging niet verzonden|Invitation non envoyée"
    r"|Invitación no enviada",
    re.IGNORECASE,
)
NOTES_USED_UP = re.compile(
    r"out of free custom notes|keine kostenlosen Notizen mehr|geen gratis notities meer"
    r"|plus de notes personnalisées gratuites|no te quedan notas personalizadas gratuitas",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NoteLimits:
    """What the dialog says about notes: the counter's limit and the monthly quota line, if shown."""

    note_limit: int | None = None
    notes_remaining: int | None = None


class CustomInvitePage:
    """The Ember `role=dialog` invite modal (not a native dialog), one or two steps."""

    def __init__(self, page: Page, config: AutomationConfig) -> None:
        self.page = page
        self.config = config
        self.dialog = page.get_by_role("dialog")
        self.add_note_button = self.dialog.get_by_role("button", name=ADD_NOTE)
        self.send_without_note_button = self.dialog.get_by_role("button", name=SEND_WITHOUT_NOTE)
        self.send_button = self.dialog.get_by_role("button", name=SEND_INVITATION)
        # Role queries skip the hidden recaptcha <textarea>; scoping to the dialog does the rest.
        self.note_box = self.dialog.get_by_role("textbox")
        self.counter = self.dialog.get_by_text(COUNTER)
        self.quota_line = self.dialog.get_by_text(QUOTA)
        self.upsell = page.get_by_text(UPSELL)
        self.blocked_notice = (
            page.get_by_role("alert").filter(has_text=BLOCKED).or_(page.get_by_text(BLOCKED))
        )
        self.not_sent_notice = page.get_by_role("alert").filter(has_text=NOT_SENT)
        self.weekly_limit_notice = page.get_by_text(WEEKLY_LIMIT)

    async def open(self, slug: str) -> None:
        """Open the invite dialog for `slug` (a plain GET: nothing is sent yet).

        Raises:
            InviteBlocked: LinkedIn refuses re-inviting so soon after a withdrawal.
            WeeklyLimit: the weekly invitation limit is reached.
        """
        await open_url(self.page, self.config.url(f"/preload/custom-invite/?vanityName={quote(slug)}"))
        # first: whichever of these appears first tells us where we are.
        await self.dialog.or_(self.blocked_notice).or_(self.weekly_limit_notice).first.wait_for()
        refusal = await self.refusal(slug)
        if refusal is not None:
            raise refusal

    async def add_note(self, note: str) -> NoteLimits:
        """Open the note step, read the limits, and type `note` (not sent yet).

        Raises:
            NoteQuotaExhausted: no personalized notes left this month (the Premium upsell shows).
            NoteTooLong: `note` is longer than the counter allows (checked before typing).
        """
        await self.add_note_button.click()
        await self.note_box.or_(self.upsell).first.wait_for()  # first: either one ends the wait
        if await self.upsell.count() > 0:
            await self._dismiss()
            raise NoteQuotaExhausted("no personalized notes left this month")
        limits = await self._limits()
        if limits.note_limit is not None and len(note) > limits.note_limit:
            await self._dismiss()
            raise NoteTooLong(
                f"the note has {len(note)} characters; this account allows {limits.note_limit}",
                limit=limits.note_limit,
                length=len(note),
            )
        await self.note_box.fill(note)
        return limits

    async def send_with_note(self) -> None:
        """Send the invitation with the typed note."""
        await self.send_button.click()

    async def send_without_note(self) -> NoteLimits:
        """Send the invitation without a note (the one-step "Send now" too)."""
        # first: the two-step dialog has "Send without a note", the older one-step one only "Send".
        await self.send_without_note_button.or_(self.send_button).first.click()
        return NoteLimits()

    async def refusal(self, slug: str) -> AutomationError | None:
        """LinkedIn's answer on the page after sending, if it refused: the error to raise, else None."""
        if await self.weekly_limit_notice.count() > 0:
            return WeeklyLimit("LinkedIn says the weekly invitation limit is reached")
        if await self.blocked_notice.count() > 0:
            return InviteBlocked(f"LinkedIn will not re-invite {slug} yet (3 weeks after a withdrawal)")
        if await self.not_sent_notice.count() > 0:
            # first: one toast per refusal.
            text = clean_text(" ".join((await self.not_sent_notice.first.inner_text()).split()))
            if NOTES_USED_UP.search(text):
                return NoteQuotaExhausted(text)
            # Already invited, already connected, "try again later": none is ours to name.
            return AutomationError(f"LinkedIn did not send the invitation to {slug}: {text}")
        return None

    async def failure_after_send(self, slug: str, state: ProfileState) -> AutomationError:
        """Why the profile is not Pending after sending: LinkedIn's refusal, or an unknown layout."""
        refusal = await self.refusal(slug)
        if refusal is not None:
            return refusal
        if state is ProfileState.BLOCKED:
            return InviteBlocked(f"{slug} cannot be invited yet (recently withdrawn)")
        return LayoutChanged(f"sent an invitation to {slug} but the profile shows {state.value}, not pending")

    async def _limits(self) -> NoteLimits:
        limit = remaining = None
        # first: the counter and the quota line are each shown once; a copy would say the same.
        if await self.counter.count() > 0:
            match = COUNTER.match(await self.counter.first.inner_text())
            limit = int(match[2]) if match else None
        if await self.quota_line.count() > 0:
            match = QUOTA.search(await self.quota_line.first.inner_text())
            remaining = int(next(g for g in match.groups() if g)) if match else None
        return NoteLimits(note_limit=limit, notes_remaining=remaining)

    async def _dismiss(self) -> None:
        await self.page.keyboard.press("Escape")
