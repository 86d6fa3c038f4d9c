"""Security headers on every answer (pages, API answers, error pages, static files).

The Content-Security-Policy lets a page run only the scripts served from this site
(``web/static``): no inline ``<script>``, no ``on...=`` attributes, no ``eval`` (Vega runs its
expressions through its interpreter, ``ast: true`` in ``charts.js``). So text that slipped
past the templates' escaping still could not run. Styles may be inline ('unsafe-inline' in
style-src only): matplotlib's inline SVG charts carry ``<style>`` and ``style=``, and htmx and
vega-embed add style elements; a style cannot run script.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",  # data: for the images Vega and the SVG charts may inline
    "font-src 'self'",
    "connect-src 'self'",  # the charts fetch their rows from /api/v1/charts
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
))
HSTS = "max-age=63072000; includeSubDomains"
# FastAPI's interactive API documentation is Swagger UI: an inline script and its files from
# a CDN. It shows no data of ours; it gets its own policy so the rest stays strict.
DOCS_PATHS = frozenset({"/api/docs", "/docs/oauth2-redirect"})
DOCS_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
    "img-src 'self' data: https://fastapi.tiangolo.com",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
))


def security_headers(path: str, production: bool) -> dict[str, str]:
    """The headers every answer to ``path`` carries."""
    found = {"Content-Security-Policy": DOCS_POLICY if path in DOCS_PATHS else POLICY,
             "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
             "Referrer-Policy": "same-origin"}
    if production:  # HTTPS only in production; a development server speaks plain HTTP
        found["Strict-Transport-Security"] = HSTS
    return found


class SecurityHeaders:
    """Pure ASGI middleware: adds :func:`security_headers` to every HTTP answer, whatever
    produced it (a route, an exception handler, the static files)."""

    def __init__(self, app: ASGIApp, production: bool = False) -> None:
        self.app = app
        self.production = production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = security_headers(str(scope.get("path", "")), self.production)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in added.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)
