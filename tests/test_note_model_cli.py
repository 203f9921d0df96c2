"""`invitesweep note draft` with the owner's language model: its draft, or the templates' and why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.db.models import Account
from bot.db.session import SessionFactory
from tests.fakes.note_model import FakeNoteModel, Reply
from tests.test_store_cli import invoke, seed

GOOD = "Hi Jane, your data engineering work at Acme caught my eye, and I would be glad to connect."


@pytest.fixture
def cli_env(tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    return {"DATA_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": "", "DATABASE_URL": ""}


@pytest.fixture
def endpoint() -> Iterator[FakeNoteModel]:
    server = FakeNoteModel().start()
    yield server
    server.stop()


async def test_the_cli_drafts_with_the_model_or_says_why_not(
    cli_env: dict[str, str], db: SessionFactory, account: Account, endpoint: FakeNoteModel
) -> None:
    await seed(db, account)
    env = {
        **cli_env,
        "NOTE_MODEL_URL": endpoint.url,
        "NOTE_MODEL_NAME": "m",
        "NOTE_MODEL_API_KEY": "sk-secret",
    }
    endpoint.script(Reply(content=GOOD), Reply(content="Hi Jane, see www.example.org and connect."))

    drafted = await invoke(env, "note", "draft", "jane-doe")
    assert drafted.exit_code == 0, drafted.output
    assert GOOD in drafted.output and "Drafted by your language model" in drafted.output

    refused = await invoke(env, "note", "draft", "jane-doe")
    assert refused.exit_code == 0, refused.output
    assert "www.example.org" not in refused.output
    reason = "model's draft failed a check: contains a link, e-mail address or phone number"
    assert f"Drafted from the templates: {reason}." in refused.output
    assert "sk-secret" not in drafted.output + refused.output
    assert [r.headers["authorization"] for r in endpoint.received] == ["Bearer sk-secret"] * 2


async def test_without_a_model_the_cli_drafts_as_before(
    cli_env: dict[str, str], db: SessionFactory, account: Account
) -> None:
    await seed(db, account)
    result = await invoke(cli_env, "note", "draft", "jane-doe")
    assert result.exit_code == 0, result.output
    assert "Drafted" not in result.output
