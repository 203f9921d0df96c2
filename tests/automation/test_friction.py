"""Friction anywhere: what LinkedIn puts in front of a page is named by its own error, on every operation.

A checkpoint, a captcha, the restriction interstitial, an "unusual activity" warning and the
weekly-limit notice, met on the first page of an operation or in its middle (a lazy load, the
withdraw dialog, sending an invitation), and a LinkedIn in a language we cannot read.
"""

from collections.abc import Awaitable, Callable

import pytest

from automation.client import LinkedInClient
from automation.errors import (
    AccountRestricted,
    AutomationError,
    CaptchaRequired,
    SecurityCheckpoint,
    SessionExpired,
    UnsupportedLanguage,
    UnusualActivity,
    WeeklyLimit,
)
from automation.pages.friction import SUPPORTED_LANGUAGES, PageSignals, friction_in
from tests.automation.test_profile_invite import stranger

pytestmark = pytest.mark.browser

EXPECTED: dict[str, type[AutomationError]] = {
    "checkpoint": SecurityCheckpoint,
    "captcha": CaptchaRequired,
    "restricted": AccountRestricted,
    "unusual_activity": UnusualActivity,
    "weekly_limit": WeeklyLimit,
}

Operation = Callable[[LinkedInClient, object], Awaitable[object]]

OPERATIONS: dict[str, Operation] = {
    "check_session": lambda client, sandbox: client.check_session(),
    "list_sent": lambda client, sandbox: client.list_sent(),
    "withdraw": lambda client, sandbox: client.withdraw(sandbox.state.pending_slugs()[-1]),
    "profile": lambda client, sandbox: client.profile(sandbox.state.pending_slugs()[0]),
    "invite": lambda client, sandbox: client.invite(stranger(sandbox), "Good to meet you"),
}


def assert_nothing_changed(sandbox, pending: list[str]) -> None:
    assert sandbox.state.pending_slugs() == pending
    assert sandbox.state.withdrawn_slugs() == [] and sandbox.state.invited_slugs() == []


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("friction", EXPECTED)
async def test_friction_on_the_first_page_of_every_operation(
    linkedin: LinkedInClient, sandbox, friction: str, operation: str
) -> None:
    sandbox.reset(pending=12)
    pending = sandbox.state.pending_slugs()
    sandbox.set_faults(friction=friction)
    with pytest.raises(AutomationError) as raised:
        await OPERATIONS[operation](linkedin, sandbox)
    assert type(raised.value) is EXPECTED[friction], raised.value
    assert raised.value.pauses_account
    assert_nothing_changed(sandbox, pending)


@pytest.mark.parametrize("friction", EXPECTED)
async def test_friction_in_the_middle_of_a_withdrawal(
    linkedin: LinkedInClient, sandbox, friction: str
) -> None:
    sandbox.reset(pending=8)  # one page of rows: the Sent page loads, then the dialog is asked for
    pending = sandbox.state.pending_slugs()
    sandbox.set_faults(friction=friction, friction_after=1)
    with pytest.raises(AutomationError) as raised:
        await linkedin.withdraw(pending[-1])
    assert type(raised.value) is EXPECTED[friction], raised.value
    assert sandbox.state.friction_passed == 1, "the Sent page loaded; the dialog met the friction"
    assert_nothing_changed(sandbox, pending)


@pytest.mark.parametrize("friction", EXPECTED)
async def test_friction_while_the_sent_list_loads(linkedin: LinkedInClient, sandbox, friction: str) -> None:
    sandbox.reset(pending=35)  # the page, then three lazy loads: the second one is stopped
    pending = sandbox.state.pending_slugs()
    sandbox.set_faults(friction=friction, friction_after=2)
    with pytest.raises(AutomationError) as raised:
        await linkedin.list_sent()
    assert type(raised.value) is EXPECTED[friction], raised.value
    assert sandbox.state.friction_passed == 2, "the page and one lazy load passed"
    assert_nothing_changed(sandbox, pending)


@pytest.mark.parametrize("friction", EXPECTED)
async def test_friction_when_sending_an_invitation(linkedin: LinkedInClient, sandbox, friction: str) -> None:
    pending = sandbox.state.pending_slugs()
    sandbox.set_faults(friction=friction, friction_after=1)  # the dialog opens; sending is stopped
    with pytest.raises(AutomationError) as raised:
        await linkedin.invite(stranger(sandbox), "Good to meet you")
    assert type(raised.value) is EXPECTED[friction], raised.value
    assert sandbox.state.friction_passed == 1, "the dialog opened; sending met the friction"
    assert_nothing_changed(sandbox, pending)


