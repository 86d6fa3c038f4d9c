"""What every use case needs: settings, the catalog in force and a database engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from escalera.catalog import load_catalog
from escalera.config import Settings
from escalera.domain.catalog_model import Catalog
from escalera.store.engine import make_engine, migrate, session_factory


@dataclass
class AppContext:
    """Built once at the edge (CLI, web app) from settings; passed to services."""

    settings: Settings = field(default_factory=Settings)

    @cached_property
    def catalog(self) -> Catalog:
        """The catalog in force: the configured one or the packaged default."""
        return load_catalog(self.settings.catalog_path)

    @cached_property
    def engine(self) -> Engine:
        """The database engine; the schema is brought up to date on first use."""
        engine = make_engine(self.settings.resolved_database_url())
        migrate(engine)
        return engine

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on any error."""
        with session_factory(self.engine).begin() as session:
            yield session
