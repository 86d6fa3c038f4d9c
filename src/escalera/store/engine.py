"""Engine factory and migration runner for SQLite (WAL) and PostgreSQL (psycopg 3).

Concurrency (docs/web.md, "Confirmed writes, retries and concurrency"): the pool holds a
connection for every worker thread and then some, so no request waits for one; on SQLite a
transaction takes the write lock (``BEGIN IMMEDIATE``) just before its first write, so
writers queue behind each other for up to ``BUSY_TIMEOUT_S`` instead of failing with
"database is locked" when a read turns into a write, reads take no lock, and a long import
holds the lock only while it writes. (One writing web request at a time per process on
SQLite: ``web.deps.writer_turn``.)
"""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

WORKER_THREADS = 40
"""AnyIO's default thread limiter: how many sync routes and dependencies run at once."""
POOL_SIZE = 10
MAX_OVERFLOW = WORKER_THREADS
"""Connections kept, and made on demand beyond them: POOL_SIZE + MAX_OVERFLOW exceeds the
worker threads, since a request keeps its connection while it waits for a thread again
(dependency, then handler). On PostgreSQL, ``max_connections`` must exceed this for each
server process."""
BUSY_TIMEOUT_S = 30
"""How long an SQLite writer waits for the write lock before giving up."""
_READS = ("SELECT", "PRAGMA", "BEGIN")


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys, a busy timeout and
    transactions that take the write lock before their first write (see below)."""
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE,
                             max_overflow=MAX_OVERFLOW)
    memory = ":memory:" in url or url == "sqlite://"
    pool: dict[str, Any] = {} if memory else {"pool_size": POOL_SIZE,
                                             "max_overflow": MAX_OVERFLOW}
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S}, **pool)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        # The driver's own transaction control is off: BEGIN comes from below.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "before_cursor_execute")
    def _lock_before_writing(conn: Connection, cursor: Any, statement: str, *_args: Any
                             ) -> None:
        # Reads run before a transaction's first write each see the latest commit (as on
        # PostgreSQL) and take no lock; the first write, savepoint or DDL begins the
        # transaction with the write lock (BEGIN IMMEDIATE), waiting up to BUSY_TIMEOUT_S
        # behind another writer. A deferred BEGIN would instead hold a snapshot that a
        # write cannot upgrade once another writer has committed: "database is locked" at
        # once, whatever the timeout.
        if not statement.lstrip()[:6].upper().startswith(_READS) and not _in_transaction(
                conn):
            cursor.execute("BEGIN IMMEDIATE")

    return engine


def _in_transaction(conn: Connection) -> bool:
    return bool(conn.connection.dbapi_connection.in_transaction)  # type: ignore[union-attr]


def write_lock(session: Session, name: str) -> None:
    """Hold ``name`` until the transaction ends, before reads that a later write depends on
    (a next number, a check that the same thing is not written twice): writers of the same
    ``name`` then take turns. SQLite: its write lock (all names at once); PostgreSQL: a
    transaction-level advisory lock on the name."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        if not _in_transaction(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        key = int(hashlib.sha256(name.encode()).hexdigest()[:15], 16)
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at the packaged migrations and this engine."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("escalera") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent)."""
    command.upgrade(alembic_config(engine), revision)
