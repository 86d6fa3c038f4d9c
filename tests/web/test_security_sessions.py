"""Sessions and sign-in under attack: variants of a blocked username, rotating client
addresses and forwarded headers, replayed cookies after signing out, expired and revoked
API tokens, and no database write on a token read within a minute."""

from __future__ import annotations

import datetime as dt
import ipaddress
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from sqlalchemy import event, select, update

from escalera.cli.serve_cmd import SERVER_OPTIONS
from escalera.config import Settings
from escalera.services import accounts
from escalera.store.tables import ApiTokenRow
from escalera.web.app import create_app
from escalera.web.security import LoginLimiter, client_address
from tests.web.conftest import TestClient, WebDemo, csrf_of

API = "/api/v1"
PASSWORD = "tres gatos en la azotea"
# Each signs in as the demo buyer "comprador": trailing and leading spaces, case, an em
# space, a no-break space, full-width letters (NFKC), an ideographic space. (A tab, being a
# control character, is refused by the API's text rule before it reaches the limiter; the
# limiter's own test below has it.)
VARIANTS = ["comprador ", " comprador", "Comprador\u2003", "COMPRADOR\u00a0",
            "ｃｏｍｐｒａｄｏｒ", "\u3000comprador"]


@pytest.fixture(scope="module")
def app(web_settings: Settings, web_demo: WebDemo) -> Iterator[FastAPI]:
    """An application of its own over the demo database: its limiter and sessions are not
    the other tests'."""
    made = create_app(web_settings.model_copy(update={"login_attempts": 2}))
    yield made
    made.state.context.engine.dispose()


@pytest.fixture()
def limiter(app: FastAPI) -> LoginLimiter:
    """A fresh limiter for each test (2 failures per address and username)."""
    app.state.limiter = LoginLimiter(2)
    return app.state.limiter


