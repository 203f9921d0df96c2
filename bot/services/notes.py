"""Connection notes: drafting a personal one, validating an edited one, and the monthly quota.

Drafts come from `templates/notes/*.txt.j2`, chosen by what is known about the person: the
owner's own context ("met at Denver Tech Conference") beats headline and company, which beat the
name alone. Each tier has a few variants; the variant is chosen from the profile slug, so one
person always gets the same draft and a list of people does not read like a mail merge.

A draft always fits the account's limit without cutting a word: a variant that is too long falls
back to its tier's short template, then to the next tier; only when even the shortest greeting
is too long (a very long name) is the text trimmed, and then at a word boundary.

Lengths are counted the way LinkedIn's "0/200" counter counts them: in UTF-16 code units, so
an emoji costs two.
"""

from __future__ import annotations

import enum
import re
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from automation.types import ProfileContext
from bot.db.models import Account, Invitation, Person, Plan
from bot.rendering import Renderer
from bot.services.policy import local_date, local_day_bounds

NOTE_LIMITS = {Plan.FREE: 200, Plan.PREMIUM: 300}
FREE_NOTES_PER_MONTH = 5
"""LinkedIn Help says five personalized invitations a month on free accounts; the page's own
"N personalized invitations remaining" line overrides this whenever we have seen it."""

_TIERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("context", ("context_1", "context_2", "context_3")),
    ("work", ("work_1", "work_2", "work_3")),
    ("name", ("name_1", "name_2", "name_3")),
)
_MINIMAL = "minimal"
_HONORIFICS = {"dr", "dr.", "prof", "prof.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "mx", "mx."}
# Explicit links only: a bare "Booking.com" is how people name their employer, not a link.
_URL = re.compile(r"(?i)(?:\bhttps?://|\bwww\.)\S+")
_TRAILING_JOINERS = " \n,;:—–-(|/&"


def note_limit(plan: Plan) -> int:
    """The character limit of a connection note on `plan` (the page's counter has the last word)."""
    return NOTE_LIMITS[plan]


def note_length(text: str) -> int:
    """Length as LinkedIn's counter sees it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


# --- drafting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteDraft:
    text: str
    template: str  # which template produced it, e.g. "context_2" (for stats and tests)
    trimmed: bool  # cut at a word boundary as a last resort


@cache
def _renderer() -> Renderer:
    return Renderer()


def _clean(value: str | None) -> str:
    """One line of plain text: no control characters, no links, single spaces."""
    if not value:
        return ""
    value = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in value)
    value = _URL.sub(" ", value)
    return " ".join(value.split())


def first_name(name: str) -> str:
    """The name to greet with: the first word that is not an honorific ("Dr. Jane Doe" → "Jane")."""
    words = _clean(name).split()
    for word in words:
        if word.lower() not in _HONORIFICS:
            return word.strip(",")
    return words[0] if words else ""


def split_headline(headline: str, company: str | None) -> tuple[str, str]:
    """(role, company) from a headline like "Senior Engineer at Acme | Speaker"."""
    first_part = re.split(r"\s[|·•]\s|\s-\s", _clean(headline), maxsplit=1)[0].strip()
    role, _, at_company = first_part.partition(" at ")
    company = _clean(company) or at_company.strip()
    return role.strip(" ,"), company.strip(" ,")


def _variant_index(slug: str, count: int) -> int:
    # crc32, not hash(): stable across processes, so a person keeps their draft between runs.
    return zlib.crc32(slug.encode()) % count


def _candidates(*, slug: str, has_context: bool, has_work: bool) -> list[str]:
    known = {"context": has_context, "work": has_work, "name": True}
    names: list[str] = []
    for tier, variants in _TIERS:
        if known[tier]:
            names += [variants[_variant_index(slug, len(variants))], f"{tier}_short"]
    return names


def _trim_to_words(text: str, limit: int) -> str:
    """The longest prefix of whole words within `limit`, ending at a clause if it was cut.

    "Hi Jane, let's" reads as broken while "Hi Jane" does not, so a cut text goes back to its
    last clause boundary when it has one; a dangling comma or dash is dropped either way.
    """
    words = text.split(" ")
    kept: list[str] = []
    for word in words:
        if note_length(" ".join([*kept, word])) > limit:
            break
        kept.append(word)
    if len(kept) < len(words):
        clause_ends = [i for i, word in enumerate(kept[1:], start=1) if word[-1:] in ",.;:!?—–"]
        if clause_ends:
            kept = kept[: clause_ends[-1] + 1]
    return " ".join(kept).rstrip(_TRAILING_JOINERS)


def draft_note(
    *,
    slug: str,
    name: str,
    headline: str = "",
    company: str | None = None,
    context: str | None = None,
    limit: int,
) -> NoteDraft:
    """A personal connection note for this person, never longer than `limit` and never cut mid-word."""
    role, company_name = split_headline(headline, company)
    values = {
        "first_name": first_name(name),
        "role": role,
        "company": company_name,
        "context": _clean(context).rstrip(" .!"),
    }
    render = _renderer().render
    candidates = _candidates(
        slug=slug, has_context=bool(values["context"]), has_work=bool(role or company_name)
    )
    text = ""
    for template in candidates:
        text = " ".join(render(f"notes/{template}.txt.j2", values).split())
        if values["first_name"] and note_length(text) <= limit:
            return NoteDraft(text=text, template=template, trimmed=False)
    trimmed = _trim_to_words(text, limit)
    if values["first_name"] and trimmed and trimmed.split(" ")[-1] not in {"Hi", "Hello"}:
        return NoteDraft(text=trimmed, template=candidates[-1], trimmed=True)
    minimal = render(f"notes/{_MINIMAL}.txt.j2")
    return NoteDraft(text=_trim_to_words(minimal, limit), template=_MINIMAL, trimmed=False)


def draft_note_for(person: Person, plan: Plan, *, owner: ProfileContext | None = None) -> NoteDraft:
    """`draft_note` for a stored person within `plan`'s limit.

    The drafter's material: the person (with `person.profile_context`, what their profile showed
    and shares with the owner, see `bot.services.profile_context`) and `owner`, the owner's own
    profile context where the caller has it. Today's wording rules use neither context yet.
    """
    return draft_note(
        slug=person.slug,
        name=person.name,
        headline=person.headline,
        company=person.company,
        context=person.context,
        limit=note_limit(plan),
    )


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
    if _URL.search(normalised):
        raise InvalidNote(NoteProblem.URL, length=length, limit=limit)
    if length > limit:
        raise InvalidNote(NoteProblem.TOO_LONG, length=length, limit=limit)
    return normalised


# --- the monthly quota ------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteQuota:
    """Personalized notes left this calendar month; `remaining` is None when unlimited (Premium)."""

    remaining: int | None
    sent_this_month: int
    from_page: bool  # True when the page's own quota line is the basis


async def _notes_sent_since(session: AsyncSession, account: Account, since: datetime) -> int:
    count = await session.scalar(
        select(func.count()).where(
            Invitation.account_id == account.id,
            Invitation.sent_by_us.is_(True),
            Invitation.had_note.is_(True),
            Invitation.sent_at_latest >= since,
        )
    )
    return int(count or 0)


async def note_quota(session: AsyncSession, account: Account, *, now: datetime) -> NoteQuota:
    """How many notes the account may still send this month (its local calendar month).

    The page's "N personalized invitations remaining" (stored on the account when seen) is the
    authority; notes we sent after seeing it are subtracted. Without it, we count our own notes
    this month against `FREE_NOTES_PER_MONTH`.
    """
    today = local_date(now, account.timezone)
    month_start, _ = local_day_bounds(today.replace(day=1), account.timezone)
    sent = await _notes_sent_since(session, account, month_start)
    if account.plan is Plan.PREMIUM:
        return NoteQuota(remaining=None, sent_this_month=sent, from_page=False)
    seen_at = account.notes_remaining_seen_at
    if account.notes_remaining is not None and seen_at is not None and seen_at >= month_start:
        since_seen = await _notes_sent_since(session, account, seen_at)
        remaining = max(0, account.notes_remaining - since_seen)
        return NoteQuota(remaining=remaining, sent_this_month=sent, from_page=True)
    return NoteQuota(remaining=max(0, FREE_NOTES_PER_MONTH - sent), sent_this_month=sent, from_page=False)
