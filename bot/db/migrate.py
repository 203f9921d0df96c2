"""Apply Alembic migrations from code: `alembic upgrade head` for a given database URL."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.session import create_engine

MIGRATIONS = "bot.db:migrations"  # a package resource, found wherever the package is installed


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    if database_url:
        config.attributes["database_url"] = database_url
    return config


async def upgrade_engine(engine: AsyncEngine) -> None:
    """Bring the schema behind `engine` to the newest revision (the only way tables are made)."""

    def _upgrade(connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


def upgrade(database_url: str) -> None:
    """Synchronous entry point for the CLI: migrate the database at `database_url` to head."""

    async def _run() -> None:
        engine = create_engine(database_url)
        try:
            await upgrade_engine(engine)
        finally:
            await engine.dispose()

    asyncio.run(_run())
