"""Declarative base and column types shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, Integer, MetaData, event, literal
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, registry
from sqlalchemy.types import TypeDecorator

from aidbridge.clock import utcnow

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def enum_column(cls: type[StrEnum], name: str, length: int = 30) -> Enum:
    """A StrEnum stored as its value in a VARCHAR with a CHECK constraint (portable;
    adding a member needs no ALTER TYPE)."""
    return Enum(cls, native_enum=False, length=length, create_constraint=True, name=name)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no time zones, so values are stored as naive UTC there and given
    back aware; PostgreSQL stores ``timestamptz``. Naive input is refused rather
    than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times as timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    # Every `Mapped[datetime]` is an aware UTC timestamp.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class Final:
    """Mixin: a record kept as history, never changed or deleted once written (decisions,
    assessments). The ORM refuses here; the migration adds a trigger that refuses too."""


class RecordIsFinal(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_final(session: Session, flush_context, instances) -> None:
    # Each of session.dirty and session.deleted builds a new set: read each once.
    for obj in session.deleted:
        if isinstance(obj, Final):
            raise RecordIsFinal(f"a {obj.__tablename__} is never changed; make a new one")
    for obj in session.dirty:  # never holds a deleted object
        # Its own columns, that is: rows added to its collections leave the row as it was.
        if isinstance(obj, Final) and session.is_modified(obj, include_collections=False):
            raise RecordIsFinal(f"a {obj.__tablename__} is never changed; make a new one")


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Make SQLite behave like a real database: foreign keys, WAL, real transactions.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; we
    take it over (see SQLAlchemy's "Serializable isolation / Savepoints" recipe).
    """
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")


class FlagSet(TypeDecorator):
    """A set of members of a small enum, stored as a bitmask integer.

    Membership filters are one bitwise AND on every backend
    (see :func:`has_flag`); the member order of the enum fixes the bits, so
    append new members at the end only.
    """

    impl = Integer
    cache_ok = True

    def __init__(self, enum: type[StrEnum]):
        super().__init__()
        self.enum = enum
        self._bits = {member: 1 << index for index, member in enumerate(enum)}

    def bit(self, member) -> int:
        return self._bits[self.enum(member)]

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return sum(self.bit(m) for m in set(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return frozenset(m for m, bit in self._bits.items() if value & bit)


def has_flag(column, member):
    """SQL: the FlagSet ``column`` includes ``member``."""
    return column.op("&", return_type=Integer())(literal(column.type.bit(member), Integer())) != 0
