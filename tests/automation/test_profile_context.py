"""A profile read as drafting context: real Chromium against the sandbox, in every rendering."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from automation.client import LinkedInClient
from automation.errors import UnsupportedLanguage
from automation.pages.profile_context import about_line, mutual_count
from automation.types import ProfileContext, SharedFacts
from sandbox.rendering import PageRenderer
from tests.sandbox.test_drift import DRIFT_SEEDS, RENDERINGS, replayable, world_of

pytestmark = pytest.mark.browser


def expected_context(sandbox: Any, slug: str) -> ProfileContext:
    """What the sandbox member's profile shows, as the world holds it (not as the page renders it)."""
    owner = sandbox.state.owner()
    person = owner if slug == owner.slug else sandbox.state.person(slug)
    details = person.details
    strings = PageRenderer().strings(sandbox.state.locale)
    current = details.positions[0] if details.positions and details.positions[0].end is None else None
    company = current.company if current else None
    companies = tuple(dict.fromkeys(p.company for p in details.positions))
    if company is None and sandbox.state.rendering == "e4" and person.company:
        company, companies = person.company, companies or (person.company,)
    about = details.about.split("\n")[0] if details.about else None
    if about is not None and len(about) > 200:
        about = about.split(". ")[0] + "."
    return ProfileContext(
        headline=person.headline or None,
        role=current.title if current else None,
        company=company,
        location=details.location,
        about=about,
        companies=companies,
        schools=details.schools,
        languages=tuple(str(strings.language_name(code)) for code in details.languages),
        language=details.language,
        shared=SharedFacts(mutual_connections=details.mutual or None),
    )


def _promoted(person: Any) -> bool:
    """Two roles at the current company: one Experience entry holding both."""
    positions = person.details.positions
    return len(positions) > 1 and positions[0].company == positions[1].company


def _members(sandbox: Any, count: int) -> list[str]:
    """`count` members whose profiles between them show every part and its absence."""
    people = sandbox.state.people()
    picked = [p.slug for p in people[:count]]
    wanted = [
        lambda p: not p.details.about,
        lambda p: not p.details.location,
        lambda p: p.details.mutual == 0,
        lambda p: p.details.mutual in (1, 2, 3),
        lambda p: not p.details.positions,
        lambda p: p.details.about and "\n" in p.details.about,
        lambda p: not p.headline and not p.details.positions,
        _promoted,
    ]
    for want in wanted:
        picked.append(next(p.slug for p in people if want(p)))
    return list(dict.fromkeys(picked))


@pytest.mark.parametrize("rendering", ["e4", "e3", "e2"])
async def test_profiles_read_as_their_world_holds_them(
    linkedin: LinkedInClient, sandbox: Any, rendering: str
) -> None:
    sandbox.reset(rendering=rendering)
    for slug in _members(sandbox, 6):
        assert await linkedin.read_profile(slug) == expected_context(sandbox, slug), slug


@pytest.mark.parametrize("locale", ["de", "nl", "fr", "es"])
@pytest.mark.parametrize("rendering", ["e4", "e3"])
async def test_profiles_read_in_every_language(
    linkedin: LinkedInClient, sandbox: Any, locale: str, rendering: str
) -> None:
    sandbox.reset(locale=locale, rendering=rendering)
    for slug in _members(sandbox, 1):
        assert await linkedin.read_profile(slug) == expected_context(sandbox, slug), slug


@pytest.mark.parametrize("seed", range(1, DRIFT_SEEDS + 1), ids=lambda seed: f"drift{seed}")
@pytest.mark.parametrize("rendering", RENDERINGS)
async def test_profiles_read_alike_through_drift(
    linkedin: LinkedInClient, sandbox: Any, rendering: str, seed: int
) -> None:
    world = world_of(seed)
    sandbox.reset(drift=seed, rendering=rendering, **world)
    with replayable(seed, rendering, world):
        for slug in _members(sandbox, 2):
            assert await linkedin.read_profile(slug) == expected_context(sandbox, slug), slug


async def test_a_member_with_nothing_but_a_name_is_an_empty_context(
    linkedin: LinkedInClient, sandbox: Any
) -> None:
    bare = next(p for p in sandbox.state.people() if not p.headline and not p.details.positions)
    assert await linkedin.read_profile(bare.slug) == ProfileContext()
    # The top card read alone takes neither "Contact info" nor "500+ connections" for a headline.
    assert (await linkedin.profile(bare.slug)).headline == ""


