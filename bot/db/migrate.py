"""Apply Alembic migrations from code: `alembic upgrade head` for a given database URL.

`check_database` comes first: it proves the database can be opened and holds a schema this
version knows, so a wrong path, a dead server or a database from a newer InviteSweep is named
(`DatabaseUnusable`) before anything is written, instead of failing inside a migration.
"""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.revision import sqlite_file_openable
from bot.db.session import create_engine

MIGRATIONS = "bot.db:migrations"  # a package resource, found wherever the package is installed


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    if database_url:
        config.attributes["database_url"] = database_url
    return config


class DatabaseUnusable(Exception):
    """The database cannot be used; `problem` is a stable code for the front ends' templates.

    "unreachable" (no server answers), "refused" (the server refused the user or password),
    "no_database" (the server has no such database), "not_a_database" (a file that is not an
    SQLite database, or a damaged one), "cannot_open" (a folder, or no permission), or
    "newer_schema" (made by a newer InviteSweep: `revision` is the unknown revision).
    """

    def __init__(self, problem: str, revision: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.revision = revision


_SQLSTATE_PROBLEMS = {"28P01": "refused", "28000": "refused", "3D000": "no_database"}


def _problem(error: DBAPIError) -> str:
    sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if sqlstate in _SQLSTATE_PROBLEMS:
        return _SQLSTATE_PROBLEMS[str(sqlstate)]
    message = str(error.orig).lower()
    if "not a database" in message or "malformed" in message:
        return "not_a_database"
    if "unable to open" in message:
        return "cannot_open"
    return "refused"


def known_revisions() -> set[str]:
    """Every schema revision this version's migrations know."""
    script = ScriptDirectory.from_config(alembic_config())
    return {revision.revision for revision in script.walk_revisions()}


def head_revision() -> str | None:
    """The newest schema revision this version's migrations make."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def check_database(engine: AsyncEngine) -> str | None:
    """Open the database and return its schema revision (None: never migrated); reads only.

    Raises:
        DatabaseUnusable: it cannot be opened, or its schema is newer than this version knows.
    """

    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    if engine.url.get_backend_name() == "sqlite" and not sqlite_file_openable(engine.url.database):
        raise DatabaseUnusable("cannot_open")
    try:
        async with engine.connect() as connection:
            revision = await connection.run_sync(_current)
    except DBAPIError as error:
        raise DatabaseUnusable(_problem(error)) from error
    except OSError as error:  # refused, unresolvable host, timeout: the driver's own errors
        raise DatabaseUnusable("unreachable") from error
    if revision is not None and revision not in known_revisions():
        raise DatabaseUnusable("newer_schema", revision)
    return revision


async def upgrade_engine(engine: AsyncEngine) -> None:
    """Bring the schema behind `engine` to the newest revision (the only way tables are made)."""

    def _upgrade(connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


def upgrade(database_url: str) -> None:
    """Synchronous entry point for the CLI: migrate the database at `database_url` to head.

    Raises:
        DatabaseUnusable: see `check_database`; nothing was written.
    """

    async def _run() -> None:
        try:
            engine = create_engine(database_url)
        except OSError as error:  # the SQLite file's folder cannot be made
            raise DatabaseUnusable("cannot_open") from error
        try:
            await check_database(engine)
            await upgrade_engine(engine)
        finally:
            await engine.dispose()

    asyncio.run(_run())
