"""Drafting with the owner's language model: over real HTTP to a fake endpoint, with every check.

The endpoint is tests/fakes/note_model.py on 127.0.0.1 with scripted answers; no weights, no
internet. Each refusal must leave the templates' draft in place and say why.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from automation.types import ProfileContext, SharedFacts
from bot.db.models import Person, Plan
from bot.rendering import Renderer
from bot.services.note_model import (
    MODEL_TEMPLATE,
    ModelProblem,
    NoteContext,
    NoteModelConfig,
    check_note,
    draft_note_with_model,
    model_draft,
    note_context_for,
    stop_word_language,
)
from bot.services.notes import draft_note_for
from bot.settings import Settings
from tests.fakes.note_model import FakeNoteModel, Reply

GOOD = (
    "Hi Jane, it was good to meet you at Denver Tech Conference — I'd love to stay in touch "
    "and follow your data work at Northwind Labs."
)
JANE = NoteContext(
    name="Dr. Jane Doe",
    limit=200,
    role="Head of Data",
    company="Northwind Labs",
    location="Denver",
    about="Building data teams that ship.",
    shared=("12 mutual connections", "you both studied at Leiden University"),
    owner_context="met at Denver Tech Conference",
    original_note="Hi Jane, I came across your profile and would be glad to connect.",
)


@pytest.fixture
def endpoint() -> Iterator[FakeNoteModel]:
    server = FakeNoteModel().start()
    yield server
    server.stop()


@pytest.fixture
def renderer() -> Renderer:
    return Renderer()


def config_for(server: FakeNoteModel, **overrides: object) -> NoteModelConfig:
    return replace(NoteModelConfig(url=server.url, name="llama3.2:3b", timeout=5.0), **overrides)  # type: ignore[arg-type]


def jane_person() -> Person:
    return Person(
        slug="jane-doe",
        name="Dr. Jane Doe",
        headline="Head of Data at Northwind Labs",
        company="Northwind Labs",
        context="met at Denver Tech Conference",
    )


# --- the request ------------------------------------------------------------------------------


async def test_a_good_answer_is_the_draft(endpoint: FakeNoteModel, renderer: Renderer) -> None:
    endpoint.script(Reply(content=f"  “{GOOD}”\n"))
    answer = await model_draft(config_for(endpoint), JANE, renderer)
    assert answer.text == GOOD  # outer quotes and whitespace gone, nothing else touched
    assert answer.problem is None and answer.reason is None


async def test_the_request_is_a_chat_completion_fed_only_the_stored_context(
    endpoint: FakeNoteModel, renderer: Renderer
) -> None:
    endpoint.script(Reply(content=GOOD))
    await model_draft(config_for(endpoint), JANE, renderer)
    [request] = endpoint.received
    assert request.path == "/v1/chat/completions"
    body = request.body
    assert body["model"] == "llama3.2:3b"
    assert 0 < body["temperature"] <= 1 and body["max_tokens"] > 0
    system, user = body["messages"]
    assert (system["role"], user["role"]) == ("system", "user")
    assert "200 characters" in system["content"] and "English" in system["content"]
    assert "Jane" in system["content"]
    for fact in (
        "Dr. Jane Doe",
        "Head of Data",
        "Northwind Labs",
        "Denver",
        "Building data teams that ship.",
        "12 mutual connections",
        "you both studied at Leiden University",
        "met at Denver Tech Conference",
        "I came across your profile",
    ):
        assert fact in user["content"]
    assert "authorization" not in request.headers


async def test_a_context_without_facts_sends_no_empty_lines_for_them(
    endpoint: FakeNoteModel, renderer: Renderer
) -> None:
    endpoint.script(Reply(content="Hi Sam, I'd love to connect with you."))
    bare = NoteContext(name="Sam Roe", limit=200)
    answer = await model_draft(config_for(endpoint), bare, renderer)
    assert answer.text == "Hi Sam, I'd love to connect with you."
    user = endpoint.received[0].body["messages"][1]["content"]
    for label in ("Role:", "Company:", "Location:", "About:", "In common", "earlier note"):
        assert label not in user


async def test_a_url_ending_in_chat_completions_is_used_as_given_and_the_key_is_sent(
    endpoint: FakeNoteModel, renderer: Renderer
) -> None:
    endpoint.script(Reply(content=GOOD))
    config = config_for(endpoint, url=f"{endpoint.url}/openai/chat/completions", api_key="sk-local")
    assert (await model_draft(config, JANE, renderer)).text == GOOD
    [request] = endpoint.received
    assert request.path == "/openai/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-local"
    assert "sk-local" not in repr(config)


# --- refusals: each falls back, and says why --------------------------------------------------

REFUSED = [
    pytest.param(
        Reply(content="Hi Jane, " + "I would really love to connect with you. " * 6),
        ModelProblem.TOO_LONG,
        "too long",
        id="too-long",
    ),  # fmt: skip
    pytest.param(
        Reply(content="Hi Jane, I'd love to connect and follow your", finish_reason="length"),
        ModelProblem.CUT_OFF,
        "cut off",
        id="cut-off-by-the-endpoint",
    ),  # fmt: skip
    pytest.param(
        Reply(content="Hi Daniel, I'd love to stay in touch after Denver Tech Conference."),
        ModelProblem.NAME,
        "Jane",
        id="wrong-name",
    ),  # fmt: skip
    pytest.param(
        Reply(content="Hi Jane, my slides are at https://example.org/talk — let's connect!"),
        ModelProblem.LINK,
        "link",
        id="a-link",
    ),  # fmt: skip
    pytest.param(
        Reply(content="Hi Jane, mail me at sam@example.org, I'd love to connect."),
        ModelProblem.LINK,
        "e-mail",
        id="an-email",
    ),  # fmt: skip
    pytest.param(
        Reply(content="Hi Jane, call me on +31 6 1234 5678, I'd love to connect."),
        ModelProblem.LINK,
        "phone",
        id="a-phone-number",
    ),  # fmt: skip
    pytest.param(
        Reply(content="Hi Jane, I'd love to hear about your years at Contoso Analytics."),
        ModelProblem.INVENTED,
        "Contoso",
        id="an-invented-company",
    ),  # fmt: skip
    pytest.param(
        Reply(content="Hi Jane, congratulations on your 15 years in data, let's connect."),
        ModelProblem.INVENTED,
        "15",
        id="an-invented-number",
    ),  # fmt: skip
    pytest.param(
        Reply(content="Hallo Jane, ich würde mich freuen, mit Ihnen in Kontakt zu bleiben."),
        ModelProblem.LANGUAGE,
        "English",
        id="wrong-language",
    ),  # fmt: skip
    pytest.param(
        Reply(content="Hi {{ first_name }}, I'd love to connect."),
        ModelProblem.PLACEHOLDER,
        "{{",
        id="template-leftover",
    ),  # fmt: skip
    pytest.param(
        Reply(content="Hi Jane, I loved your talk at [Event], let's connect."),
        ModelProblem.PLACEHOLDER,
        "[Event]",
        id="bracket-placeholder",
    ),  # fmt: skip
    pytest.param(Reply(content="  "), ModelProblem.EMPTY, "empty", id="empty"),
]


@pytest.mark.parametrize(("reply", "problem", "said"), REFUSED)
async def test_a_draft_that_fails_a_check_is_refused_with_its_reason(
    endpoint: FakeNoteModel, renderer: Renderer, reply: Reply, problem: ModelProblem, said: str
) -> None:
    endpoint.script(reply)
    answer = await model_draft(config_for(endpoint), JANE, renderer)
    assert answer.text is None
    assert answer.problem is problem
    assert answer.reason is not None
    assert answer.reason.startswith("model's draft failed a check: ")
    assert said in answer.reason


UNAVAILABLE = [
    pytest.param(Reply(content=GOOD, delay=3.0), id="slow"),
    pytest.param(Reply(status=500, raw='{"error": "out of memory"}'), id="500"),
    pytest.param(Reply(raw='{"choices": [{"message": '), id="malformed-json"),
    pytest.param(Reply(raw='{"choices": []}'), id="no-choices"),
    pytest.param(Reply(raw='{"choices": [{"message": {"content": 42}}]}'), id="content-not-text"),
]


@pytest.mark.parametrize("reply", UNAVAILABLE)
async def test_no_usable_answer_means_model_unavailable(
    endpoint: FakeNoteModel, renderer: Renderer, reply: Reply
) -> None:
    endpoint.script(reply)
    answer = await model_draft(config_for(endpoint, timeout=0.5), JANE, renderer)
    assert (answer.text, answer.problem, answer.reason) == (
        None,
        ModelProblem.UNAVAILABLE,
        "model unavailable",
    )
    assert len(endpoint.received) == 1


async def test_nothing_listening_means_model_unavailable(renderer: Renderer) -> None:
    server = FakeNoteModel().start()
    url = server.url
    server.stop()
    answer = await model_draft(NoteModelConfig(url=url, name="m", timeout=2.0), JANE, renderer)
    assert answer.problem is ModelProblem.UNAVAILABLE


# --- the hook ---------------------------------------------------------------------------------


async def test_the_hook_proposes_the_models_draft(endpoint: FakeNoteModel, renderer: Renderer) -> None:
    endpoint.script(Reply(content=GOOD))
    outcome = await draft_note_with_model(jane_person(), Plan.FREE, config_for(endpoint), renderer)
    assert (outcome.draft.text, outcome.draft.template, outcome.fallback_reason) == (
        GOOD,
        MODEL_TEMPLATE,
        None,
    )


async def test_the_hook_falls_back_to_the_templates_and_says_why(
    endpoint: FakeNoteModel, renderer: Renderer
) -> None:
    endpoint.script(Reply(content="Hi Daniel, let's connect."), Reply(status=500))
    person = jane_person()
    template_draft = draft_note_for(person, Plan.FREE)
    refused = await draft_note_with_model(person, Plan.FREE, config_for(endpoint), renderer)
    assert refused.draft == template_draft
    assert refused.fallback_reason is not None and "failed a check" in refused.fallback_reason
    down = await draft_note_with_model(person, Plan.FREE, config_for(endpoint), renderer)
    assert (down.draft, down.fallback_reason) == (template_draft, "model unavailable")


async def test_without_a_model_the_hook_is_the_templates(renderer: Renderer) -> None:
    person = jane_person()
    outcome = await draft_note_with_model(person, Plan.PREMIUM, None, renderer)
    assert (outcome.draft, outcome.fallback_reason) == (draft_note_for(person, Plan.PREMIUM), None)


def test_the_stored_person_is_the_context(renderer: Renderer) -> None:
    context = note_context_for(jane_person(), Plan.PREMIUM, renderer, language="xx", original_note="Hello")
    assert (context.first_name, context.role, context.company) == ("Jane", "Head of Data", "Northwind Labs")
    assert (context.limit, context.language, context.original_note) == (300, "en", "Hello")
    assert context.owner_context == "met at Denver Tech Conference"
    assert (context.location, context.about, context.shared) == ("", "", ())


def test_what_the_profile_showed_is_the_context_and_its_language_the_notes(renderer: Renderer) -> None:
    person = jane_person()
    person.profile_context = ProfileContext(
        role="VP Data",
        company="Northwind Labs",
        location="Utrecht",
        about="Data teams that ship.",
        language="nl",
        shared=SharedFacts(
            companies=("Northwind Labs", "Acme"),
            same_company_now=True,
            schools=("Universiteit Leiden",),
            languages=("Dutch",),
            mutual_connections=12,
        ),
    ).as_dict()
    context = note_context_for(person, Plan.FREE, renderer)
    assert (context.role, context.company, context.location, context.about) == (
        "VP Data",
        "Northwind Labs",
        "Utrecht",
        "Data teams that ship.",
    )
    assert context.language == "nl"
    assert context.shared == (
        "you both work at Northwind Labs now",
        "you both worked at Acme",
        "you both studied at Universiteit Leiden",
        "you both speak Dutch",
        "12 mutual connections",
    )
    # What the profile showed may be named; what it did not, may not.
    assert (
        check_note("Hoi Jane, leuk dat we allebei in Leiden studeerden. Ik maak graag contact.", context)
        is None
    )
    assert check_note(
        "Hoi Jane, leuk dat we allebei bij Philips werkten. Ik maak graag contact.", context
    ) == (
        ModelProblem.INVENTED,
        "Philips",
    )
    assert note_context_for(person, Plan.FREE, renderer, language="en").language == "en"


# --- the checks on their own ------------------------------------------------------------------


def test_a_good_draft_passes_in_each_language() -> None:
    drafts = {
        "en": GOOD,
        "nl": "Hoi Jane, leuk je ontmoet te hebben op Denver Tech Conference. Ik blijf graag in contact.",
        "de": "Hallo Jane, ich würde mich freuen, mit Ihnen in Kontakt zu bleiben und von Ihrer Arbeit "
        "bei Northwind Labs zu hören.",
        "fr": "Bonjour Jane, ravi de vous avoir rencontrée à la Denver Tech Conference. "
        "Je serais ravi de rester en contact.",
        "es": "Hola Jane, me gustaría conectar contigo y seguir tu trabajo en Northwind Labs.",
    }  # fmt: skip
    for language, text in drafts.items():
        assert stop_word_language(text) == language
        assert check_note(text, replace(JANE, language=language)) is None, language


def test_the_length_is_counted_in_utf16_units_and_never_trimmed() -> None:
    text = "Hi Jane, let's connect " + "🙂" * 40  # 23 + 80 units: over a limit of 100
    assert check_note(text, replace(JANE, limit=100)) == (ModelProblem.TOO_LONG, "103")
    assert check_note(text, replace(JANE, limit=103)) != (ModelProblem.TOO_LONG, "103")


def test_names_and_links_the_context_holds_are_allowed() -> None:
    context = replace(JANE, company="Booking.com", shared=("you both worked at IBM",))
    text = "Hi Jane, I'd love to connect — we both know IBM, and your work at Booking.com looks great."
    assert check_note(text, context) is None


def test_german_nouns_are_not_names_but_german_company_names_are() -> None:
    german = replace(JANE, language="de")
    plain = "Hallo Jane, ich würde mich über einen Austausch zu Ihrer Arbeit freuen."
    assert check_note(plain, german) is None
    for invented in ("SAP", "Deutschen", "Acme"):
        text = {
            "SAP": "Hallo Jane, ich habe früher bei SAP gearbeitet und würde mich freuen.",
            "Deutschen": "Hallo Jane, ich würde gerne von Ihrer Zeit bei der Deutschen Bahn hören.",
            "Acme": "Hallo Jane, ich würde mich über Ihre Arbeit bei Acme GmbH freuen.",
        }[invented]
        assert check_note(text, german) == (ModelProblem.INVENTED, invented)


# --- settings ---------------------------------------------------------------------------------


def test_the_model_is_configured_from_settings_and_the_key_stays_secret() -> None:
    assert NoteModelConfig.from_settings(Settings(_env_file=None)) is None
    settings = Settings(
        _env_file=None,
        note_model_url="http://127.0.0.1:11434",
        note_model_name="llama3.2:3b",
        note_model_api_key="sk-local",  # type: ignore[arg-type]
    )
    config = NoteModelConfig.from_settings(settings)
    assert config is not None
    assert (config.endpoint, config.name, config.timeout, config.api_key) == (
        "http://127.0.0.1:11434/v1/chat/completions",
        "llama3.2:3b",
        20.0,
        "sk-local",
    )
    assert "sk-local" not in repr(settings) and "sk-local" not in repr(config)


@pytest.mark.parametrize(
    "values",
    [
        {"note_model_url": "http://127.0.0.1:11434"},  # no model name
        {"note_model_url": "127.0.0.1:11434", "note_model_name": "m"},  # no scheme
        {"note_model_url": "http://127.0.0.1:11434", "note_model_name": "m", "note_model_timeout": 0},
    ],
)
def test_bad_model_settings_are_refused_at_load(values: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="note_model"):
        Settings(_env_file=None, **values)  # type: ignore[arg-type]
