"""Drafting a connection note with the owner's own language model, and checking what it wrote.

Optional: with `NOTE_MODEL_URL` set, `model_draft` asks any OpenAI-compatible chat-completions
endpoint (a local Ollama, llama.cpp server or vLLM) for a note, with a prompt rendered from
`templates/notes/prompt/` that is fed only the stored context (`NoteContext`). The answer is
then checked, and refused rather than repaired when a check fails:

- length: within the account's limit in UTF-16 units (`notes.note_length`); too long is refused,
  never trimmed, and an answer the endpoint cut off (`finish_reason` "length") is refused too;
- the name: the person's first name appears as a word, and a greeting names nobody else;
- no links, e-mail addresses or phone numbers;
- no placeholder leftovers (`{{`, `{%`, `[Name]`, `<name>`);
- no invented facts, by a heuristic: every number in the note must appear in the context, and
  every capitalised word that does not start a sentence (a name: "Acme", "Berlin", "Stanford")
  must appear in the context, unless it is a common word of the note's language ("I", the
  German "Ihnen"). German capitalises every noun, so there only words that look like names count:
  ones with a capital or digit inside ("DataCorp"), all capitals ("IBM"), runs of two or more
  capitalised words ("Deutsche Bahn") and words before a legal form ("Acme GmbH").
  Limits: a name at the start of a sentence, a lower-case name ("bol.com"), and facts that are
  not names or numbers ("your recent promotion") pass unseen; a name the context holds in
  another role (the owner's context says "Berlin", the note claims they met in Berlin) passes.
  The owner reads every draft before tapping Send, so the check guards against the blatant
  inventions small models make, not every one;
- the language: more stop words of the target language (en, nl, de, fr, es) than of any other.

Whatever fails (no answer in time, an HTTP error, a malformed body, a refused draft), the
caller gets `text=None` and a reason the reminder card can show ("model unavailable",
"model's draft failed a check: …"), and drafts from the templates instead. Nothing is sent
without the owner's tap either way: a draft only ever becomes the reminder's proposed note.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select

from bot.db.models import Account, Invitation, Person, Plan, Reminder
from bot.db.session import SessionFactory
from bot.rendering import Renderer
from bot.services.note_templates import OwnerTemplate
from bot.services.notes import (
    NoteDraft,
    draft_language,
    draft_note_for,
    first_name,
    note_length,
    note_limit,
    split_headline,
)
from bot.services.profile_context import person_context
from bot.services.reminders import DueReminder, draft_for_person
from bot.settings import Settings

log = logging.getLogger(__name__)

LANGUAGES = {"en": "English", "nl": "Dutch", "de": "German", "fr": "French", "es": "Spanish"}
TEMPERATURE = 0.7
MAX_TOKENS = 200
"""Enough for 300 characters in any of the languages; a longer answer is refused anyway."""
MODEL_TEMPLATE = "model"
"""`NoteDraft.template` of a draft the model wrote."""
VERDICT_OK = "ok"
"""`Reminder.model_verdict` of a draft the model wrote (the others are `ModelProblem` values)."""


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# A few dozen of the most frequent function words per language: enough to tell a 20-word note's
# language, with words two languages share ("de", "en", "die") counting for both.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": _word_set(
        "the and to of a in is you your i i'd i'm it that for on with at be would love like "
        "are was have we my me this our as from glad great connect hi hello"
    ),
    "nl": _word_set(
        "de het een en van ik je jij u uw jouw is dat die op te met voor niet zijn om graag "
        "wil zou ook bij naar hoi hallo beste groet leuk verbinden"
    ),
    "de": _word_set(
        "der die das und ich sie ihr ihre ihnen ist nicht mit zu ein eine einen dem den von "
        "für auf würde gerne gern mich mir wir bei hallo liebe lieber vernetzen freue"
    ),
    "fr": _word_set(
        "le la les et je vous votre vos tu ton ta un une des est pas avec pour sur dans de du "
        "au aux que qui serait ravi ravie bonjour me mon ma ce cette"
    ),
    "es": _word_set(
        "el la los las y yo usted tu su un una es no con para por en de del que me mi "
        "gustaría encantaría hola sería estar conectar"
    ),
}
# Greetings whose next word is the name greeted ("Hi Jane", "Liebe Jana", "Guten Tag Jan").
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|hoi|hallo|beste|liebe|lieber|guten tag|moin|bonjour|salut|cher|chère"
    r"|hola|estimado|estimada|querido|querida)\b[\s,]+(\w[\w'-]*)",
    re.IGNORECASE,
)
_LINK = re.compile(
    r"(?i)\bhttps?://|\bwww\.|[\w.+-]+@[\w-]+\.[\w.]+"
    r"|\b[\w-]+\.(?:com|net|org|io|ai|co|dev|app|me|nl|de|fr|es|be|ch|at|uk|eu|us)\b(?:/\S*)?"
)
_PHONE = re.compile(r"\+?\d[\d ()./-]{6,}\d")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{%|%\}|\[[^\]]*\]|<[^>]*>|\b(?:XXX|TODO|N/A)\b")
_WORD = re.compile(r"[^\W_](?:[\w'’&.-]*[^\W_])?")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SENTENCE_END = re.compile(r"[.!?:;\n—–]\s*$")
_LEGAL_FORMS = _word_set("gmbh ag se kg inc inc. ltd ltd. llc bv b.v. nv n.v. sa s.a. sl s.l. sas sarl plc")
# Capitalised words that are not facts: the pronoun "I" and its contractions, the platform itself,
# and the formal pronouns German writes with a capital.
_ALWAYS_ALLOWED = _word_set("i i'd i'm i've i'll linkedin sie ihr ihre ihnen ihren ihrem ihrer usted")


class ModelProblem(enum.StrEnum):
    UNAVAILABLE = "unavailable"  # no answer, an HTTP error or a body that is not a chat completion
    EMPTY = "empty"
    TOO_LONG = "too_long"
    CUT_OFF = "cut_off"
    NAME = "name"
    LINK = "link"
    PLACEHOLDER = "placeholder"
    INVENTED = "invented"
    LANGUAGE = "language"


@dataclass(frozen=True)
class NoteModelConfig:
    """Where the owner's model answers and how long to wait; `api_key` is never logged or shown."""

    url: str
    name: str
    timeout: float = 20.0
    api_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> NoteModelConfig | None:
        """The configured model, or None when `NOTE_MODEL_URL` is unset (drafts use the templates)."""
        if not settings.note_model_url or not settings.note_model_name:
            return None
        key = settings.note_model_api_key
        return cls(
            url=settings.note_model_url,
            name=settings.note_model_name,
            timeout=settings.note_model_timeout,
            api_key=key.get_secret_value() if key is not None else None,
        )

    @property
    def endpoint(self) -> str:
        """The chat-completions URL: the URL as given if it names one, else `{url}/v1/chat/completions`."""
        url = self.url.rstrip("/")
        return url if url.endswith("/chat/completions") else f"{url}/v1/chat/completions"