def _account(app: FastAPI, prefix: str, role: str = "program_manager") -> str:
    """A new account of this test's own (signing it out touches no one else)."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    with app.state.context.transaction() as session:
        accounts.create_user(session, username=name, password=PASSWORD, role=role)
    return name


def _api_sign_in(client: TestClient, username: str, password: str) -> int:
    return client.post(f"{API}/tokens", json={"username": username, "password": password}
                       ).status_code


def _page_sign_in(client: TestClient, username: str, password: str) -> int:
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_of(client), "next": "/"},
                       follow_redirects=False).status_code


SIGN_IN = {"api": _api_sign_in, "page": _page_sign_in}


# --- the limiter -------------------------------------------------------------------------

def test_the_limiter_counts_a_username_in_its_stored_form() -> None:
    limiter = LoginLimiter(2)
    limiter.failed("192.0.2.1", "comprador\t")
    limiter.failed("192.0.2.1", "ＣＯＭＰＲＡＤＯＲ ")
    assert all(limiter.blocked("192.0.2.1", name) for name in [*VARIANTS, "comprador\t"])
    assert not limiter.blocked("192.0.2.1", "productor")
    limiter.succeeded("192.0.2.1", "Comprador")
    assert not limiter.blocked("192.0.2.1", "comprador")


@pytest.mark.parametrize("how", sorted(SIGN_IN))
@pytest.mark.parametrize("variant", VARIANTS, ids=ascii)
def test_every_variant_of_a_blocked_username_is_blocked(
        variant: str, how: str, app: FastAPI, limiter: LoginLimiter,
        web_demo: WebDemo) -> None:
    sign_in = SIGN_IN[how]
    app.state.limiter = LoginLimiter(1)
    account = web_demo.accounts["buyer"]
    client = TestClient(app)
    assert sign_in(client, account.username, "not-the-password") == 401
    assert sign_in(client, variant, account.password) == 429
    assert sign_in(client, account.username, account.password) == 429


def test_the_variants_are_the_account(app: FastAPI, limiter: LoginLimiter,
                                      web_demo: WebDemo) -> None:
    account = web_demo.accounts["buyer"]
    client = TestClient(app)
    for variant in VARIANTS:  # not blocked: each variant simply is the account
        assert _api_sign_in(client, variant, account.password) == 201, ascii(variant)


def test_rotating_addresses_meets_the_per_username_limit(app: FastAPI,
                                                         limiter: LoginLimiter,
                                                         web_demo: WebDemo) -> None:
    account = web_demo.accounts["buyer"]
    app.state.limiter = limiter = LoginLimiter(1)
    per_user = limiter.per_user
    for n in range(per_user):  # one failure per address: never the per-address limit
        client = TestClient(app, client=(f"198.51.100.{n + 1}", 40000))
        assert _api_sign_in(client, account.username, "not-the-password") == 401
    fresh = TestClient(app, client=("203.0.113.9", 40000))
    assert _api_sign_in(fresh, account.username, account.password) == 429
    other = web_demo.accounts["producer"]  # another account is not affected
    assert _api_sign_in(fresh, other.username, other.password) == 201


def _served(app: FastAPI) -> Any:
    """The application as ``escalera serve`` runs it (uvicorn's middleware included)."""
    config = uvicorn.Config(app, host="127.0.0.1", port=8000, **SERVER_OPTIONS)
    config.load()
    return config.loaded_app


def test_forwarded_for_from_loopback_is_not_trusted_by_default(
        app: FastAPI, limiter: LoginLimiter, web_demo: WebDemo) -> None:
    account = web_demo.accounts["buyer"]
    client = TestClient(_served(app), client=("127.0.0.1", 40000))
    statuses = [client.post(f"{API}/tokens", headers={
        "X-Forwarded-For": f"192.0.2.{n}", "Forwarded": f"for=192.0.2.{n}"}, json={
        "username": account.username, "password": "not-the-password"}).status_code
        for n in range(1, 5)]
    assert statuses == [401, 401, 429, 429]


@pytest.fixture()
def proxied(web_settings: Settings, web_demo: WebDemo) -> Iterator[FastAPI]:
    """An application behind a proxy on 127.0.0.1 (``ESCALERA_TRUSTED_PROXIES``)."""
    settings = web_settings.model_copy(update={
        "login_attempts": 2, "trusted_proxies": [ipaddress.ip_network("127.0.0.0/8")]})
    made = create_app(settings)
    yield made
    made.state.context.engine.dispose()


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded"])
def test_forwarded_for_is_honoured_from_a_configured_proxy(
        header: str, proxied: FastAPI, web_demo: WebDemo) -> None:
    account = web_demo.accounts["buyer"]
    client = TestClient(_served(proxied), client=("127.0.0.1", 40000))

    def sign_in(address: str, password: str) -> int:
        # what the client claims, then what the proxy appended: the proxy's entry counts
        value = (f"10.9.9.9, {address}" if header == "X-Forwarded-For"
                 else f'for=10.9.9.9, for="{address}:1234"')
        return client.post(f"{API}/tokens", headers={header: value}, json={
            "username": account.username, "password": password}).status_code

    assert [sign_in("192.0.2.1", "not-the-password") for _ in range(2)] == [401, 401]
    assert sign_in("192.0.2.1", account.password) == 429
    assert sign_in("192.0.2.2", account.password) == 201  # another client behind the proxy


def _address(peer: str, headers: dict[str, str]) -> str:
    request = Request({"type": "http", "client": (peer, 5000), "headers": [
        (name.lower().encode(), value.encode()) for name, value in headers.items()]})
    proxies = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("10.0.0.0/8"),
               ipaddress.ip_network("2001:db8::/32")]
    return client_address(request, proxies)


def test_the_client_address_behind_trusted_proxies() -> None:
    xff = {"X-Forwarded-For": "203.0.113.7, 198.51.100.2, 10.0.0.2"}
    assert _address("192.0.2.9", xff) == "192.0.2.9"  # not a proxy: the header is ignored
    assert _address("127.0.0.1", xff) == "198.51.100.2"  # the last hop not a proxy
    assert _address("::ffff:127.0.0.1", xff) == "198.51.100.2"  # dual-stack socket
    assert _address("127.0.0.1", {"X-Forwarded-For": "10.0.0.3, 10.0.0.2"}) == "10.0.0.3"
    assert _address("127.0.0.1", {}) == "127.0.0.1"
    assert _address("127.0.0.1", {"Forwarded": 'for="[2001:db8:cafe::17]:4711", '
                                               'for=198.51.100.4:80;proto=https'}) \
        == "198.51.100.4"
    assert _address("127.0.0.1", {"Forwarded": 'for=192.0.2.60;by=10.0.0.1, '
                                               'For="[2001:db8::1]"'}) == "192.0.2.60"
    both = {"X-Forwarded-For": "198.51.100.5", "Forwarded": "for=192.0.2.77"}
    assert _address("127.0.0.1", both) == "198.51.100.5"  # X-Forwarded-For first


# --- signing out -------------------------------------------------------------------------

