"""One error shape everywhere: ``{"error": {"status", "code", "message", "details"}}``.

API requests (paths under ``/api/``) get JSON; page requests get the error page. Domain
errors are translated when shown, like everywhere else.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from escalera.errors import EscaleraError, NotFound, UnknownReference
from escalera.i18n import _

CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 422: "validation_error",
         429: "too_many_requests", 500: "server_error"}


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

    return render(request, "error.html.j2", {"status": status, "message": message},
                  status_code=status)


def install(app: FastAPI) -> None:
    """Register the handlers."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _respond(request, exc.status_code, str(exc.detail),
                        headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = [{"field": ".".join(str(p) for p in e.get("loc", ())),
                    "message": str(e.get("msg", ""))} for e in exc.errors()]
        return _respond(request, 422, _("the request is not valid"), details)

    @app.exception_handler(EscaleraError)
    async def domain_error(request: Request, exc: EscaleraError) -> Response:
        status = 404 if isinstance(exc, NotFound | UnknownReference) else 400
        return _respond(request, status, str(exc))

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(request.url.path, safe='/')}",
                                status_code=303)
