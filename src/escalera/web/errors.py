"""One error shape everywhere: ``{"error": {"status", "code", "message", "details"}}``.

API requests (paths under ``/api/``) get JSON; page requests get the error page. Domain
errors are translated when shown, like everywhere else.

No failure leaves without it: what the database refuses as data (PostgreSQL: NUL in text,
a number out of range) is a 422, a constraint it enforces a 409, a database that cannot be
reached, is locked or has a full disk a 503 with ``Retry-After``, and anything else a 500
without its traceback (logged for the operator).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from escalera.errors import EscaleraError, NotFound, UnknownReference
from escalera.i18n import _
from escalera.web.headers import security_headers
from escalera.web.text import PATTERNS

CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
         422: "validation_error", 429: "too_many_requests", 500: "server_error",
         503: "service_unavailable"}
RETRY_AFTER_SECONDS = 30
"""What a 503 asks the client to wait before trying again."""
log = logging.getLogger(__name__)


class LoginRequired(Exception):
    """A page needs a signed-in account: redirect to the login page."""


def error_body(status: int, message: str, details: Any = None) -> dict[str, Any]:
    """The error document."""
    return {"error": {"status": status, "code": CODES.get(status, "error"),
                      "message": message, "details": details}}


def _respond(request: Request, status: int, message: str, details: Any = None,
             headers: dict[str, str] | None = None) -> Response:
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get(
            "accept", ""):
        return JSONResponse(error_body(status, message, details), status_code=status,
                            headers=headers)
    from escalera.web.templating import render  # late: templates import this module

    page = render(request, "error.html.j2", {"status": status, "message": message},
                  status_code=status)
    page.headers.update(headers or {})
    return page


def _field_message(error: Any) -> str:
    """A validation error's message; the text rule of ``web.text`` in words."""
    if error.get("type") == "string_pattern_mismatch" and (
            error.get("ctx") or {}).get("pattern") in PATTERNS:
        return _("control characters (such as NUL) are not allowed here")
    return str(error.get("msg", ""))


def install(app: FastAPI) -> None:
    """Register the handlers."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _respond(request, exc.status_code, str(exc.detail),
                        headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = [{"field": ".".join(str(p) for p in e.get("loc", ())),
                    "message": _field_message(e)} for e in exc.errors()]
        return _respond(request, 422, _("the request is not valid"), details)

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        # The field rules refuse such values first; this is the net behind them.
        return _respond(request, 422, _("the request holds a value the database cannot "
                                        "store (control characters, or a number out of "
                                        "range)"))

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> Response:
        return _respond(request, 409, _("the change conflicts with data already stored"))

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    async def unavailable(request: Request, exc: Exception) -> Response:
        return _unavailable(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Starlette calls this one outermost, for whatever no handler above took (also
        # from a middleware); it still raises the exception afterwards, for the log.
        # Starlette answers from outside every middleware here, so the security headers
        # that web/headers.py adds to the other answers are added by hand.
        if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
            return _with_security_headers(request, _unavailable(request, exc))
        try:
            answer = _respond(request, 500, _("something went wrong on the server; the "
                                              "error was logged"))
        except Exception:  # the error page itself failed: the document, always
            answer = JSONResponse(error_body(500, _("something went wrong on the server; "
                                                    "the error was logged")), 500)
        return _with_security_headers(request, answer)

    @app.exception_handler(EscaleraError)
    async def domain_error(request: Request, exc: EscaleraError) -> Response:
        status = 404 if isinstance(exc, NotFound | UnknownReference) else 400
        return _respond(request, status, str(exc))

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(request.url.path, safe='/')}",
                                status_code=303)


def _with_security_headers(request: Request, answer: Response) -> Response:
    settings = getattr(getattr(request.app.state, "context", None), "settings", None)
    production = getattr(settings, "env", "development") == "production"
    for name, value in security_headers(request.url.path, production).items():
        answer.headers.setdefault(name, value)
    return answer


def _unavailable(request: Request, exc: Exception) -> Response:
    """503: the database cannot be reached, is locked or has a full disk."""
    log.error("database unavailable: %s", exc.__class__.__name__, exc_info=exc)
    return _respond(request, 503, _("the database is not available right now; try again "
                                    "shortly"),
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
