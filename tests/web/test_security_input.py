"""Bad input never becomes a 500: control characters in text, oversized bodies, XLSX and
CSV bombs, a database that is down, and an unexpected failure all get the documented error
document (``{"error": {"status", "code", "message", "details"}}``) or the error page.

Every request here goes to the real application over the real database of the pass
(SQLite, or PostgreSQL when ``ESCALERA_TEST_DATABASE_URL`` names one), where NUL in text
used to reach psycopg and fail as a 500.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import re
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import text

from escalera.config import Settings
from escalera.ingest import reading
from escalera.ingest.reading import MalformedFile, read_table
from escalera.web import text as text_rule
from escalera.web.app import create_app
from escalera.web.deps import context
from escalera.web.limits import BODY_BYTES, UPLOAD_BODY_BYTES
from escalera.web.text import MULTI_LINE_FIELDS, acceptable
from tests.conftest import TEST_URL_VAR
from tests.web.conftest import ClientFor, WebDemo, csrf_of

HTML = {"Accept": "text/html"}
CONTROLS = ["adm\x00in", "adm\x1bin", "adm\x7fin", "adm\x85in"]
MB = 2**20


def _refused(answer: Any, field: str) -> None:
    """A 422 error document naming ``field`` as holding control characters."""
    assert answer.status_code == 422, (answer.status_code, answer.text[:300])
    error = answer.json()["error"]
    assert error["code"] == "validation_error"
    fields = {d["field"]: d["message"] for d in error["details"]}
    assert field in fields, fields
    assert "control" in fields[field], fields


# -- control characters ------------------------------------------------------------------


def test_the_text_rule_keeps_line_breaks_in_long_text_only() -> None:
    assert acceptable("Ana María Ñúñez #3 (ok)")
    assert acceptable("línea 1\r\nlínea 2\tfin", multi_line=True)
    assert not acceptable("línea 1\nlínea 2")
    for bad in CONTROLS:
        assert not acceptable(bad) and not acceptable(bad, multi_line=True)


def test_every_text_area_of_the_pages_may_hold_line_breaks() -> None:
    templates = Path(text_rule.__file__).parent / "templates"
    areas = {name for page in templates.rglob("*.j2")
             for name in re.findall(r'<textarea[^>]*name="([^"]+)"', page.read_text())}
    assert areas and areas <= MULTI_LINE_FIELDS, areas - MULTI_LINE_FIELDS


@pytest.mark.parametrize("username", CONTROLS)
def test_sign_in_with_control_characters_is_refused_unauthenticated(
        web_app: FastAPI, username: str) -> None:
    client = TestClient(web_app, raise_server_exceptions=False)
    _refused(client.post("/api/v1/tokens", json={"username": username, "password": "x"}),
             "body.username")


def test_sign_in_form_with_nul_gets_the_error_page(web_app: FastAPI) -> None:
    client = TestClient(web_app, raise_server_exceptions=False)
    answer = client.post("/login", headers=HTML, follow_redirects=False, data={
        "username": "adm\x00in", "password": "x", "csrf_token": csrf_of(client)})
    assert answer.status_code == 422, answer.status_code
    assert answer.headers["content-type"].startswith("text/html")


def test_token_name_with_nul_is_refused(web_app: FastAPI, web_demo: WebDemo) -> None:
    account = web_demo.accounts["buyer"]
    client = TestClient(web_app, raise_server_exceptions=False)
    _refused(client.post("/api/v1/tokens", json={
        "username": account.username, "password": account.password, "name": "t\x00"}),
        "body.name")


def test_assessment_notes_with_nul_are_refused(api_client: Callable[[str], TestClient],
                                               web_demo: WebDemo) -> None:
    client = api_client("admin")
    _refused(client.post("/api/v1/assessments", json={
        "firm_id": web_demo.firm_id, "stage": "diagnostic", "notes": "visita\x00"}),
        "body.notes")


def test_program_description_with_nul_is_refused(api_client: Callable[[str], TestClient]
                                                 ) -> None:
    on = dt.date.today()
    body = {"id": "PRG-NUL", "name": "nul", "type": "consultant_program",
            "starts_on": on.isoformat(), "ends_on": (on + dt.timedelta(days=90)).isoformat(),
            "target_date": (on + dt.timedelta(days=365)).isoformat(), "budget": 1000,
            "description": "primera línea\nsegunda\x00",
            "admission": {"thresholds": [{"item": "on_time_delivery_pct", "value": 60}]},
            "target": {"thresholds": [{"item": "on_time_delivery_pct", "value": 85}]}}
    _refused(api_client("program_manager").post("/api/v1/programs", json=body),
             "body.description")


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/programs/PRG%00X", "path.program_id"),
    ("/api/v1/programs/PRG%00X/decisions", "path.program_id"),
    ("/api/v1/charts/firms/F%00X/benchmarks", "path.firm_id"),
    ("/api/v1/firms/F%00X", "path.firm_id"),
    ("/api/v1/firms/F-1/shares/F%00X", "path.buyer_id"),
    ("/api/v1/inspections/schedule?region=a%C2%85b", "query.region"),
    ("/api/v1/firms?q=a%00b", "query.q"),
])
def test_ids_with_nul_are_refused(api_client: Callable[[str], TestClient], path: str,
                                  field: str) -> None:
    method = "DELETE" if "/shares/" in path else "GET"
    _refused(api_client("admin").request(method, path), field)


def test_page_form_with_control_characters_gets_the_error_page(client_for: ClientFor
                                                              ) -> None:
    client = client_for("program_manager")
    today = dt.date.today()
    form = {"csrf_token": client.headers["x-csrf-token"], "id": "PRG-NUL-PAGE",
            "name": "Programa\x00", "type": "consultant_program", "sponsor": "Cámara",
            "starts_on": (today - dt.timedelta(days=30)).isoformat(),
            "ends_on": (today + dt.timedelta(days=150)).isoformat(),
            "target_date": (today + dt.timedelta(days=400)).isoformat(), "budget": "1000",
            "currency": "MXN", "admission_thresholds": "on_time_delivery_pct=60",
            "target_thresholds": "on_time_delivery_pct=85",
            "description": "dos\r\nlíneas"}
    answer = client.post("/programs", headers=HTML, follow_redirects=False, data=form)
    assert answer.status_code == 422, answer.status_code
    assert answer.headers["content-type"].startswith("text/html")
    assert "name" in answer.text and "description" not in answer.text


def test_a_database_refusal_is_a_422_not_a_500(web_settings: Settings) -> None:
    """The safety net behind the field rules: whatever the database refuses as data
    (PostgreSQL: NUL in text) is the request's fault."""
    if not os.environ.get(TEST_URL_VAR):
        pytest.skip("SQLite stores NUL; PostgreSQL refuses it as data")
    app = create_app(web_settings)

    @app.get("/api/v1/test-echo")
    def echo(request: Request, value: str) -> dict[str, Any]:
        with context(request).transaction() as session:
            return {"value": session.execute(text("SELECT CAST(:v AS text)"),
                                             {"v": value}).scalar()}

    answer = TestClient(app, raise_server_exceptions=False).get("/api/v1/test-echo?value=a%00")
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "validation_error"


