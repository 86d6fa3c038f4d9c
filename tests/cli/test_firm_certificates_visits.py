"""``escalera firm certificates|visits`` and the new ``firm show`` sections and JSON keys."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from escalera.cli.main import app
from escalera.config import Settings
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.services.context import AppContext
from escalera.store.evidence import insert_assessment
from escalera.store.firms import insert_firms

M, P = ItemKind.METRIC, ItemKind.PRACTICE
TALLER, HOST = firm_id_from_int(4243), firm_id_from_int(4244)
TIER_3 = {(M, "on_time_delivery_pct"): 86.0, (M, "defect_rate_pct"): 4.5,
          (M, "turnaround_days"): 21.0, (M, "lead_time_days"): 70.0,
          (P, "final_inspection"): 1.0, (P, "production_planning"): 1.0,
          (P, "separate_business_accounts"): 1.0}


@pytest.fixture()
def seeded(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A Tehuacán workshop at tier 3 since March 2025 and a host in Ajalpan."""
    url = fresh_database_url
    monkeypatch.setenv("ESCALERA_DATABASE_URL", url)
    context = AppContext(Settings(database_url=url))
    with context.transaction() as session:
        insert_firms(session, [
            Firm(id=TALLER, name="Taller Doña Ñeli", roles=(Role.CONTRACTOR,), state="Puebla",
                 municipality="Tehuacán", products=("jeans",)),
            Firm(id=HOST, name="Confecciones Ajalpan", roles=(Role.MANUFACTURER,),
                 state="Puebla", municipality="Ajalpan", products=("jeans", "shirts"),
                 hosts_visits=True)])
        insert_assessment(session, public_id="A-1", firm_id=TALLER, stage=Stage.DIAGNOSTIC,
                          assessed_on=dt.date(2025, 3, 1), assessor="Ing. Ruiz", values=TIER_3)
        insert_assessment(session, public_id="A-H", firm_id=HOST, stage=Stage.DIAGNOSTIC,
                          assessed_on=dt.date(2026, 1, 10), assessor="Ing. Ruiz", values={
                              (P, "final_inspection"): 3.0, (M, "defect_rate_pct"): 2.0})
    yield url
    context.engine.dispose()


def _json(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert isinstance(data, dict)
    return data


def test_certificates_json_valid_then_expired(seeded: str) -> None:
    data = _json("firm", "certificates", TALLER, "--on", "2026-06-01")
    tiers = data["certificates"]["buyer_tiers"]  # type: ignore[index]
    assert tiers["certified_level"] == "tier_3"
    [cert] = tiers["certificates"]
    assert cert["status"] == "valid" and cert["valid_until"] == "2027-02-28"
    assert (cert["assessment_id"], cert["standard_version"]) == ("A-1", "2024.1")
    later = _json("firm", "certificates", TALLER, "--on", "2027-03-01")
    tiers = later["certificates"]["buyer_tiers"]  # type: ignore[index]
    assert tiers["certified_level"] is None and tiers["expired_levels"] == ["tier_3"]
    assert tiers["certificates"][0]["status"] == "expired"


def test_visits_json_explains_the_host(seeded: str) -> None:
    data = _json("firm", "visits", TALLER, "--on", "2026-06-01")
    [visit] = data["visits"]  # type: ignore[misc]
    assert visit["host_id"] == HOST and visit["shared_products"] == ["jeans"]
    assert visit["chosen_for"]["item"] == "final_inspection"
    assert {c["item"] for c in visit["covers"]} == {"final_inspection", "defect_rate_pct"}
    assert visit["covers"][0]["host_value"] == 3.0 and visit["covers"][0]["required"] == 2.0
    assert 5 < visit["distance_km"] < 30
    assert data["gaps"][0]["item"] in {"final_inspection", "production_planning"}  # type: ignore[index]


def test_show_json_keeps_its_keys_and_adds_certificates_and_visits(seeded: str) -> None:
    data = _json("firm", "show", TALLER, "--on", "2026-06-01")
    assert {"firm", "on", "ladders", "segments", "links"} <= data.keys()
    assert data["ladders"]["buyer_tiers"]["level"] == "tier_3"  # type: ignore[index]
    assert data["certificates"]["buyer_tiers"]["certified_level"] == "tier_3"  # type: ignore[index]
    assert [v["host_id"] for v in data["visits"]] == [HOST]  # type: ignore[attr-defined]


def test_human_output_in_both_languages(seeded: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps tables to the terminal
    es = CliRunner().invoke(app, ["firm", "show", TALLER, "--on", "2027-03-01"])
    en = CliRunner().invoke(app, ["--lang", "en", "firm", "show", TALLER, "--on", "2026-06-01"])
    assert es.exit_code == 0 and en.exit_code == 0, es.output + en.output
    assert "Constancias de nivel" in es.output and "vencida" in es.output
    assert "Level certificates" in en.output and "valid" in en.output
    visits = CliRunner().invoke(app, ["firm", "visits", TALLER, "--on", "2026-06-01"])
    assert visits.exit_code == 0, visits.output
    assert "Visitas de aprendizaje recomendadas" in visits.output
    assert "Confecciones Ajalpan" in visits.output and "productos en común" in visits.output
    certs = CliRunner().invoke(app, ["--lang", "en", "firm", "certificates", TALLER,
                                     "--on", "2026-06-01"])
    assert certs.exit_code == 0 and "Certified level: Tier 3" in certs.output, certs.output


def test_host_without_gaps_or_unknown_firm(seeded: str) -> None:
    result = CliRunner().invoke(app, ["--lang", "en", "firm", "visits", HOST,
                                      "--on", "2026-06-01"])
    assert result.exit_code == 0, result.output
    assert "No host firm" in result.output or "No unmet requirement" in result.output
    missing = CliRunner().invoke(app, ["firm", "visits", firm_id_from_int(77)])
    assert missing.exit_code == 1
