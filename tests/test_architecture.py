"""The import rules of docs/architecture.md, read from the code itself.

Each rule names a layer and what it may not import. The modules are parsed, not imported, so a
rule holds for imports inside functions too (the lazy ones), and a broken rule names the file.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> Iterator[str]:
    """Every module `path` imports, absolute, including imports inside functions."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def modules_under(folder: str) -> dict[str, Path]:
    """The modules of a package folder, or the one module `folder`.py."""
    single = REPO / f"{folder}.py"
    paths = [single] if single.is_file() else sorted((REPO / folder).rglob("*.py"))
    assert paths, f"no modules at {folder}"
    return {module_name(path): path for path in paths}


def within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def offenders(layer: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for name, path in modules_under(layer.replace(".", "/")).items():
        for imported in imports_of(path):
            if any(within(imported, banned) for banned in forbidden):
                found.append(f"{name} imports {imported}")
    return sorted(set(found))


RULES = [
    # The client never reaches for its own test double: the sandbox is the other side of the wire.
    pytest.param("automation", ("bot", "sandbox"), id="automation-imports-neither-bot-nor-sandbox"),
    pytest.param("sandbox", ("bot", "automation"), id="sandbox-is-a-separate-server"),
    # Handlers answer updates, jobs run on a timer; what both send lives in bot.delivery.
    pytest.param("bot.handlers", ("bot.jobs",), id="handlers-never-import-jobs"),
    pytest.param("bot.jobs", ("bot.handlers",), id="jobs-never-import-handlers"),
    pytest.param("bot.delivery", ("bot.handlers", "bot.jobs"), id="delivery-serves-handlers-and-jobs"),
    # Views are data in, text and keyboard out: no PTB machinery, no session, nothing that sends.
    # They may name the result types of services (a `Digest`), never hold what does the I/O;
    # `test_views_never_await` closes the rest (a view cannot run a query it cannot await).
    pytest.param(
        "bot.views",
        (
            "telegram.ext",
            "sqlalchemy",
            "bot.context",
            "bot.db.session",
            "bot.delivery",
            "bot.handlers",
            "bot.jobs",
            "automation",
            "playwright",
        ),
        id="views-are-pure",
    ),
    # The in-memory LinkedIn stands where the client stands: it knows the automation's contract and
    # the sandbox's world, never the product that uses it.
    pytest.param("tests.fakes", ("bot",), id="fake-linkedin-stands-at-the-client-boundary"),
    # One route to a browser (automation.access): the bot and the CLI drive no Playwright themselves.
    pytest.param("bot", ("playwright",), id="playwright-only-in-automation"),
    pytest.param("sandbox", ("playwright",), id="sandbox-serves-no-browser"),
]


@pytest.mark.parametrize(("layer", "forbidden"), RULES)
def test_layer_keeps_to_its_imports(layer: str, forbidden: tuple[str, ...]) -> None:
    assert offenders(layer, forbidden) == []


def test_views_never_await() -> None:
    """No coroutine in bot/views: a view cannot wait for a database, a browser or Telegram."""
    found = [
        f"{name}:{node.lineno}"
        for name, path in modules_under("bot/views").items()
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.AsyncFunctionDef | ast.Await | ast.AsyncWith | ast.AsyncFor)
    ]
    assert found == []


def test_the_rules_see_imports() -> None:
    """A rule that matched nothing would pass forever: the scan must see a known import."""
    assert "automation.errors" in set(imports_of(REPO / "bot/services/session_health.py"))
    assert offenders("bot.commands", ("sandbox",)) != []
    assert offenders("bot.jobs", ("bot.delivery",)) != []  # a single module is scanned too
    assert offenders("tests.fakes", ("sandbox",)) != []
    assert offenders("automation", ("playwright",)) != []


SESSION_HEALTH_FIELDS = frozenset(
    {"paused", "paused_reason", "paused_at", "session_state", "session_status", "session_notified_at"}
)
"""An account's pause and LinkedIn session: `bot.services.session_health` alone changes them."""


def writes_of(path: Path, fields: frozenset[str]) -> Iterator[str]:
    """Each `x.<field> = ...` (plain, augmented or annotated) in `path`, as "file:line field"."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Assign):
            targets = [part for target in node.targets for part in ast.walk(target)]
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr in fields:
                yield f"{path.relative_to(REPO)}:{node.lineno} {target.attr}"


def test_only_session_health_pauses_resumes_or_signs_in() -> None:
    """One owner, one rule each for pause, resume, sign-in and sign-out (see session_health)."""
    owner = REPO / "bot/services/session_health.py"
    found = [
        write
        for path in sorted((REPO / "bot").rglob("*.py"))
        if path != owner
        for write in writes_of(path, SESSION_HEALTH_FIELDS)
    ]
    assert found == []
    assert list(writes_of(owner, SESSION_HEALTH_FIELDS)) != []  # the scan sees the writes it looks for
