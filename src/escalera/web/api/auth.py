"""``/api/v1/me`` and ``/api/v1/tokens``: who is signed in, and tokens for scripts (made
for a username and password, listed, revoked)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, Field

from escalera.domain.passwords import MAX_LENGTH, MIN_LENGTH, check_password
from escalera.domain.permissions import Action
from escalera.i18n import _
from escalera.services import accounts
from escalera.timestamps import UtcDateTime
from escalera.web.api.access import ERRORS
from escalera.web.api.lists import Page, Paged, page_params, paged, rows_frame
from escalera.web.deps import DB, Who, allow
from escalera.web.security import SignInRefused, sign_in
from escalera.web.text import Identifier, ShortText

router = APIRouter(tags=["accounts"], responses=ERRORS)
TOKEN_SORTABLE = ("created_at", "last_used_at", "expires_at", "name")
MAX_ID = 2**31 - 1  # row ids are 32-bit integers on PostgreSQL


class Me(BaseModel):
    """The signed-in account."""

    username: str
    role: str
    firm_id: str | None
    assigned_firms: list[str]


class TokenRequest(BaseModel):
    """Credentials to exchange for an API token."""

    username: Identifier = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)
    name: ShortText = Field(default="", max_length=80)
    days: int = Field(default=accounts.TOKEN_DAYS, ge=1, le=accounts.MAX_TOKEN_DAYS,
                      description="How long the token works.")


class TokenOut(BaseModel):
    """A new token: shown once."""

    token: str
    id: int
    username: str
    role: str
    expires_at: UtcDateTime | None


class TokenInfo(BaseModel):
    """A token as listed: never its text or hash."""

    id: int
    name: str
    username: str
    created_at: UtcDateTime
    last_used_at: UtcDateTime | None
    expires_at: UtcDateTime | None
    revoked_at: UtcDateTime | None
    state: str = Field(description="active, expired or revoked")


class PasswordChange(BaseModel):
    """My current password, and the new one (the policy of docs/web.md applies)."""

    current_password: str = Field(min_length=1, max_length=MAX_LENGTH)
    new_password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


@router.get("/me", response_model=Me)
def me(who: Who) -> Me:
    """The account behind this request."""
    return Me(username=who.username, role=who.role.value, firm_id=who.firm_id,
              assigned_firms=sorted(who.assigned))


@router.post("/me/password", status_code=204, response_class=Response)
def change_password(body: PasswordChange, who: Who, request: Request, session: DB
                    ) -> Response:
    """Change my password. Every session of the account ends (sign in again); API tokens
    keep working until they expire or are revoked."""
    check_password(body.new_password, who.username)  # before the slow check of the old one
    try:
        row = sign_in(request, session, who.username, body.current_password)
    except SignInRefused as refused:
        if refused.status == 401:  # signed in all the same: the field is wrong, not the caller
            raise HTTPException(400, _("current_password: not your password")) from None
        raise HTTPException(refused.status, str(refused)) from None
    accounts.set_password(row, body.new_password)
    accounts.audit(session, actor=who.username, action="change_password", entity="user",
                   entity_id=who.username)
    return Response(status_code=204)


@router.post("/tokens", response_model=TokenOut, status_code=201)
def create_token(body: TokenRequest, request: Request, session: DB) -> TokenOut:
    """Exchange a username and password for an API token (send it as
    ``Authorization: Bearer <token>``); it expires after ``days`` days."""
    try:
        row = sign_in(request, session, body.username, body.password)
    except SignInRefused as refused:
        raise HTTPException(refused.status, str(refused)) from None
    made, token = accounts.issue_token(session, row, body.name, body.days)
    return TokenOut(token=token, id=made.id, username=row.username, role=row.role,
                    expires_at=made.expires_at)


@router.get("/tokens", response_model=Paged[TokenInfo])
def list_tokens(who: Who, session: DB, page: Annotated[Page, Depends(page_params)],
                username: Annotated[Identifier | None, Query(max_length=80)] = None
                ) -> dict[str, Any]:
    """My tokens, newest first (admins: ``username=`` for another account's)."""
    if username is not None and username != who.username:
        allow(who, Action.MANAGE_ACCOUNTS)
    return paged(rows_frame(accounts.tokens_list(session, username or who.username)), page,
                 TOKEN_SORTABLE)


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response)
def revoke_token(token_id: Annotated[int, Path(ge=1, le=MAX_ID)], who: Who, session: DB
                 ) -> Response:
    """Revoke one of my tokens (admins: anyone's); it stops working at once."""
    try:
        accounts.revoke_token(session, token_id, who)
    except accounts.TokenForbidden as refused:
        raise HTTPException(403, str(refused)) from None
    return Response(status_code=204)
