"""/templates: the owner's note templates with their records, one template, the removal question."""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence

from bot.callback_data import Op
from bot.db.models import Account
from bot.rendering import Renderer
from bot.services.note_templates import OwnerTemplate
from bot.services.note_variants import TemplateRecord
from bot.views.base import View, button, keyboard, text


def name_token(name: str) -> int:
    """The number a button carries for a template name (callback data holds numbers only)."""
    return zlib.crc32(name.encode())


def template_list(
    render: Renderer,
    account: Account,
    templates: Sequence[OwnerTemplate],
    records: Mapping[str, TemplateRecord],
    *,
    folder: str,
) -> View:
    """The owner's templates, each with its conditions and record so far."""
    rows = [(template, records.get(template.key, TemplateRecord())) for template in templates]
    return View(text(render, "templates/list", account, rows=rows, folder=folder))


def remove_question(render: Renderer, account: Account, template: OwnerTemplate) -> View:
    """ "Remove <name>?" with [Yes, remove] [Keep it]."""
    body = text(render, "templates/remove_confirm", account, template=template)
    markup = keyboard(
        [
            button(
                render,
                account,
                "template_remove",
                Op.TEMPLATE_REMOVE,
                name_token(template.name),
                template=template.name,
            ),
            button(render, account, "template_keep", Op.TEMPLATE_KEEP),
        ]
    )
    return View(body, markup)
