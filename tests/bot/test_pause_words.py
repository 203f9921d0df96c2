"""Every cause of a pause is told in words, in every language and on the command line."""

from types import SimpleNamespace

import pytest

from bot.rendering import Renderer
from bot.services.session_health import PauseCause

MACROS = ("telegram/en/_pause.html.j2", "telegram/nl/_pause.html.j2", "cli/_pause.txt.j2")


@pytest.mark.parametrize("template", MACROS)
@pytest.mark.parametrize("cause", list(PauseCause))
def test_each_pause_cause_has_words(template: str, cause: PauseCause) -> None:
    words = str(Renderer().env.get_template(template).module.cause(cause.value)).strip()  # type: ignore[attr-defined]
    assert words and words != cause.value


@pytest.mark.parametrize("template", MACROS)
def test_a_reason_stored_by_an_older_version_passes_through(template: str) -> None:
    module = Renderer().env.get_template(template).module
    assert str(module.cause("SessionKeyError")).strip() == "SessionKeyError"  # type: ignore[attr-defined]


def test_already_paused_names_the_cause_not_its_code() -> None:
    text = Renderer().telegram(
        "control/already_paused", "en", account_view=SimpleNamespace(paused_reason="unsupported_language")
    )
    assert "unsupported_language" not in text and "a language I cannot read" in text
