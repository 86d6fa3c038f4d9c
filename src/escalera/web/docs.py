"""The API's documentation (``/api/docs``) and schema (``/openapi.json``): open in
development, behind sign-in in production unless ``ESCALERA_PUBLIC_API_DOCS=true``.

The schema names every endpoint and field, which helps whoever probes a production
installation as much as whoever integrates with it; a signed-in account (session or API
token) reads it there.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from escalera.config import Settings
from escalera.web.deps import Who

SCHEMA_URL = "/openapi.json"
DOCS_URL = "/api/docs"


def docs_are_public(settings: Settings) -> bool:
    """Whether anyone may read the documentation and schema without signing in."""
    return settings.env != "production" or settings.public_api_docs


def add_signed_in_docs(app: FastAPI) -> None:
    """Serve the schema and the documentation page to signed-in accounts only (401
    otherwise); for an app made with ``openapi_url=None, docs_url=None``."""

    @app.get(SCHEMA_URL, include_in_schema=False)
    def schema(who: Who) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get(DOCS_URL, include_in_schema=False)
    def documentation(who: Who) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=SCHEMA_URL, title=f"{app.title} API")
