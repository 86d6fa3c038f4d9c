"""Use case "seed a demo": generate a network and write it into the registry in one go."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Table, text
from sqlalchemy.orm import Session

from escalera.demo.generator import generate_network
from escalera.demo.writer import Progress, WriteSummary, write_database
from escalera.errors import N_, EscaleraError
from escalera.store.firms import count_firms
from escalera.store.tables import Base


class RegistryNotEmpty(EscaleraError):
    """The database already holds firms; seeding a demo needs an empty registry (or reset)."""

    def __init__(self, firms: int) -> None:
        self.firms = firms
        super().__init__(N_("the database already has {firms} firms; use --reset to replace "
                            "them"), firms=firms)


def registry_tables() -> list[Table]:
    """``firms`` and every table that refers to it, directly or not, children first."""
    wanted: set[str] = {"firms"}
    ordered = Base.metadata.sorted_tables  # parents before children
    for table in ordered:
        if any(fk.column.table.name in wanted for fk in table.foreign_keys):
            wanted.add(table.name)
    return [t for t in reversed(ordered) if t.name in wanted]


def wipe_registry(session: Session) -> None:
    """Delete every firm and everything hanging from firms (links, assessments...)."""
    tables = registry_tables()
    if session.get_bind().dialect.name == "postgresql":
        preparer = session.get_bind().dialect.identifier_preparer
        names = ", ".join(preparer.quote(t.name) for t in tables)
        session.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
        return
    for table in tables:
        session.execute(table.delete())


def seed_demo(session: Session, *, firms: int, seed: int, reference_date: dt.date,
              reset: bool = False, progress: Progress | None = None) -> WriteSummary:
    """Generate ``firms`` firms for ``seed`` as of ``reference_date`` and store them.

    Refuses (``RegistryNotEmpty``) when firms are already registered, unless ``reset``,
    which first wipes the registry. Runs in the caller's transaction.
    """
    existing = count_firms(session)
    if existing and not reset:
        raise RegistryNotEmpty(existing)
    if reset:
        wipe_registry(session)
    network = generate_network(firms, seed, reference_date)
    return write_database(session, network, progress)
