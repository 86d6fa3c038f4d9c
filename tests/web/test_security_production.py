"""Production refuses to run unsafely: ``escalera demo`` refuses ESCALERA_ENV=production, a
weak secret key is refused and never echoed, the API's documentation needs sign-in there,
timestamps carry their UTC offset, and a record that exists but is not the viewer's is
always 403 (a missing one 404)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from typer.testing import CliRunner

from escalera.cli.demo_cmd import DemoRefused
from escalera.cli.main import app as cli
from escalera.config import Settings, load_settings, secret_weakness
from escalera.domain.ids import firm_id_from_int
from escalera.errors import ConfigError
from escalera.web.app import create_app
from tests.web.conftest import ClientFor, TestClient, WebDemo

API = "/api/v1"
STRONG = "kQ7v-N2pZ_x9LwR4tY8mB3cJ6hF1sD5gA0eU"
WEAK = ("a" * 16, "a" * 40, "abcd" * 10, "0123456789abcdef" * 2, "Tr0ub4dor&3-short",
        "ab" * 20 + "c")


def test_the_demo_refuses_production(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "prod.db"
    monkeypatch.setenv("ESCALERA_ENV", "production")
    monkeypatch.setenv("ESCALERA_SECRET_KEY", STRONG)
    monkeypatch.setenv("ESCALERA_DATABASE_URL", f"sqlite:///{database}")
    result = CliRunner().invoke(cli, ["--lang", "en", "demo", "--no-serve", "--firms", "50"])
    assert result.exit_code != 0
    assert isinstance(result.exception, DemoRefused), result.output
    assert "ESCALERA_ENV=production" in str(result.exception)
    assert not database.exists()  # nothing written, not even the schema


@pytest.mark.parametrize("secret", WEAK)
def test_a_weak_secret_is_refused_in_production_and_never_echoed(
        secret: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALERA_ENV", "production")
    monkeypatch.setenv("ESCALERA_SECRET_KEY", secret)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    message = str(refused.value)
    assert "ESCALERA_SECRET_KEY" in message
    assert secret not in message and secret[:12] not in message
    with pytest.raises(ValidationError) as direct:  # built in code, not from the environment
        Settings(env="production", secret_key=secret)
    assert secret[:12] not in str(direct.value)
    monkeypatch.setenv("ESCALERA_ENV", "development")  # development keeps any 16+ key
    assert load_settings().secret_key == secret


def test_a_long_random_secret_is_accepted() -> None:
    assert secret_weakness(STRONG) == ""
    assert secret_weakness("3f9c2a7e81d04b6f95e3c1a8d7b2e4f0") == ""  # token_hex(16)
    assert Settings(env="production", secret_key=STRONG).secret_key == STRONG


def _production(settings: Settings, **changes: Any) -> FastAPI:
    return create_app(settings.model_copy(update={"env": "production", "secret_key": STRONG,
                                                  **changes}))


def test_the_api_docs_need_sign_in_in_production(
        web_settings: Settings, web_demo: WebDemo, api_token: Callable[[str], str]) -> None:
    app = _production(web_settings)
    anonymous = TestClient(app, base_url="https://testserver")
    for path in ("/openapi.json", "/api/docs"):
        assert anonymous.get(path).status_code == 401, path
    signed = TestClient(app, base_url="https://testserver",
                        headers={"Authorization": f"Bearer {api_token('buyer')}"})
    assert "/api/v1/assessments" in signed.get("/openapi.json").json()["paths"]
    assert "swagger" in signed.get("/api/docs").text.lower()
    public = TestClient(_production(web_settings, public_api_docs=True),
                        base_url="https://testserver")
    assert public.get("/api/docs").status_code == 200  # (development: test_schemathesis)


ISO_DATETIME = re.compile(r'"(\d{4}-\d\d-\d\dT\d\d:\d\d[^"]*)"')
OFFSET = re.compile(r"(Z|[+-]\d\d:\d\d)$")


def test_timestamps_carry_their_utc_offset(
        web_app: FastAPI, web_demo: WebDemo, api_token: Callable[[str], str]) -> None:
    admin = TestClient(web_app, headers={"Authorization": f"Bearer {api_token('admin')}"})
    made = admin.post(f"{API}/assessments", json={"firm_id": web_demo.firm_id,
                                                   "stage": "random_inspection",
                                                   "values": {"practice": {
                                                       "final_inspection": 2}}})
    assert made.status_code == 201, made.text
    admin.post(f"{API}/assessments/{made.json()['id']}/submit")
    paths = [f"/assessments/{made.json()['id']}", "/audit", "/users", "/tokens", "/me",
             "/match/runs/M-000001", "/orders", f"/firms/{web_demo.firm_id}/shares",
             f"/firms/{web_demo.firm_id}/inspection-streams",
             f"/firms/{web_demo.firm_id}/assessments"]
    seen = []
    for path in paths:
        answer = admin.get(API + path)
        assert answer.status_code == 200, (path, answer.text[:200])
        stamps = ISO_DATETIME.findall(answer.text)
        seen += stamps
        naive = [s for s in stamps if not OFFSET.search(s)]
        assert not naive, (path, naive[:3])
    assert seen  # the history, the audit log and the accounts have some


# One answer for records that exist but are not the viewer's: 403 (after the existence
# check: a missing record is 404 for everyone). Each line: a path about the demo producer's
# firm F, and the same path about a record that does not exist.
MISSING_FIRM = firm_id_from_int(999_999)
OWNED: dict[str, tuple[str, str]] = {
    "assessment": ("/assessments/{final}", "/assessments/A-19990101-00000001"),
    "assessment (page)": ("/assessments/{final}", "/assessments/A-19990101-00000001"),
    "firm's assessments": ("/firms/{firm}/assessments", f"/firms/{MISSING_FIRM}/assessments"),
    "assessment plan": ("/firms/{firm}/assessment-plan",
                        f"/firms/{MISSING_FIRM}/assessment-plan"),
    "inspection streams": ("/firms/{firm}/inspection-streams",
                           f"/firms/{MISSING_FIRM}/inspection-streams"),
    "learning visits": ("/firms/{firm}/visits", f"/firms/{MISSING_FIRM}/visits"),
    "data shares": ("/firms/{firm}/shares", f"/firms/{MISSING_FIRM}/shares"),
    "firm benchmark": ("/firms/{firm}/benchmark", f"/firms/{MISSING_FIRM}/benchmark"),
}


@pytest.fixture(scope="module")
def final_of_f(web_app: FastAPI, web_demo: WebDemo) -> str:
    """A final assessment of firm F (the demo's own)."""
    from escalera.services import assessments as svc

    with web_app.state.context.transaction() as session:
        frame = svc.firm_file(session, web_demo.firm_id)
    return str(frame.filter(frame["status"] == "final")["assessment_id"][0])


@pytest.mark.parametrize("kind", sorted(OWNED))
def test_a_record_of_another_firm_is_403_and_a_missing_one_404(
        kind: str, final_of_f: str, web_demo: WebDemo, client_for: ClientFor,
        api_token: Callable[[str], str], web_app: FastAPI) -> None:
    theirs, missing = (p.format(final=final_of_f, firm=web_demo.firm_id)
                       for p in OWNED[kind])
    if kind.endswith("(page)"):
        other, own = client_for("producer_other"), client_for("producer")
        html = {"accept": "text/html"}
        assert own.get(theirs, headers=html).status_code == 200
        assert other.get(theirs, headers=html).status_code == 403
        assert own.get(missing, headers=html).status_code == 404
        assert other.get(missing, headers=html).status_code == 404
        return
    def as_(role: str) -> TestClient:
        return TestClient(web_app, headers={"Authorization": f"Bearer {api_token(role)}"})

    assert as_("producer").get(API + theirs).status_code == 200, kind
    for role in ("producer_other", "assessor_other", "buyer"):
        answer = as_(role).get(API + theirs)
        assert answer.status_code == 403, (kind, role, answer.status_code)
        assert answer.json()["error"]["code"] == "forbidden"
    for role in ("producer", "producer_other", "admin"):
        answer = as_(role).get(API + missing)
        assert answer.status_code == 404, (kind, role, answer.status_code, answer.text[:200])
        assert answer.json()["error"]["code"] == "not_found"
