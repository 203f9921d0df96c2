"""Benchmark: how fast the bot answers a button tap while a browser batch runs, and its memory.

    python -m bench.latency [--taps 500] [--batch 30] [--pending 60]   (from the repository root)
    python -m bench.latency --burst 100 --seconds 2                      (a burst instead)
    python -m bench.latency --burst 100 --profile burst.txt              (and where its CPU goes)

The bot runs as a real process (`python -m bot run`), the LinkedIn sandbox as another
(`python -m bot sandbox`), and our local Bot API server in this one, everything on 127.0.0.1
(separate processes, so the sandbox rendering pages for Chromium does not share a GIL with the
server that timestamps the taps). The script:

1. measures the bot's RSS while idle (the browser is not started until browser work is due);
2. sends /digest, which syncs in Chromium, and measures RSS of the bot and its browser processes;
3. queues a bulk withdrawal of `--batch` invitations (undo window 0, pacing 0.5–1.5 s) and,
   while the worker withdraws them in Chromium, taps a settings button `--taps` times, one tap
   after the previous answer, measuring tap → answerCallbackQuery at the Bot API server.
   With `--burst N --seconds S` it instead sends N taps a second for S seconds without waiting
   for any answer (as a chat full of impatient tapping, or several owners at once), then waits
   for every answer; the load average is read before and after. `--profile PATH` records the
   bot's stacks with py-spy (`pip install py-spy`) through the owner's burst during the batch,
   as collapsed stacks (one line per stack and its sample count, for flame-graph tools or grep).
4. samples memory (PSS of the bot and its Chromium processes) each second during the batch for
   its peak, at the batch's end, and 5 s later, when the worker has closed its browser context.

Goals: p95 ≤ 100 ms one tap at a time, ≤ 150 ms in a burst of 100/s for 2 s; RSS ≤ 100 MB idle
with the browser closed; bot + Chromium PSS ≤ 450 MB at
the batch's peak.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import socket
import sys
import tempfile
import time
from asyncio.subprocess import DEVNULL
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import httpx
from cryptography.fernet import Fernet

from bot.callback_data import Op, build
from bot.db.migrate import upgrade_engine
from bot.db.models import Account
from bot.db.session import create_engine, create_session_factory
from bot.services.rhythm import ALWAYS
from bot.services.secrets import SessionVault
from bot.services.session_health import adopt_session
from tests.botapi import BotApiServer, ChatMessage

OWNER = 1001
STRANGER = 1002
T = TypeVar("T")


async def until(probe: Callable[[], T | None], within: float, what: str) -> T:
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _uss_kb(pid: int) -> int:
    """Memory only this process maps (private pages), which other processes' sharing cannot shrink."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0
    return sum(
        int(line.split()[1]) for line in lines if line.startswith(("Private_Clean:", "Private_Dirty:"))
    )


def uss(pid: int) -> float:
    """USS in MB summed over the bot and its Chromium processes."""
    return sum(_uss_kb(p) for p in _descendants(pid)) / 1024


def memory(pid: int) -> tuple[float, float, float]:
    """(bot RSS, tree RSS, tree PSS) in MB; PSS counts shared pages once across the tree."""
    tree = _descendants(pid)
    rss = sum(_status_kb(p, "VmRSS") for p in tree if Path(f"/proc/{p}").exists())
    pss = sum(_pss_kb(p) for p in tree)
    return _status_kb(pid, "VmRSS") / 1024, rss / 1024, pss / 1024


def _kind(pid: int) -> str:
    """What a process in the tree is: the bot, Playwright's driver, or a Chromium process type."""
    try:
        # Chromium rewrites its children's command lines as one space-separated string.
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "gone"
    process_type = re.search(r"--type=(\S+)", command)
    if process_type:
        return f"chromium {process_type.group(1)}"
    program = Path(command.split(" ", 1)[0]).name
    return "chromium browser" if "chrom" in program else program


def memory_by_kind(pid: int) -> str:
    """PSS in MB per kind of process in the tree, e.g. `chromium renderer ×3 180`."""
    totals: dict[str, tuple[int, int]] = {}
    for process in _descendants(pid)[1:]:
        count, kb = totals.get(_kind(process), (0, 0))
        totals[_kind(process)] = (count + 1, kb + _pss_kb(process))
    return ", ".join(
        f"{kind} ×{count} {kb / 1024:.0f}"
        for kind, (count, kb) in sorted(totals.items(), key=lambda t: -t[1][1])
    )