# -- body sizes --------------------------------------------------------------------------


def _post(app: FastAPI, path: str, chunks: Iterator[bytes], *, length: int | None,
          content_type: str = "application/json", client: TestClient | None = None
          ) -> tuple[int, bytes, int]:
    """POST ``chunks`` straight through ASGI (as the account of ``client``, if given);
    (status, body, bytes the app consumed)."""
    consumed = 0
    sent: list[dict[str, Any]] = []
    headers = [(b"content-type", content_type.encode()), (b"host", b"testserver")]
    if client is not None:
        headers += [(b"cookie", f"escalera_session={client.cookies['escalera_session']}"
                     .encode()), (b"x-csrf-token", client.headers["x-csrf-token"].encode())]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": b"", "headers": headers,
             "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}

    async def receive() -> dict[str, Any]:
        nonlocal consumed
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        consumed += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    # In a thread of its own: the browser tests' Playwright keeps an event loop running in
    # this thread for the rest of the session.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(app(scope, receive, send))).result()
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body, consumed


def _megabytes(count: int) -> Iterator[bytes]:
    yield b'{"username": "admin", "password": "'
    for _ in range(count):
        yield b"x" * MB
    yield b'"}'


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_an_unauthenticated_200_mb_body_is_refused_unread(web_app: FastAPI,
                                                          declared: bool) -> None:
    status, body, consumed = _post(web_app, "/api/v1/tokens", _megabytes(200),
                                   length=200 * MB + 40 if declared else None)
    assert status == 413
    assert b'"payload_too_large"' in body
    assert consumed <= BODY_BYTES + MB  # refused at the limit, not after reading 200 MB


