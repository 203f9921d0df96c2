"""Processes load only what they use: the bot's Playwright loads with the browser, and the
command line loads a command's module only when that command runs (docs/benchmarks.md).

Checked in a fresh interpreter, since this test session has long imported everything.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("playwright", "matplotlib")


def loaded_after(
    statement: str, watched: tuple[str, ...] = HEAVY, env: dict[str, str] | None = None
) -> list[str]:
    """Which of `watched` (modules, or package prefixes ending in ".") `statement` loads."""
    probe = (
        f"import sys\n{statement}\n"
        "import json\n"
        f"print(json.dumps(sorted(m for m in sys.modules for w in {watched!r}"
        " if m == w or (w.endswith('.') and m.startswith(w)))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    return list(json.loads(done.stdout.splitlines()[-1]))


def test_the_application_loads_no_browser_or_charts() -> None:
    assert loaded_after("import bot.app") == []


def test_the_probe_sees_what_is_loaded() -> None:
    # The same probe does report a module when something loads it.
    assert loaded_after("import automation.client") == ["playwright"]


def test_help_loads_no_command_and_nothing_of_the_product() -> None:
    show_help = "from bot.cli import main\nmain(['--help'], standalone_mode=False)"
    watched = ("bot.commands.", "sqlalchemy", "pydantic", "jinja2", "telegram", "sandbox", *HEAVY)
    assert loaded_after(show_help, watched) == []


def test_a_command_loads_its_own_module_only() -> None:
    show_help = "from bot.cli import main\nmain(['keep', '--help'], standalone_mode=False)"
    loaded = loaded_after(show_help, ("bot.commands.",))
    assert "bot.commands.keep_cli" in loaded
    assert not [m for m in loaded if m.endswith("_cli") and m != "bot.commands.keep_cli"]


def test_a_command_on_a_store_at_head_loads_no_alembic(tmp_path: Path) -> None:
    def listing(folder: Path, watched: tuple[str, ...]) -> list[str]:
        env = {**os.environ, "DATA_DIR": str(folder), "DATABASE_URL": ""}
        accounts = "from bot.cli import main\nmain(['accounts', 'list'], standalone_mode=False)"
        return loaded_after(accounts, watched, env=env)

    assert "alembic" in listing(tmp_path, ("alembic",))  # a new store is made through Alembic
    assert listing(tmp_path, ("alembic", "rich", *HEAVY)) == []  # then it is at head


def test_the_bot_process_loads_neither_alembic_nor_the_sandbox() -> None:
    # The store is migrated through Alembic only when it is behind, and the sandbox is served
    # only with `run --sandbox`: neither stays in a long-running bot's memory otherwise.
    bot = "import bot.cli, bot.commands.run_cli, bot.app"
    assert loaded_after(bot, ("alembic", "sandbox", *HEAVY)) == []


def test_the_bot_process_leaves_httpx_s_command_line_unloaded() -> None:
    # httpx alone loads its command line's rich and pygments; the bot (PTB's client is httpx)
    # never runs that command line and keeps them out of its memory.
    assert loaded_after("import httpx", ("rich", "pygments")) == ["pygments", "rich"]
    bot = "import bot.cli, bot.commands.run_cli, bot.app, httpx\nhttpx.Client().close()"
    assert loaded_after(bot, ("rich", "pygments")) == []


def test_a_command_s_import_is_frozen_out_of_the_collector_s_way() -> None:
    # What loading a command makes lives as long as the process: the cyclic collector is off
    # while it is made and then never walks it again (docs/benchmarks.md), and stays on after.
    probe = (
        "import gc\nfrom bot.cli import COMMANDS, load_command\n"
        "before = gc.get_freeze_count()\nload_command(COMMANDS['status'])\n"
        "print(before, gc.get_freeze_count(), gc.isenabled())"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    before, frozen, enabled = done.stdout.split()
    assert before == "0"
    assert int(frozen) > 10_000  # the store, the services, SQLAlchemy: far more than this
    assert enabled == "True"


def test_loading_a_loaded_command_freezes_nothing() -> None:
    # In a process that has it already (the tests invoke commands in-process), nothing is frozen.
    probe = (
        "import gc\nimport bot.commands.status_cli\nfrom bot.cli import COMMANDS, load_command\n"
        "load_command(COMMANDS['status'])\nprint(gc.get_freeze_count())"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0"]


def test_status_loads_what_it_shows_only(tmp_path: Path) -> None:
    # On a SQLite store: no PostgreSQL dialect, and of the action queue only what reads it (not
    # the worker, its leases or the session vault and its cryptography).
    env = {**os.environ, "DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    command = "from bot.cli import main\nmain([{}], standalone_mode=False)"
    loaded_after(command.format("'accounts', 'add', 'default'"), env=env)  # makes the store
    unused = (
        "sqlalchemy.dialects.postgresql",
        "asyncpg",
        "cryptography",
        "bot.services.secrets",
        "bot.services.actions.worker",
        "bot.services.actions.leases",
        "alembic",
        *HEAVY,
    )
    assert loaded_after(command.format("'status'"), unused, env=env) == []
    # The lease upsert has a PostgreSQL form: it is loaded where a PostgreSQL store runs it.
    assert loaded_after("import bot.services.actions.leases", ("sqlalchemy.dialects.postgresql",)) == []


def test_the_action_queue_s_front_door_names_what_its_modules_define() -> None:
    probe = (
        "import importlib, bot.services.actions as front\n"
        "for name in front.__all__:\n"
        "    home = importlib.import_module('bot.services.actions.' + front._HOME[name])\n"
        "    assert getattr(front, name) is getattr(home, name), name\n"
        "from bot.services.actions import queue_overview, run_due_actions\n"
        "print(sorted(front.__all__) == sorted(front._HOME))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True"]


def test_a_postgresql_engine_gives_the_partial_indexes_their_condition() -> None:
    # Made before or after the models are imported, the engine's DDL is the partial index.
    probe = (
        "from sqlalchemy.schema import CreateIndex\nfrom bot.db.session import create_engine\n"
        "{first}\nfrom bot.db.models import Invitation, Reminder\n{then}\n"
        "for model in (Invitation, Reminder):\n"
        "    for index in sorted(model.__table__.indexes, key=lambda i: i.name or ''):\n"
        "        print(CreateIndex(index).compile(dialect=engine.dialect).string.replace(chr(10), ' '))"
    )
    url = "postgresql+asyncpg://user:pw@127.0.0.1:1/none"  # never connected to
    for first, then in ((f"engine = create_engine({url!r})", ""), ("", f"engine = create_engine({url!r})")):
        code = probe.format(first=first, then=then)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        lines = done.stdout.splitlines()
        assert any(
            "uq_invitations_one_pending_per_person" in x and "WHERE state = 'pending'" in x for x in lines
        )
        assert any("ix_reminders_due_unsent" in x and "WHERE sent_at IS NULL" in x for x in lines)
        assert any("ix_invitations_account_state" in x and "WHERE" not in x for x in lines)
