"""Accounts, assessor assignments, API tokens and the audit log.

Passwords are hashed with Argon2id (argon2-cffi); tokens are random and only their SHA-256
is stored. Every change made through the web application is written to the audit log with
who, when, what, and the values before and after (``audit``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalera.domain.permissions import Principal, Role
from escalera.errors import N_, EscaleraError, NotFound
from escalera.store.firms import row_ids
from escalera.store.tables import (
    ApiTokenRow,
    AssignmentRow,
    AuditRow,
    DataShareRow,
    FirmRow,
    UserRow,
)

_HASHER = PasswordHasher()
MIN_PASSWORD = 8
TOKEN_PREFIX = "esc_"


class AccountError(EscaleraError, ValueError):
    """An account that cannot be created or changed as asked."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def create_user(session: Session, *, username: str, password: str, role: Role | str,
                display_name: str = "", firm_id: str | None = None,
                assigned: list[str] | None = None) -> UserRow:
    """A new account (producers and buyers name their firm; assessors their firms)."""
    name = username.strip().lower()
    if not name or len(name) > 80:
        raise AccountError(N_("a username has 1 to 80 characters"))
    if len(password) < MIN_PASSWORD:
        raise AccountError(N_("a password has at least {minimum} characters"),
                           minimum=MIN_PASSWORD)
    try:
        kind = Role(str(role))
    except ValueError:
        raise AccountError(N_("unknown role {role!r}; use one of {valid}"), role=role,
                           valid=", ".join(r.value for r in Role)) from None
    if kind in (Role.PRODUCER, Role.BUYER) and not firm_id:
        raise AccountError(N_("a {role} account speaks for one firm: give its id"),
                           role=kind.value)
    if session.scalar(select(UserRow.id).where(UserRow.username == name)) is not None:
        raise AccountError(N_("the username {name} is taken"), name=name)
    firm_row = row_ids(session, [firm_id])[firm_id] if firm_id else None
    row = UserRow(username=name, display_name=display_name or name,
                  password_hash=_HASHER.hash(password), role=kind.value, firm_id=firm_row,
                  active=True)
    session.add(row)
    session.flush()
    if assigned:
        ids = row_ids(session, assigned)
        session.add_all(AssignmentRow(user_id=row.id, firm_id=ids[f]) for f in assigned)
        session.flush()
    return row


def authenticate(session: Session, username: str, password: str) -> UserRow | None:
    """The active account with these credentials, or None (no hint which part was wrong)."""
    row = session.scalar(select(UserRow).where(UserRow.username == username.strip().lower()))
    if row is None or not row.active:
        _HASHER.hash(password)  # the same work either way
        return None
    try:
        _HASHER.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return row


def principal(session: Session, row: UserRow) -> Principal:
    """What an account may see and do."""
    firm = (session.scalar(select(FirmRow.public_id).where(FirmRow.id == row.firm_id))
            if row.firm_id else None)
    assigned = frozenset(session.scalars(
        select(FirmRow.public_id).join(AssignmentRow, AssignmentRow.firm_id == FirmRow.id)
        .where(AssignmentRow.user_id == row.id)))
    shared = frozenset(session.scalars(
        select(FirmRow.public_id).join(DataShareRow, DataShareRow.firm_id == FirmRow.id)
        .where(DataShareRow.buyer_id == row.firm_id))) if row.firm_id else frozenset()
    return Principal(username=row.username, role=Role(row.role), firm_id=firm,
                     assigned=assigned, shared=shared if Role(row.role) is Role.BUYER
                     else frozenset())


def user(session: Session, user_id: int) -> UserRow:
    """An account by row id."""
    row = session.get(UserRow, user_id)
    if row is None or not row.active:
        raise NotFound(N_("no account {id}"), id=user_id)
    return row


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, row: UserRow, name: str = "") -> str:
    """A new API token for ``row``; shown once, only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiTokenRow(user_id=row.id, name=name[:80], token_hash=_digest(token),
                            created_at=_now()))
    session.flush()
    return token


def token_user(session: Session, token: str) -> UserRow | None:
    """The account of a valid, unrevoked token."""
    found = session.scalar(select(ApiTokenRow).where(
        ApiTokenRow.token_hash == _digest(token.strip()), ApiTokenRow.revoked.is_(False)))
    if found is None:
        return None
    found.last_used_at = _now()
    account = session.get(UserRow, found.user_id)
    return account if account is not None and account.active else None


def audit(session: Session, *, actor: str, action: str, entity: str, entity_id: str = "",
          before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """Write one change to the audit log."""
    session.add(AuditRow(at=_now(), actor=actor, action=action, entity=entity,
                         entity_id=entity_id, before=before, after=after))


def audit_entries(session: Session, limit: int = 100, offset: int = 0) -> list[AuditRow]:
    """The audit log, newest first."""
    return audit_search(session, limit=limit, offset=offset)[0]


def accounts_list(session: Session, username: str | None = None) -> list[dict[str, Any]]:
    """Every account (or the one named ``username``) with its role, firm and assigned
    firms (public ids), by username; no password hashes."""
    firms = {row_id: public_id for row_id, public_id in session.execute(
        select(FirmRow.id, FirmRow.public_id).where(FirmRow.id.in_(
            select(UserRow.firm_id).where(UserRow.firm_id.is_not(None)))))}
    assigned: dict[int, list[str]] = {}
    for user_id, public_id in session.execute(
            select(AssignmentRow.user_id, FirmRow.public_id)
            .join(FirmRow, FirmRow.id == AssignmentRow.firm_id).order_by(FirmRow.public_id)):
        assigned.setdefault(user_id, []).append(public_id)
    stmt = select(UserRow).order_by(UserRow.username)
    if username is not None:
        stmt = stmt.where(UserRow.username == username)
    return [{"username": row.username, "display_name": row.display_name, "role": row.role,
             "firm_id": firms.get(row.firm_id) if row.firm_id else None,
             "assigned_firms": assigned.get(row.id, []), "active": row.active,
             "created_at": row.created_at}
            for row in session.scalars(stmt)]


def audit_search(session: Session, *, actor: str | None = None, entity: str | None = None,
                 entity_id: str | None = None, action: str | None = None, limit: int = 100,
                 offset: int = 0, oldest_first: bool = False) -> tuple[list[AuditRow], int]:
    """A page of the audit log (newest first unless ``oldest_first``), filtered by who,
    what kind of record, which record and what was done; and how many entries match."""
    wanted = [column == value for column, value in (
        (AuditRow.actor, actor), (AuditRow.entity, entity), (AuditRow.entity_id, entity_id),
        (AuditRow.action, action)) if value is not None]
    total = session.scalar(select(func.count()).select_from(AuditRow).where(*wanted)) or 0
    order = AuditRow.id.asc() if oldest_first else AuditRow.id.desc()
    rows = session.scalars(select(AuditRow).where(*wanted).order_by(order)
                           .limit(limit).offset(offset))
    return list(rows), int(total)
