"""Server-rendered pages (Jinja2 + htmx); each area has its own module with a ``router``."""

from __future__ import annotations

from fastapi import APIRouter

from escalera.web.pages import auth, catalog, chain, dashboard, firms

router = APIRouter(include_in_schema=False)
for area in (auth, dashboard, firms, chain, catalog):
    router.include_router(area.router)
