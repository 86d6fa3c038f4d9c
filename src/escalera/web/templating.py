"""Jinja2 pages: the interface language per request, translations through the catalog,
the CSRF token in every form, the signed-in account in every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader

from escalera.domain.permissions import Action, can
from escalera.errors import N_
from escalera.i18n import LANGUAGES, current_language, gettext
from escalera.presentation import number, status_label
from escalera.web.security import csrf_token

TEMPLATES = Path(__file__).parent / "templates"

ROLE_NAMES = {"admin": N_("administrator"), "program_manager": N_("program manager"),
              "assessor": N_("assessor"), "producer": N_("producer"), "buyer": N_("buyer")}


def role_name(role: str) -> str:
    """An account role in the interface language."""
    return gettext(ROLE_NAMES.get(str(role), str(role)))



# Every template escapes everything it prints (the names end in .html.j2, which
# select_autoescape() would not match). Markup built in Python escapes its data where it is
# built and is the only thing printed as is; templates never use |safe on data.
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                   trim_blocks=True, lstrip_blocks=True)
_env.globals.update(_=gettext, number=number, status_label=status_label, role_name=role_name,
                    languages=LANGUAGES, can=can, Action=Action)


def render(request: Request, template: str, data: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    """A page in the request's language."""
    values = {"request": request, "lang": current_language(),
              "csrf_token": csrf_token(request), "who": getattr(request.state, "who", None),
              **(data or {})}
    return HTMLResponse(_env.get_template(template).render(values), status_code=status_code)
