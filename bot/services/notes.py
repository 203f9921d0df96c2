"""Connection notes: drafting a personal one, validating an edited one, and the monthly quota.

Drafts come from `templates/notes/*.txt.j2` (English; `notes/<lang>/` for nl, de, fr, es) and
from the owner's own templates (`bot.services.note_templates`). Built-ins are tiered by what is
known about the person: the owner's own context ("met at Denver Tech Conference") beats role and
company, which beat the name alone. The best-informed tier's variants and the owner's templates
whose conditions hold compete by Thompson sampling over their acceptance records
(`bot.services.note_variants`), with a random source seeded from the slug, so one person keeps
their draft while the records stand still and a list of people does not read like a mail merge.

A draft always fits the account's limit without cutting a word: a variant that is too long falls
back to its tier's short template, then to the next tier; only when even the shortest greeting
is too long (a very long name) is the text trimmed, and then at a word boundary.

Lengths (as LinkedIn's counter counts them) and the checks an edited note must pass live in
`bot.services.note_text`, shared with the owner's template checks; they are re-exported here.
"""

from __future__ import annotations

import random
import re
import unicodedata
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from automation.types import ProfileContext
from bot.db.models import Account, Invitation, Person, Plan
from bot.rendering import Renderer
from bot.services.note_templates import LANGUAGES as TEMPLATE_LANGUAGES
from bot.services.note_templates import (
    InvalidTemplate,
    NoteValues,
    OwnerTemplate,
    applicable,
    values_from_profile,
)
from bot.services.note_templates import render as render_template
from bot.services.note_text import NOTE_LIMITS as NOTE_LIMITS
from bot.services.note_text import URL
from bot.services.note_text import InvalidNote as InvalidNote
from bot.services.note_text import NoteProblem as NoteProblem
from bot.services.note_text import note_length as note_length
from bot.services.note_text import note_limit as note_limit
from bot.services.note_text import validate_note as validate_note
from bot.services.note_variants import TemplateRecord, rng_for, thompson_pick
from bot.services.policy import local_date, local_day_bounds
from bot.services.profile_context import person_context

FREE_NOTES_PER_MONTH = 5
"""LinkedIn Help says five personalized invitations a month on free accounts; the page's own
"N personalized invitations remaining" line overrides this whenever we have seen it."""

_TIERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("context", ("context_1", "context_2", "context_3")),
    ("work", ("work_1", "work_2", "work_3")),
    ("name", ("name_1", "name_2", "name_3")),
)
_TIERS_ELSEWHERE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("context", ("context_1", "context_2")),
    ("work", ("work_1", "work_2")),
    ("name", ("name_1", "name_2")),
)
LANGUAGES = TEMPLATE_LANGUAGES
"""Languages with built-in templates: English in `templates/notes/`, the others in a subfolder."""
_MINIMAL = "minimal"
_HONORIFICS = {"dr", "dr.", "prof", "prof.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "mx", "mx."}
_TRAILING_JOINERS = " \n,;:—–-(|/&"


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
    value = URL.sub(" ", value)
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


def note_language(profile_language: str | None, owner_language: str) -> str:
    """The draft's language: the person's profile language when known and built in, else the owner's."""
    for language in (profile_language, owner_language):
        code = (language or "").lower().split("-")[0]
        if code in LANGUAGES:
            return code
    return LANGUAGES[0]


def draft_language(person: Person, owner_language: str, profile: ProfileContext | None = None) -> str:
    """The language of anything drafted for `person` (notes, first messages, the model's drafts):
    their profile's when known and built in, else the owner's; the owner's whenever the owner wrote
    context about them, since the owner's own words read right only in the owner's language."""
    profile = profile or person_context(person)
    return note_language(profile.language if profile and not person.context else None, owner_language)


def _key(language: str, template: str) -> str:
    """A built-in template's recorded name: "work_2" in English, "nl/work_2" elsewhere."""
    return template if language == LANGUAGES[0] else f"{language}/{template}"


def _builtin(language: str, values: NoteValues) -> tuple[list[str], list[str]]:
    """(the applicable variants of the best-informed tier, then the fallbacks in order)."""
    known = {"context": bool(values.context), "work": bool(values.role or values.company), "name": True}
    tiers = _TIERS if language == LANGUAGES[0] else _TIERS_ELSEWHERE
    variants: list[str] = []
    fallbacks: list[str] = []
    for tier, names in tiers:
        if known[tier]:
            if not variants:
                variants = [_key(language, name) for name in names]
            fallbacks.append(_key(language, f"{tier}_short"))
    return variants, fallbacks


def _render_builtin(key: str, values: NoteValues) -> str:
    path = f"notes/{key}.txt.j2"
    return " ".join(_renderer().render(path, values.as_context()).split())


def draft_note(
    *,
    slug: str,
    name: str,
    headline: str = "",
    company: str | None = None,
    context: str | None = None,
    limit: int,
    language: str = "en",
    profile: ProfileContext | None = None,
    days_since_withdrawal: int | None = None,
    original_note: str | None = None,
    owner_templates: Sequence[OwnerTemplate] = (),
    records: Mapping[str, TemplateRecord] | None = None,
    rng: random.Random | None = None,
) -> NoteDraft:
    """A personal connection note for this person, never longer than `limit` and never cut mid-word.

    The candidates are the best-informed built-in tier's variants in `language` and the owner's
    templates whose conditions hold; Thompson sampling over their `records` picks one (see
    `bot.services.note_variants`). One that does not fit falls back to the short templates.
    """
    role, company_name = split_headline(headline, company)
    values = values_from_profile(
        first_name=first_name(name),
        profile=profile,
        role=role,
        company=company_name,
        headline=_clean(headline),
        context=_clean(context).rstrip(" .!"),
        days_since_withdrawal=days_since_withdrawal,
        original_note=_clean(original_note),
    )
    draft_language = note_language(None, language)
    variants, fallbacks = _builtin(draft_language, values)
    own = {template.key: template for template in applicable(owner_templates, values, draft_language)}
    keys = [*variants, *own]
    records = records or {}
    if rng is None and not any(key in records for key in keys):
        # Nothing sent with any of them yet: Thompson sampling would pick uniformly anyway. The
        # pick is the candidate with the highest crc32 of (slug, candidate) — rendezvous hashing —
        # so a person keeps their draft when a template is added or removed, unless the new one
        # wins them (a position modulo the count would reshuffle everyone's).
        picked = max(keys, key=lambda key: zlib.crc32(f"{slug}\0{key}".encode()))
    else:
        picked = thompson_pick(keys, records, rng or rng_for(slug))
    text = ""
    for key in [picked, *fallbacks]:
        try:
            text = render_template(own[key], values) if key in own else _render_builtin(key, values)
        except InvalidTemplate:
            continue  # an owner template that fails for this person: the built-ins take over
        if values.first_name and note_length(text) <= limit and not URL.search(text):
            return NoteDraft(text=text, template=key, trimmed=False)
    trimmed = _trim_to_words(text, limit)
    if values.first_name and trimmed and len(trimmed.split(" ")) > 1:
        return NoteDraft(text=trimmed, template=fallbacks[-1], trimmed=True)
    minimal = _key(note_language(None, language), _MINIMAL)
    return NoteDraft(
        text=_trim_to_words(_render_builtin(minimal, values), limit), template=minimal, trimmed=False
    )


def draft_note_for(
    person: Person,
    plan: Plan,
    *,
    owner: ProfileContext | None = None,
    language: str = "en",
    profile: ProfileContext | None = None,
    withdrawn: Invitation | None = None,
    now: datetime | None = None,
    owner_templates: Sequence[OwnerTemplate] = (),
    records: Mapping[str, TemplateRecord] | None = None,
    rng: random.Random | None = None,
) -> NoteDraft:
    """`draft_note` for a stored person within `plan`'s limit.

    The drafter's material: the person (with `person.profile_context`, what their profile showed
    and shares with the owner, see `bot.services.profile_context`; `profile` overrides it) and
    `owner`, the owner's own profile context where the caller has it (the shared facts are
    already in the person's context; `owner` is accepted for what a template may come to use).

    The draft is in the person's profile language when known, else `language` (the owner's);
    a person the owner wrote context about gets the owner's language, as those words are.

    `withdrawn` is the invitation the reminder is about: its note and the days since it was
    withdrawn (at `now`) are template variables.
    """
    days = None
    if withdrawn is not None and withdrawn.withdrawn_at is not None and now is not None:
        days = max(0, (now - withdrawn.withdrawn_at).days)
    profile = profile or person_context(person)
    language = draft_language(person, language, profile)
    return draft_note(
        slug=person.slug,
        name=person.name,
        headline=person.headline,
        company=person.company,
        context=person.context,
        limit=note_limit(plan),
        language=language,
        profile=profile,
        days_since_withdrawal=days,
        original_note=withdrawn.note_text if withdrawn is not None else None,
        owner_templates=owner_templates,
        records=records,
        rng=rng,
    )


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
