"""Where the application may send a browser back to after signing in: a path of this site,
never another site (an open redirect makes a trusted address lead to a phishing page)."""

from __future__ import annotations

import re

# Browsers drop tabs and line breaks from addresses and read a backslash as a slash, so
# "/\t/evil.example" and "/\\evil.example" both lead to //evil.example: refuse them all.
_CONTROL = re.compile(r"[\x00-\x20\x7f\\]")


def same_site_path(target: str | None, default: str = "/") -> str:
    """``target`` when it is a path of this site (one leading slash, no second slash or
    backslash after it, no scheme, no control characters or spaces), else ``default``.

    >>> same_site_path("/firms?q=a"), same_site_path("//evil.example")
    ('/firms?q=a', '/')
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if _CONTROL.search(target):
        return default
    return target