def test_a_cookie_replayed_after_signing_out_is_refused(app: FastAPI,
                                                        limiter: LoginLimiter) -> None:
    name = _account(app, "salida")
    client = TestClient(app)
    assert _page_sign_in(client, name, PASSWORD) == 303
    cookie = client.cookies["escalera_session"]
    assert client.get(f"{API}/me").status_code == 200
    other = TestClient(app)  # a second session of the same account ("everywhere")
    assert _page_sign_in(other, name, PASSWORD) == 303
    out = client.post("/logout", data={"csrf_token": csrf_of(client)},
                      follow_redirects=False)
    assert out.status_code == 303
    replay = TestClient(app)
    replay.cookies.set("escalera_session", cookie)
    assert replay.get(f"{API}/me").status_code == 401
    page = replay.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert other.get(f"{API}/me").status_code == 401
    assert _page_sign_in(client, name, PASSWORD) == 303  # signing in again works
    assert client.get(f"{API}/me").status_code == 200


def test_changing_the_password_ends_the_sessions(app: FastAPI, limiter: LoginLimiter
                                                 ) -> None:
    name = _account(app, "cambio")
    client = TestClient(app, headers={"Accept-Language": "en"})
    assert _page_sign_in(client, name, PASSWORD) == 303
    cookie = client.cookies["escalera_session"]
    client.headers["X-CSRF-Token"] = csrf_of(client)
    change = f"{API}/me/password"
    weak = client.post(change, json={"current_password": PASSWORD,
                                     "new_password": f"{name}-2026"})
    assert weak.status_code == 400 and "username" in weak.json()["error"]["message"]
    wrong = client.post(change, json={"current_password": "not-the-password",
                                      "new_password": "cuatro perros en el tejado"})
    assert wrong.status_code == 400 and "current_password" in wrong.json()["error"]["message"]
    assert client.post(change, json={"current_password": PASSWORD,
                                     "new_password": "cuatro perros en el tejado"}
                       ).status_code == 204
    replay = TestClient(app)
    replay.cookies.set("escalera_session", cookie)
    assert replay.get(f"{API}/me").status_code == 401
    assert _page_sign_in(TestClient(app), name, PASSWORD) == 401
    assert _page_sign_in(TestClient(app), name, "cuatro perros en el tejado") == 303


# --- API tokens --------------------------------------------------------------------------

def _token(app: FastAPI, username: str, **extra: Any) -> dict[str, Any]:
    answer = TestClient(app).post(f"{API}/tokens", json={
        "username": username, "password": PASSWORD, "name": "script", **extra})
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


def _bearer(app: FastAPI, token: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {token}",
                                    "Accept-Language": "en"})


def test_an_expired_token_is_refused(app: FastAPI, limiter: LoginLimiter) -> None:
    name = _account(app, "caduca")
    made = _token(app, name, days=30)
    expires = dt.datetime.fromisoformat(made["expires_at"]).replace(tzinfo=None)  # UTC
    assert dt.timedelta(days=29) < expires - dt.datetime.now(dt.UTC).replace(tzinfo=None) \
        <= dt.timedelta(days=30)
    assert _bearer(app, made["token"]).get(f"{API}/me").status_code == 200
    with app.state.context.transaction() as session:
        session.execute(update(ApiTokenRow).where(ApiTokenRow.id == made["id"]).values(
            expires_at=dt.datetime(2020, 1, 1)))
    refused = _bearer(app, made["token"]).get(f"{API}/me")
    assert refused.status_code == 401
    assert "expired" in refused.json()["error"]["message"]
    too_long = TestClient(app).post(f"{API}/tokens", json={
        "username": name, "password": PASSWORD, "days": 10_000})
    assert too_long.status_code == 422


