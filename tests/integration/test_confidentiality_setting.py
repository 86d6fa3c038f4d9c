"""``ESCALERA_MIN_GROUP_SIZE``: one setting for every output; never below 3."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from tests.conftest import Seeder
from tests.integration.test_ladder_stats import seed
from typer.testing import CliRunner

from escalera.cli.main import app
from escalera.config import Settings, load_settings
from escalera.domain.catalog_model import Catalog
from escalera.errors import ConfigError


def test_the_default_is_five_and_below_three_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().min_group_size == 5
    monkeypatch.setenv("ESCALERA_MIN_GROUP_SIZE", "3")
    assert load_settings().min_group_size == 3
    monkeypatch.setenv("ESCALERA_MIN_GROUP_SIZE", "2")
    with pytest.raises(ConfigError, match=r"ESCALERA_MIN_GROUP_SIZE='2'.* 3\b"):
        load_settings()


@pytest.fixture()
def seeded_url(seeded_database: Callable[[Seeder], str], catalog: Catalog) -> str:
    return seeded_database(lambda session: seed(session, catalog))


# Puebla holds 6 firms, Yucatán 4, Jalisco 1. k = 3: Jalisco is hidden, and Yucatán with it
# (one hidden cell would follow from the total); k = 6: Yucatán and Jalisco hold 5 firms
# together, fewer than k, so the total minus Puebla would show a group under k: Puebla is
# hidden too (complementary suppression, docs/confidentiality.md).
@pytest.mark.parametrize(("k", "regions"), [("3", ["Puebla"]), ("6", []), ("7", [])])
def test_ladder_stats_follow_the_setting(seeded_url: str, monkeypatch: pytest.MonkeyPatch,
                                         k: str, regions: list[str]) -> None:
    monkeypatch.setenv("ESCALERA_MIN_GROUP_SIZE", k)
    result = CliRunner().invoke(app, ["ladder", "stats", "--on", "2026-06-01", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data["by_group"]["region"]) == regions
    assert data["min_group_size"] == int(k)


def test_a_bad_setting_is_one_clear_error(seeded_url: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALERA_MIN_GROUP_SIZE", "1")
    result = CliRunner().invoke(app, ["ladder", "stats", "--json"])
    assert result.exit_code != 0
