"""Sessions, CSRF tokens and login rate limiting for the web application."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque

from fastapi import Request

WINDOW_SECONDS = 15 * 60
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


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
    """Failed logins per (address, username) in a sliding window; in memory, per process."""

    def __init__(self, attempts: int, window: float = WINDOW_SECONDS) -> None:
        self.attempts, self.window = attempts, window
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked(self, address: str, username: str) -> bool:
        """Too many recent failures: refuse without checking the password."""
        with self._lock:
            return len(self._recent((address, username.lower()), time.monotonic())) >= \
                self.attempts

    def failed(self, address: str, username: str) -> None:
        """Count one failure."""
        with self._lock:
            now = time.monotonic()
            self._recent((address, username.lower()), now).append(now)

    def succeeded(self, address: str, username: str) -> None:
        """Forget the failures of a successful login."""
        with self._lock:
            self._failures.pop((address, username.lower()), None)
