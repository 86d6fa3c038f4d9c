"""Authorization helpers of the API areas and the documented error document.

``deps.allow(who, action, firm_id)`` answers for one firm; the helpers here add the two
steps around it that every firm-scoped endpoint needs, in this order so that an account
never learns more than it may: 403 when its role never takes the action, then 400 for a
malformed firm id, then 403 when the firm is not one of its own (producers) or assigned
(assessors).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import HTTPException, Path
from pydantic import BaseModel
from sqlalchemy.orm import Session

from escalera.domain.ids import parse_firm_id
from escalera.domain.permissions import ROLE_ACTIONS, Action, Principal
from escalera.i18n import _
from escalera.store.firms import get_firm
from escalera.web.deps import allow
from escalera.web.text import SINGLE_LINE, Identifier

NO_CONTROL = SINGLE_LINE
"""Identifiers and short texts: printable characters only (see ``web.text``)."""
FirmPath = Annotated[Identifier, Path(max_length=20,
                                      description="Public firm id, F-XXXX-XXXX-C.")]
"""A firm id in a path."""


class ErrorDetail(BaseModel):
    """What went wrong: HTTP status, a stable code, a message in the request's language
    and, for invalid requests, one entry per field."""

    status: int
    code: str
    message: str
    details: Any = None


class ErrorDocument(BaseModel):
    """The one error shape of the API."""

    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorDocument, "description": text}
    for status, text in ((400, "The request breaks a rule of the domain"),
                         (401, "No valid session or API token"),
                         (403, "The account may not do this"),
                         (404, "No such firm, assessment, run or other record"),
                         (409, "The change conflicts with data already stored"),
                         (413, "The request body is over its limit"),
                         (422, "The request is not valid"),
                         (503, "The database is not available; try again after Retry-After "
                               "seconds"))}
"""Error responses shared by every route of the API areas (documented in the schema)."""


def may(who: Principal, action: Action) -> None:
    """403 unless the role of ``who`` takes ``action`` on at least some firm."""
    if action not in ROLE_ACTIONS[who.role]:
        raise HTTPException(403, _("your account may not do this"))


def firm_scope(who: Principal, action: Action, firm_id: str,
               session: Session | None = None) -> str:
    """The canonical id of ``firm_id`` when ``who`` may take ``action`` on that firm. With
    ``session``, a firm that is not registered is 404 for every account before "not yours"
    is 403 (docs/web.md: one answer for records that exist but are not the viewer's; firm
    ids and profiles are public, so the order reveals nothing)."""
    may(who, action)
    canonical = parse_firm_id(firm_id)
    if session is not None:
        get_firm(session, canonical)  # NotFound: 404
    allow(who, action, canonical)
    return canonical
