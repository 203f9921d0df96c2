"""Who holds a claimed action: a process of this machine is judged alive or dead, others are unknown."""

import dataclasses
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bot.services.actions.holders import (
    Holder,
    HolderStatus,
    current_holder,
    holder_of_process,
    holder_status,
)

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/ns/pid"), reason="needs Linux /proc")


@pytest.fixture
def child() -> Iterator[subprocess.Popen[bytes]]:
    """A live process of ours, reaped at the end whatever the test did to it."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def test_this_process_is_a_live_holder_with_a_pid_space_and_start_time() -> None:
    me = current_holder()

    assert me.pid == os.getpid()
    assert me.pid_space is not None and me.started is not None
    assert holder_status(me) is HolderStatus.ALIVE


def test_a_killed_process_is_dead(child: subprocess.Popen[bytes]) -> None:
    holder = holder_of_process(child.pid)
    assert holder_status(holder) is HolderStatus.ALIVE

    child.send_signal(signal.SIGKILL)
    child.wait()

    assert holder_status(holder) is HolderStatus.DEAD


def test_a_killed_process_not_yet_reaped_is_dead(child: subprocess.Popen[bytes]) -> None:
    holder = holder_of_process(child.pid)
    os.kill(child.pid, signal.SIGKILL)
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, left a zombie: the pid still exists

    assert holder_status(holder) is HolderStatus.DEAD


def test_a_reused_pid_is_not_the_holder(child: subprocess.Popen[bytes]) -> None:
    """The pid runs a process that started at another time: the holder itself is gone."""
    alive = holder_of_process(child.pid)
    assert alive.started is not None

    assert holder_status(dataclasses.replace(alive, started=alive.started - 1)) is HolderStatus.DEAD


@pytest.mark.parametrize(
    "holder",
    [
        None,  # claimed before holders were recorded
        Holder("elsewhere", 1, "another-boot/pid:[1]", 5),  # another machine: its pid 1 is not ours
        Holder("here", 999_999_999, None, None),  # a system without /proc cannot say
    ],
    ids=["no-holder", "other-pid-space", "no-pid-space"],
)
def test_holders_that_cannot_be_judged_are_unknown(holder: Holder | None) -> None:
    assert holder_status(holder) is HolderStatus.UNKNOWN


def test_a_dead_pid_in_another_pid_space_is_unknown_not_dead(child: subprocess.Popen[bytes]) -> None:
    holder = dataclasses.replace(holder_of_process(child.pid), pid_space="another-boot/pid:[4026531836]")
    child.kill()
    child.wait()

    assert holder_status(holder) is HolderStatus.UNKNOWN
