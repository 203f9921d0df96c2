"""Is the store already at this version's newest schema? Answered without loading Alembic.

Every command opens the store and would migrate it first; at the newest revision (nearly always)
there is nothing to do, and loading Alembic and its migration environment to find that out was
a fifth of `invitesweep status` (docs/benchmarks.md). The head is read from the migration
files' own `revision`/`down_revision` assignments; a test holds it to Alembic's. Whenever the
answer is not a plain yes (another revision, no version table, an unreadable file) the caller
goes the full way through `bot.db.migrate`, which checks and migrates.
"""

from __future__ import annotations

import ast
import os
from functools import cache
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"


def _assigned(module: ast.Module, name: str) -> object:
    """The literal value the module assigns to `name` at top level (`x = ...` or `x: T = ...`)."""
    for node in module.body:
        target: ast.expr
        value: ast.expr | None
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == name and value is not None:
            return ast.literal_eval(value)
    raise LookupError(name)


def sqlite_file_openable(database: str | None) -> bool:
    """Whether SQLite can open (or create) this file, asked without opening it.

    A failed open leaves aiosqlite's worker thread answering a loop that may be gone (it then
    prints a traceback at exit), so the usual reasons are ruled out here first.
    """
    if not database or database == ":memory:" or database.startswith("file:"):
        return True
    path = Path(database)
    if path.exists():
        return path.is_file() and os.access(path, os.R_OK | os.W_OK)
    return os.access(path.parent, os.W_OK | os.X_OK)


def head_from_files(versions: Path = VERSIONS) -> str | None:
    """The one revision no other migration builds on; None if there is not exactly one."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        try:
            module = ast.parse(path.read_text(encoding="utf-8"))
            revision, down = _assigned(module, "revision"), _assigned(module, "down_revision")
        except (OSError, SyntaxError, ValueError, LookupError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        parents.update(down if isinstance(down, tuple) else (down,) if isinstance(down, str) else ())
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


@cache
def _head() -> str | None:
    return head_from_files()


async def at_head(engine: AsyncEngine) -> bool:
    """Whether the database records exactly this version's head revision (False when unsure)."""
    head = _head()
    if head is None:
        return False
    if engine.url.get_backend_name() == "sqlite" and not sqlite_file_openable(engine.url.database):
        return False
    try:
        async with engine.connect() as connection:
            versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars()
            return list(versions) == [head]
    except (SQLAlchemyError, OSError):
        return False
