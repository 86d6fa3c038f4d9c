"""``/api/v1/catalog/...``: the metrics, practices, ladders, segments and sourcing
benchmarks in force."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from escalera.domain.permissions import Action
from escalera.web.deps import context, requires

router = APIRouter(prefix="/catalog", tags=["catalog"],
                   dependencies=[Depends(requires(Action.READ_PROFILES))])

SECTIONS = ("metrics", "practices", "ladders", "segments", "sourcing")


@router.get("")
def catalog_index(ctx: Any = Depends(context)) -> dict[str, Any]:
    """What the catalog holds: counts per section."""
    cat = ctx.catalog
    return {name: len(getattr(cat, name)) for name in SECTIONS}


@router.get("/metrics")
def metrics(ctx: Any = Depends(context)) -> list[dict[str, Any]]:
    """Outcome measures with unit and direction."""
    return [m.model_dump(mode="json") for m in ctx.catalog.metrics]


@router.get("/practices")
def practices(ctx: Any = Depends(context)) -> list[dict[str, Any]]:
    """Processes scored by maturity 0-3."""
    return [p.model_dump(mode="json") for p in ctx.catalog.practices]


@router.get("/ladders")
def ladders(ctx: Any = Depends(context)) -> list[dict[str, Any]]:
    """Ladders of standards: levels, versions and requirements."""
    return [ld.model_dump(mode="json") for ld in ctx.catalog.ladders]


@router.get("/segments")
def segments(ctx: Any = Depends(context)) -> list[dict[str, Any]]:
    """Market segments: required level, minimum order, lead time."""
    return [s.model_dump(mode="json") for s in ctx.catalog.segments]


@router.get("/sourcing")
def sourcing(ctx: Any = Depends(context)) -> list[dict[str, Any]]:
    """Time to market by sourcing country."""
    return [s.model_dump(mode="json") for s in ctx.catalog.sourcing]
