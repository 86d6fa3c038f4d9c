"""The JSON API under ``/api/v1``; each area has its own module with a ``router``."""

from __future__ import annotations

from fastapi import APIRouter

from escalera.web.api import auth, catalog, charts, firms

router = APIRouter(prefix="/api/v1")
for area in (auth, catalog, firms, charts):
    router.include_router(area.router)
