"""Sessions, CSRF tokens, the client's address and login rate limiting for the web
application."""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Sequence

from fastapi import Request
from sqlalchemy.orm import Session

from escalera.domain.passwords import normal_username
from escalera.errors import N_, EscaleraError
from escalera.services import accounts
from escalera.store.tables import UserRow

WINDOW_SECONDS = 15 * 60
PER_USER_FACTOR = 4  # failures per username from all addresses: this many times more
MAX_KEYS = 10_000  # counters kept before the empty ones are swept
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
VERSION_KEY = "session_version"  # the account's session version when this session began
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use); forms carry it in a hidden field."""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return str(token)


def csrf_ok(request: Request, submitted: str | None) -> bool:
    """Whether ``submitted`` matches the session's token."""
    expected = request.session.get(CSRF_FIELD)
    return bool(expected and submitted) and hmac.compare_digest(str(expected),
                                                                str(submitted))


class LoginLimiter:
    """Failed sign-ins in a sliding window, in memory, per process: at most ``attempts``
    per (address, username) and ``attempts * PER_USER_FACTOR`` per username from all
    addresses together, so changing address does not buy more guesses. Usernames are
    counted in their stored form (``normal_username``)."""

    def __init__(self, attempts: int, window: float = WINDOW_SECONDS) -> None:
        self.attempts, self.window = attempts, window
        self.per_user = attempts * PER_USER_FACTOR
        self._failures: dict[tuple[str, ...], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, ...], now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked(self, address: str, username: str) -> bool:
        """Too many recent failures: refuse without checking the password."""
        name = normal_username(username)
        with self._lock:
            now = time.monotonic()
            return (len(self._recent((address, name), now)) >= self.attempts
                    or len(self._recent((name,), now)) >= self.per_user)

    def failed(self, address: str, username: str) -> None:
        """Count one failure."""
        name = normal_username(username)
        with self._lock:
            now = time.monotonic()
            if len(self._failures) > MAX_KEYS:
                for key in [k for k in self._failures if not self._recent(k, now)]:
                    del self._failures[key]
            self._recent((address, name), now).append(now)
            self._recent((name,), now).append(now)

    def succeeded(self, address: str, username: str) -> None:
        """Forget this address's failures for the account (not those from elsewhere)."""
        with self._lock:
            self._failures.pop((address, normal_username(username)), None)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        found = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = found.ipv4_mapped if isinstance(found, ipaddress.IPv6Address) else None
    return mapped or found  # ::ffff:127.0.0.1 (a dual-stack socket) is 127.0.0.1


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    found = _ip(address)
    return found is not None and any(found in network for network in proxies)


def _forwarded_hops(request: Request) -> list[str]:
    """The addresses a request passed through, first to last: ``X-Forwarded-For``, or
    else the ``for=`` of RFC 7239 ``Forwarded`` (quotes, brackets and ports removed)."""
    header = request.headers.get("x-forwarded-for")
    if header is not None:
        return [hop.strip() for hop in header.split(",") if hop.strip()]
    hops = []
    for element in request.headers.get("forwarded", "").split(","):
        for pair in element.split(";"):
            key, _, value = pair.strip().partition("=")
            if key.lower() == "for" and value:
                value = value.strip('"')
                if value.startswith("["):  # [IPv6]:port
                    value = value[1:].partition("]")[0]
                elif value.count(":") == 1:  # IPv4:port
                    value = value.partition(":")[0]
                hops.append(value)
    return hops


def client_address(request: Request, proxies: Sequence[Network]) -> str:
    """The client's address: the socket peer, unless the peer is one of ``proxies``
    (``ESCALERA_TRUSTED_PROXIES``); then the last forwarded hop that is not one of them
    (the entries before it are whatever the client chose to send)."""
    peer = request.client.host if request.client else "-"
    if not _trusted(peer, proxies):
        return peer
    hops = _forwarded_hops(request)
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop[:64]
    return hops[0][:64] if hops else peer


class SignInRefused(EscaleraError):
    """Wrong credentials (401) or too many recent failures (429)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def sign_in(request: Request, session: Session, username: str, password: str) -> UserRow:
    """The account with these credentials, counted by the login limiter (the pages, the
    API and the tokens page all sign in here)."""
    limiter: LoginLimiter = request.app.state.limiter
    address = client_address(request, request.app.state.context.settings.trusted_proxies)
    if limiter.blocked(address, username):
        raise SignInRefused(429, N_("too many failed sign-ins; try again in 15 minutes"))
    row = accounts.authenticate(session, username, password)
    if row is None:
        limiter.failed(address, username)
        raise SignInRefused(401, N_("wrong username or password"))
    limiter.succeeded(address, username)
    return row