@dataclass(frozen=True)
class NoteContext:
    """Everything the model may know: what is stored about the person and the owner, nothing else.

    `shared` holds plain phrases ("you both studied at Leiden University", "12 mutual
    connections"); `original_note` is the note of the invitation that went unanswered.
    """

    name: str
    limit: int
    language: str = "en"
    role: str = ""
    company: str = ""
    location: str = ""
    about: str = ""
    shared: tuple[str, ...] = ()
    owner_context: str = ""
    original_note: str = ""

    @property
    def first_name(self) -> str:
        return first_name(self.name)

    @property
    def language_name(self) -> str:
        return LANGUAGES.get(self.language, LANGUAGES["en"])

    def facts(self) -> str:
        """All the context's text in one string: what a note may name."""
        return " ".join(
            [
                self.name,
                self.role,
                self.company,
                self.location,
                self.about,
                *self.shared,
                self.owner_context,
                self.original_note,
            ]
        )


def note_context_for(
    person: Person,
    plan: Plan,
    renderer: Renderer,
    *,
    language: str | None = None,
    original_note: str | None = None,
) -> NoteContext:
    """The stored context of `person` for a note within `plan`'s limit.

    What their profile showed when last read (`Person.profile_context`) comes first, the Sent
    list's headline and company where it showed nothing. The note's language is `language`, else
    the profile's own, else English.
    """
    role, company = split_headline(person.headline, person.company)
    profile = person_context(person)
    shared: tuple[str, ...] = ()
    if profile is not None:
        role, company = profile.role or role, profile.company or company
        facts = profile.shared
        lines = renderer.render(
            "notes/prompt/shared.txt.j2",
            company=company,
            same_company_now=facts.same_company_now,
            companies=[name for name in facts.companies if not (facts.same_company_now and name == company)],
            schools=facts.schools,
            languages=facts.languages,
            mutual_connections=facts.mutual_connections,
        )
        shared = tuple(line.strip() for line in lines.splitlines() if line.strip())
    language = language or (profile.language if profile is not None else None) or "en"
    return NoteContext(
        name=person.name,
        limit=note_limit(plan),
        language=language if language in LANGUAGES else "en",
        role=role,
        company=company,
        location=(profile.location or "") if profile is not None else "",
        about=(profile.about or "") if profile is not None else "",
        shared=shared,
        owner_context=person.context or "",
        original_note=original_note or "",
    )


