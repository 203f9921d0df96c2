"""A worker process for the SIGKILL test: recover, then run every due action, then exit.

    python -m tests.services.crash_runner --database PATH --base-url URL   (SESSION_KEY in the env)
    python -m tests.services.crash_runner --database-url URL --lease-seconds 3 --base-url URL

It does what the bot does at start-up in a single-worker deployment: recover actions a killed
predecessor left RUNNING, then work through the queue. It prints "ready" once the browser is up
and one line per outcome, so the test can kill it at random moments while work is in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import timedelta

from automation.browser import launch_browser
from automation.client import LinkedInClient
from bot.db.session import create_engine, create_session_factory
from bot.services.actions import ActionOutcome, WorkerPolicy, recover_interrupted, run_due_actions
from bot.services.clock import system_clock
from bot.services.linkedin import ClientProvider
from bot.services.secrets import SessionVault
from tests.fixtures.browser import sandbox_automation_config


async def _print(outcome: ActionOutcome) -> None:
    print(f"{outcome.action_id} {outcome.result.value}", flush=True)


async def main(database: str, base_url: str, lease: timedelta | None = None) -> None:
    url = database if "://" in database else f"sqlite+aiosqlite:///{database}"
    # A stalled runner's open transaction is ended by the server within its lease, as in production
    # (where the timeout is longer than a transaction ever idles): the take-over is then not held up.
    engine = create_engine(url) if lease is None else create_engine(url, idle_transaction_timeout=lease)
    policy = WorkerPolicy() if lease is None else WorkerPolicy(lease=lease)
    db = create_session_factory(engine)
    vault = SessionVault(os.environ["SESSION_KEY"].encode())
    config = sandbox_automation_config(base_url)
    try:
        async with launch_browser(config) as browser:
            provider = ClientProvider(
                db,
                vault,
                lambda state, identity=None: LinkedInClient(browser, config, state, identity=identity),
                system_clock,
            )
            print("ready", flush=True)  # the test times its kills from here, not from the slow start-up
            await recover_interrupted(db, provider, system_clock, on_progress=_print, policy=policy)
            await run_due_actions(db, provider, system_clock, on_progress=_print, policy=policy)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--database", help="a SQLite file")
    where.add_argument("--database-url", help="any store's URL (PostgreSQL)")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--lease-seconds", type=float, default=None)
    arguments = parser.parse_args()
    lease = None if arguments.lease_seconds is None else timedelta(seconds=arguments.lease_seconds)
    asyncio.run(main(arguments.database or arguments.database_url, arguments.base_url, lease))
    sys.exit(0)
