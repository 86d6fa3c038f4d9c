"""Sign in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from escalera.i18n import _
from escalera.services import accounts
from escalera.web.deps import DB, USER_KEY
from escalera.web.security import csrf_ok
from escalera.web.templating import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    from escalera.web.redirects import same_site_path

    return same_site_path(target)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return render(request, "login.html.j2", {"next": _safe_next(next)})


@router.post("/login")
def login(request: Request, session: DB, username: Annotated[str, Form(max_length=80)],
          password: Annotated[str, Form(max_length=200)],
          csrf_token: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/") -> Response:
    """Check the credentials; too many failures in a row are refused for a while."""
    if not csrf_ok(request, csrf_token):
        return render(request, "login.html.j2", {"next": _safe_next(next), "error": _(
            "the form expired; please try again")}, status_code=403)
    limiter = request.app.state.limiter
    address = request.client.host if request.client else "-"
    if limiter.blocked(address, username):
        return render(request, "login.html.j2", {"next": _safe_next(next), "error": _(
            "too many failed sign-ins; try again in 15 minutes")}, status_code=429)
    row = accounts.authenticate(session, username, password)
    if row is None:
        limiter.failed(address, username)
        return render(request, "login.html.j2", {"next": _safe_next(next), "error": _(
            "wrong username or password")}, status_code=401)
    limiter.succeeded(address, username)
    lang = request.session.get("lang")
    request.session.clear()  # a fresh session: no fixation
    request.session[USER_KEY] = row.id
    if lang:
        request.session["lang"] = lang
    accounts.audit(session, actor=row.username, action="sign_in", entity="session")
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    """Sign out."""
    if csrf_ok(request, csrf_token):
        lang = request.session.get("lang")
        request.session.clear()
        if lang:
            request.session["lang"] = lang
    return RedirectResponse("/login", status_code=303)
