"""Firm and link repository: translate between domain models and rows (no commits here)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from escalera.domain.chain import Link
from escalera.domain.firms import Firm, normalise_name
from escalera.domain.ids import parse_firm_id
from escalera.errors import N_, NotFound, UnknownReference
from escalera.store.tables import FirmRow, LinkRow


def firm_to_row(firm: Firm) -> dict[str, Any]:
    """Column values for one firm."""
    return {
        "public_id": firm.id,
        "name": firm.name,
        "name_key": normalise_name(firm.name),
        "roles": [str(r) for r in firm.roles],
        "state": firm.state,
        "municipality": firm.municipality,
        "products": list(firm.products),
        "hs_chapters": list(firm.hs_chapters),
        "employees": firm.employees,
        "monthly_capacity": firm.monthly_capacity,
        "export_regime": str(firm.export_regime),
        "hosts_visits": firm.hosts_visits,
        "founded_on": firm.founded_on,
        "working_capital": firm.working_capital,
        "provenance": {k: v.model_dump(mode="json") for k, v in firm.provenance.items()},
    }


def row_to_firm(row: FirmRow) -> Firm:
    """The domain firm for a row."""
    return Firm.model_validate({
        "id": row.public_id, "name": row.name, "roles": row.roles, "state": row.state,
        "municipality": row.municipality, "products": row.products,
        "hs_chapters": row.hs_chapters, "employees": row.employees,
        "monthly_capacity": row.monthly_capacity, "export_regime": row.export_regime,
        "hosts_visits": row.hosts_visits, "founded_on": row.founded_on,
        "working_capital": row.working_capital,
        "provenance": row.provenance,
    })


def insert_firms(session: Session, firms: Iterable[Firm]) -> int:
    """Insert firms in one statement per chunk; returns how many."""
    rows = [firm_to_row(f) for f in firms]
    for start in range(0, len(rows), 5000):
        session.execute(insert(FirmRow), rows[start:start + 5000])
    return len(rows)


def get_firm(session: Session, public_id: str) -> Firm:
    """The firm with this public id (typos caught by the check character)."""
    canonical = parse_firm_id(public_id)
    row = session.scalar(select(FirmRow).where(FirmRow.public_id == canonical))
    if row is None:
        raise NotFound(N_("no firm {id}"), id=canonical)
    return row_to_firm(row)


def row_ids(session: Session, public_ids: Sequence[str]) -> dict[str, int]:
    """Map public ids to row ids; raises UnknownReference naming the first missing id."""
    wanted = set(public_ids)
    found: dict[str, int] = {}
    items = sorted(wanted)
    for start in range(0, len(items), 900):
        chunk = items[start:start + 900]
        for pid, rid in session.execute(
            select(FirmRow.public_id, FirmRow.id).where(FirmRow.public_id.in_(chunk))
        ):
            found[pid] = rid
    missing = sorted(wanted - found.keys())
    if missing:
        if len(missing) == 1:
            raise UnknownReference(N_("unknown firm {id}"), id=missing[0])
        raise UnknownReference(N_("unknown firm {id} (and {more} more)"), id=missing[0],
                               more=len(missing) - 1)
    return found


def firm_names(session: Session, public_ids: Sequence[str]) -> dict[str, str]:
    """The names of the firms named (those that exist), in chunks of 900 ids."""
    items = sorted(set(public_ids))
    found: dict[str, str] = {}
    for start in range(0, len(items), 900):
        chunk = items[start:start + 900]
        found.update((pid, name) for pid, name in session.execute(
            select(FirmRow.public_id, FirmRow.name).where(FirmRow.public_id.in_(chunk))))
    return found


def count_firms(session: Session) -> int:
    """How many firms are registered."""
    return session.scalar(select(func.count()).select_from(FirmRow)) or 0


def insert_links(session: Session, links: Iterable[Link]) -> int:
    """Insert links between registered firms; returns how many."""
    links = list(links)
    ids = row_ids(session, [x for link in links for x in (link.source, link.target)])
    rows = [{
        "source_id": ids[link.source], "target_id": ids[link.target], "type": str(link.type),
        "start": link.start, "end": link.end, "exclusive": link.exclusive,
        "volume_share": link.volume_share, "ended_reason": link.ended_reason,
        "origin": link.origin.model_dump(mode="json") if link.origin else {},
    } for link in links]
    for start in range(0, len(rows), 5000):
        session.execute(insert(LinkRow), rows[start:start + 5000])
    return len(rows)


def firm_links(session: Session, public_id: str) -> list[Link]:
    """Every link a firm takes part in, either side, oldest first."""
    canonical = parse_firm_id(public_id)
    src = FirmRow.__table__.alias("src")
    dst = FirmRow.__table__.alias("dst")
    stmt = (
        select(LinkRow, src.c.public_id, dst.c.public_id)
        .join(src, src.c.id == LinkRow.source_id)
        .join(dst, dst.c.id == LinkRow.target_id)
        .where((src.c.public_id == canonical) | (dst.c.public_id == canonical))
        .order_by(LinkRow.start, LinkRow.id)
    )
    return [
        Link(source=s, target=t, type=row.type, start=row.start, end=row.end,
             exclusive=row.exclusive, volume_share=row.volume_share,
             ended_reason=row.ended_reason, origin=row.origin or None)
        for row, s, t in session.execute(stmt)
    ]
