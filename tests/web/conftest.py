"""Web fixtures: one seeded demo database for the whole test session, the application over
it, and signed-in clients and API tokens for every kind of account.

``web_demo`` seeds the demo (network, workflow, inspections, orders and a first allocation
run, the demo accounts) into a database of its own: an SQLite file, or a schema of its own
on PostgreSQL when ``ESCALERA_TEST_DATABASE_URL`` names one. Two accounts are added to the
demo's so that every side of the permission policy can be tried: ``assessor_other`` (an
assessor not assigned to the demo producer's firm) and ``producer_other`` (a producer of
another firm).

The database is shared and committed: a test that writes should create what it changes
(its own assessment, order or run) rather than rely on the state another test left.

- ``web_app``: the FastAPI application;
- ``client_for(role)``: a new ``TestClient`` signed in with a session cookie as that account
  (``"anonymous"``: none), sending the session's CSRF token unless ``csrf=False``;
- ``api_token(role)``: an API token of that account (made once per session).
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import polars as pl
import pytest
from fastapi import FastAPI

from escalera.config import Settings
from escalera.demo.accounts import seed_accounts
from escalera.demo.inspections import seed_inspections
from escalera.demo.orders import seed_orders
from escalera.demo.programs import seed_programs
from escalera.demo.workflow import seed_workflow
from escalera.domain.firms import PRODUCER_ROLES
from escalera.services import accounts
from escalera.services.demo import seed_demo
from escalera.store.evidence import firms_frame, observations_frame
from escalera.web.app import create_app
from escalera.web.security import CSRF_HEADER
from tests.conftest import own_database

with warnings.catch_warnings():
    # Starlette asks for httpx2 behind its test client; the project pins httpx, which works.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

DEMO_FIRMS = 300
DEMO_SEED = 42
ROLES = ("admin", "program_manager", "assessor", "assessor_other", "producer",
         "producer_other", "buyer")
"""Every kind of account the fixtures sign in as (``anonymous`` signs in as no one)."""

_CSRF = re.compile(r'name="csrf[-_]token" (?:content|value)="([^"]+)"')


@dataclass(frozen=True)
class DemoAccount:
    """A demo account and the firm it speaks for (producers and buyers)."""

    username: str
    password: str
    role: str
    firm_id: str | None


@dataclass(frozen=True)
class WebDemo:
    """The seeded demo: its database, its accounts by kind and the firms they concern.

    ``firm_id`` is the demo producer's own firm, assigned to the demo assessor;
    ``other_firm_id`` is another producer's, assigned to ``assessor_other`` only.
    """

    url: str
    on: dt.date
    accounts: dict[str, DemoAccount]
    firm_id: str
    other_firm_id: str
    buyer_firm_id: str


class ClientFor(Protocol):
    """``client_for(role, csrf=True)``."""

    def __call__(self, role: str, csrf: bool = True) -> TestClient: ...


@pytest.fixture(scope="session")
def web_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings of the web tests: the demo database, development mode."""
    with own_database(tmp_path_factory.mktemp("web"), "web") as url:
        yield Settings(database_url=url)


@pytest.fixture(scope="session")
def _seeded(web_settings: Settings) -> Iterator[tuple[FastAPI, WebDemo]]:
    app = create_app(web_settings)
    yield app, seed_web_demo(app)
    app.state.context.engine.dispose()


@pytest.fixture(scope="session")
def web_app(_seeded: tuple[FastAPI, WebDemo]) -> FastAPI:
    """The application over the seeded demo database (seeded once per session)."""
    return _seeded[0]


@pytest.fixture(scope="session")
def web_demo(_seeded: tuple[FastAPI, WebDemo]) -> WebDemo:
    """What was seeded: accounts by kind and the firms they concern."""
    return _seeded[1]


