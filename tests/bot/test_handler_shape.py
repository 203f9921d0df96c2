"""Handlers stay thin (parse → service → view), read from the code itself with ast."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.context import Asking
from bot.handlers.replies import ANSWERS

HANDLERS = Path(__file__).resolve().parents[2] / "bot" / "handlers"
MAX_LINES = 25
"""From `def` to the last line, docstring included; past this, the rest belongs in a service or a view."""


def function_lengths() -> dict[str, int]:
    lengths = {}
    for path in sorted(HANDLERS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                lengths[f"{path.stem}.{node.name}"] = node.end_lineno - node.lineno + 1
    return lengths


def test_no_handler_function_is_long() -> None:
    lengths = function_lengths()
    assert "withdraw.confirm_withdraw" in lengths  # the scan sees the handlers
    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}


def test_no_handler_resolves_the_account_itself() -> None:
    """`@with_account` and `@with_tap` resolve it once; a handler body never looks it up again."""
    calls = {
        f"{path.stem}:{node.lineno}"
        for path in sorted(HANDLERS.glob("*.py"))
        if path.stem != "common"
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"find_account_by_owner", "tapped", "_tapped"}
    }
    assert calls == set()


def test_every_question_has_one_answer() -> None:
    """Each state the bot can ask in is answered by exactly one function."""
    assert set(ANSWERS) == set(Asking)
    assert len(set(ANSWERS.values())) == len(Asking)


def test_only_login_questions_are_secret() -> None:
    assert {asking for asking in Asking if asking.secret} == {Asking.LOGIN, Asking.PASSWORD, Asking.PIN}
