"""Request body limits per route, enforced before anything parses the body.

A pure ASGI middleware (outermost, so nothing reads a body before it). A request whose
``Content-Length`` is over its route's limit is answered at once, its body unread, with
the documented error document and status 413 (``payload_too_large``). A body sent in chunks
(or longer than it said) is counted as it streams in and refused at the limit: the body
stream fails with a 413 (so nothing is parsed or written), and whatever the application
answers to that is replaced by the 413 document (middlewares such as Starlette's
``BaseHTTPMiddleware`` wrap the failure in other exceptions on its way).

The limits: ``UPLOAD_BODY_BYTES`` for the import upload (its file limit,
``pages.imports.MAX_UPLOAD_BYTES``, plus room for the form around it), ``BODY_BYTES``
(1 MB) for everything else: every JSON write and form of the application is far smaller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException

from escalera.i18n import _
from escalera.web.errors import error_body
from escalera.web.pages.imports import MAX_UPLOAD_BYTES

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MB = 2**20
BODY_BYTES = 1 * MB
"""Any request body (JSON API writes, forms)."""
UPLOAD_BODY_BYTES = MAX_UPLOAD_BYTES + 1 * MB
"""The import upload (``POST /import``): the file and its form."""
UPLOAD_PATHS = frozenset({"/import"})


def limit_for(path: str) -> int:
    """The largest body a request to ``path`` may send, in bytes."""
    return UPLOAD_BODY_BYTES if path.rstrip("/") in UPLOAD_PATHS else BODY_BYTES


def too_large(limit: int) -> HTTPException:
    """The 413 of a body over ``limit`` bytes."""
    return HTTPException(413, _("the request body is larger than {size}").format(
        size=f"{limit / MB:g} MB"))


class BodyLimit:
    """Refuse request bodies over the route's limit (see the module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _answer(send, 413, str(too_large(limit).detail))  # refused unread
            return
        started = exceeded = answered = False
        received = 0

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise too_large(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started, answered
            if exceeded and not started:  # the application's answer to a refused body
                if not answered:
                    answered = True
                    await _answer(send, 413, str(too_large(limit).detail))
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except Exception:
            if not exceeded or started:
                raise
            if not answered:
                await _answer(send, 413, str(too_large(limit).detail))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _answer(send: Send, status: int, message: str) -> None:
    import json

    body = json.dumps(error_body(status, message)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
