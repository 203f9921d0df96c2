"""Benchmark: how fast the command line starts, and the bot's memory while idle.

    python -m bench.startup [--runs 7]   (from the repository root)

1. `invitesweep --help` and `invitesweep status` (a fresh store with one account), each run
   `--runs` times as a new process: wall time (median, min, max), CPU time and peak RSS, beside
   floors measured the same way: a bare interpreter (`python -c pass`), one that imports click
   (all `--help` needs), and one that imports the libraries `status` cannot do without
   (SQLAlchemy's ORM and asyncio, aiosqlite, pydantic-settings, Jinja2).
2. `invitesweep run` against our local Bot API server (`tests/botapi`), idle with the browser
   closed: its RSS once it has started polling and settled for a few seconds.

Goals: both commands under 0.5 s; the idle bot at most 100 MB RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.latency import OWNER, memory, until
from tests.botapi import BotApiServer

SETTLE_SECONDS = 5  # start-up allocations settle before the idle figure


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run `command` once: (wall seconds, CPU seconds, peak RSS in MB of that process).

    CPU time (user + system) is the steadier figure on a shared machine: wall time also counts
    the time the process waited for a core.

    The peak comes from GNU time: a child's own `ru_maxrss` starts from this process's size,
    which it had before it replaced itself with the command.
    """
    with tempfile.NamedTemporaryFile("r") as peak:
        started = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%U %S %M", "-o", peak.name, *command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()}")
        user, system, rss = peak.read().split()[-3:]
        return seconds, float(user) + float(system), int(rss) / 1024


def report(name: str, command: list[str], env: dict[str, str], runs: int) -> float:
    """Print the figures of `command` and return its median CPU time."""
    timed(command, env)  # warm the file cache
    samples = [timed(command, env) for _ in range(runs)]
    seconds = [s for s, _, _ in samples]
    cpu = [c for _, c, _ in samples]
    rss = max(r for _, _, r in samples)
    print(
        f"{name:<30} wall median {statistics.median(seconds):.3f} s "
        f"(min {min(seconds):.3f}, max {max(seconds):.3f}); "
        f"CPU median {statistics.median(cpu):.2f} s; peak RSS {rss:.0f} MB",
        flush=True,
    )
    return statistics.median(cpu)


async def idle_bot(env: dict[str, str], workdir: Path) -> float:
    """RSS (MB) of `invitesweep run`, polling and idle, its browser never started."""
    botapi = BotApiServer().start()
    bot_env = {
        **env,
        "TELEGRAM_BOT_TOKEN": botapi.token,
        "TELEGRAM_API_BASE_URL": botapi.base_url,
        "TELEGRAM_OWNER_IDS": str(OWNER),
    }
    log = (workdir / "bot.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        "invitesweep", "run", env=bot_env, cwd=workdir, stdout=log, stderr=log
    )
    try:
        await until(lambda: botapi.commands, 60, "the bot to start")
        await asyncio.sleep(SETTLE_SECONDS)
        return memory(process.pid)[0]
    finally:
        process.send_signal(2)
        await asyncio.wait_for(process.wait(), 60)
        log.close()
        botapi.stop()


def main(runs: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="invitesweep-startup-"))
    env = {**os.environ, "DATA_DIR": str(workdir), "DATABASE_URL": ""}
    for variable in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_OWNER_IDS", "SESSION_KEY"):
        env.pop(variable, None)
    subprocess.run(["invitesweep", "accounts", "add", "default"], env=env, check=True, capture_output=True)

    print(f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}")
    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    report("floor: python -c pass", [sys.executable, "-c", "pass"], env, runs)
    report("floor: import click", [sys.executable, "-c", "import click"], env, runs)
    libraries = "import sqlalchemy.orm, sqlalchemy.ext.asyncio, aiosqlite, pydantic_settings, jinja2"
    floor = report("floor: status's libraries", [sys.executable, "-c", libraries], env, runs)
    report("invitesweep --help", ["invitesweep", "--help"], env, runs)
    status = report("invitesweep status", ["invitesweep", "status"], env, runs)
    # Under load every CPU figure grows (a shared core runs slower); the ratio holds steadier.
    print(f"status CPU / its libraries' CPU: {status / floor:.2f}", flush=True)
    idle = asyncio.run(idle_bot(env, workdir))
    print(f"invitesweep run, idle, browser closed: RSS {idle:.0f} MB")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    main(parser.parse_args().runs)
