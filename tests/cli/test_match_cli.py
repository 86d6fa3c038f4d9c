"""``escalera order import|add|list`` and ``escalera match run|show|accept`` against a
database holding the hand-built matchmaking registry: JSON shapes, exports that hold the
rows, accepted runs, one-line errors with exit code 1 and nothing stored; and the demo's
matchmaking summary."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from escalera.cli.main import app, run
from escalera.config import Settings
from escalera.services.context import AppContext
from escalera.store.tables import MatchRunRow, OrderRow
from tests.conftest import Seeder
from tests.matching_registry import ALFA, BETA, GAMA, seed

# Orders may not be due in the past, so dates follow today: the registry is assessed ten
# days ago, and orders run over the first 27 days of the month after next (all one month).
TODAY = dt.date.today()
ON = TODAY.isoformat()
START = (TODAY.replace(day=1) + dt.timedelta(days=62)).replace(day=1)
DUE = START + dt.timedelta(days=27)
HEADER = "pedido,producto,cantidad,escalera,nivel,fecha de pedido,fecha de entrega,precio"
FEB_JEANS = "jeans,{qty},buyer_tiers,tier_2," + f"{START},{DUE},100"


@pytest.fixture()
def registry(seeded_database: Callable[[Seeder], str]) -> str:
    return seeded_database(lambda session: seed(session, TODAY - dt.timedelta(days=10)))


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["--lang", "en", *args])


def ok_json(*args: str) -> Any:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)


def fails(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
          *args: str) -> str:
    """Run the console script; it must exit 1 with one line on stderr, returned."""
    monkeypatch.setattr(sys, "argv", ["escalera", "--lang", "en", *args])
    with pytest.raises(SystemExit) as exited:
        run()
    err = capsys.readouterr().err.strip()
    assert exited.value.code == 1, err
    assert err.startswith("Error:") and "\n" not in err, err
    return err


def counts(url: str) -> tuple[int, int]:
    context = AppContext(Settings(database_url=url))
    try:
        with context.transaction() as session:
            return (session.scalar(select(func.count()).select_from(OrderRow)) or 0,
                    session.scalar(select(func.count()).select_from(MatchRunRow)) or 0)
    finally:
        context.engine.dispose()


def orders_file(tmp_path: Path, *rows: str, name: str = "pedidos.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_add_list(registry: str, tmp_path: Path) -> None:
    path = orders_file(tmp_path, "P-1," + FEB_JEANS.format(qty=1200),
                       "P-2," + FEB_JEANS.format(qty=300))
    assert ok_json("order", "import", str(path)) == {"imported": 2, "orders": ["P-1", "P-2"]}
    added = ok_json("order", "add", "--id", "P-17", "--product", "uniforms", "--quantity",
                    "900", "--segment", "smaller_us_chains", "--order-date", str(START),
                    "--due-date", str(DUE + dt.timedelta(days=20)), "--price", "165",
                    "--max-producers", "4", "--min-share", "0.1", "--no-split", "--buyer",
                    "Cadena del Norte")
    assert (added["id"], added["quantity"], added["segment"], added["splittable"],
            added["min_share"], added["max_producers"]) == ("P-17", 900, "smaller_us_chains",
                                                            False, 0.1, 4)
    listed = ok_json("order", "list")
    assert {o["id"]: (o["quantity"], o["status"]) for o in listed} == {
        "P-1": (1200, "open"), "P-2": (300, "open"), "P-17": (900, "open")}
    assert counts(registry) == (3, 0)
    # the same ids again: refused, nothing more stored
    again = invoke("order", "import", str(path))
    assert again.exit_code == 1 and "P-1" in str(again.exception)
    assert counts(registry) == (3, 0)


def test_run_show_export_accept(registry: str, tmp_path: Path) -> None:
    ok_json("order", "import", str(orders_file(tmp_path, "P-1," + FEB_JEANS.format(qty=1800),
                                               "P-BIG," + FEB_JEANS.format(qty=9000))))
    data = ok_json("match", "run", "--on", ON, "--time-limit", "10")
    assert {"run", "state", "status", "objective", "bound", "gap", "seconds",
            "greedy_objective", "quantity", "filled", "orders"} <= set(data)
    assert data["state"] == "proposed" and data["run"].startswith("M-")
    assert data["objective"] >= data["greedy_objective"] - 1e-9
    assert data["quantity"] == 10_800 and data["filled"] == sum(
        o["filled"] for o in data["orders"]) <= 1800  # Alfa and Beta's February
    orders = {o["order"]: o for o in data["orders"]}
    assert set(orders) == {"P-1", "P-BIG"}
    for o in data["orders"]:
        assert {"order", "quantity", "filled", "fill_rate", "allocations", "explanations",
                "delivery_days", "time_to_market"} <= set(o)
        assert o["filled"] == sum(a["units"] for a in o["allocations"])
        for a in o["allocations"]:
            assert {"firm_id", "channel", "units", "unit_cost", "delivery_days",
                    "financing_need", "financing_cost", "working_capital",
                    "credit_candidate"} <= set(a)
            assert a["firm_id"] in {ALFA, BETA}
        for e in o["explanations"]:
            assert set(e) >= {"code", "params", "firm_id", "text"} and e["text"]
    unfilled = [o for o in data["orders"] if o["filled"] < o["quantity"]]
    assert unfilled and all(o["explanations"] for o in unfilled)
    assert any(e["firm_id"] == GAMA for o in unfilled for e in o["explanations"])

    run_id = data["run"]
    shown = ok_json("match", "show", run_id)
    assert {k: v for k, v in shown.items() if k != "exported"} == {
        k: v for k, v in data.items() if k != "exported"}

    allocations = [(o["order"], a["firm_id"], a["units"]) for o in data["orders"]
                   for a in o["allocations"]]
    assert allocations
    as_json = tmp_path / "out.json"
    assert ok_json("match", "show", run_id, "--export", str(as_json))["exported"] == [
        str(as_json)]
    exported = json.loads(as_json.read_text(encoding="utf-8"))
    assert exported["run"] == run_id and len(exported["orders"]) == 2

    as_xlsx = tmp_path / "out.xlsx"
    invoke("match", "show", run_id, "--export", str(as_xlsx))
    book = load_workbook(as_xlsx, read_only=True)
    sheets = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    book.close()
    assert set(sheets) == {"orders", "allocations"}
    order_rows = [dict(zip(sheets["orders"][0], r, strict=True)) for r in sheets["orders"][1:]]
    assert {(r["order"], r["filled"]) for r in order_rows} == {
        (o["order"], o["filled"]) for o in data["orders"]}
    alloc_rows = [dict(zip(sheets["allocations"][0], r, strict=True))
                  for r in sheets["allocations"][1:]]
    assert sorted((r["order"], r["firm_id"], r["units"]) for r in alloc_rows) == sorted(
        allocations)

    as_csv = tmp_path / "out.csv"
    result = invoke("match", "show", run_id, "--export", str(as_csv))
    assert result.exit_code == 0, result.output
    with as_csv.open(encoding="utf-8-sig", newline="") as handle:
        csv_orders = list(csv.DictReader(handle))
    with (tmp_path / "out-allocations.csv").open(encoding="utf-8-sig", newline="") as handle:
        csv_allocations = list(csv.DictReader(handle))
    assert {(r["order"], int(r["filled"])) for r in csv_orders} == {
        (o["order"], o["filled"]) for o in data["orders"]}
    assert sorted((r["order"], r["firm_id"], int(r["units"])) for r in csv_allocations) == \
        sorted(allocations)

    accepted = ok_json("match", "accept", run_id)
    assert accepted["state"] == "accepted" and accepted["run"] == run_id
    statuses = {o["id"]: o["status"] for o in ok_json("order", "list", "--status", "all")}
    placed = {o["order"] for o in data["orders"] if o["filled"] > 0}
    assert {k for k, v in statuses.items() if v == "allocated"} == placed
    twice = invoke("match", "accept", run_id)
    assert twice.exit_code == 1 and "accepted" in str(twice.exception)


def test_run_over_an_orders_file_stores_them(registry: str, tmp_path: Path) -> None:
    path = orders_file(tmp_path, "F-1," + FEB_JEANS.format(qty=500))
    data = ok_json("match", "run", "--orders", str(path), "--on", ON, "--time-limit", "10")
    (o,) = data["orders"]
    assert (o["order"], o["filled"]) == ("F-1", 500)
    assert [x["id"] for x in ok_json("order", "list")] == ["F-1"]
    assert counts(registry) == (1, 1)


def test_text_output_in_spanish(registry: str, tmp_path: Path) -> None:
    path = orders_file(tmp_path, "F-1," + FEB_JEANS.format(qty=9000))
    result = CliRunner().invoke(app, ["--lang", "es", "match", "run", "--orders", str(path),
                                      "--on", ON, "--time-limit", "10"])
    assert result.exit_code == 0, result.output
    assert "F-1" in result.output and "Nivel 2" in result.output  # Gama's blocker, worded


@pytest.mark.parametrize(("weight", "needle"), [("fill=-1", "fill"), ("speed=3", "speed"),
                                                ("cost=mucho", "mucho"), ("fill", "fill")])
def test_bad_weights_are_one_line_and_run_nothing(registry: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str],
                                                  weight: str, needle: str) -> None:
    path = orders_file(tmp_path, "F-1," + FEB_JEANS.format(qty=500))
    err = fails(monkeypatch, capsys, "match", "run", "--orders", str(path), "--on", ON,
                "--weight", weight)
    assert needle in err
    assert counts(registry) == (0, 0)


def test_orders_file_with_a_bad_date_names_row_and_column(registry: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    path = orders_file(tmp_path, "F-1," + FEB_JEANS.format(qty=500),
                       f"F-2,jeans,500,buyer_tiers,tier_2,{START},30/02/2027,100")
    for command in (("order", "import", str(path)),
                    ("match", "run", "--orders", str(path), "--on", ON)):
        monkeypatch.setattr(sys, "argv", ["escalera", "--lang", "en", *command])
        with pytest.raises(SystemExit) as exited:
            run()
        err = capsys.readouterr().err
        assert exited.value.code == 1, err
        assert "pedidos.csv:3: fecha de entrega: '30/02/2027'" in err
        assert "pedidos.csv:2" not in err  # the good row is not blamed
    assert counts(registry) == (0, 0)


def test_an_order_for_an_unknown_level_stores_nothing(registry: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    err = fails(monkeypatch, capsys, "order", "add", "--id", "P-9", "--product", "jeans",
                "--quantity", "10", "--ladder", "buyer_tiers", "--level", "tier_9",
                "--order-date", str(START), "--due-date", str(DUE), "--price", "10")
    assert "'tier_9'" in err and "tier_2" in err
    path = orders_file(tmp_path, "F-1," + FEB_JEANS.format(qty=500),
                       f"F-2,jeans,500,buyer_tiers,tier_9,{START},{DUE},100")
    err = fails(monkeypatch, capsys, "match", "run", "--orders", str(path), "--on", ON)
    assert "F-2" in err and "'tier_9'" in err
    assert counts(registry) == (0, 0)


def test_importing_an_order_for_an_unknown_level_is_refused(registry: str, tmp_path: Path
                                                            ) -> None:
    """Stored, such an order would make every later run over the open orders fail."""
    path = orders_file(tmp_path, "F-1," + FEB_JEANS.format(qty=500),
                       f"F-2,jeans,500,buyer_tiers,tier_9,{START},{DUE},100")
    result = invoke("order", "import", str(path))
    assert result.exit_code == 1 and "tier_9" in str(result.exception)
    assert counts(registry) == (0, 0)


@pytest.mark.parametrize(("change", "needles"), [
    (("--quantity", "0"), ("quantity",)),
    (("--order-date", "2027-03-01"), ("2027-02-10", "2027-03-01")),  # due before ordered
])
def test_order_add_refusal_says_what_is_wrong(registry: str, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str],
                                              change: tuple[str, str],
                                              needles: tuple[str, ...]) -> None:
    args = ["order", "add", "--id", "P-3", "--product", "jeans", "--quantity", "10",
            "--segment", "smaller_us_chains", "--order-date", "2027-01-04", "--due-date",
            "2027-02-10", "--price", "10"]
    args[args.index(change[0]) + 1] = change[1]
    err = fails(monkeypatch, capsys, *args)
    assert counts(registry) == (0, 0)
    assert "P-3" in err and "errors.pydantic.dev" not in err
    for needle in needles:
        assert needle in err


def test_a_refused_export_stores_nothing(registry: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = orders_file(tmp_path, "F-1," + FEB_JEANS.format(qty=500))
    err = fails(monkeypatch, capsys, "match", "run", "--orders", str(path), "--on", ON,
                "--export", str(tmp_path / "run.txt"))
    assert "run.txt" in err
    assert counts(registry) == (0, 0)


@pytest.mark.parametrize(("change", "needles"), [
    (("--order-date", "2020-01-06", "--due-date", "2020-02-10"), ("2020-02-10", "past")),
    (("--product", "bikinis"), ("'bikinis'", "jeans")),
])
def test_orders_the_issue_calls_bad_input_are_refused(registry: str, tmp_path: Path,
                                                      change: tuple[str, ...],
                                                      needles: tuple[str, ...]) -> None:
    """Issue 5: due dates in the past and unknown products are a clear error, nothing
    written — by ``order add``, ``order import`` and ``match run --orders``."""
    args = ["order", "add", "--id", "P-5", "--product", "jeans", "--quantity", "10",
            "--segment", "smaller_us_chains", "--order-date", str(START), "--due-date",
            str(DUE), "--price", "10"]
    for index in range(0, len(change), 2):
        args[args.index(change[index]) + 1] = change[index + 1]
    result = invoke(*args)
    assert result.exit_code == 1
    for needle in needles:
        assert needle in str(result.exception)
    row = {"--order-date": str(START), "--due-date": str(DUE), "--product": "jeans"}
    row.update({change[i]: change[i + 1] for i in range(0, len(change), 2)})
    path = orders_file(tmp_path, "F-1," + FEB_JEANS.format(qty=500),
                       f"F-2,{row['--product']},500,buyer_tiers,tier_2,"
                       f"{row['--order-date']},{row['--due-date']},100")
    for command in (("order", "import", str(path)),
                    ("match", "run", "--orders", str(path), "--on", ON)):
        refused = invoke(*command)
        text = str(refused.exception)  # the order's id, or its row (the file's checks)
        assert refused.exit_code == 1 and ("F-2" in text or "pedidos.csv:3:" in text), command
    assert counts(registry) == (0, 0)


def test_demo_has_a_matchmaking_summary(fresh_database_url: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALERA_DATABASE_URL", fresh_database_url)
    result = CliRunner().invoke(app, ["demo", "--firms", "300", "--no-serve", "--json",
                                      "--on", "2026-06-01"])
    assert result.exit_code == 0, result.output
    match = json.loads(result.stdout)["matchmaking"]
    assert match["orders"] > 0 and match["run"].startswith("M-")
    assert 0 <= match["filled"] <= match["quantity"]
