"""`invitesweep scan`: lists the Sent page from the sandbox or from a stored session."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main

pytestmark = pytest.mark.browser


def test_scan_the_bundled_sandbox() -> None:
    result = CliRunner().invoke(main, ["scan", "--sandbox", "--pending", "12", "--locale", "nl"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Name"))
    rows = lines[header + 1 : lines.index("", header)]
    assert len(rows) == 12
    assert all("verzonden " in row for row in rows), rows  # whole Dutch age texts
    assert "12 pending invitations read from http://127.0.0.1:" in result.output
    assert "LinkedIn's count agrees: People (12)." in result.output


@pytest.mark.parametrize("locale", ["fr", "es"])
def test_scan_reads_french_and_spanish(locale: str) -> None:
    result = CliRunner().invoke(main, ["scan", "--sandbox", "--pending", "12", "--locale", locale])
    assert result.exit_code == 0, result.output
    assert "12 pending invitations read from http://127.0.0.1:" in result.output


def test_scan_names_a_language_it_cannot_read() -> None:
    result = CliRunner().invoke(main, ["scan", "--sandbox", "--pending", "12", "--locale", "it"])
    assert result.exit_code == 1
    assert "a language InviteSweep cannot read (it)" in result.output
    assert "pending invitations read" not in result.output


def test_scan_with_a_state_file(sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(sandbox.storage_state()))
    monkeypatch.setenv("LINKEDIN_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(main, ["scan", "--state", str(state_file)])
    assert result.exit_code == 0, result.output
    for slug in sandbox.state.pending_slugs():
        assert slug in result.output
    notes = sum(1 for line in result.output.splitlines() if line.endswith("✉"))
    assert notes == sum(1 for slug in sandbox.state.pending_slugs() if sandbox.state.invitation(slug).note)
    assert f"35 pending invitations read from {sandbox.base_url}." in result.output


def test_an_expired_state_file_says_so(sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps({"cookies": [], "origins": []}))
    monkeypatch.setenv("LINKEDIN_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(main, ["scan", "--state", str(state_file)])
    assert result.exit_code == 3  # a person must sign in again
    assert "session in that state file has expired" in result.output


def test_scan_needs_a_session_or_the_sandbox() -> None:
    result = CliRunner().invoke(main, ["scan"])
    assert result.exit_code == 2
    assert "--state FILE" in result.output
