"""The messaging page object: a first message to a connection, typed, sent and seen in the thread,
in every rendering (the e4 contenteditable box, the Ember textarea), language and a drift seed."""

import pytest
from playwright.async_api import Page

from automation.client import LinkedInClient
from automation.errors import LayoutChanged, NotConnected
from tests.automation.test_profile_invite import stranger

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("world", "name"),
    [
        ({"rendering": "e4"}, "e4"),
        ({"rendering": "e3"}, "e3"),
        ({"rendering": "e2"}, "e2"),
        ({"locale": "de"}, "de"),
        ({"locale": "nl"}, "nl"),
        ({"locale": "fr", "rendering": "e3"}, "fr-e3"),
        ({"locale": "es"}, "es"),
        ({"drift": 7}, "drift-7"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
async def test_a_message_is_sent_once_and_seen_in_the_thread(
    linkedin: LinkedInClient, sandbox, world: dict[str, object], name: str
) -> None:
    sandbox.reset(**world)
    slug = sandbox.state.connected_slugs()[0]
    person = sandbox.state.person(slug)
    text = f"Hi {person.first_name}, thanks for connecting!\nWhat are you working on these days?"

    assert await linkedin.messages(slug, name=person.name) == ()
    result = await linkedin.send_message(slug, text, name=person.name)
    assert not result.already_sent
    assert sandbox.state.thread(slug) == [text]
    # A second try (a retry after a crash) finds it there and types nothing.
    again = await linkedin.send_message(slug, text, name=person.name)
    assert again.already_sent and sandbox.state.thread(slug) == [text]
    assert await linkedin.messages(slug, name=person.name) == (" ".join(text.split()),)


async def test_no_message_box_for_a_stranger_and_no_thread_of_another_name(
    linkedin: LinkedInClient, sandbox
) -> None:
    with pytest.raises(NotConnected):
        await linkedin.send_message(stranger(sandbox), "Hello")
    slug = sandbox.state.connected_slugs()[0]
    with pytest.raises(LayoutChanged):
        await linkedin.send_message(slug, "Hello", name="Somebody Else")
    assert sandbox.state.thread(slug) == []


async def test_the_profiles_message_link_leads_to_the_conversation(sandbox, sandbox_page: Page) -> None:
    slug = sandbox.state.connected_slugs()[0]
    person = sandbox.state.person(slug)
    await sandbox_page.goto(sandbox.url(f"/in/{slug}/"))
    await sandbox_page.get_by_role("link", name=f"Message {person.name}").first.click()
    await sandbox_page.get_by_role("textbox", name="Write a message…").fill("Hello there")
    await sandbox_page.get_by_role("button", name="Send", exact=True).click()
    await (
        sandbox_page.get_by_role("log", name=f"Conversation with {person.name}")
        .get_by_text("Hello there")
        .wait_for()
    )
    assert sandbox.state.thread(slug) == ["Hello there"]
