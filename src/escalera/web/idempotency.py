"""``Idempotency-Key`` on the API's creating requests: a client that got no answer (the
connection dropped, the server restarted) sends the same request with the same key again
and gets the first answer back, instead of a second order, run or assessment.

The key is the caller's own (one account's keys never meet another's). The first request
with a key stores its answer (status and body) in ``idempotency_keys`` in the same
transaction as its write, so the answer is stored exactly when the write is; a retry with
the same key, method, path and body gets that answer with ``Idempotent-Replayed: true``,
and the same key on a different request is refused (422, ``header.Idempotency-Key``). A
request that fails stores nothing (its transaction is rolled back): its retry runs again.
Keys expire after :data:`LIFETIME`; expired ones are deleted when a new key is stored.

Routes opt in with ``APIRouter(route_class=IdempotentRoute)``: every ``POST`` of such a
router accepts the header. Token creation does not: its answer holds a secret that must
not be kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escalera.domain.permissions import Principal
from escalera.i18n import _
from escalera.store.tables import IdempotencyKeyRow
from escalera.web.deps import DB, optional_principal

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
LIFETIME = dt.timedelta(hours=24)
KEY = Header(alias=HEADER, min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$",
             description="Any string of your own (printable ASCII, no spaces): a retry "
                         "with the same key and body returns the first answer and creates "
                         "nothing (24 h).")


class _Replay(Exception):
    """The request was answered before: send that answer again."""

    def __init__(self, row: IdempotencyKeyRow) -> None:
        self.status_code, self.body = row.status_code, row.response
        super().__init__(row.key)


@dataclass
class _Claim:
    """A key this request holds: its answer is stored in the request's transaction."""

    session: Session
    row: IdempotencyKeyRow

    def store(self, response: Response) -> None:
        """Keep ``response`` as the key's answer (a streamed one cannot be: the key is let
        go)."""
        body = getattr(response, "body", None)
        if body is None:
            self.session.delete(self.row)
        else:
            self.row.status_code = response.status_code
            self.row.response = bytes(body).decode()
        self.session.flush()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def request_digest(method: str, path: str, body: bytes) -> str:
    """What a retry must repeat: method, path with query and body."""
    return hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()


def _reused() -> RequestValidationError:
    return RequestValidationError([{
        "loc": ("header", HEADER), "type": "value_error",
        "msg": _("this Idempotency-Key was already used for a different request; use a "
                 "new key for a new request")}])


def _found(session: Session, actor: str, key: str) -> IdempotencyKeyRow | None:
    return session.scalar(select(IdempotencyKeyRow).where(
        IdempotencyKeyRow.actor == actor, IdempotencyKeyRow.key == key))


def _check(row: IdempotencyKeyRow, digest: str) -> None:
    if row.request_sha256 != digest:
        raise _reused()
    raise _Replay(row)


def claim(session: Session, actor: str, key: str, method: str, path: str,
          digest: str) -> _Claim:
    """Hold ``key`` for this request, or raise the earlier answer (``_Replay``) or a 422
    when the key was used for a different request."""
    now = _now()
    row = _found(session, actor, key)
    if row is not None and row.created_at >= now - LIFETIME:
        _check(row, digest)
    session.execute(delete(IdempotencyKeyRow).where(
        IdempotencyKeyRow.created_at < now - LIFETIME))
    row = IdempotencyKeyRow(actor=actor, key=key, method=method, path=path[:300],
                            request_sha256=digest, status_code=0, response="",
                            created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # The same key, sent twice at once: PostgreSQL made this insert wait for the
        # other request's transaction, which has committed its answer by now.
        earlier = _found(session, actor, key)
        if earlier is None:
            raise
        _check(earlier, digest)
    return _Claim(session, row)


async def _reserve(request: Request, session: DB,
                   who: Annotated[Principal | None, Depends(optional_principal)],
                   idempotency_key: Annotated[str | None, KEY] = None) -> None:
    """With an ``Idempotency-Key`` header and an account: hold the key (see ``claim``)."""
    if idempotency_key is None or who is None:
        return
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    digest = request_digest(request.method, path, await request.body())
    request.state.idempotency = await run_in_threadpool(
        claim, session, who.username, idempotency_key, request.method, path, digest)


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class IdempotentRoute(APIRoute):
    """A route whose ``POST`` accepts ``Idempotency-Key`` (see the module docstring)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if "POST" in (kwargs.get("methods") or ()):
            kwargs["dependencies"] = [Depends(_reserve), *(kwargs.get("dependencies") or ())]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def idempotent(request: Request) -> Response:
            try:
                response = await handler(request)
            except _Replay as replay:
                return Response(replay.body, status_code=replay.status_code,
                                media_type="application/json", headers={REPLAYED: "true"})
            held = getattr(request.state, "idempotency", None)
            if isinstance(held, _Claim):
                # still inside the request's transaction: stored with the write or not at all
                await run_in_threadpool(held.store, response)
            return response

        return idempotent