def seed_web_demo(app: FastAPI, firm_count: int = DEMO_FIRMS) -> WebDemo:
    """Seed the demo (``firm_count`` firms) as ``escalera demo`` does, plus two accounts for
    the other sides of the permission policy."""
    context = app.state.context
    on = dt.date.today()
    with context.transaction() as session:
        seed_demo(session, firms=firm_count, seed=DEMO_SEED, reference_date=on)
        seed_workflow(session, context.catalog, seed=DEMO_SEED, reference_date=on,
                      firms=firm_count, window_days=context.settings.dispute_window_days)
        seed_inspections(session, seed=DEMO_SEED, reference_date=on, firms=firm_count)
        seed_orders(session, context.catalog, reference_date=on)
        made = {a["username"]: a for a in seed_accounts(session)}
        seed_programs(session, context.catalog, seed=DEMO_SEED, reference_date=on,
                      stale_after_days=context.settings.stale_after_days)
        assigned = set(accounts.accounts_list(session, "evaluador")[0]["assigned_firms"])
        producer_firm = made["productor"]["firm_id"]
        assessed = observations_frame(session).select("firm_id").unique()
        producers = (firms_frame(session)
                     .filter(pl.col("roles").list.eval(pl.element().is_in(
                         sorted(str(r) for r in PRODUCER_ROLES))).list.any())
                     .join(assessed, on="firm_id").sort("firm_id"))
        other = next(f for f in producers["firm_id"]
                     if f not in assigned and f != producer_firm)
        for username, role, firm, visits in (("evaluador2", "assessor", None, [other]),
                                              ("productor2", "producer", other, None)):
            accounts.create_user(session, username=username, password=f"demo-{username}",
                                 role=role, firm_id=firm, assigned=visits, demo=True)
    users = {"admin": "admin", "program_manager": "gestora", "assessor": "evaluador",
             "assessor_other": "evaluador2", "producer": "productor",
             "producer_other": "productor2", "buyer": "comprador"}
    roles = {kind: kind.removesuffix("_other") for kind in users}
    firms = {"producer": producer_firm, "producer_other": other,
             "buyer": made["comprador"]["firm_id"]}
    return WebDemo(
        url=context.settings.database_url, on=on,
        accounts={kind: DemoAccount(username=user, password=f"demo-{user}", role=roles[kind],
                                    firm_id=firms.get(kind))
                  for kind, user in users.items()},
        firm_id=producer_firm, other_firm_id=other, buyer_firm_id=firms["buyer"])


@pytest.fixture(scope="session")
def _sessions(web_app: FastAPI, web_demo: WebDemo) -> dict[str, tuple[str, str]]:
    """Per kind of account, a signed-in session cookie and its CSRF token (signed in
    once, through the login form)."""
    signed: dict[str, tuple[str, str]] = {}
    for kind, account in web_demo.accounts.items():
        client = TestClient(web_app)
        token = csrf_of(client)
        answer = client.post("/login", data={"username": account.username,
                                             "password": account.password,
                                             "csrf_token": token, "next": "/"},
                             follow_redirects=False)
        assert answer.status_code == 303, (kind, answer.status_code)
        csrf = csrf_of(client)  # signing in starts a fresh session: ask for its token
        signed[kind] = (client.cookies["escalera_session"], csrf)
    return signed


def csrf_of(client: TestClient) -> str:
    """The CSRF token of ``client``'s session (the login page puts it in the page)."""
    found = _CSRF.search(client.get("/login").text)
    assert found, "no CSRF token in the login page"
    return found.group(1)


@pytest.fixture()
def client_for(web_app: FastAPI, _sessions: dict[str, tuple[str, str]]) -> ClientFor:
    """A new TestClient signed in as one kind of account (``anonymous``: not signed in)."""

    def make(role: str, csrf: bool = True) -> TestClient:
        client = TestClient(web_app)
        if role == "anonymous":
            return client
        cookie, token = _sessions[role]
        client.cookies.set("escalera_session", cookie)
        if csrf:
            client.headers[CSRF_HEADER] = token
        return client

    return make


@pytest.fixture(scope="session")
def api_token(web_app: FastAPI, web_demo: WebDemo) -> Callable[[str], str]:
    """``api_token(role)``: an API token of that kind of account, made once."""
    made: dict[str, str] = {}
    client = TestClient(web_app)

    def token(role: str) -> str:
        if role not in made:
            account = web_demo.accounts[role]
            answer = client.post("/api/v1/tokens", json={
                "username": account.username, "password": account.password,
                "name": "tests"})
            assert answer.status_code == 201, answer.text
            made[role] = answer.json()["token"]
        return made[role]

    return token


@pytest.fixture()
def api_client(web_app: FastAPI, api_token: Callable[[str], str]) -> Callable[[str], TestClient]:
    """``api_client(role)``: a TestClient sending that account's API token (``anonymous``:
    none)."""

    def make(role: str) -> TestClient:
        client = TestClient(web_app)
        if role != "anonymous":
            client.headers["Authorization"] = f"Bearer {api_token(role)}"
        return client

    return make