def test_an_oversized_form_is_refused(web_app: FastAPI) -> None:
    status, _body, consumed = _post(web_app, "/login", _megabytes(50), length=None,
                                    content_type="application/x-www-form-urlencoded")
    assert status == 413 and consumed <= BODY_BYTES + MB


def test_the_import_upload_has_its_own_larger_limit(web_app: FastAPI,
                                                    client_for: ClientFor) -> None:
    def upload() -> Iterator[bytes]:
        yield (b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
               b"Content-Type: text/csv\r\n\r\n")
        for _ in range(200):
            yield b"x" * MB

    status, _body, consumed = _post(web_app, "/import", upload(), length=None,
                                    content_type="multipart/form-data; boundary=x",
                                    client=client_for("program_manager"))
    assert status == 413
    assert BODY_BYTES < UPLOAD_BODY_BYTES < consumed <= UPLOAD_BODY_BYTES + MB


# -- XLSX and CSV bombs ------------------------------------------------------------------


def _workbook(path: Path, sheet_xml: Callable[[str], str] | None = None) -> Path:
    """A real two-row workbook, its sheet XML rewritten by ``sheet_xml``."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["nombre", "estado"])
    sheet.append(["Taller Uno", "Jalisco"])
    plain = io.BytesIO()
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w",
                                                             zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml" and sheet_xml is not None:
                data = sheet_xml(data.decode()).encode()
            out.writestr(item.filename, data)
    return path


def test_a_declared_dimension_of_the_whole_sheet_is_not_allocated(tmp_path: Path) -> None:
    """A 2 kB sheet declaring A1:XFD1048576 with a cell in row 2000: the declared width is
    ignored (the reader used to fill every row it passed to 16,384 cells; with the last
    row filled that took 56 s and 6.8 GB)."""
    path = _workbook(tmp_path / "firms.xlsx", lambda xml: xml.replace(
        'ref="A1:B2"', 'ref="A1:XFD1048576"').replace(
        "</row></sheetData>", '</row><row r="2000"><c r="A2000" t="inlineStr"><is><t>Taller '
                              'Dos</t></is></c></row></sheetData>'))
    assert path.stat().st_size < 10_000
    tracemalloc.start()
    try:
        table = read_table(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * MB, f"{peak / MB:.0f} MB"
    assert table.headers == ["nombre", "estado"]
    assert [row.cells for row in table.rows] == [("Taller Uno", "Jalisco"), ("Taller Dos", "")]


def test_a_cell_past_the_last_row_allowed_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "rows.xlsx", lambda xml: xml.replace(
        "</sheetData>", '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is>'
                        '</c></row></sheetData>'))
    with pytest.raises(MalformedFile, match=f"rows.xlsx.*{reading.MAX_ROWS:,}"):
        read_table(path)


def test_a_cell_past_the_last_column_allowed_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "cols.xlsx", lambda xml: xml.replace(
        "</c></row></sheetData>",
        '</c><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    with pytest.raises(MalformedFile, match=f"cols.xlsx.*{reading.MAX_COLUMNS}"):
        read_table(path)


def test_a_highly_compressed_sheet_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    """20 MB of sheet in 20 kB (a ratio of 1000): refused from the archive's directory."""
    filler = " " * (20 * MB)
    path = _workbook(tmp_path / "bomb.xlsx", lambda xml: xml.replace(
        "<sheetData>", f"<sheetData>{filler}"))
    assert path.stat().st_size < 100_000
    with pytest.raises(MalformedFile, match=r"bomb\.xlsx.*20 MB.*100 "):
        read_table(path)


