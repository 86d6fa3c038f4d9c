"""Standards and markets: each ladder's levels beside the market segments they open (the
hierarchy of standards matched to the typology of markets), every level's requirements in
the standard version in force, and each segment's level, minimum order and lead time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from escalera.domain.catalog_model import Catalog
from escalera.domain.measures import Direction
from escalera.domain.permissions import Action
from escalera.i18n import _, current_language
from escalera.presentation import number
from escalera.web.deps import PageWho, allow, context
from escalera.web.pages.firms import amount
from escalera.web.templating import render

router = APIRouter()


def maturity_label(level: int) -> str:
    """A practice maturity 0-3 in glossary words."""
    return {0: _("absent"), 1: _("informal"), 2: _("documented"),
            3: _("continuously improved")}.get(level, str(level))


def ladder_rows(catalog: Catalog, ladder_id: str, on: dt.date) -> list[dict[str, Any]]:
    """A ladder from the top level down, each level with its requirements in force on ``on``
    and the segments it opens; last, the segments open to firms below the first level."""
    lang = current_language()
    ladder = catalog.ladder(ladder_id)
    rows = []
    for level in reversed(ladder.levels):
        versions = [v for v in level.versions if v.in_force(on)] or [level.versions[-1]]
        standard = versions[0]
        requirements = []
        for req in standard.metrics:
            metric = catalog.metric(req.metric)
            sign = "≥" if metric.direction is Direction.HIGHER else "≤"
            requirements.append({"name": metric.name.get(lang),
                                 "rule": f"{sign} {number(req.threshold)} "
                                         f"{metric.unit_label(lang)}",
                                 "why": req.rationale})
        for preq in standard.practices:
            requirements.append({
                "name": catalog.practice(preq.practice).name.get(lang),
                "rule": _("maturity at least {level} ({label})").format(
                    level=int(preq.min_maturity), label=maturity_label(int(preq.min_maturity))),
                "why": preq.rationale})
        rows.append({"id": level.id, "name": level.name.get(lang),
                     "version": standard.version,
                     "effective_from": standard.effective_from.isoformat(),
                     "certificate_months": level.certificate_months,
                     "requirements": requirements,
                     "segments": segments_of(catalog, ladder_id, level.id)})
    rows.append({"id": "", "name": _("Below the first level"), "version": "",
                 "effective_from": "", "certificate_months": None, "requirements": [],
                 "segments": segments_of(catalog, ladder_id, None)})
    return rows


def segments_of(catalog: Catalog, ladder_id: str, level_id: str | None) -> list[dict[str, Any]]:
    """The segments of ``catalog`` that ask for exactly this level of this ladder."""
    lang = current_language()
    return [{"id": s.id, "name": s.name.get(lang), "min_order_units": s.min_order_units,
             "lead_time_days": s.lead_time_days}
            for s in catalog.segments if s.ladder == ladder_id and s.level == level_id]


@router.get("/catalog")
def catalog_page(request: Request, who: PageWho, ctx: Any = Depends(context)) -> Response:
    """Ladders and market segments side by side."""
    allow(who, Action.READ_PROFILES)
    catalog = ctx.catalog
    on = dt.date.today()
    lang = current_language()
    ladders = [{"id": ladder.id, "name": ladder.name.get(lang),
                "description": ladder.description.get(lang) if ladder.description else "",
                "rows": ladder_rows(catalog, ladder.id, on)} for ladder in catalog.ladders]
    level_names = {(ladder.id, level.id): level.name.get(lang)
                   for ladder in catalog.ladders for level in ladder.levels}
    segments = [{"name": s.name.get(lang), "ladder": catalog.ladder(s.ladder).name.get(lang),
                 "level": level_names.get((s.ladder, s.level or ""), _("any level")),
                 "min_order_units": s.min_order_units, "lead_time_days": s.lead_time_days,
                 "why": s.rationale} for s in catalog.segments]
    return render(request, "catalog.html.j2", {"who": who, "ladders": ladders,
                                               "segments": segments, "on": on,
                                               "amount": amount})