@dataclass(frozen=True)
class ModelDraft:
    """The model's checked note, or None with the problem and a reason the card can show."""

    text: str | None
    problem: ModelProblem | None = None
    detail: str = ""  # what failed: the invented word, the length, the language asked for
    reason: str | None = None


# --- the request ------------------------------------------------------------------------------


NOTE_PROMPT = "notes/prompt/system.txt.j2"
"""The rules for a connection note; a follow-up's first message has its own (`followups/prompt/`)."""


def build_request(
    config: NoteModelConfig, context: NoteContext, renderer: Renderer, *, system: str = NOTE_PROMPT
) -> dict[str, Any]:
    """The chat-completions body: a system prompt with the rules, a user prompt with the context."""
    values = {
        "name": context.name,
        "first_name": context.first_name,
        "role": context.role,
        "company": context.company,
        "location": context.location,
        "about": context.about,
        "shared": context.shared,
        "owner_context": context.owner_context,
        "original_note": context.original_note,
        "language_name": context.language_name,
        "limit": context.limit,
    }
    return {
        "model": config.name,
        "messages": [
            {"role": "system", "content": renderer.render(system, values)},
            {"role": "user", "content": renderer.render("notes/prompt/user.txt.j2", values)},
        ],
        "temperature": TEMPERATURE,
        "max_tokens": MAX_TOKENS,
        "stream": False,
    }


class _Unavailable(Exception):
    pass


