"""Engine factory and migration runner for SQLite (WAL) and PostgreSQL (psycopg 3).

Concurrency (see docs/web.md, "Concurrency"): the pool holds a connection for every worker
thread and then some, so no request waits for one; on SQLite a transaction that writes
takes the write lock when it begins (``BEGIN IMMEDIATE``), so writers queue behind each
other for up to ``BUSY_TIMEOUT_S`` instead of failing with "database is locked" when a read
turns into a write, and a transaction that only reads takes no lock at all.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

WORKER_THREADS = 40
"""AnyIO's default thread limiter: how many sync routes and dependencies run at once."""
POOL_SIZE = 10
MAX_OVERFLOW = WORKER_THREADS
"""Connections kept, and made on demand beyond them: POOL_SIZE + MAX_OVERFLOW exceeds the
worker threads, since a request holds its connection while it waits for a thread again
(dependency, then handler). On PostgreSQL, ``max_connections`` must exceed this per
server process."""
BUSY_TIMEOUT_S = 30
"""How long an SQLite writer waits for the write lock before giving up."""
MODE = "escalera_transaction"
"""Execution option naming how an SQLite transaction begins (see :func:`for_mode`)."""
Mode = Literal["write", "read", "statements"]


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys, a busy timeout and
    transactions that begin as :func:`for_mode` says."""
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
        # SQLAlchemy emits BEGIN itself (below), not the driver: its own BEGIN comes late
        # (before the first INSERT), which breaks SAVEPOINT and snapshot reads.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(MODE)
        if mode == "write":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif mode is None:
            conn.exec_driver_sql("BEGIN")

    return engine


def for_mode(engine: Engine, mode: Mode) -> Engine:
    """``engine`` for transactions that write (on SQLite: ``BEGIN IMMEDIATE``, the write
    lock from the start, waited for) or only read (on SQLite: no BEGIN, each statement sees
    the latest commit, as on PostgreSQL by default, and nothing waits for a writer; a
    statement that writes all the same commits on its own). ``statements`` is ``read``
    for work that must run outside any transaction (the migrations switch SQLite's foreign
    keys off, which a transaction ignores). Without a mode: a plain ``BEGIN``. Other
    databases ignore the mode."""
    return engine.execution_options(**{MODE: mode})


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at the packaged migrations and this engine."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("escalera") / "migrations"))
    cfg.attributes["engine"] = for_mode(engine, "statements")
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent)."""
    command.upgrade(alembic_config(engine), revision)
