"""Accounts, assessor assignments, API tokens and the audit log.

Passwords are hashed with Argon2id (argon2-cffi) and must pass the policy of
``domain.passwords``; tokens are random, expire, and only their SHA-256 is stored. Every
change made through the web application is written to the audit log with who, when, what,
and the values before and after (``audit``).
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

from escalera.domain.passwords import check_password, normal_username
from escalera.domain.permissions import Action, Principal, Role, can
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
TOKEN_PREFIX = "esc_"
TOKEN_DAYS, MAX_TOKEN_DAYS = 90, 365  # a token's life unless asked; the longest allowed
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_used_at is written at most this often


class AccountError(EscaleraError, ValueError):
    """An account that cannot be created or changed as asked."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def create_user(session: Session, *, username: str, password: str, role: Role | str,
                display_name: str = "", firm_id: str | None = None,
                assigned: list[str] | None = None, demo: bool = False) -> UserRow:
    """A new account (producers and buyers name their firm; assessors their firms).

    The password must pass the policy (``domain.passwords``); ``demo=True`` skips it for
    the development demo's printed passwords only (``escalera demo``).
    """
    name = normal_username(username)
    if not name or len(name) > 80:
        raise AccountError(N_("a username has 1 to 80 characters"))
    if not demo:
        check_password(password, name)
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
    row = session.scalar(select(UserRow).where(UserRow.username == normal_username(username)))
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


def set_password(row: UserRow, password: str) -> None:
    """Change an account's password (the policy applies) and end its sessions."""
    check_password(password, row.username)
    row.password_hash = _HASHER.hash(password)
    end_sessions(row)


def end_sessions(row: UserRow) -> None:
    """Sign the account out everywhere: every session cookie issued so far is refused
    (they carry the version they were issued under; API tokens are revoked separately)."""
    row.session_version = (row.session_version or 0) + 1


def session_user(session: Session, user_id: int, version: object) -> UserRow | None:
    """The active account of a session cookie, unless it was signed out since
    (``version`` is the one the cookie carries)."""
    row = session.get(UserRow, user_id)
    if row is None or not row.active or version != row.session_version:
        return None
    return row


class TokenRefused(EscaleraError):
    """An API token that does not (or no longer) sign in; the message says why."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, row: UserRow, name: str = "",
                 days: int = TOKEN_DAYS) -> str:
    """A new API token for ``row`` (see :func:`issue_token`): its text only."""
    return issue_token(session, row, name, days)[1]


def issue_token(session: Session, row: UserRow, name: str = "",
                days: int = TOKEN_DAYS) -> tuple[ApiTokenRow, str]:
    """A new API token for ``row``, valid ``days`` days (at most ``MAX_TOKEN_DAYS``), and
    its text: shown once, only its hash is kept. Audited."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise AccountError(N_("a token lasts 1 to {maximum} days"), maximum=MAX_TOKEN_DAYS)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = _now()
    found = ApiTokenRow(user_id=row.id, name=name[:80], token_hash=_digest(token),
                        created_at=now, expires_at=now + dt.timedelta(days=days))
    session.add(found)
    session.flush()
    audit(session, actor=row.username, action="create", entity="api_token",
          entity_id=str(found.id), after={"name": found.name, "days": days})
    return found, token


def token_user(session: Session, token: str) -> UserRow:
    """The active account of a token; :class:`TokenRefused` if the token is unknown,
    revoked or expired. Marks it used at most once a minute, so a read seldom writes."""
    found = session.scalar(select(ApiTokenRow).where(
        ApiTokenRow.token_hash == _digest(token.strip())))
    if found is None:
        raise TokenRefused(N_("the API token is not valid"))
    now = _now()
    if found.revoked:
        raise TokenRefused(N_("the API token was revoked; make a new one"))
    if found.expires_at is not None and found.expires_at <= now:
        raise TokenRefused(N_("the API token expired on {date} (UTC); make a new one"),
                           date=found.expires_at.isoformat(sep=" ", timespec="minutes"))
    account = session.get(UserRow, found.user_id)
    if account is None or not account.active:
        raise TokenRefused(N_("the API token is not valid"))
    if found.last_used_at is None or now - found.last_used_at >= TOUCH_EVERY:
        found.last_used_at = now
    return account


def tokens_list(session: Session, username: str | None = None) -> list[dict[str, Any]]:
    """API tokens (of ``username``, or everyone's), newest first; never their hashes."""
    stmt = (select(ApiTokenRow, UserRow.username)
            .join(UserRow, UserRow.id == ApiTokenRow.user_id).order_by(ApiTokenRow.id.desc()))
    if username is not None:
        stmt = stmt.where(UserRow.username == username)
    now = _now()
    return [{"id": row.id, "name": row.name, "username": owner,
             "created_at": row.created_at, "last_used_at": row.last_used_at,
             "expires_at": row.expires_at, "revoked_at": row.revoked_at,
             "state": "revoked" if row.revoked else "expired"
             if row.expires_at is not None and row.expires_at <= now else "active"}
            for row, owner in session.execute(stmt)]


def revoke_token(session: Session, token_id: int, who: Principal) -> ApiTokenRow:
    """Revoke one token: one's own, or anyone's for an admin; audited. Revoking a revoked
    token changes nothing."""
    found = session.get(ApiTokenRow, token_id)
    if found is None:
        raise NotFound(N_("no API token {id}"), id=token_id)
    owner = session.get(UserRow, found.user_id)
    if (owner is None or owner.username != who.username) and not can(
            who, Action.MANAGE_ACCOUNTS):
        raise TokenForbidden(N_("this API token is another account's"))
    if not found.revoked:
        found.revoked, found.revoked_at = True, _now()
        audit(session, actor=who.username, action="revoke", entity="api_token",
              entity_id=str(found.id), after={"name": found.name,
                                              "owner": owner.username if owner else ""})
    return found


class TokenForbidden(EscaleraError, PermissionError):
    """A token that belongs to another account (only admins revoke those)."""


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