async def test_shared_facts_come_from_the_owners_own_profile(linkedin: LinkedInClient, sandbox: Any) -> None:
    owner = await linkedin.read_profile()
    assert owner == expected_context(sandbox, sandbox.state.owner().slug)
    assert owner.role == "Growth Consultant" and owner.languages == ("English", "Dutch")
    found = {"company": False, "company_now": False, "school": False, "language": False}
    for person in sandbox.state.people()[:24]:
        context = await linkedin.read_profile(person.slug, viewer=owner)
        shared = context.shared
        assert shared.companies == tuple(c for c in context.companies if c in owner.companies)
        assert shared.schools == tuple(s for s in context.schools if s in owner.schools)
        assert shared.languages == tuple(lang for lang in context.languages if lang in owner.languages)
        assert shared.same_company_now == (context.company is not None and context.company == owner.company)
        assert shared.mutual_connections == (person.details.mutual or None)
        found["company"] |= bool(shared.companies)
        found["company_now"] |= shared.same_company_now
        found["school"] |= bool(shared.schools)
        found["language"] |= bool(shared.languages)
    assert all(found.values()), found


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Ana Diaz, Bo Li and 12 other mutual connections", 14),
        ("Ana Diaz, Bo Li and 1 other mutual connection", 3),
        ("Ana Diaz and Bo Li are mutual connections", 2),
        ("Ana Diaz is a mutual connection", 1),
        ("1,204 mutual connections", 1204),
        ("Ana Diaz, Bo Li und 5 weitere gemeinsame Kontakte", 7),
        ("Ana Diaz en Bo Li zijn gemeenschappelijke connecties", 2),
        ("Ana Diaz est une relation en commun", 1),
        ("Ana Diaz, Bo Li y 4 contactos en común más", 6),
        ("500+ connections", None),
    ],
)
def test_mutual_connections_are_counted_in_every_language(text: str, count: int | None) -> None:
    assert mutual_count(text) == count


def test_about_is_one_line_never_cut_mid_word() -> None:
    assert about_line(["", "Short and sweet.", "Second paragraph."]) == "Short and sweet."
    long_sentence = "I build things. " + "More words here " * 20
    assert about_line([long_sentence]) == "I build things."
    run_on = "word " * 60
    line = about_line([run_on])
    assert line is not None and line.endswith("word…") and len(line) <= 201
    assert about_line([]) is None


def rewrite(sandbox: Any, slug: str, **texts: str) -> None:
    """Change what a member typed, through the sandbox's control API."""
    answer = httpx.post(sandbox.url("/__sandbox/person"), json={"slug": slug, **texts})
    assert answer.status_code == 200, answer.text


async def test_what_a_member_typed_reaches_the_context_printable(
    linkedin: LinkedInClient, sandbox: Any
) -> None:
    slug = _members(sandbox, 1)[0]
    typed = {
        "headline": "\x1b]0;owned\x07Head of \x1b[2JPeople",
        "location": "Utrecht\x1b[31m, Netherlands",
        "about": "Hi\x07 there, \x1b[1mlet's talk\x1b[0m about pricing.",
    }
    rewrite(sandbox, slug, **typed)
    context = await linkedin.read_profile(slug)
    assert (context.headline, context.location, context.about) == (
        "Head of People",
        "Utrecht, Netherlands",
        "Hi there, let's talk about pricing.",
    )


async def test_a_profile_in_a_language_we_cannot_read_is_named_not_guessed(
    linkedin: LinkedInClient, sandbox: Any
) -> None:
    sandbox.reset(locale="it")
    with pytest.raises(UnsupportedLanguage):
        await linkedin.read_profile(_members(sandbox, 1)[0])


async def test_a_context_survives_being_stored_as_json(linkedin: LinkedInClient, sandbox: Any) -> None:
    owner = await linkedin.read_profile()
    slug = _members(sandbox, 1)[0]
    context = await linkedin.read_profile(slug, viewer=owner)
    stored = json.loads(json.dumps(context.as_dict()))
    assert ProfileContext.from_dict(stored) == context
    assert ProfileContext.from_dict({**stored, "added_later": 1}) == context
    assert ProfileContext.from_dict({}) == ProfileContext()
