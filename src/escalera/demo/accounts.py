"""Demo accounts, one per role, for the development server that ``escalera demo`` starts.

Passwords are printed by the demo and only meant for a development machine (the settings
refuse the default secret key outside development); being printed, and short, they skip the
password policy (``create_user(..., demo=True)``), which every other account meets.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from escalera.domain.firms import PRODUCER_ROLES
from escalera.domain.permissions import Role
from escalera.services.accounts import create_user
from escalera.store.evidence import firms_frame, observations_frame

ASSIGNED = 25  # firms the demo assessor visits


def seed_accounts(session: Session) -> list[dict[str, str]]:
    """Create the demo accounts; returns username, password, role and firm of each."""
    firms = firms_frame(session)
    producer = pl.col("roles").list.eval(
        pl.element().is_in(sorted(str(r) for r in PRODUCER_ROLES))).list.any()
    assessed = observations_frame(session).select("firm_id").unique()
    producers = firms.filter(producer).join(assessed, on="firm_id").sort("firm_id")
    buyers = firms.filter(pl.col("roles").list.contains("retailer")).sort("firm_id")
    own = producers["firm_id"][0] if producers.height else None
    buyer = buyers["firm_id"][0] if buyers.height else None
    visits = producers["firm_id"].head(ASSIGNED).to_list()
    plan = [("admin", "demo-admin", Role.ADMIN, None, None, "Administración"),
            ("gestora", "demo-gestora", Role.PROGRAM_MANAGER, None, None,
             "Gestora de programas"),
            ("evaluador", "demo-evaluador", Role.ASSESSOR, None, visits, "Ing. Evaluador"),
            ("productor", "demo-productor", Role.PRODUCER, own, None, "Taller productor"),
            ("comprador", "demo-comprador", Role.BUYER, buyer, None, "Compras")]
    made = []
    for username, password, role, firm, assigned, name in plan:
        if role in (Role.PRODUCER, Role.BUYER) and firm is None:
            continue  # a network too small to have one
        create_user(session, username=username, password=password, role=role,
                    display_name=name, firm_id=firm, assigned=assigned, demo=True)
        made.append({"username": username, "password": password, "role": role.value,
                     "firm_id": firm or ""})
    return made
