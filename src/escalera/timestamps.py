"""Instants as the API and JSON output show them: in UTC with their offset.

The database stores naive UTC (``datetime.now(UTC)`` without its tzinfo, the same on SQLite
and PostgreSQL); a reader outside must not take them for local time. ``UtcDateTime`` is
the one pydantic type of such fields: a naive value is taken as UTC, an aware one is
converted, and JSON shows ``2026-12-08T00:26:48Z``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator


def as_utc(value: dt.datetime) -> dt.datetime:
    """``value`` as an aware UTC datetime (naive values are UTC already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


UtcDateTime = Annotated[dt.datetime, AfterValidator(as_utc)]
"""A datetime shown with its UTC offset (``...Z``)."""
