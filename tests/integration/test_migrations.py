"""Migrations match the tables and run both ways, on SQLite (batch mode) and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from escalera.store.engine import alembic_config, make_engine, migrate
from escalera.store.tables import Base


def test_schema_matches_the_tables_and_0002_runs_both_ways(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    try:
        migrate(engine, "0001")
        with engine.begin() as conn:  # a registry made before the workflow existed
            conn.execute(text(
                "INSERT INTO firms (public_id, name, name_key, roles, state, municipality, "
                "products, hs_chapters, export_regime, hosts_visits, provenance) VALUES "
                "('F-1', 'Taller', 'taller', '[]', 'Puebla', '', '[]', '[]', 'domestic', "
                "false, '{}')"))
            conn.execute(text(
                "INSERT INTO assessments (public_id, firm_id, stage, assessed_on, assessor, "
                "status, origin) SELECT 'A-1', id, 'diagnostic', :day, 'x', 'final', '{}' "
                "FROM firms"), {"day": dt.date(2025, 1, 1)})
        migrate(engine)
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
            row = conn.execute(text("SELECT version, notes, status FROM assessments")).one()
            assert tuple(row) == (1, "", "final")
        command.downgrade(alembic_config(engine), "0001")
        migrate(engine)
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()