def test_a_csv_with_too_many_rows_or_a_huge_field_is_refused(tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("nombre\n" + "x\n" * (reading.MAX_ROWS + 1))
    with pytest.raises(MalformedFile, match=f"rows.csv.*{reading.MAX_ROWS:,}"):
        read_table(rows)
    field = tmp_path / "field.csv"
    field.write_text("nombre,estado\n\"" + "x" * (reading.MAX_CELL_CHARS + 1) + "\",J\n")
    with pytest.raises(MalformedFile, match=f"field.csv.*{reading.MAX_CELL_CHARS:,}"):
        read_table(field)
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(["c"] * (reading.MAX_COLUMNS + 1)) + "\n")
    with pytest.raises(MalformedFile, match=f"wide.csv.*{reading.MAX_COLUMNS}"):
        read_table(wide)


def test_a_parquet_file_over_the_limits_is_refused_from_its_metadata(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({f"c{i}": [1] for i in range(reading.MAX_COLUMNS + 1)}), path)
    with pytest.raises(MalformedFile, match=f"wide.parquet.*{reading.MAX_COLUMNS}"):
        read_table(path)


# -- failures ----------------------------------------------------------------------------


@pytest.fixture(params=["postgresql", "sqlite"])
def unreachable(request: pytest.FixtureRequest, tmp_path: Path) -> FastAPI:
    """An application over a database that cannot be reached: a PostgreSQL port nobody
    listens on, or an SQLite file in a folder that is not there."""
    url = ("postgresql+psycopg://postgres@127.0.0.1:9/escalera?connect_timeout=2"
           if request.param == "postgresql" else f"sqlite:///{tmp_path / 'gone' / 'x.db'}")
    return create_app(Settings(database_url=url))


def test_a_database_outage_is_a_503_document(unreachable: FastAPI) -> None:
    client = TestClient(unreachable, raise_server_exceptions=False)
    answer = client.post("/api/v1/tokens", json={"username": "admin", "password": "x"})
    assert answer.status_code == 503, answer.text[:300]
    assert answer.json()["error"]["code"] == "service_unavailable"
    assert int(answer.headers["retry-after"]) > 0
    page = client.get("/firms", headers={**HTML, "Authorization": "Bearer x"})
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")


def test_an_unexpected_failure_is_a_500_document_without_its_traceback(
        web_settings: Settings) -> None:
    app = create_app(web_settings)

    @app.get("/api/v1/test-crash")
    @app.get("/test-crash")
    def crash() -> None:
        raise RuntimeError("secret detail of the failure")

    client = TestClient(app, raise_server_exceptions=False)
    answer = client.get("/api/v1/test-crash")
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "server_error"
    assert "secret" not in answer.text and "Traceback" not in answer.text
    page = client.get("/test-crash", headers=HTML)
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "secret" not in page.text
    for crashed in (answer, page):  # answered from outside the middleware: headers by hand
        assert "script-src 'self'" in crashed.headers["content-security-policy"]
        assert crashed.headers["x-frame-options"] == "DENY"
        assert crashed.headers["x-content-type-options"] == "nosniff"
