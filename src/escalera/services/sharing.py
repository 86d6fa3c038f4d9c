"""A producer shares its raw data (assessments, values, inspections) with a buyer's firm, or
stops sharing it. Buyers otherwise see profiles and levels only (domain/permissions.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from escalera.domain.firms import PRODUCER_ROLES, Role
from escalera.errors import N_, EscaleraError
from escalera.store.firms import get_firm, row_ids
from escalera.store.tables import DataShareRow, FirmRow


class SharingRefused(EscaleraError, ValueError):
    """A share that cannot be: not a producer, not a buyer, or with itself."""


BUYER_ROLES = frozenset({Role.RETAILER, Role.BRAND, Role.BUYING_AGENT})


def shares_of(session: Session, firm_id: str) -> list[dict[str, str]]:
    """The buyers' firms a producer shares its raw data with."""
    firm_row = row_ids(session, [firm_id])[firm_id]
    stmt = (select(FirmRow.public_id, FirmRow.name, DataShareRow.granted_at,
                   DataShareRow.granted_by)
            .join(DataShareRow, DataShareRow.buyer_id == FirmRow.id)
            .where(DataShareRow.firm_id == firm_row).order_by(FirmRow.public_id))
    return [{"buyer_id": b, "name": n, "granted_at": at.isoformat(), "granted_by": by}
            for b, n, at, by in session.execute(stmt)]


def share(session: Session, firm_id: str, buyer_id: str, by: str,
          now: dt.datetime | None = None) -> bool:
    """Share ``firm_id``'s raw data with ``buyer_id``; False when it already was."""
    firm, buyer = get_firm(session, firm_id), get_firm(session, buyer_id)
    if not any(r in PRODUCER_ROLES for r in firm.roles):
        raise SharingRefused(N_("{id} is not a producer; only producers share their data"),
                             id=firm.id)
    if firm.id == buyer.id or not any(r in BUYER_ROLES for r in buyer.roles):
        raise SharingRefused(N_("{id} is not a buyer's firm (retailer, brand or buying "
                                "agent)"), id=buyer.id)
    rows = row_ids(session, [firm.id, buyer.id])
    exists = session.scalar(select(DataShareRow.id).where(
        DataShareRow.firm_id == rows[firm.id], DataShareRow.buyer_id == rows[buyer.id]))
    if exists is not None:
        return False
    session.add(DataShareRow(firm_id=rows[firm.id], buyer_id=rows[buyer.id],
                             granted_at=now or dt.datetime.now(dt.UTC).replace(tzinfo=None),
                             granted_by=by))
    session.flush()
    return True


def unshare(session: Session, firm_id: str, buyer_id: str) -> bool:
    """Stop sharing; False when it was not shared."""
    firm, buyer = get_firm(session, firm_id), get_firm(session, buyer_id)
    rows = row_ids(session, [firm.id, buyer.id])
    result = session.execute(delete(DataShareRow).where(
        DataShareRow.firm_id == rows[firm.id], DataShareRow.buyer_id == rows[buyer.id]))
    return bool(getattr(result, "rowcount", 0))
