"""The JSON API under ``/api/v1``; each area has its own module with a ``router``."""

from __future__ import annotations

from fastapi import APIRouter

from escalera.web.api import (
    admin,
    assessments,
    auth,
    benchmarks,
    catalog,
    charts,
    firms,
    inspections,
    orders,
    programs,
)

router = APIRouter(prefix="/api/v1")
for area in (auth, catalog, firms, charts, assessments, benchmarks, inspections, orders, programs,
             admin):
    router.include_router(area.router)
