"""Exports are safe to open in a spreadsheet: firm names and buyers' order ids that begin
with a formula character (``=HYPERLINK(...)``, ``+SUM``, ``@SUM``, ``-2+3+cmd|...``) are
written as text, through every CSV and XLSX path — ``escalera export``, the registry
download, a run's export (``escalera match show --export`` and the run page's downloads),
an import's rejects file, benchmark rows and the templates — while numeric columns stay
numbers (OWASP's CSV injection rule, ``escalera.ingest.csvsafe``).

The module has a small database of its own: firms named with formulas, one assessment and
a run over orders whose ids are formulas.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from openpyxl import load_workbook
from typer.testing import CliRunner

from escalera.cli.bench_cmd import export_rows
from escalera.cli.main import app as cli
from escalera.config import Settings
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import Firm, Role
from escalera.domain.ids import firm_id_from_int
from escalera.domain.orders import Order
from escalera.ingest.csvsafe import FORMULA_LEADS
from escalera.ingest.formats import Kind
from escalera.ingest.reading import read_table
from escalera.ingest.report import RowError, write_rejects
from escalera.ingest.templates import write_template
from escalera.services import accounts, matching
from escalera.services.context import AppContext
from escalera.services.match_export import export_run
from escalera.store.evidence import insert_assessment
from escalera.store.firms import insert_firms
from escalera.web.app import create_app
from tests.conftest import own_database
from tests.web.conftest import TestClient

FORMULAS = ('=HYPERLINK("http://x","y")', "+SUM(1,2)", "@SUM(1)", "-2+3+cmd|' /C calc'!A0",
            "＝1+1", "\t=1+1")
BUYER = firm_id_from_int(7001)
PRODUCERS = [firm_id_from_int(7002 + i) for i in range(len(FORMULAS))]
ADMIN = ("exportadora", "una-clave-larga-para-exportar-2026")
TODAY = dt.date.today()


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of this module's own (SQLite file or PostgreSQL schema)."""
    with own_database(tmp_path_factory.mktemp("exports"), "exports") as selected:
        yield selected


@pytest.fixture(scope="module")
def seeded(url: str) -> Iterator[tuple[AppContext, str]]:
    """Firms named with formulas, a final assessment, an admin, and a run over orders
    whose ids are formulas; yields the context and the run id."""
    context = AppContext(Settings(database_url=url))
    with context.transaction() as session:
        insert_firms(session, [Firm(id=BUYER, name=FORMULAS[0], roles=(Role.RETAILER,),
                                    state="Jalisco")])
        insert_firms(session, [
            Firm(id=firm, name=name, roles=(Role.CONTRACTOR,), state="Puebla",
                 municipality=name, products=("jeans",), monthly_capacity=5000,
                 employees=20) for firm, name in zip(PRODUCERS, FORMULAS, strict=True)])
        for number, firm in enumerate(PRODUCERS, start=1):
            insert_assessment(session, public_id=f"A-20260301-{number:08d}", firm_id=firm,
                              stage=Stage.DIAGNOSTIC,
                              assessed_on=TODAY - dt.timedelta(days=30),
                              assessor=FORMULAS[2], values={
                                  (ItemKind.METRIC, "on_time_delivery_pct"): 92.5,
                                  (ItemKind.METRIC, "defect_rate_pct"): 2.5,
                                  (ItemKind.METRIC, "lead_time_days"): 40.0,
                                  (ItemKind.METRIC, "turnaround_days"): 20.0,
                                  (ItemKind.METRIC, "efficiency_pct"): 55.0})
        accounts.create_user(session, username=ADMIN[0], password=ADMIN[1], role="admin")
        orders = [Order(id=order_id, buyer_id=BUYER, product="jeans", quantity=500,
                        segment="domestic_discount_chains", order_date=TODAY,
                        due_date=TODAY + dt.timedelta(days=90), unit_price=150.0)
                  for order_id in FORMULAS[:4]]
        view = matching.run(session, context.catalog, orders=orders, on=TODAY,
                            time_limit=2)
    yield context, view.id
    context.engine.dispose()


def _unsafe(text: str) -> bool:
    """A cell a spreadsheet would run: begins with a formula character and is not a plain
    number."""
    if not text or text[0] not in FORMULA_LEADS:
        return False
    try:
        float(text.rstrip("%"))
    except ValueError:
        return True
    return False


