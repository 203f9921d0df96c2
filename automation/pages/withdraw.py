"""The withdraw confirmation: a native `<dialog open>` (E3/E4) or an Ember `role=alertdialog` (E2)."""

from __future__ import annotations

import re
from collections.abc import Awaitable

from playwright.async_api import Page

from automation.errors import LayoutChanged
from automation.pages.common import (
    WITHDRAW_LABEL,
    WITHDRAW_TEXT,
    first_of,
    name_in_withdraw_label,
    one_of,
    same_person,
)

_CANCEL_WORDS = one_of(
    "Cancel", "Dismiss", "Abbrechen", "Verwerfen", "Annuleren", "Sluiten", "Annuler", "Cancelar"
)  # fmt: skip
_CANCEL = re.compile(rf"^\s*(?:{_CANCEL_WORDS})\s*$")


class WithdrawDialog:
    """The one open confirmation dialog; closed `<dialog>`s elsewhere on the page are never touched."""

    def __init__(self, page: Page) -> None:
        self.page = page
        # Role queries skip hidden elements, so a closed native <dialog> (hidden) never matches,
        # while an open one (implicit role "dialog") and ARIA dialogs both do.
        self.dialog = page.get_by_role("dialog").or_(page.get_by_role("alertdialog"))
        self.labelled_confirms = self.dialog.get_by_role("button", name=WITHDRAW_LABEL)
        self.plain_confirm = self.dialog.get_by_role("button", name=WITHDRAW_TEXT)
        self.cancel_button = self.dialog.get_by_role("button", name=_CANCEL)

    async def confirm_for(self, name: str, *, opened_on: str | None = None) -> None:
        """Click the dialog's confirm button after checking it is about `name`.

        `opened_on` is the URL the dialog was opened from: leaving it means no dialog will come.

        Raises:
            LayoutChanged: no open dialog, more than one, or a confirm button about someone else
                (the dialog is then dismissed and nothing is withdrawn).
        """
        # strict: exactly one open dialog. A page that navigates instead (the click followed the
        # control's href, or LinkedIn answered with a checkpoint) will never show it: say so now.
        waits: dict[str, Awaitable[object]] = {"dialog": self.dialog.wait_for()}
        if opened_on is not None:
            waits["left"] = self.page.wait_for_url(lambda url: url != opened_on, wait_until="commit")
        shown = await first_of(**waits)
        if shown == "left":
            raise LayoutChanged(f"the page went to {self.page.url} instead of showing the withdraw dialog")
        labelled = await self.labelled_confirms.all()
        for button in labelled:
            named = name_in_withdraw_label(await button.get_attribute("aria-label") or "")
            if named is not None and not same_person(named, name):
                await self.dismiss()
                raise LayoutChanged(
                    f"the withdraw dialog names {named!r}, not {name!r}; nothing was confirmed"
                )
        if len(labelled) == 1:
            await labelled[0].click()
            return
        if not labelled and await self.plain_confirm.count() == 1:
            await self.plain_confirm.click()
            return
        await self.dismiss()
        raise LayoutChanged("the withdraw dialog has no single confirm button")

    async def dismiss(self) -> None:
        """Close the dialog without withdrawing: its Cancel/Dismiss button, else Escape."""
        if await self.cancel_button.count() > 0:
            # first: Cancel and the X "Dismiss" both close it; either will do.
            await self.cancel_button.first.click()
        else:
            await self.page.keyboard.press("Escape")
