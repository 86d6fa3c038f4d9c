"""Browser fixtures: a seeded demo database, the web application served by uvicorn in a
background thread, Debian's Chromium driven by Playwright, and a sign-in helper.

The server runs in this process with its own database (an SQLite file in a temporary
folder), so the browser tests run in the SQLite pass of the suite only; see
``tests/browser/__init__.py``.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    StorageState,
    expect,
    sync_playwright,
)
from typer.testing import CliRunner

from escalera.cli.main import app as cli
from escalera.config import Settings
from escalera.services.context import AppContext
from escalera.web.app import create_app
from tests.browser import (
    ARTIFACTS,
    CHROMIUM,
    POSTGRES_SKIP_REASON,
    chromium_missing_reason,
    testing_postgres,
)

DEMO_FIRMS = 300
PASSWORDS = {"admin": "demo-admin", "gestora": "demo-gestora",
             "evaluador": "demo-evaluador", "productor": "demo-productor",
             "comprador": "demo-comprador"}
# The demo account of each role.
ACCOUNTS = {"admin": "admin", "program_manager": "gestora", "assessor": "evaluador",
            "producer": "productor", "buyer": "comprador"}


@dataclass(frozen=True)
class Site:
    """The running application: its address and its database."""

    url: str
    database_url: str
    context: AppContext


# Pages wait on charts and solvers: allow for a busy machine.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)

# Loopback only: never through a proxy named in the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _wait_until_up(url: str, server: uvicorn.Server, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.started:
            try:
                with _DIRECT.open(url + "/login", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                pass
        time.sleep(0.05)
    raise RuntimeError(f"the web application did not answer at {url} in time")


@pytest.fixture(scope="session")
def browser_ready() -> None:
    """Skip (with the reason) where these tests cannot run."""
    if testing_postgres():
        pytest.skip(POSTGRES_SKIP_REASON)
    missing = chromium_missing_reason()
    if missing:
        pytest.skip(missing)


@pytest.fixture(scope="session")
def site(browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A demo network of 300 firms with an account per role, served on a free port."""
    folder = tmp_path_factory.mktemp("browser-db")
    database_url = f"sqlite:///{folder / 'demo.db'}"
    seeded = CliRunner().invoke(cli, ["demo", "--firms", str(DEMO_FIRMS), "--no-serve",
                                      "--json"],
                                env={"ESCALERA_DATABASE_URL": database_url})
    assert seeded.exit_code == 0, seeded.output
    settings = Settings(database_url=database_url)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning",
                                           access_log=False, lifespan="off"))
    sock = _free_socket()
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name="escalera-browser-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    context = AppContext(settings)
    try:
        _wait_until_up(url, server, time.monotonic() + 30)
        yield Site(url=url, database_url=database_url, context=context)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        context.engine.dispose()


@pytest.fixture(scope="session")
def browser(browser_ready: None) -> Iterator[Browser]:
    """Debian's Chromium, headless (Playwright never downloads a browser here)."""
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                          args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _new_context(browser: Browser, site: Site,
                 state: StorageState | None = None) -> BrowserContext:
    made = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900},
                               locale="es-MX", storage_state=state)
    made.set_default_timeout(TIMEOUT_MS)
    return made


@pytest.fixture()
def context(browser: Browser, site: Site) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies, no storage) per test."""
    made = _new_context(browser, site)
    yield made
    made.close()


@pytest.fixture()
def page(context: BrowserContext) -> Page:
    """A page in the test's own browser profile."""
    return context.new_page()


@pytest.fixture(scope="session")
def signed_in(browser: Browser, site: Site) -> Iterator[Callable[[str], Page]]:
    """``signed_in(role)``: a new page in a fresh profile already signed in as the demo
    account of ``role``. Each role signs in through the form once per session; later pages
    reuse its cookie, which keeps the suite fast — until a test signs that account out,
    which ends all its sessions: then it signs in again."""
    states: dict[str, StorageState] = {}
    opened: list[BrowserContext] = []

    def make(role: str) -> Page:
        if role in states:
            made = _new_context(browser, site, states[role])
            if made.request.get(f"{site.url}/api/v1/me").ok:
                opened.append(made)
                return made.new_page()
            made.close()
        first = _new_context(browser, site)
        login(first.new_page(), role)
        states[role] = first.storage_state()
        opened.append(first)
        return first.new_page()

    yield make
    for made in opened:
        made.close()


def login(page: Page, role: str) -> None:
    """Sign in with the demo account of ``role`` (admin, program_manager, assessor,
    producer, buyer) and land on the dashboard."""
    username = ACCOUNTS[role]
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not sign in: {page.content()[:500]}"


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot under test-artifacts/screenshots/."""
    target = ARTIFACTS / "screenshots" / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    # After a full-page capture Chromium may place the next click by a stale scroll
    # position (the button is focused but never clicked); scrolling resets it.
    page.evaluate("window.scrollTo(0, 0)")
    return target
