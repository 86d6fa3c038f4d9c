"""The dashboard: firms per level by ladder, region and product."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from escalera.domain.permissions import Action
from escalera.services.ladder_stats import ladder_stats
from escalera.web.deps import DB, PageWho, allow, context
from escalera.web.templating import render

router = APIRouter()


@router.get("/")
def dashboard(request: Request, who: PageWho, session: DB,
              ctx: Any = Depends(context)) -> Response:
    """Firms per level of every ladder, overall and by region."""
    allow(who, Action.READ_PROFILES)
    on = dt.date.today()
    stats = ladder_stats(session, ctx.catalog, on, ctx.settings.stale_after_days,
                         ctx.settings.min_group_size)
    return render(request, "dashboard.html.j2", {"who": who, "stats": stats, "on": on,
                                                 "catalog": ctx.catalog})
