"""``/api/v1/audit`` and ``/api/v1/users``: the audit log (``READ_AUDIT``: admins and
program managers) and accounts (``MANAGE_ACCOUNTS``: admins), through
``services.accounts``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from escalera.domain.ids import parse_firm_id
from escalera.domain.passwords import MAX_LENGTH, MIN_LENGTH
from escalera.domain.permissions import Action, Role
from escalera.i18n import _
from escalera.services import accounts
from escalera.timestamps import UtcDateTime
from escalera.web.api.access import ERRORS, NO_CONTROL
from escalera.web.api.lists import Page, Paged, page_params, paged, rows_frame
from escalera.web.deps import DB, Who, allow
from escalera.web.idempotency import IdempotentRoute
from escalera.web.text import Identifier

router = APIRouter(tags=["administration"], responses=ERRORS, route_class=IdempotentRoute)
Filter = Annotated[str | None, Query(max_length=80, pattern=NO_CONTROL)]
AUDIT_SORTABLE = ("at",)
USER_SORTABLE = ("username", "role", "created_at")


class AuditEntry(BaseModel):
    """One change: who, when, what, and the values before and after."""

    id: int
    at: UtcDateTime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class UserCreate(BaseModel):
    """A new account: producers and buyers name the firm they speak for, assessors the
    firms they visit."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=80, pattern=NO_CONTROL)
    password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH,
                          description="At least 15 characters, not guessable (docs/web.md).")
    role: Role
    display_name: str = Field(default="", max_length=120, pattern=NO_CONTROL)
    firm_id: Identifier | None = Field(default=None, max_length=20)
    assigned: list[Annotated[Identifier, Field(max_length=20)]] = Field(default_factory=list,
                                                                 max_length=10_000)


class UserOut(BaseModel):
    """An account (never its password hash)."""

    username: str
    display_name: str
    role: Role
    firm_id: str | None
    assigned_firms: list[str]
    active: bool
    created_at: UtcDateTime | None


@router.get("/audit", response_model=Paged[AuditEntry])
def audit_log(who: Who, session: DB, page: Annotated[Page, Depends(page_params)],
              actor: Filter = None, entity: Filter = None, entity_id: Filter = None,
              action: Filter = None) -> dict[str, Any]:
    """The audit log, newest first (``sort=at`` for oldest first), filtered by who
    (``actor``), what kind of record (``entity``: assessment, inspection, order,
    match_run, user...), which record (``entity_id``) and what was done (``action``)."""
    allow(who, Action.READ_AUDIT)
    if page.sort is not None and page.sort.lstrip("-") not in AUDIT_SORTABLE:
        raise HTTPException(422, _("cannot sort by {field}; use one of {valid}").format(
            field=page.sort.lstrip("-"), valid=", ".join(AUDIT_SORTABLE)))
    rows, total = accounts.audit_search(
        session, actor=actor, entity=entity, entity_id=entity_id, action=action,
        limit=page.limit, offset=page.offset, oldest_first=page.sort == "at")
    return {"items": [AuditEntry.model_validate(row, from_attributes=True) for row in rows],
            "total": total, "limit": page.limit, "offset": page.offset}


@router.get("/users", response_model=Paged[UserOut])
def list_users(who: Who, session: DB, page: Annotated[Page, Depends(page_params)],
               role: Role | None = None) -> dict[str, Any]:
    """Accounts with their role, firm and assigned firms, filtered by ``role``."""
    allow(who, Action.MANAGE_ACCOUNTS)
    found = [u for u in accounts.accounts_list(session) if role is None or u["role"] == role]
    return paged(rows_frame(found), page, USER_SORTABLE)


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserCreate, who: Who, session: DB) -> dict[str, Any]:
    """Create an account (its password is stored as an Argon2 hash only)."""
    allow(who, Action.MANAGE_ACCOUNTS)
    assigned = list(dict.fromkeys(parse_firm_id(f) for f in body.assigned))
    row = accounts.create_user(session, username=body.username, password=body.password,
                               role=body.role, display_name=body.display_name,
                               firm_id=parse_firm_id(body.firm_id) if body.firm_id else None,
                               assigned=assigned)
    made = accounts.accounts_list(session, row.username)[0]
    accounts.audit(session, actor=who.username, action="create", entity="user",
                   entity_id=row.username, after={
                       key: made[key] for key in ("username", "display_name", "role",
                                                  "firm_id", "assigned_firms")})
    return made