def test_tokens_are_listed_and_revoked(app: FastAPI, limiter: LoginLimiter) -> None:
    name, stranger = _account(app, "revoca"), _account(app, "ajeno")
    made = _token(app, name)
    mine = _bearer(app, made["token"])
    listed = mine.get(f"{API}/tokens").json()["items"]
    assert [t["id"] for t in listed] == [made["id"]]
    assert not {"token", "token_hash"} & set(listed[0])
    other = _token(app, stranger)
    assert mine.delete(f"{API}/tokens/{other['id']}").status_code == 403
    assert mine.delete(f"{API}/tokens/999999999").status_code == 404
    assert _bearer(app, other["token"]).delete(
        f"{API}/tokens/{other['id']}").status_code == 204
    refused = _bearer(app, other["token"]).get(f"{API}/me")
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]["message"]
    assert mine.get(f"{API}/me").status_code == 200
    audit = mine.get(f"{API}/audit", params={"entity": "api_token",
                                              "actor": stranger}).json()["items"]
    assert [a["action"] for a in audit] == ["revoke", "create"]
    # an admin lists and revokes another account's tokens; others may not list them
    assert mine.get(f"{API}/tokens", params={"username": stranger}).status_code == 403
    second = _token(app, stranger)
    admin = _bearer(app, _token(app, _account(app, "jefa", "admin"))["token"])
    theirs = admin.get(f"{API}/tokens", params={"username": stranger}).json()["items"]
    assert [(t["id"], t["state"]) for t in theirs] == [(second["id"], "active"),
                                                       (other["id"], "revoked")]
    assert admin.delete(f"{API}/tokens/{second['id']}").status_code == 204
    assert _bearer(app, second["token"]).get(f"{API}/me").status_code == 401


def test_a_token_read_writes_last_used_at_at_most_once_a_minute(
        app: FastAPI, limiter: LoginLimiter) -> None:
    made = _token(app, _account(app, "lectura"))
    client = _bearer(app, made["token"])
    engine = app.state.context.engine
    writes: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE API_TOKENS"):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(f"{API}/me").status_code == 200  # first use: written
        assert len(writes) == 1
        for _ in range(3):
            assert client.get(f"{API}/me").status_code == 200
        assert len(writes) == 1  # within a minute: no write
        with app.state.context.transaction() as session:
            session.execute(update(ApiTokenRow).where(ApiTokenRow.id == made["id"]).values(
                last_used_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)
                - dt.timedelta(minutes=2)))
        writes.clear()
        assert client.get(f"{API}/me").status_code == 200
        assert len(writes) == 1  # older than a minute: written again
    finally:
        event.remove(engine, "before_cursor_execute", count)
    with app.state.context.transaction() as session:
        used = session.scalar(select(ApiTokenRow.last_used_at).where(
            ApiTokenRow.id == made["id"]))
    assert used is not None and dt.datetime.now(dt.UTC).replace(tzinfo=None) - used < \
        dt.timedelta(minutes=1)


def test_the_tokens_page(app: FastAPI, limiter: LoginLimiter) -> None:
    name = _account(app, "pagina")
    client = TestClient(app)
    assert _page_sign_in(client, name, PASSWORD) == 303
    assert client.get("/tokens").status_code == 200
    wrong = client.post("/tokens", data={"name": "nocturno", "days": "30",
                                         "password": "not-the-password",
                                         "csrf_token": csrf_of(client)})
    assert wrong.status_code == 401
    made = client.post("/tokens", data={"name": "nocturno", "days": "30",
                                        "password": PASSWORD, "csrf_token": csrf_of(client)})
    assert made.status_code == 201
    token = made.text.split('id="new-token">', 1)[1].split("<", 1)[0]
    assert token.startswith("esc_")
    assert _bearer(app, token).get(f"{API}/me").json()["username"] == name
    page = client.get("/tokens").text
    assert "nocturno" in page and token not in page  # shown once
    with app.state.context.transaction() as session:
        token_id = session.scalar(select(ApiTokenRow.id).where(ApiTokenRow.name == "nocturno")
                                  .order_by(ApiTokenRow.id.desc()))
    revoked = client.post(f"/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(client)},
                          follow_redirects=False)
    assert revoked.status_code == 303
    assert _bearer(app, token).get(f"{API}/me").status_code == 401
    anonymous = TestClient(app).get("/tokens", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


# --- passwords ---------------------------------------------------------------------------

WEAK = ["password", "12345678", " " * 8, " " * 12, "password1234", "qwertyuiop123",
        "{username}", "{username}-{username}", "La-{username}-2026"]


def test_admins_cannot_set_a_weak_password(app: FastAPI, limiter: LoginLimiter) -> None:
    admin = _bearer(app, _token(app, _account(app, "gestor", "admin"))["token"])
    username = f"debil{uuid.uuid4().hex[:6]}"
    for password in WEAK:
        answer = admin.post(f"{API}/users", json={
            "username": username, "password": password.format(username=username),
            "role": "admin"})
        assert answer.status_code in (400, 422), (password, answer.text)
        assert answer.json()["error"]["message"]
    assert admin.post(f"{API}/users", json={"username": username, "password": PASSWORD,
                                            "role": "admin"}).status_code == 201