def csv_cells(data: bytes) -> list[list[str]]:
    """The rows of a CSV export (UTF-8 with BOM)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def assert_safe_csv(data: bytes, expect: tuple[str, ...] = FORMULAS[:4]) -> list[list[str]]:
    """No cell would run; each text in ``expect`` is there, neutralised."""
    rows = csv_cells(data)
    cells = [c for row in rows for c in row]
    unsafe = [c for c in cells if _unsafe(c)]
    assert not unsafe, unsafe
    for text in expect:
        assert any(c == "'" + text for c in cells), (text, cells[:40])
    return rows


def assert_safe_xlsx(data: bytes, expect: tuple[str, ...] = FORMULAS[:4]) -> None:
    """No formula anywhere in the workbook; each text in ``expect`` is a text cell."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            assert b"<f>" not in book.read(name) and b"<f " not in book.read(name), name
    workbook = load_workbook(io.BytesIO(data))
    values = [c.value for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    for text in expect:
        assert text in values, text


def _column(rows: list[list[str]], name: str) -> list[str]:
    at = rows[0].index(name)
    return [row[at] for row in rows[1:] if row[at]]


def test_escalera_export_writes_no_formula(seeded: tuple[AppContext, str], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    context, _run = seeded
    monkeypatch.setenv("ESCALERA_DATABASE_URL", context.settings.database_url)
    for fmt in ("csv", "xlsx"):
        result = CliRunner().invoke(cli, ["export", str(tmp_path / fmt), "--format", fmt])
        assert result.exit_code == 0, (result.output, result.exception)
    firms = assert_safe_csv((tmp_path / "csv" / "firms.csv").read_bytes())
    assert all(v.isdigit() for v in _column(firms, "employees"))  # numbers stay numbers
    visits = assert_safe_csv((tmp_path / "csv" / "assessments.csv").read_bytes(),
                             expect=(FORMULAS[2],))
    assert {float(v.rstrip("%")) for v in _column(visits, "value")} == {
        92.5, 2.5, 40.0, 20.0, 55.0}
    assert_safe_xlsx((tmp_path / "xlsx" / "escalera.xlsx").read_bytes())
    workbook = load_workbook(tmp_path / "xlsx" / "escalera.xlsx")
    header = [c.value for c in workbook["firms"][1]]
    employees = [row[header.index("employees")] for row in
                 workbook["firms"].iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(v, int) for v in employees if v is not None) and any(employees)


@pytest.fixture(scope="module")
def admin(seeded: tuple[AppContext, str]) -> TestClient:
    """The web application over this module's database, as its admin (API token)."""
    web: FastAPI = create_app(seeded[0].settings)
    client = TestClient(web)
    token = client.post("/api/v1/tokens", json={"username": ADMIN[0], "password": ADMIN[1],
                                                "name": "exports"})
    assert token.status_code == 201, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['token']}"
    return client


def test_the_registry_download_writes_no_formula(admin: TestClient) -> None:
    client = admin
    firms = client.get("/import/export.csv", params={"table": "firms"})
    assert firms.status_code == 200, firms.text[:300]
    assert_safe_csv(firms.content)
    workbook = client.get("/import/export.xlsx")
    assert workbook.status_code == 200
    assert_safe_xlsx(workbook.content)


def test_a_runs_exports_write_no_formula(seeded: tuple[AppContext, str], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         admin: TestClient) -> None:
    context, run_id = seeded
    written = export_run(matching_view(context, run_id), tmp_path / "run.csv")
    orders = assert_safe_csv(written[0].read_bytes())
    assert all(v.isdigit() for v in _column(orders, "quantity"))
    export_run(matching_view(context, run_id), tmp_path / "run.xlsx")
    assert_safe_xlsx((tmp_path / "run.xlsx").read_bytes())
    monkeypatch.setenv("ESCALERA_DATABASE_URL", context.settings.database_url)
    result = CliRunner().invoke(cli, ["match", "show", run_id, "--export",
                                      str(tmp_path / "shown.csv")])
    assert result.exit_code == 0, (result.output, result.exception)
    assert_safe_csv((tmp_path / "shown.csv").read_bytes())
    client = admin
    for fmt in ("csv", "xlsx"):
        download = client.get(f"/orders/runs/{run_id}/export.{fmt}")
        assert download.status_code == 200, download.text[:300]
        if fmt == "csv":
            assert_safe_csv(download.content)
        else:
            assert_safe_xlsx(download.content)


def test_rejects_benchmark_rows_and_templates_write_no_formula(tmp_path: Path) -> None:
    source = tmp_path / "firms.csv"
    source.write_text("name,employees,state\n" + "".join(
        f'"{name.replace(chr(34), chr(34) * 2)}",-5,{name[:3]}\n' for name in FORMULAS[:4]),
        encoding="utf-8")
    table = read_table(source, Kind.FIRMS)
    problems = [RowError(file=source.name, row=row.number, column="state",
                         value=row.cells[2], code="bad_state",
                         reason=f"{row.cells[2]} is not a state")
                for row in table.rows]
    write_rejects(table, problems, tmp_path / "firms.rejects.csv")
    rows = assert_safe_csv((tmp_path / "firms.rejects.csv").read_bytes())
    assert _column(rows, "employees") == ["-5"] * 4  # a plain number stays a number
    rows_out: list[dict[str, Any]] = [{"region": name, "firms": -3, "share": -0.5}
                                      for name in FORMULAS[:4]]
    export_rows(rows_out, tmp_path / "bench.csv")
    bench = assert_safe_csv((tmp_path / "bench.csv").read_bytes())
    assert _column(bench, "firms") == ["-3"] * 4 and _column(bench, "share") == ["-0.5"] * 4
    export_rows(rows_out, tmp_path / "bench.xlsx")
    assert_safe_xlsx((tmp_path / "bench.xlsx").read_bytes())
    for kind in Kind:
        for fmt in ("csv", "xlsx"):
            path = write_template(kind, tmp_path / f"{kind}.{fmt}", fmt=fmt)
            if fmt == "csv":
                assert_safe_csv(path.read_bytes(), expect=())
            else:
                assert_safe_xlsx(path.read_bytes(), expect=())


def matching_view(context: AppContext, run_id: str) -> matching.RunView:
    with context.transaction() as session:
        return matching.show(session, context.catalog, run_id)
