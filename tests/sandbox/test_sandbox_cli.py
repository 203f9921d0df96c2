"""`invitesweep sandbox` serves the sandbox in the foreground and stops on Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import httpx


def test_sandbox_command_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "sandbox",
            "--port",
            "0",
            "--pending",
            "3",
            "--locale",
            "de",
            "--fault",
            "checkpoint=email_pin",
            "--fault",
            "withdraw_holds=false",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", first_line)
        assert match, first_line
        base_url = match.group(1)
        state = httpx.get(base_url + "/__sandbox/state").json()
        assert state["counts"]["pending"] == 3
        assert state["locale"] == "de"
        assert state["faults"]["checkpoint"] == "email_pin"
        assert state["faults"]["withdraw_holds"] is False
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
        rest = process.stdout.read()
    finally:
        process.kill()
    assert f"LINKEDIN_BASE_URL={base_url}" in rest
    assert "demo@invitesweep.test" in rest
    assert "Sandbox stopped." in rest
    assert "Faults: checkpoint=email_pin, withdraw_holds=False" in first_line + rest
    assert process.returncode == 0


def test_sandbox_command_serves_a_drifted_world() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", "0", "--pending", "4", "--drift", "9"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        output = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", output)
        assert match, output
        state = httpx.get(match.group(1) + "/__sandbox/state").json()
        assert state["drift"] == 9 and state["counts"]["pending"] == 4
        assert state["month_convention"] in ("fixed", "average", "calendar")
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
        output += process.stdout.read()
    finally:
        process.kill()
    assert "Drift: seed 9" in output
    assert process.returncode == 0


def test_sandbox_command_answers_fragments_with_the_latency_asked_for() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", "0", "--pending", "4", "--latency", "200-400"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        output = process.stdout.readline()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
        output += process.stdout.read()
    finally:
        process.kill()
    assert "Latency: 200-400 ms per lazy-loaded batch of Sent rows" in output
    assert process.returncode == 0


def test_sandbox_command_refuses_a_latency_that_is_no_range() -> None:
    for bad in ("400-200", "fast", "-5"):
        done = subprocess.run(
            [sys.executable, "-m", "bot", "sandbox", "--port", "0", "--latency", bad],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 2, (bad, done.stdout, done.stderr)
        assert "is not a range of milliseconds LOW-HIGH (for example 200-400)" in done.stderr
        assert "running at" not in done.stdout
