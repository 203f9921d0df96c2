"""The browser yields the CPU to the bot: Playwright's driver and every Chromium process below it run
at a lower scheduling priority (a higher nice value) than the process driving them.

On a small server the bot and the browser share one or two cores. A tap must be answered within a
fraction of a second while a withdrawal batch renders pages, and the batch loses only milliseconds
by waiting. Nothing changes while the CPU is free: a nice value only orders who runs first when
both want it.

A thread starts with the nice value of the thread that started it, so lowering the driver as it
starts covers much of the browser it launches. Not all: Chromium gives some of its threads a type
of its own (compositing, I/O, audio) with nice values of 0 or -8, which it can set only with
privileges (as root, typically on a VPS). So the whole tree is lowered again when the browser has
launched and before each operation; threads Chromium starts later inherit the lowered value.
"""

from __future__ import annotations

import os
from pathlib import Path

BROWSER_NICENESS = 10
"""The nice value given to the driver and the browser (0 is the default, 19 the lowest priority).
The kernel then gives the bot about nine tenths of a contended core (docs/benchmarks.md)."""

_DRIVER_MARK = b"run-driver"  # in the command line Playwright starts its Node driver with


def browser_processes() -> list[int]:
    """The Playwright drivers this process started and every process below them: the browsers
    they launched and those browsers' own processes (Linux; elsewhere none)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            children.setdefault(parent, []).append(int(entry.name))
    found = [pid for pid in children.get(os.getpid(), []) if _DRIVER_MARK in _command_line(pid)]
    todo = list(found)
    while todo:
        below = children.get(todo.pop(), [])
        found.extend(below)
        todo.extend(below)
    return found


def lower_priority(pid: int, niceness: int = BROWSER_NICENESS) -> None:
    """Give every thread of `pid` at least `niceness`; never raises a thread's priority.

    On Linux a nice value belongs to a thread, so each of the process's threads is set.
    """
    for thread in _threads(pid):
        try:
            current = os.getpriority(os.PRIO_PROCESS, thread)
            if current < niceness:
                os.setpriority(os.PRIO_PROCESS, thread, niceness)
        except OSError:
            continue  # the thread ended meanwhile, or the system forbids it: priority is a nicety


def lower_browser_priority() -> None:
    """Lower the Playwright drivers this process started and every process below them."""
    for pid in browser_processes():
        lower_priority(pid)


def _threads(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task")
    try:
        return [int(task.name) for task in tasks.iterdir()]
    except OSError:
        return [pid]  # no per-thread listing here: the process's priority is the one to set


def _command_line(pid: int) -> bytes:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""
