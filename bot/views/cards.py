"""Invitation cards and their pages, shared by /pending, the digest and the withdraw flow.

Each pending invitation is its own message (a card) with [Withdraw] [Keep], so tapping Withdraw
turns exactly that message into the confirmation and later into the outcome; a footer message
carries paging.
"""

from __future__ import annotations

from bot.callback_data import Op
from bot.db.models import Account
from bot.rendering import Renderer
from bot.services.digest import Digest, StaleInvitation
from bot.views.base import View, button, keyboard, scoped_button, text

PAGE_SIZE = 5


def invitation_card(render: Renderer, account: Account, item: StaleInvitation) -> View:
    """The card text and its [Withdraw] [Keep] buttons."""
    return View(
        text(render, "cards/invitation", account, item=item),
        keyboard(
            [
                button(render, account, "withdraw", Op.WITHDRAW, item.invitation_id),
                button(render, account, "keep", Op.KEEP, item.invitation_id),
            ]
        ),
    )


def page_of_cards(render: Renderer, account: Account, digest: Digest, *, more: Op) -> list[View]:
    """One card per invitation on the page, then a footer whose button (`more`) asks for the next."""
    views = [invitation_card(render, account, item) for item in digest.stale]
    if digest.has_next_page:
        shown = (digest.page + 1) * digest.page_size
        footer = text(render, "cards/footer", account, digest=digest, shown=shown)
        next_page = button(render, account, "more", more, digest.page + 1, left=digest.stale_total - shown)
        views.append(View(footer, keyboard([next_page])))
    return views


def digest_summary(render: Renderer, account: Account, digest: Digest, *, synced: bool | None) -> View:
    """The digest's summary, with [Withdraw all ≥ N days (count)] when there is a bulk offer."""
    body = text(render, "digest/digest", account, digest=digest, account_view=account, synced=synced)
    if digest.bulk is None:
        return View(body)
    bulk = scoped_button(
        render,
        account,
        "bulk",
        Op.BULK,
        digest.bulk.min_age_days,
        days=digest.bulk.min_age_days,
        count=digest.bulk.count,
    )
    return View(body, keyboard([bulk]))
