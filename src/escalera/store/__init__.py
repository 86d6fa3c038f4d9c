"""Persistence: SQLAlchemy tables, engine factory, migrations runner and repositories."""
