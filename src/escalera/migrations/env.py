"""Alembic environment: the engine comes from ``config.attributes`` (see store.engine).

SQLite alters a table by copying it (batch mode); foreign keys are switched off while that
happens, as SQLite's documentation prescribes, and checked once the migration is done.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from escalera.store.tables import Base

engine: Engine = context.config.attributes["engine"]
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # outside any transaction, or SQLite ignores it
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
    connection.commit()
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