class PeakSampler:
    """Samples the tree's PSS each second while running; keeps the highest and its breakdown."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self.peak_uss = 0.0
        self.by_kind = ""

    async def run(self) -> None:
        while True:
            total = memory(self.pid)[2]
            if total > self.peak:
                self.peak, self.by_kind = total, memory_by_kind(self.pid)
                self.peak_uss = uss(self.pid)
            await asyncio.sleep(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def sandbox_session(base_url: str) -> dict[str, object]:
    """Wait for the sandbox process, then mint a session through its control API."""
    async with httpx.AsyncClient(base_url=base_url) as client:
        deadline = time.monotonic() + 60
        while True:
            try:
                minted = (await client.post("/__sandbox/session")).json()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit("the sandbox did not start") from None
                await asyncio.sleep(0.2)
    common = {"domain": "127.0.0.1", "path": "/", "expires": -1, "secure": False, "sameSite": "Lax"}
    cookies = [
        {"name": "li_at", "value": minted["li_at"], "httpOnly": True, **common},
        {"name": "JSESSIONID", "value": minted["JSESSIONID"], "httpOnly": False, **common},
    ]
    return {"cookies": cookies, "origins": []}


async def prepare_database(url: str, key: str, storage_state: dict[str, object]) -> None:
    engine = create_engine(url)
    await upgrade_engine(engine)
    db = create_session_factory(engine)
    async with db.begin() as session:
        # Around the clock (`rhythm.ALWAYS`): the batch runs whatever the hour the benchmark runs at.
        account = Account(
            name="default",
            owner_telegram_id=OWNER,
            chat_id=OWNER,
            digest_weekday=6,
            digest_hour=23,
            **ALWAYS,
        )
        session.add(account)
        await session.flush()
        await adopt_session(session, account, SessionVault(key.encode()), storage_state, datetime.now(UTC))
    await engine.dispose()


async def tap_many(botapi: BotApiServer, screen: ChatMessage, taps: int) -> list[float]:
    """Tap a settings button `taps` times, each after the previous answer; latencies in ms."""
    latencies: list[float] = []
    for index in range(taps):
        data = build(Op.SETTINGS, 1 + index % 2)  # alternate two screens: every tap edits
        query = botapi.press(OWNER, screen.message_id, data)
        record = await until(
            lambda q=query: botapi.answer(q).answered_at and botapi.answer(q), 10, "an answer"
        )
        assert record.answered_at is not None
        latencies.append((record.answered_at - record.sent_at) * 1000)
    return latencies


async def tap_burst(
    botapi: BotApiServer, screen: ChatMessage, per_second: int, seconds: float, *, user: int = OWNER
) -> list[float]:
    """Send `per_second` taps a second for `seconds`, none waiting for an answer; latencies in ms.

    As a `user` who is not an owner, the floor: the owner gate answers such a tap (after its one
    refusal) with no database read and no edit, so what remains is polling, PTB and HTTP.
    """
    queries: list[str] = []
    started = time.monotonic()
    total = int(per_second * seconds)
    for index in range(total):
        # Keep to the schedule: tap i goes out at i / per_second, late taps go out at once.
        delay = started + index / per_second - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        data = build(Op.SETTINGS, 1 + index % 2)
        queries.append(botapi.press(OWNER, screen.message_id, data, user_id=user))
    await until(lambda: all(botapi.answer(q).answered_at for q in queries), 60, "every answer of the burst")
    latencies = []
    for query in queries:
        record = botapi.answer(query)
        assert record.answered_at is not None
        latencies.append((record.answered_at - record.sent_at) * 1000)
    return latencies


async def stop(process: asyncio.subprocess.Process, within: float) -> None:
    """Interrupt `process`, as Ctrl-C would; kill it if it has not exited `within` seconds later."""
    process.send_signal(2)
    try:
        await asyncio.wait_for(process.wait(), within)
    except TimeoutError:
        print(f"pid {process.pid} did not stop within {within:g} s: killed", file=sys.stderr)
        process.kill()
        await process.wait()


def cpu_ms(pid: int) -> float:
    """CPU time `pid` has used so far (user + system, all its threads), in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


