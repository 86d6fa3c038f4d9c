"""Shared fixtures: a migrated database (SQLite file or PostgreSQL) and per-test rollback.

``ESCALERA_TEST_DATABASE_URL`` picks the database; without it the suite uses an SQLite file
in a temporary folder. Each test runs inside a transaction that is rolled back, so tests
never see each other's rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from escalera.catalog import load_catalog
from escalera.config import Settings
from escalera.domain.catalog_model import Catalog
from escalera.services.context import AppContext
from escalera.store.engine import make_engine, migrate

TEST_URL_VAR = "ESCALERA_TEST_DATABASE_URL"
Seeder = Callable[[Session], None]


def _schema_name() -> str:
    """A schema of this test run's own, so parallel runs on one PostgreSQL never collide."""
    return f"escalera_test_{os.getpid()}"


def _with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@contextmanager
def postgres_schema(url: str, schema: str) -> Iterator[str]:
    """An empty schema on the PostgreSQL server of ``url``, dropped afterwards; yields the
    URL that selects it through its search_path, so code that opens its own engine there
    needs no special handling."""
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _with_search_path(url, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


DATABASE_FIXTURES = frozenset({"database_url", "engine", "session", "fresh_database_url",
                               "seeded_database", "web_app", "web_demo", "web_settings"})
"""Fixtures that reach a database: tests in tests/unit may not use them, because the
PostgreSQL pass of ``make test`` leaves tests/unit out."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse a database in tests/unit (it would never run on PostgreSQL)."""
    unit = Path(__file__).parent / "unit"
    wrong = [item.nodeid for item in items
             if unit in Path(str(item.path)).parents
             and DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))]
    if wrong:
        raise pytest.UsageError("tests/unit is for pure rules (the PostgreSQL pass leaves it "
                                "out); move these to tests/integration: " + ", ".join(wrong))


@contextmanager
def own_database(folder: Path, name: str) -> Iterator[str]:
    """A database of its own, of the kind under test, for code that opens its own engine:
    an SQLite file ``name.db`` in ``folder``, or (``ESCALERA_TEST_DATABASE_URL`` set) a
    PostgreSQL schema of this run named after ``name``, dropped afterwards."""
    url = os.environ.get(TEST_URL_VAR, "")
    if not url:
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    with postgres_schema(url, f"{_schema_name()}_{name}") as selected:
        yield selected


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL under test: PostgreSQL when configured, else a fresh SQLite file."""
    url = os.environ.get(TEST_URL_VAR, "")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated engine shared by the session."""
    if not database_url.startswith(("postgresql", "postgres")):
        eng = make_engine(database_url)
        migrate(eng)
        yield eng
        eng.dispose()
        return
    with postgres_schema(database_url, _schema_name()) as url:
        eng = make_engine(url)
        migrate(eng)  # migrations run for real into an empty schema
        yield eng
        eng.dispose()


@pytest.fixture()
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test (commits become savepoints)."""
    connection = engine.connect()
    outer = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint",
                 expire_on_commit=False)
    try:
        yield db
    finally:
        db.close()
        outer.rollback()
        connection.close()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The packaged default catalog."""
    return load_catalog()


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder so the default ``escalera.db`` lands there."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture()
def fresh_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the kind under test, for commands that open their own engine.

    SQLite: a new file. PostgreSQL: a new schema (dropped afterwards), selected through the
    URL's search_path so the command under test needs no special handling.
    """
    if not database_url.startswith(("postgresql", "postgres")):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    schema = f"{_schema_name()}_{tmp_path.name.replace('-', '_').lower()}"[:60]
    with postgres_schema(database_url, schema) as url:
        yield url


@pytest.fixture()
def seeded_database(fresh_database_url: str,
                    monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Seeder], str]]:
    """Fill a fresh database with ``seed(session)`` (one committed transaction), point
    ESCALERA_DATABASE_URL at it for commands under test, and return its URL."""
    contexts: list[AppContext] = []

    def make(seed: Seeder) -> str:
        monkeypatch.setenv("ESCALERA_DATABASE_URL", fresh_database_url)
        context = AppContext(Settings(database_url=fresh_database_url))
        with context.transaction() as session:
            seed(session)
        contexts.append(context)
        return fresh_database_url

    yield make
    for context in contexts:
        context.engine.dispose()
