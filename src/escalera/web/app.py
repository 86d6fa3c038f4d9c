"""``create_app(settings)``: the FastAPI application. No settings, engine or catalog are
made at import time; everything hangs from the app's context."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from escalera import __version__
from escalera.config import Settings, load_settings
from escalera.i18n import LANGUAGES, set_language
from escalera.services.context import AppContext
from escalera.web import api, errors, pages
from escalera.web.docs import DOCS_URL, SCHEMA_URL, add_signed_in_docs, docs_are_public
from escalera.web.headers import SecurityHeaders
from escalera.web.limits import BodyLimit
from escalera.web.security import LoginLimiter

STATIC = Path(__file__).parent / "static"
LANG_KEY = "lang"


def _language(request: Request, default: str) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        if not request.url.path.startswith("/api/"):  # an API call never changes the page's
            request.session[LANG_KEY] = asked         # language choice
        return asked
    kept = request.session.get(LANG_KEY)
    if kept in LANGUAGES:
        return str(kept)
    header = request.headers.get("accept-language", "")[:2].lower()
    if request.url.path.startswith("/api/") and header in LANGUAGES:
        return header
    return default


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web application over the database and catalog of ``settings``."""
    chosen = settings or load_settings()
    public = docs_are_public(chosen)  # production: behind sign-in unless configured public
    app = FastAPI(title="escalera", version=__version__,
                  openapi_url=SCHEMA_URL if public else None,
                  docs_url=DOCS_URL if public else None, redoc_url=None,
                  description="Ladders of quality standards for networks of small "
                              "producers: registry, assessments, levels, benchmarks, "
                              "inspections, orders and allocations.")
    app.state.context = AppContext(chosen)
    app.state.limiter = LoginLimiter(chosen.login_attempts)

    @app.middleware("http")
    async def language(request: Request,
                       call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        lang = _language(request, chosen.lang)
        set_language(lang)
        response = await call_next(request)
        response.headers.setdefault("Content-Language", lang)
        return response

    # Added last, so it runs first: the language middleware reads the session.
    app.add_middleware(SessionMiddleware, secret_key=chosen.secret_key,
                       session_cookie="escalera_session", same_site="lax",
                       https_only=chosen.env == "production", max_age=12 * 3600)
    app.add_middleware(SecurityHeaders, production=chosen.env == "production")
    app.add_middleware(BodyLimit)  # keep it last (outermost): no body is read before it
    errors.install(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    if not public:
        add_signed_in_docs(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
