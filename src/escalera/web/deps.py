"""Request dependencies: the app context, a database session per request, the signed-in
account (session cookie or ``Authorization: Bearer`` API token) and permission checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from escalera.domain.permissions import Action, Principal, can
from escalera.i18n import _
from escalera.services import accounts
from escalera.services.context import AppContext
from escalera.web.errors import LoginRequired
from escalera.web.security import CSRF_HEADER, VERSION_KEY, csrf_ok

USER_KEY = "user_id"


def context(request: Request) -> AppContext:
    """The application's context (settings, catalog, engine)."""
    found = request.app.state.context
    assert isinstance(found, AppContext)
    return found


def db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns and before the
    answer is sent (``scope="function"`` below), rolled back on error, so a confirmed
    write is a stored write."""
    with context(request).transaction() as session:
        yield session


DB = Annotated[Session, Depends(db, scope="function")]


def optional_principal(request: Request, session: DB) -> Principal | None:
    """The account behind the request, if any: a valid API token's, or a session's that
    was not signed out since (its version is the account's current one)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        try:
            token_row = accounts.token_user(session, header[7:])
        except accounts.TokenRefused as refused:
            raise HTTPException(401, str(refused),
                                headers={"WWW-Authenticate": "Bearer"}) from None
        return _remember(request, accounts.principal(session, token_row))
    user_id = request.session.get(USER_KEY)
    if user_id is None:
        return None
    row = accounts.session_user(session, int(user_id), request.session.get(VERSION_KEY))
    if row is None:
        request.session.clear()
        return None
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.url.path.startswith(
            "/api/") and not csrf_ok(request, request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, _("missing or wrong CSRF token (send the X-CSRF-Token "
                                   "header, or use an API token)"))
    return _remember(request, accounts.principal(session, row))


def _remember(request: Request, who: Principal) -> Principal:
    """Keep the account on the request, so an error page still shows the menu."""
    request.state.who = who
    return who


def principal(who: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    """The signed-in account; 401 otherwise."""
    if who is None:
        raise HTTPException(401, _("sign in or send an API token"),
                            headers={"WWW-Authenticate": "Bearer"})
    return who


def page_principal(who: Annotated[Principal | None, Depends(optional_principal)]
                   ) -> Principal:
    """The signed-in account of a page; the login page otherwise."""
    if who is None:
        raise LoginRequired()
    return who


Who = Annotated[Principal, Depends(principal)]
PageWho = Annotated[Principal, Depends(page_principal)]


def allow(who: Principal, action: Action, firm_id: str | None = None) -> None:
    """403 unless ``who`` may take ``action`` (on ``firm_id``)."""
    if not can(who, action, firm_id):
        raise HTTPException(403, _("your account may not do this"))


def requires(action: Action) -> Callable[[Principal], Principal]:
    """A dependency: the signed-in account, if it may take ``action`` at all."""

    def check(who: Who) -> Principal:
        allow(who, action)
        return who

    return check
