"""The firm page: level per ladder with certificates, gap to the next level, segments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from escalera.domain.permissions import Action, can
from escalera.services.firm_view import show_firm
from escalera.web.deps import DB, PageWho, allow, context
from escalera.web.templating import render

router = APIRouter()


@router.get("/firms/{firm_id}")
def firm_page(firm_id: str, request: Request, who: PageWho, session: DB,
              ctx: Any = Depends(context)) -> Response:
    """One firm as the signed-in account may see it."""
    allow(who, Action.READ_PROFILES)
    view = show_firm(session, ctx.catalog, firm_id, dt.date.today(),
                     ctx.settings.stale_after_days, with_visits=False)
    return render(request, "firm.html.j2", {
        "who": who, "view": view, "catalog": ctx.catalog,
        "raw": can(who, Action.READ_RAW, view.firm.id)})
