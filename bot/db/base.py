"""The declarative base, its constraint naming convention, the UTC timestamp column type, and
partial indexes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Index, MetaData, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite stores datetimes as naive text, so values are converted to UTC on the way in and
    tagged as UTC on the way out; naive datetimes are refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


# Partial indexes and their condition. SQLAlchemy checks a `postgresql_where` by loading the
# PostgreSQL dialect (~20 ms of start-up), so the condition is given to PostgreSQL only once a
# PostgreSQL engine is made (`bot.db.session.create_engine`) or the migrations run: a SQLite
# store never loads that dialect (docs/benchmarks.md).
_PARTIAL_INDEXES: list[tuple[Index, str]] = []
_postgresql = False


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index over the rows where `where` (SQL) holds, on SQLite and on PostgreSQL."""
    index = Index(name, *columns, unique=unique, sqlite_where=text(where))
    _PARTIAL_INDEXES.append((index, where))
    if _postgresql:
        index.dialect_options["postgresql"]["where"] = text(where)
    return index


def use_postgresql() -> None:
    """Give every partial index its PostgreSQL condition, now and when defined later (idempotent)."""
    global _postgresql
    _postgresql = True
    for index, where in _PARTIAL_INDEXES:
        index.dialect_options["postgresql"]["where"] = text(where)