async def _complete(config: NoteModelConfig, body: dict[str, Any]) -> tuple[str, str | None]:
    """(content, finish_reason) of the first choice, or `_Unavailable`."""
    headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
    try:
        # trust_env=False: the model is the owner's own endpoint, reached directly, never via a proxy.
        async with asyncio.timeout(config.timeout):
            async with httpx.AsyncClient(timeout=config.timeout, trust_env=False) as client:
                response = await client.post(config.endpoint, json=body, headers=headers)
        response.raise_for_status()
        choice = response.json()["choices"][0]
        content = choice["message"]["content"]
        finish = choice.get("finish_reason")
    except (TimeoutError, httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as error:
        # The exception's type and status only: a message could echo the request, key included.
        status = getattr(getattr(error, "response", None), "status_code", None)
        log.warning("note model unavailable: %s%s", type(error).__name__, f" ({status})" if status else "")
        raise _Unavailable from None
    if not isinstance(content, str) or not (finish is None or isinstance(finish, str)):
        log.warning("note model unavailable: the answer is not text")
        raise _Unavailable
    return content, finish


# --- the checks -------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """The answer without outer whitespace and the quotes models like to wrap a note in."""
    text = text.strip()
    for opening, closing in ('""', "“”", "„“", "«»", "''"):
        if len(text) >= 2 and text[0] == opening and text[-1] == closing:
            text = text[1:-1].strip()
    return text


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def stop_word_language(text: str) -> str | None:
    """The language with the most stop words in `text`, None on a tie or when none is found."""
    words = [w.casefold() for w in _words(text)]
    hits = {lang: sum(w in stops for w in words) for lang, stops in STOP_WORDS.items()}
    best = max(hits.values())
    winners = [lang for lang, count in hits.items() if count == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def _names_in(text: str, language: str) -> list[str]:
    """Capitalised words of `text` that read as names (see the module docstring)."""
    matches = list(_WORD.finditer(text))
    stops = STOP_WORDS.get(language, frozenset())
    greeting = _GREETING.match(text)

    def capitalised(index: int) -> bool:
        """A capitalised word that is neither common, nor first in its sentence, nor the greeted name."""
        if not 0 <= index < len(matches):
            return False
        match = matches[index]
        word = match.group()
        return (
            word[0].isupper()
            and word.casefold() not in _ALWAYS_ALLOWED
            and word.casefold() not in stops
            and not (index == 0 or _SENTENCE_END.search(text[: match.start()]))
            and not (index == 1 and greeting)
        )

    found: list[str] = []
    for index, match in enumerate(matches):
        if not capitalised(index):
            continue
        word = match.group()
        following = matches[index + 1].group() if index + 1 < len(matches) else ""
        if language == "de" and not (
            any(ch.isupper() or ch.isdigit() for ch in word[1:])
            or following.casefold() in _LEGAL_FORMS
            or capitalised(index - 1)
            or capitalised(index + 1)
        ):
            continue
        found.append(word)
    return found


def check_note(
    text: str, context: NoteContext, *, finish_reason: str | None = None
) -> tuple[ModelProblem, str] | None:
    """The first problem with the model's `text` and a detail naming it, or None when it may be proposed."""
    if not text:
        return ModelProblem.EMPTY, ""
    if finish_reason == "length":
        return ModelProblem.CUT_OFF, ""
    if note_length(text) > context.limit:
        return ModelProblem.TOO_LONG, str(note_length(text))
    placeholder = _PLACEHOLDER.search(text)
    if placeholder:
        return ModelProblem.PLACEHOLDER, placeholder.group()
    facts = context.facts()
    links = [link.group().casefold() for link in _LINK.finditer(text)]
    if any(link not in facts.casefold() for link in links) or _PHONE.search(text):
        return ModelProblem.LINK, ""
    if stop_word_language(text) != context.language:
        return ModelProblem.LANGUAGE, context.language
    first = context.first_name
    greeted = _GREETING.match(text)
    if not first or first not in _words(text) or (greeted and greeted.group(1) != first):
        return ModelProblem.NAME, ""
    known_numbers = set(_NUMBER.findall(facts))
    for number in _NUMBER.findall(text):
        if number not in known_numbers:
            return ModelProblem.INVENTED, number
    known_words = {w.casefold() for w in _words(facts)}
    for name in _names_in(text, context.language):
        if name.casefold() not in known_words:
            return ModelProblem.INVENTED, name
    return None


# --- the hook ---------------------------------------------------------------------------------


def _reason(renderer: Renderer, problem: ModelProblem, context: NoteContext, detail: str = "") -> str:
    return renderer.render(
        "notes/model_reason.txt.j2",
        problem=problem.value,
        detail=detail,
        length=detail,
        limit=context.limit,
        first_name=context.first_name,
        language_name=context.language_name,
    )


async def model_draft(
    config: NoteModelConfig, context: NoteContext, renderer: Renderer, *, system: str = NOTE_PROMPT
) -> ModelDraft:
    """The model's text for `context` if it passes every check, else None and why (never raises).

    `system` is the prompt with the rules: a connection note's unless a caller drafts something else
    under the same checks (a follow-up's first message).
    """
    try:
        content, finish = await _complete(config, build_request(config, context, renderer, system=system))
    except _Unavailable:
        problem = ModelProblem.UNAVAILABLE
        return ModelDraft(text=None, problem=problem, reason=_reason(renderer, problem, context))
    text = _normalise(content)
    found = check_note(text, context, finish_reason=finish)
    if found is not None:
        problem, detail = found
        log.info("note model draft refused: %s", problem.value)
        reason = _reason(renderer, problem, context, detail)
        return ModelDraft(text=None, problem=problem, detail=detail, reason=reason)
    return ModelDraft(text=text)


@dataclass(frozen=True)
class DraftOutcome:
    """The draft to propose and the model's verdict on it (see `Reminder.model_verdict`).

    `verdict` is None without a model, "ok" when the model wrote the draft, else the problem that
    sent the draft back to the templates; `fallback_reason` says that problem in words.
    """

    draft: NoteDraft
    verdict: str | None = None
    detail: str | None = None
    fallback_reason: str | None = None


async def draft_note_with_model(
    person: Person,
    plan: Plan,
    config: NoteModelConfig | None,
    renderer: Renderer,
    *,
    language: str | None = None,
    original_note: str | None = None,
    fallback: NoteDraft | None = None,
) -> DraftOutcome:
    """The model's draft when one is configured and passes the checks, else `fallback`.

    `fallback` is the templates' draft the caller made with everything it knows (the owner's
    templates, the records, the first invitation); without it, the plain templates' draft.
    Call it outside a database transaction: the model may take up to `config.timeout`.
    """
    template_draft = fallback or draft_note_for(person, plan)
    if config is not None:
        context = note_context_for(person, plan, renderer, language=language, original_note=original_note)
        answer = await model_draft(config, context, renderer)
        if answer.text is not None:
            return DraftOutcome(
                NoteDraft(answer.text, template=MODEL_TEMPLATE, trimmed=False), verdict=VERDICT_OK
            )
        assert answer.problem is not None
        return DraftOutcome(
            template_draft,
            verdict=answer.problem.value,
            detail=answer.detail or None,
            fallback_reason=answer.reason,
        )
    return DraftOutcome(template_draft)


async def redraft_with_model(
    db: SessionFactory, config: NoteModelConfig, renderer: Renderer, item: DueReminder
) -> DueReminder:
    """`item` with the model's draft (or the templates' and why) if this scan drafted its note.

    The reminder job calls it after the person's profile was read, so the model sees what the
    visit found. The model is asked outside any transaction; the draft is stored only if the note
    is still the one the scan made (an owner's edit meanwhile wins). An owner's own text or an
    earlier draft is never replaced, so each reminder asks the model once.
    """
    if not item.drafted:
        return item
    scanned = item.reminder
    outcome = await draft_note_with_model(
        item.person,
        item.account.plan,
        config,
        renderer,
        language=draft_language(item.person, item.account.language),
        original_note=item.invitation.note_text,
        fallback=NoteDraft(scanned.draft_note or "", scanned.draft_template or "", trimmed=False),
    )
    async with db.begin() as session:
        reminder = await session.get_one(Reminder, item.reminder.id)
        if reminder.draft_note == item.reminder.draft_note:
            reminder.draft_note = outcome.draft.text
            reminder.model_verdict = outcome.verdict
            reminder.model_verdict_detail = outcome.detail
            if outcome.verdict == VERDICT_OK:
                reminder.draft_template = None  # no template of the house to credit with its fate
    return replace(item, reminder=reminder)


async def note_for_person(
    db: SessionFactory,
    account: Account,
    person: Person,
    config: NoteModelConfig | None,
    renderer: Renderer,
    *,
    now: datetime,
    owner_templates: Sequence[OwnerTemplate] = (),
) -> DraftOutcome:
    """A note for anyone among the invitations (/note, `note draft`), drafted as a reminder's is.

    The templates' draft from the owner's stored context, templates and records
    (`reminders.draft_for_person`), then the owner's model when configured, fed the same stored
    context and falling back to that draft; the model is asked outside any transaction.
    """
    async with db() as session:
        template_draft = await draft_for_person(
            session, account, person, now=now, owner_templates=owner_templates
        )
        withdrawn = await session.scalar(
            select(Invitation.note_text)
            .where(Invitation.person_id == person.id, Invitation.withdrawn_at.is_not(None))
            .order_by(Invitation.withdrawn_at.desc())
            .limit(1)
        )
    assert template_draft is not None
    return await draft_note_with_model(
        person,
        account.plan,
        config,
        renderer,
        language=draft_language(person, account.language),
        original_note=withdrawn,
        fallback=template_draft,
    )
