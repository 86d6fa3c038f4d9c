"""Browser tests: Playwright driving Debian's Chromium (``/usr/bin/chromium``) through the
web application, with full-page screenshots and axe-core accessibility reports under
``test-artifacts/`` in the repository root.

They run in the SQLite pass of the suite only. They start their own server over their own
demo database, so the database under test does not matter to them; repeating them with
``ESCALERA_TEST_DATABASE_URL`` pointing to PostgreSQL would double their time and check
nothing the API and service tests do not already check there. Without Chromium they are
skipped with that reason (``make test`` and ``make browser`` install it when run as root).
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
POSTGRES_SKIP_REASON = ("browser tests run in the SQLite pass only: they serve their own "
                        "demo database")


def testing_postgres() -> bool:
    """Whether this run of the suite is the PostgreSQL pass."""
    return os.environ.get("ESCALERA_TEST_DATABASE_URL", "").startswith("postgres")


def chromium_missing_reason() -> str:
    """Why Chromium cannot be used here, or an empty string when it can."""
    if not CHROMIUM.exists() or not os.access(CHROMIUM, os.X_OK):
        return (f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y "
                "chromium, or make browser as root) to run the browser tests")
    return ""
