"""Who holds a claimed action, and whether that process is still alive.

A claim records its holder: the host name (for people reading the queue), the process id, the
process's start time and the *pid space* it lives in. A process id means the same process only
within one kernel boot and one PID namespace, so the pid space is the kernel's boot id together
with the PID namespace's inode (Linux: `/proc/sys/kernel/random/boot_id`, `/proc/self/ns/pid`).
Within one pid space a (pid, start time) pair names one process for good, so a holder there can
be judged: DEAD when its pid is gone, a zombie, or reused by a later process. Anything else —
another machine or container, a system without `/proc`, a process we may not inspect — is
UNKNOWN: its claim stands until its account lease runs out (`leases`: the heartbeat that
tells about holders on other machines).
"""

from __future__ import annotations

import enum
import os
import socket
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_PROC = Path("/proc")


class HolderStatus(enum.Enum):
    """What is known about the process that claimed an action."""

    ALIVE = "alive"
    DEAD = "dead"  # its work can be settled at once: nothing else can be doing it
    UNKNOWN = "unknown"  # wait for its account lease to run out


@dataclass(frozen=True)
class Holder:
    """A process that claims work: where it runs and which process it is."""

    host: str
    pid: int
    pid_space: str | None  # boot id and PID namespace; None where it cannot be known
    started: int | None  # the process's start time in clock ticks since boot (Linux)


def current_holder() -> Holder:
    """The holder this process records on its claims."""
    return _current(os.getpid())  # keyed by pid: a forked child is another holder


@cache
def _current(pid: int) -> Holder:
    return holder_of_process(pid)


def holder_of_process(pid: int) -> Holder:
    """Describe the process `pid` of this machine as a holder (its start time read now)."""
    return Holder(host=socket.gethostname()[:255], pid=pid, pid_space=_pid_space(), started=_start_time(pid))


def holder_status(holder: Holder | None) -> HolderStatus:
    """Judge a recorded holder from this process: DEAD only when that is certain."""
    if holder is None or holder.pid_space is None or holder.started is None:
        return HolderStatus.UNKNOWN
    if holder.pid_space != _pid_space():
        return HolderStatus.UNKNOWN  # another machine, boot or container: its pids mean nothing here
    try:
        os.kill(holder.pid, 0)  # signal 0: only asks whether the pid exists
    except ProcessLookupError:
        return HolderStatus.DEAD
    except PermissionError:
        pass  # it exists, owned by someone else; its start time still tells whether it is the same
    stat = _stat(holder.pid)
    if stat is None:
        return HolderStatus.UNKNOWN  # gone meanwhile, or hidden from us (/proc mounted with hidepid)
    state, started = stat
    if started != holder.started or state in ("Z", "X"):
        return HolderStatus.DEAD  # the pid was reused by a later process, or only its corpse is left
    return HolderStatus.ALIVE


@cache
def _pid_space() -> str | None:
    try:
        boot = (_PROC / "sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        namespace = os.readlink(_PROC / "self/ns/pid")  # "pid:[4026531836]"
    except OSError:
        return None
    return f"{boot}/{namespace}"


def _start_time(pid: int) -> int | None:
    stat = _stat(pid)
    return None if stat is None else stat[1]


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, start time) from /proc/<pid>/stat, or None if it cannot be read."""
    try:
        raw = (_PROC / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces or ")": split after the last.
    fields = raw[raw.rfind(")") + 2 :].split()
    try:
        return fields[0], int(fields[19])  # fields 3 (state) and 22 (starttime) of proc(5)
    except (IndexError, ValueError):
        return None
