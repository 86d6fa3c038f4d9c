"""``escalera order add|import`` and ``match run --orders`` keep the order bounds: an order
due in year 3000, or with 67 million units, is a one-line error naming the field (a file:
each problem's row, column and reason) and nothing is stored."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.cli.test_match_cli import HEADER, ON, START, counts, fails, invoke, registry

__all__ = ["registry"]  # the fixture, used by name


def test_order_add_refuses_a_due_date_beyond_the_horizon(
        registry: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    err = fails(monkeypatch, capsys, "order", "add", "--id", "P-FAR", "--product", "jeans",
                "--quantity", "67000000", "--ladder", "buyer_tiers", "--level", "tier_2",
                "--order-date", str(START), "--due-date", "3000-01-01", "--price", "10")
    assert "P-FAR" in err and "due_date:" in err and "planning horizon" in err
    assert "quantity: 67000000 is more than the 10000000 allowed" in err
    assert counts(registry) == (0, 0)


@pytest.mark.parametrize("command", [("order", "import"), ("match", "run", "--on", ON)])
def test_a_file_with_a_far_order_names_row_and_column(
        registry: str, tmp_path: Path, command: tuple[str, ...]) -> None:
    due = START + dt.timedelta(days=27)
    path = tmp_path / "pedidos.csv"
    path.write_text(f"{HEADER}\nF-1,jeans,500,buyer_tiers,tier_2,{START},{due},100\n"
                    f"F-2,jeans,500,buyer_tiers,tier_2,{START},6758-01-01,100\n",
                    encoding="utf-8")
    args = (*command[:2], *(["--orders"] if command[0] == "match" else []), str(path),
            *command[2:])
    result = invoke(*args)  # the error itself: the console script prints it
    assert result.exit_code == 1
    assert "pedidos.csv:3: fecha de entrega: the due date 6758-01-01" in str(result.exception)
    assert counts(registry) == (0, 0)
