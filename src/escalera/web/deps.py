"""Request dependencies: the app context, a database session per request, the signed-in
account (session cookie or ``Authorization: Bearer`` API token) and permission checks."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from escalera.domain.permissions import Action, Principal, can
from escalera.i18n import _
from escalera.services import accounts
from escalera.services.context import AppContext
from escalera.store.engine import BUSY_TIMEOUT_S
from escalera.web.errors import LoginRequired
from escalera.web.security import CSRF_HEADER, VERSION_KEY, csrf_ok

USER_KEY = "user_id"


def context(request: Request) -> AppContext:
    """The application's context (settings, catalog, engine)."""
    found = request.app.state.context
    assert isinstance(found, AppContext)
    return found


READS = frozenset({"GET", "HEAD", "OPTIONS"})
CHECK_FIRST = frozenset({"/import"})
"""Writes that read and check an upload for long before they write: they do not take a
turn (their own transaction waits for SQLite's lock only once it writes)."""


async def writer_turn(request: Request) -> AsyncIterator[None]:
    """On SQLite, one writing request at a time in this process, until it has committed.

    The others wait here, in the event loop, holding no worker thread: waiting inside
    SQLite for its write lock they would hold one each, while the request holding the lock
    needs a thread again to finish (its answer is validated in the pool); with every thread
    waiting, none would finish before the busy timeout. Reads never wait here."""
    if (request.method in READS or request.url.path in CHECK_FIRST
            or context(request).engine.dialect.name != "sqlite"):
        yield
        return
    lock = _writer_lock(request)
    try:
        with anyio.fail_after(BUSY_TIMEOUT_S):
            await lock.acquire()
    except TimeoutError:
        raise HTTPException(503, _("the database is not available right now; try again "
                                   "shortly"), headers={"Retry-After": "5"}) from None
    try:
        yield
    finally:
        lock.release()


def _writer_lock(request: Request) -> anyio.Lock:
    """The app's writer lock in this event loop (one in a server; tests may run several)."""
    locks = getattr(request.app.state, "writers", None)
    if locks is None:
        locks = request.app.state.writers = weakref.WeakKeyDictionary()
    loop = asyncio.get_running_loop()
    if loop not in locks:
        locks[loop] = anyio.Lock()
    found = locks[loop]
    assert isinstance(found, anyio.Lock)
    return found


def db(request: Request, _turn: Annotated[None, Depends(writer_turn, scope="function")]
       ) -> Iterator[Session]:
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
    if request.method not in READS and request.url.path.startswith(
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