async def measured(pid: int, taps: Awaitable[list[float]]) -> tuple[list[float], float]:
    """The taps' latencies, and the bot's CPU time from the first tap to the last answer, in ms.

    CPU per tap moves far less with the machine's load than latency does: on a shared machine it
    is the fairer before/after figure (the batch's own CPU is in it too, while it runs).
    """
    before = cpu_ms(pid)
    latencies = await taps
    return latencies, cpu_ms(pid) - before


def with_cpu(measured: tuple[list[float], float]) -> str:
    latencies, cpu = measured
    return f"{summary(latencies)}; bot CPU {cpu:.0f} ms, {cpu / len(latencies):.1f} ms a tap"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def summary(latencies: list[float]) -> str:
    return (
        f"p50 {percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms"
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def py_spy(pid: int, seconds: float, output: Path) -> asyncio.subprocess.Process:
    """Start sampling `pid`'s Python stacks for `seconds` into `output` (collapsed stacks)."""
    return await asyncio.create_subprocess_exec(
        "py-spy", "record", "--pid", str(pid), "--duration", str(int(seconds + 0.999)), "--rate", "250",
        "--format", "raw", "--nonblocking", "--output", str(output), stdout=DEVNULL, stderr=DEVNULL,
    )  # fmt: skip


async def main(
    taps: int, batch: int, pending: int, burst: int = 0, seconds: float = 2.0, profile: Path | None = None
) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="invitesweep-bench-"))
    port = free_port()
    sandbox = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sandbox",
        "--port",
        str(port),
        "--pending",
        str(pending),
        "--seed",
        "11",
        stdout=DEVNULL,
        stderr=DEVNULL,
    )
    sandbox_url = f"http://127.0.0.1:{port}"
    storage_state = await sandbox_session(sandbox_url)
    botapi = BotApiServer().start()
    key = Fernet.generate_key().decode()
    database_url = f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
    await prepare_database(database_url, key, storage_state)
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": botapi.token,
        "TELEGRAM_API_BASE_URL": botapi.base_url,
        "TELEGRAM_OWNER_IDS": str(OWNER),
        "DATABASE_URL": database_url,
        "DATA_DIR": str(workdir),
        "SESSION_KEY": key,
        "LINKEDIN_BASE_URL": sandbox_url,
        "UNDO_WINDOW_SECONDS": "0",
        "PACING_MIN_SECONDS": "0.5",
        "PACING_MAX_SECONDS": "1.5",
    }
    # The bot's output goes to a file: an unread pipe fills up and stalls the bot once it has
    # logged a pipe's worth.
    log = (workdir / "bot.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=workdir, stdout=log, stderr=log
    )
    print(f"bot log: {workdir / 'bot.log'}", flush=True)
    try:
        await until(lambda: botapi.commands, 60, "the bot to start")
        await asyncio.sleep(3)  # let start-up allocations settle before the idle figure
        idle = memory(process.pid)

        botapi.send_text(OWNER, "/digest")
        await until(lambda: _said(botapi, "weekly invitation digest"), 120, "the digest (sync in Chromium)")
        browser_open = memory(process.pid)

        botapi.send_text(OWNER, "/settings")
        screen = await until(lambda: _said(botapi, "Settings"), 10, "the settings screen")
        load_before = load()
        if burst:
            botapi.press(OWNER, screen.message_id, build(Op.SETTINGS, 1), user_id=STRANGER)  # the refusal
            floor = await measured(process.pid, tap_burst(botapi, screen, burst, seconds, user=STRANGER))
            baseline = await measured(process.pid, tap_burst(botapi, screen, burst, seconds))
        else:
            baseline = await measured(process.pid, tap_many(botapi, screen, taps // 5))

        botapi.send_text(OWNER, "/withdraw 1")
        offer = await until(lambda: _button(botapi, "Yes, withdraw"), 10, "the bulk offer")
        label = next(t for t in offer.button_texts if t.startswith("Yes, withdraw"))
        count = int(label.removeprefix("Yes, withdraw "))
        if count < batch:
            raise SystemExit(f"only {count} invitations to withdraw; raise --pending")
        botapi.press(OWNER, offer.message_id, build(Op.BULK_YES, 1, batch))
        await until(
            lambda: "Withdrawing" in (botapi.message(OWNER, offer.message_id).text or ""), 60, "batch start"
        )
        batch_started = time.monotonic()
        sampler = PeakSampler(process.pid)
        sampling = asyncio.create_task(sampler.run())

        if burst:
            # Let the batch get going (browser open, first withdrawal under way) before the burst.
            await asyncio.sleep(5)
            sampler_of_stacks = await py_spy(process.pid, seconds + 1, profile) if profile else None
            latencies = await measured(process.pid, tap_burst(botapi, screen, burst, seconds))
            if sampler_of_stacks is not None:
                await sampler_of_stacks.wait()
            floor_during = await measured(
                process.pid, tap_burst(botapi, screen, burst, seconds, user=STRANGER)
            )
        else:
            latencies = await measured(process.pid, tap_many(botapi, screen, taps))
        load_after_taps = load()
        during_batch = "Withdrawing" in (botapi.message(OWNER, offer.message_id).text or "")
        await until(lambda: "Done:" in (botapi.message(OWNER, offer.message_id).text or ""), 600, "the batch")
        batch_seconds = time.monotonic() - batch_started
        after = memory(process.pid)
        sampling.cancel()
        # The worker closes its browser context as the batch ends; measure once its tabs are gone.
        await asyncio.sleep(5)
        settled = memory(process.pid)
        settled_by_kind = memory_by_kind(process.pid)
    finally:
        # Stopped, or killed if they do not stop: a timeout here would hide why the run failed.
        await stop(process, 60)
        log.close()
        botapi.stop()
        await stop(sandbox, 30)

    print(f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}")
    print(f"load average before the taps: {load_before}; after them: {load_after_taps}; at the end: {load()}")
    how = f"a burst of {burst}/s for {seconds:g} s" if burst else "one after the previous answer"
    if burst:
        print(f"floor, a stranger's taps (answered by the owner gate alone): {with_cpu(floor)}")
    print(f"{len(baseline[0])} taps ({how}), no browser work running: {with_cpu(baseline)}")
    print(
        f"{len(latencies[0])} taps ({how}) during the batch (running at the last tap: {during_batch}):",
        with_cpu(latencies),
    )
    if burst:
        print(f"floor during the batch, right after: {with_cpu(floor_during)}")
    print(f"batch of {batch} withdrawals: {batch_seconds:.0f} s (pacing 0.5–1.5 s)")
    print(f"RSS idle, browser closed: bot {idle[0]:.0f} MB")
    print(
        f"after sync, browser open: bot RSS {browser_open[0]:.0f} MB;",
        f"bot+Chromium PSS {browser_open[2]:.0f} MB",
    )
    print(f"after the batch: bot RSS {after[0]:.0f} MB; bot+Chromium PSS {after[2]:.0f} MB")
    print(f"(RSS summed over bot+Chromium counts shared pages once per process: {after[1]:.0f} MB)")
    print(f"peak during the batch (sampled each second): bot+Chromium PSS {sampler.peak:.0f} MB")
    # PSS splits a library's pages among every process mapping them, other users' Chromiums
    # included: on a shared machine it drops as others run Chromium. USS does not.
    print(f"  private memory (USS) at that moment: {sampler.peak_uss:.0f} MB")
    print(f"  by process (MB) at the peak, besides the bot: {sampler.by_kind}")
    print(f"5 s after the batch: bot+Chromium PSS {settled[2]:.0f} MB")
    print(f"  by process (MB), besides the bot: {settled_by_kind}")


def _said(botapi: BotApiServer, fragment: str) -> ChatMessage | None:
    return next((m for m in botapi.bot_messages(OWNER) if fragment in (m.text or "")), None)


def _button(botapi: BotApiServer, prefix: str) -> ChatMessage | None:
    return next(
        (m for m in botapi.bot_messages(OWNER) if any(t.startswith(prefix) for t in m.button_texts)), None
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=500)
    parser.add_argument("--batch", type=int, default=30)
    parser.add_argument("--pending", type=int, default=60)
    parser.add_argument("--burst", type=int, default=0, help="taps a second, sent without waiting")
    parser.add_argument("--seconds", type=float, default=2.0, help="how long the burst lasts")
    parser.add_argument("--profile", type=Path, help="py-spy's stacks of the burst during the batch")
    a = parser.parse_args()
    asyncio.run(main(a.taps, a.batch, a.pending, a.burst, a.seconds, a.profile))
