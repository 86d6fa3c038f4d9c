"""Security settings of the web application: the default secret outside development, login
rate limiting, session cookie flags, CSRF on the sign-in form."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from escalera.config import DEV_SECRET, Settings, load_settings
from escalera.errors import ConfigError
from escalera.web.app import create_app
from tests.web.conftest import WebDemo


def test_production_refuses_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALERA_ENV", "production")
    monkeypatch.delenv("ESCALERA_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="ESCALERA_SECRET_KEY"):
        load_settings()
    strong = "kQ7v-N2pZ_x9LwR4tY8mB3cJ6hF1sD5gA0eU"  # "x" * 40 is refused as not random
    monkeypatch.setenv("ESCALERA_SECRET_KEY", strong)
    assert load_settings().secret_key == strong
    monkeypatch.setenv("ESCALERA_ENV", "development")
    monkeypatch.delenv("ESCALERA_SECRET_KEY")
    assert load_settings().secret_key == DEV_SECRET


def test_failed_sign_ins_are_limited_per_user(web_settings: Settings,
                                              web_demo: WebDemo) -> None:
    app = create_app(web_settings.model_copy(update={"login_attempts": 2}))
    client = TestClient(app)
    account = web_demo.accounts["buyer"]
    wrong = {"username": account.username, "password": "not-the-password"}
    assert [client.post("/api/v1/tokens", json=wrong).status_code for _ in range(2)] == \
        [401, 401]
    right = {"username": account.username, "password": account.password}
    blocked = client.post("/api/v1/tokens", json=right)
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "too_many_requests"
    other = web_demo.accounts["producer"]
    assert client.post("/api/v1/tokens", json={"username": other.username,
                                               "password": other.password}).status_code == 201


@pytest.mark.parametrize(("env", "secure"), [("production", True), ("development", False)])
def test_session_cookie_flags(env: str, secure: bool, web_settings: Settings) -> None:
    settings = web_settings.model_copy(update={"env": env, "secret_key": "s" * 40})
    answer = TestClient(create_app(settings)).get("/login")
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert ("secure" in cookie.split(";")[-1] or "; secure" in cookie) is secure


def test_sign_in_without_the_form_token_is_refused(web_settings: Settings,
                                                   web_demo: WebDemo) -> None:
    client = TestClient(create_app(web_settings))
    account = web_demo.accounts["admin"]
    answer = client.post("/login", data={"username": account.username,
                                         "password": account.password, "csrf_token": "x"},
                         follow_redirects=False)
    assert answer.status_code == 403
    assert "escalera_session" not in answer.headers.get("set-cookie", "") or \
        client.get("/api/v1/me").status_code == 401
