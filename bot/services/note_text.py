"""What makes a connection note sendable: LinkedIn's limits, its length counter, and the checks.

Lengths are counted the way LinkedIn's "0/200" counter counts them: in UTF-16 code units, so
an emoji costs two. Both the drafter (`bot.services.notes`) and the owner's template checks
(`bot.services.note_templates`) hold notes to these rules.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from functools import cache

from bot.db.models import Plan
from bot.rendering import Renderer

NOTE_LIMITS = {Plan.FREE: 200, Plan.PREMIUM: 300}

# Explicit links only: a bare "Booking.com" is how people name their employer, not a link.
URL = re.compile(r"(?i)(?:\bhttps?://|\bwww\.)\S+")


@cache
def _renderer() -> Renderer:
    return Renderer()


def note_limit(plan: Plan) -> int:
    """The character limit of a connection note on `plan` (the page's counter has the last word)."""
    return NOTE_LIMITS[plan]


def note_length(text: str) -> int:
    """Length as LinkedIn's counter sees it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


# --- validation -------------------------------------------------------------------------------


class NoteProblem(enum.StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    CONTROL_CHARACTERS = "control_characters"
    URL = "url"


class InvalidNote(ValueError):
    """A note the owner wrote cannot be sent as it is; `str(error)` says why and what to do."""

    def __init__(self, problem: NoteProblem, *, length: int, limit: int) -> None:
        self.problem = problem
        self.length = length
        self.limit = limit
        text = _renderer().render("notes/invalid.txt.j2", reason=problem.value, length=length, limit=limit)
        super().__init__(text)


def validate_note(text: str, limit: int) -> str:
    """The note to send, normalised (line endings, outer whitespace), or `InvalidNote`.

    Line breaks are allowed (LinkedIn keeps them); other control characters are not, nor are
    links: LinkedIn treats links in invitations from strangers as spam, so a note with one is
    more likely to get the account restricted than accepted.
    """
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    length = note_length(normalised)
    if not normalised:
        raise InvalidNote(NoteProblem.EMPTY, length=0, limit=limit)
    if any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in normalised):
        raise InvalidNote(NoteProblem.CONTROL_CHARACTERS, length=length, limit=limit)
    if URL.search(normalised):
        raise InvalidNote(NoteProblem.URL, length=length, limit=limit)
    if length > limit:
        raise InvalidNote(NoteProblem.TOO_LONG, length=length, limit=limit)
    return normalised
