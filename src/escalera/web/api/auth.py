"""``/api/v1/me`` and ``/api/v1/tokens``: who is signed in, and tokens for scripts."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from escalera.i18n import _
from escalera.services import accounts
from escalera.web.deps import DB, Who

router = APIRouter(tags=["accounts"])


class Me(BaseModel):
    """The signed-in account."""

    username: str
    role: str
    firm_id: str | None
    assigned_firms: list[str]


class TokenRequest(BaseModel):
    """Credentials to exchange for an API token."""

    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)
    name: str = Field(default="", max_length=80)


class TokenOut(BaseModel):
    """A new token: shown once."""

    token: str
    username: str
    role: str


@router.get("/me", response_model=Me)
def me(who: Who) -> Me:
    """The account behind this request."""
    return Me(username=who.username, role=who.role.value, firm_id=who.firm_id,
              assigned_firms=sorted(who.assigned))


@router.post("/tokens", response_model=TokenOut, status_code=201)
def create_token(body: TokenRequest, request: Request, session: DB) -> TokenOut:
    """Exchange a username and password for an API token (send it as
    ``Authorization: Bearer <token>``)."""
    limiter = request.app.state.limiter
    address = request.client.host if request.client else "-"
    if limiter.blocked(address, body.username):
        raise HTTPException(429, _("too many failed sign-ins; try again in 15 minutes"))
    row = accounts.authenticate(session, body.username, body.password)
    if row is None:
        limiter.failed(address, body.username)
        raise HTTPException(401, _("wrong username or password"))
    limiter.succeeded(address, body.username)
    token = accounts.create_token(session, row, body.name)
    accounts.audit(session, actor=row.username, action="create", entity="api_token",
                   after={"name": body.name})
    return TokenOut(token=token, username=row.username, role=row.role)
