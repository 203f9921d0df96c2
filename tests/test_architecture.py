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
    return {module_name(path): path for path in sorted((REPO / folder).rglob("*.py"))}


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
]


@pytest.mark.parametrize(("layer", "forbidden"), RULES)
def test_layer_keeps_to_its_imports(layer: str, forbidden: tuple[str, ...]) -> None:
    assert offenders(layer, forbidden) == []


def test_the_rules_see_imports() -> None:
    """A rule that matched nothing would pass forever: the scan must see a known import."""
    assert "automation.errors" in set(imports_of(REPO / "bot/services/session_health.py"))
    assert offenders("bot.commands", ("sandbox",)) != []