async def test_work_goes_on_once_the_checkpoint_is_passed(linkedin: LinkedInClient, sandbox) -> None:
    sandbox.set_faults(friction="checkpoint")
    with pytest.raises(SecurityCheckpoint):
        await linkedin.check_session()
    sandbox.set_faults(friction="none")
    await linkedin.check_session()


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_a_language_we_cannot_read_is_named_never_misread(
    linkedin: LinkedInClient, sandbox, operation: str
) -> None:
    sandbox.reset(pending=12, locale="it")
    pending = sandbox.state.pending_slugs()
    with pytest.raises(UnsupportedLanguage) as raised:
        await OPERATIONS[operation](linkedin, sandbox)
    assert raised.value.language == "it" and raised.value.supported == SUPPORTED_LANGUAGES
    assert raised.value.pauses_account
    assert_nothing_changed(sandbox, pending)


DROP_LANG_SCRIPT = """
document.addEventListener("DOMContentLoaded", () => document.documentElement.removeAttribute("lang"));
"""
"""An init script for a page that names no language: only the failure to read it can tell."""


@pytest.mark.parametrize("operation", ["list_sent", "withdraw"])
async def test_a_language_we_cannot_read_is_found_by_reading_nothing(
    linkedin: LinkedInClient, sandbox, operation: str
) -> None:
    sandbox.reset(pending=12, locale="it")
    pending = sandbox.state.pending_slugs()
    await linkedin.page.add_init_script(DROP_LANG_SCRIPT)
    with pytest.raises(UnsupportedLanguage) as raised:
        await OPERATIONS[operation](linkedin, sandbox)
    assert raised.value.language == "unknown"
    assert_nothing_changed(sandbox, pending)


@pytest.mark.parametrize("pending", [0, 12])
async def test_a_page_in_a_language_we_read_needs_no_lang_attribute(
    linkedin: LinkedInClient, sandbox, pending: int
) -> None:
    sandbox.reset(pending=pending, locale="fr")
    await linkedin.page.add_init_script(DROP_LANG_SCRIPT)
    listed = await linkedin.list_sent()
    assert [i.slug for i in listed.invitations] == sandbox.state.pending_slugs()
    assert listed.pill_count == pending


# The detector's decisions, without a browser.


def _on(path: str, **signals: object) -> AutomationError | None:
    return friction_in(PageSignals(url=f"https://www.linkedin.com{path}", **signals))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("signals", "expected"),
    [
        ({"path": "/login/?session_redirect=x"}, SessionExpired),
        ({"path": "/authwall"}, SessionExpired),
        ({"path": "/checkpoint/lg/login-submit"}, SessionExpired),
        ({"path": "/checkpoint/challenge/abc"}, SecurityCheckpoint),
        ({"path": "/feed/", "code_input": True}, SecurityCheckpoint),
        ({"path": "/feed/", "texts": ("Check your LinkedIn app",)}, SecurityCheckpoint),
        ({"path": "/checkpoint/challenge/abc", "captcha": True}, CaptchaRequired),
        ({"path": "/feed/", "texts": ("Let’s do a quick security check",)}, CaptchaRequired),
        ({"path": "/feed/", "texts": ("Your account has been temporarily restricted",)}, AccountRestricted),
        (
            {"path": "/checkpoint/x", "texts": ("Ihr Konto wurde vorübergehend eingeschränkt",)},
            AccountRestricted,
        ),
        ({"path": "/in/x/", "texts": ("Nous avons remarqué une activité inhabituelle",)}, UnusualActivity),
        ({"path": "/in/x/", "texts": ("Has alcanzado el límite semanal de invitaciones",)}, WeeklyLimit),
        ({"path": "/in/x/", "lang": "pt-BR"}, UnsupportedLanguage),
    ],
)
def test_what_each_page_means(signals: dict[str, object], expected: type[AutomationError]) -> None:
    path = str(signals.pop("path"))
    assert type(_on(path, **signals)) is expected


@pytest.mark.parametrize("lang", ["", "en", "en-US", "de-DE", "nl", "fr-FR", "es_ES"])
def test_ordinary_pages_in_languages_we_read_are_no_friction(lang: str) -> None:
    assert _on("/mynetwork/invitation-manager/sent/", lang=lang, texts=("Manage invitations",)) is None
