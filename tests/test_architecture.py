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
    # The domain runs the same under the bot, the CLI and tests: it reaches neither Telegram nor a
    # browser, nor anything above it.
    pytest.param(
        "bot.services",
        (
            "telegram",
            "playwright",
            "bot.handlers",
            "bot.jobs",
            "bot.delivery",
            "bot.views",
            "bot.commands",
            "bot.app",
        ),
        id="services-know-no-telegram-no-browser-no-front",
    ),
    pytest.param(
        "bot.db",
        ("bot.services", "bot.handlers", "bot.commands", "bot.delivery"),
        id="the-store-is-the-bottom",
    ),
    # The webhook front only carries updates to the application; what they mean is the handlers'.
    pytest.param(
        "bot.webhook",
        ("bot.handlers", "bot.jobs", "bot.delivery", "bot.services", "automation", "bot.commands"),
        id="webhook-is-transport-only",
    ),
    # A role is a fact about a process, readable by everything without pulling anything in.
    pytest.param("bot.roles", ("bot", "telegram", "automation"), id="roles-import-nothing"),
    # The owner's language model drafts from stored context only: it never reaches a page or a chat.
    pytest.param(
        "bot.services.note_model",
        ("telegram", "automation", "playwright"),
        id="note-model-sees-stored-context-only",
    ),
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


def runtime_imports_of(path: Path) -> Iterator[str]:
    """`imports_of`, less the imports under `if TYPE_CHECKING:` (they never run)."""
    tree = ast.parse(path.read_text(), str(path))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for statement in node.body
        for inner in ast.walk(statement)
    }
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports at run time (a module's own packages left out:
    Python imports them first whatever the module says)."""
    modules = {
        name: path
        for folder in ("bot", "automation", "sandbox")
        for name, path in modules_under(folder).items()
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in runtime_imports_of(path):
            parts = imported.split(".")
            while parts and ".".join(parts) not in modules:
                parts.pop()
            target = ".".join(parts)
            if parts and target != name and not within(name, target):
                targets.add(target)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_no_import_cycles() -> None:
    """The arrows of docs/architecture.md go one way, down to single modules."""
    assert cycles(import_graph()) == []
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]  # it sees one


def test_owner_templates_render_only_in_the_sandbox() -> None:
    """Templates the owner writes are untrusted text: `bot.services.note_templates` renders them
    in Jinja2's `SandboxedEnvironment` and never reaches the product's unsandboxed one."""
    path = REPO / "bot/services/note_templates.py"
    imported = set(imports_of(path))
    assert "jinja2.sandbox.SandboxedEnvironment" in imported
    assert not any(within(name, "bot.rendering") for name in imported)
    calls = {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Call)
    }
    assert "Environment" not in calls


CHAT_STATE_OWNERS = {
    "bot.db.models.Conversation": "bot.services.conversations",
    "bot.db.models.LoginCheckpoint": "bot.services.login_checkpoints",
    "bot.db.models.LoginHandover": "bot.services.login_handovers",
}
"""Chat state in the store has one module each: what a user's next message answers, a sign-in's
code, and a sign-in handed from a `web` process to a worker (its credentials sealed)."""


def test_chat_state_rows_are_touched_by_their_service_alone() -> None:
    """Handlers and jobs go through the service (no secret slips into a row the service never writes)."""
    users = {
        (model, name)
        for folder in ("bot", "automation", "sandbox")
        for name, path in modules_under(folder).items()
        for model in CHAT_STATE_OWNERS
        if model in set(imports_of(path))
    }
    assert users == {(model, owner) for model, owner in CHAT_STATE_OWNERS.items()}


def test_asyncpg_is_used_only_to_listen_for_queued_work() -> None:
    """Everything else reaches PostgreSQL through SQLAlchemy; LISTEN needs a connection of its own."""
    found = [
        f"{name} imports {imported}"
        for name, path in modules_under("bot").items()
        if name != "bot.services.wakeups"
        for imported in imports_of(path)
        if within(imported, "asyncpg")
    ]
    assert found == []
    assert "asyncpg" in set(imports_of(REPO / "bot/services/wakeups.py"))  # the scan sees the import


def test_only_the_lease_module_touches_account_leases() -> None:
    """One module acquires, renews, releases and reads leases (bot/services/actions/leases.py)."""
    found = [
        name
        for name, path in modules_under("bot").items()
        if name not in ("bot.services.actions.leases", "bot.db.models")
        and "bot.db.models.AccountLease" in set(imports_of(path))
    ]
    assert found == []
    assert "bot.db.models.AccountLease" in set(imports_of(REPO / "bot/services/actions/leases.py"))


IDENTITY_FIELDS = frozenset(
    {"proxy_server", "proxy_credentials", "browser_locale", "browser_timezone", "user_agent"}
)
"""An account's browser identity: `bot.services.identity` alone changes it (and alone decrypts the
proxy's credentials)."""


def test_only_the_identity_service_changes_an_accounts_browser_identity() -> None:
    owner = REPO / "bot/services/identity.py"
    found = [
        write
        for path in sorted((REPO / "bot").rglob("*.py"))
        if path != owner
        for write in writes_of(path, IDENTITY_FIELDS)
    ]
    assert found == []
    assert list(writes_of(owner, IDENTITY_FIELDS)) != []  # the scan sees the writes it looks for


BROWSER_STARTS = frozenset({"launch", "connect", "connect_over_cdp", "launch_persistent_context"})


def browser_starts_of(path: Path) -> Iterator[str]:
    """Each `<x>.chromium.<start>(...)` call in `path`, as "file:line start"."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in BROWSER_STARTS
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "chromium"
        ):
            yield f"{path.relative_to(REPO)}:{node.lineno} {node.func.attr}"


def test_only_automation_browser_launches_or_connects_to_a_browser() -> None:
    """One place decides between our own Chromium and a remote one (BROWSER_CDP_URL / WS endpoint)."""
    owner = REPO / "automation/browser.py"
    found = [
        start
        for folder in ("automation", "bot", "sandbox")
        for path in sorted((REPO / folder).rglob("*.py"))
        if path != owner
        for start in browser_starts_of(path)
    ]
    assert found == []
    assert {start.rsplit(" ", 1)[1] for start in browser_starts_of(owner)} == {
        "launch",
        "connect",
        "connect_over_cdp",
    }
