"""Server-rendered pages (Jinja2 + htmx); each area has its own module with a ``router``."""

from __future__ import annotations

from fastapi import APIRouter

from escalera.web.pages import (
    aql,
    assess,
    auth,
    catalog,
    chain,
    dashboard,
    firms,
    imports,
    orders,
    programs,
)

router = APIRouter(include_in_schema=False)
for area in (auth, dashboard, firms, chain, catalog, assess, aql, orders, programs, imports):
    router.include_router(area.router)
