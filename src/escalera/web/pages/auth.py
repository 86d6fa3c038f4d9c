"""Sign in and out, and the page of one's API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from escalera.i18n import _
from escalera.services import accounts
from escalera.web.deps import DB, USER_KEY, PageWho
from escalera.web.security import VERSION_KEY, SignInRefused, csrf_ok, sign_in
from escalera.web.templating import render
from escalera.web.text import Identifier, ShortText

router = APIRouter()


def _safe_next(target: str | None) -> str:
    from escalera.web.redirects import same_site_path

    return same_site_path(target)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return render(request, "login.html.j2", {"next": _safe_next(next)})


@router.post("/login")
def login(request: Request, session: DB, username: Annotated[Identifier, Form(max_length=80)],
          password: Annotated[str, Form(max_length=200)],
          csrf_token: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/") -> Response:
    """Check the credentials; too many failures in a row are refused for a while."""
    if not csrf_ok(request, csrf_token):
        return render(request, "login.html.j2", {"next": _safe_next(next), "error": _(
            "the form expired; please try again")}, status_code=403)
    try:
        row = sign_in(request, session, username, password)
    except SignInRefused as refused:
        return render(request, "login.html.j2", {"next": _safe_next(next),
                                                 "error": str(refused)},
                      status_code=refused.status)
    lang = request.session.get("lang")
    request.session.clear()  # a fresh session: no fixation
    request.session[USER_KEY] = row.id
    request.session[VERSION_KEY] = row.session_version  # signing out anywhere ends it
    if lang:
        request.session["lang"] = lang
    accounts.audit(session, actor=row.username, action="sign_in", entity="session")
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, session: DB, csrf_token: Annotated[str, Form()] = "") -> Response:
    """Sign out everywhere: this account's session cookies, here and on any other device,
    are refused from now on (its session version is raised)."""
    if csrf_ok(request, csrf_token):
        user_id = request.session.get(USER_KEY)
        row = (accounts.session_user(session, int(user_id), request.session.get(VERSION_KEY))
               if user_id is not None else None)
        if row is not None:
            accounts.end_sessions(row)
            accounts.audit(session, actor=row.username, action="sign_out", entity="session")
        lang = request.session.get("lang")
        request.session.clear()
        if lang:
            request.session["lang"] = lang
    return RedirectResponse("/login", status_code=303)


def _tokens_page(request: Request, session: DB, who: PageWho, status_code: int = 200,
                 **extra: object) -> Response:
    return render(request, "tokens.html.j2", {
        "tokens": accounts.tokens_list(session, who.username),
        "default_days": accounts.TOKEN_DAYS, "max_days": accounts.MAX_TOKEN_DAYS, **extra},
        status_code=status_code)


@router.get("/tokens")
def tokens(request: Request, session: DB, who: PageWho) -> Response:
    """My API tokens: name, created, last used, expiry; make one or revoke one."""
    return _tokens_page(request, session, who)


@router.post("/tokens")
def make_token(request: Request, session: DB, who: PageWho,
               password: Annotated[str, Form(max_length=200)],
               name: Annotated[ShortText, Form(max_length=80)] = "",
               days: Annotated[int, Form(ge=1, le=accounts.MAX_TOKEN_DAYS)] = accounts.TOKEN_DAYS,
               csrf_token: Annotated[str, Form()] = "") -> Response:
    """A new token, shown once; the password is asked again (and counted by the login
    limiter), so a borrowed session cannot mint a lasting credential."""
    if not csrf_ok(request, csrf_token):
        return _tokens_page(request, session, who, 403,
                            error=_("the form expired; please try again"))
    try:
        row = sign_in(request, session, who.username, password)
    except SignInRefused as refused:
        return _tokens_page(request, session, who, refused.status, error=str(refused))
    made, token = accounts.issue_token(session, row, name, days)
    return _tokens_page(request, session, who, 201, new_token=token, new_id=made.id)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(request: Request, session: DB, who: PageWho,
                 token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                 csrf_token: Annotated[str, Form()] = "") -> Response:
    """Revoke one of my tokens (admins: anyone's)."""
    if not csrf_ok(request, csrf_token):
        return _tokens_page(request, session, who, 403,
                            error=_("the form expired; please try again"))
    try:
        accounts.revoke_token(session, token_id, who)
    except accounts.TokenForbidden as refused:
        raise HTTPException(403, str(refused)) from None
    return RedirectResponse("/tokens", status_code=303)
