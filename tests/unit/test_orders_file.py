"""Orders files (CSV and XLSX, Spanish and English headers): every value read as written,
every problem named with file, row, column and reason, and nothing returned when any row is
bad."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook

from escalera.domain.orders import MAX_ORDERS_PER_REQUEST, Order
from escalera.i18n import current_language, set_language
from escalera.ingest.orders import OrderFileError, read_orders

SPANISH = ["Pedido", "Comprador", "Producto", "Cantidad", "Segmento", "Fecha de pedido",
           "Fecha de entrega", "Precio unitario", "Divisible", "Máximo de productores",
           "Participación mínima", "Máximo por grupo", "Regiones del grupo", "Destino",
           "Costo de materiales", "Días de pago"]
ENGLISH = ["Order ID", "Buyer", "Product", "Quantity", "Ladder", "Level", "Order date",
           "Due date", "Unit price", "Splittable", "Max producers", "Min share",
           "Max pool members", "Pool regions", "Destination"]
TODAY = dt.date(2027, 1, 2)  # the files' orders are new on this day


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    before = current_language()
    set_language("en")
    yield
    set_language(before)


def write_csv(path: Path, header: list[str], rows: list[list[str]], sep: str = ",") -> Path:
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def spanish_rows() -> list[list[str]]:
    return [
        ["P-17", "Cadena del Norte", "jeans", "9000", "domestic_discount_chains",
         "04/01/2027", "10/02/2027", "165", "sí", "4", "10%", "0", "", "Texas", "", ""],
        ["P-18", "Boutique Bautizo", "childrens_formal_wear", "400", "national_style_niches",
         "2027-01-05", "2027-03-01", "320,5", "no", "1", "0.5", "3", "Puebla, Tlaxcala",
         "Ciudad de México", "150", "30"],
    ]


def test_csv_with_spanish_headers(tmp_path: Path) -> None:
    orders = read_orders(write_csv(tmp_path / "pedidos.csv", SPANISH, spanish_rows(),
                                   sep=";"), today=TODAY)
    first, second = orders
    assert first == Order(id="P-17", buyer_name="Cadena del Norte", product="jeans",
                          quantity=9000, segment="domestic_discount_chains",
                          order_date=dt.date(2027, 1, 4), due_date=dt.date(2027, 2, 10),
                          unit_price=165.0, splittable=True, max_producers=4, min_share=0.1,
                          max_pool_members=0, destination="Texas")
    assert second.unit_price == pytest.approx(320.5)  # decimal comma
    assert (second.splittable, second.min_share, second.max_pool_members) == (False, 0.5, 3)
    assert second.pool_regions == ("Puebla", "Tlaxcala")
    assert (second.materials_cost, second.payment_days) == (150.0, 30)
    assert second.destination == "Ciudad de México"
    assert first.payment_days == 60 and first.materials_cost is None  # defaults


def test_xlsx_with_english_headers_and_real_dates(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["B-1", "Brand", "shirts", 2500, "buyer_tiers", "tier_2", dt.date(2027, 2, 1),
         dt.datetime(2027, 4, 1), 210.0, "yes", 3, 0.2, None, None, "California"],
        ["B-2", None, "jeans", 1200, "regional_state_iso", "state", "2027-02-03",
         "15/04/2027", 99, "false", 1, None, 2, "Jalisco|Guanajuato", None],
    ]
    orders = read_orders(write_xlsx(tmp_path / "orders.xlsx", ENGLISH, rows), today=TODAY)
    assert [o.id for o in orders] == ["B-1", "B-2"]
    b1, b2 = orders
    assert (b1.ladder, b1.level, b1.quantity, b1.order_date, b1.due_date) == (
        "buyer_tiers", "tier_2", 2500, dt.date(2027, 2, 1), dt.date(2027, 4, 1))
    assert (b1.splittable, b1.max_producers, b1.destination) == (True, 3, "California")
    assert b1.min_share == pytest.approx(0.2)
    assert (b2.buyer_name, b2.due_date, b2.unit_price, b2.splittable) == (
        "", dt.date(2027, 4, 15), 99.0, False)
    assert b2.pool_regions == ("Jalisco", "Guanajuato") and b2.destination == "Texas"


def minimal(rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    header = ["id", "product", "quantity", "segment", "order date", "due date", "price"]
    return header, rows


GOOD = ["P-1", "jeans", "1000", "smaller_us_chains", "2027-01-04", "2027-03-01", "150"]


@pytest.mark.parametrize(("bad_row", "column", "needles"), [
    (["P-2", "jeans", "1000", "smaller_us_chains", "31/02/2027", "2027-03-01", "150"],
     "order date", ("'31/02/2027'", "not a date")),
    (["P-2", "jeans", "diez", "smaller_us_chains", "2027-01-04", "2027-03-01", "150"],
     "quantity", ("'diez'",)),
    (["P-2", "jeans", "12.5", "smaller_us_chains", "2027-01-04", "2027-03-01", "150"],
     "quantity", ("'12.5'",)),
    (["P-2", "jeans", "0", "smaller_us_chains", "2027-01-04", "2027-03-01", "150"],
     "quantity", ("greater than 0",)),
    (["P-2", "jeans", "-40", "smaller_us_chains", "2027-01-04", "2027-03-01", "150"],
     "quantity", ()),
    (["P-2", "jeans", "1000", "smaller_us_chains", "2027-01-04", "2027-03-01", "gratis"],
     "price", ("'gratis'",)),
    (["P-2", "jeans", "1000", "smaller_us_chains", "2027-03-04", "2027-03-01", "150"],
     "row", ("2027-03-01", "2027-03-04")),  # due before the order date: the whole row
])
def test_a_bad_row_is_named_and_nothing_is_returned(tmp_path: Path, bad_row: list[str],
                                                    column: str,
                                                    needles: tuple[str, ...]) -> None:
    header, rows = minimal([GOOD, bad_row, [*GOOD[:1], *GOOD[1:]]])
    rows[2][0] = "P-3"
    path = write_csv(tmp_path / "orders.csv", header, rows)
    with pytest.raises(OrderFileError) as raised:
        read_orders(path, today=TODAY)
    text = str(raised.value)
    # the bad row is the third line of the file (the header is row 1)
    assert any(line.startswith("orders.csv:3: ") for line in text.splitlines()), text
    assert not any(line.startswith(("orders.csv:2:", "orders.csv:4:"))
                   for line in text.splitlines()), text
    line = next(line for line in text.splitlines() if line.startswith("orders.csv:3: "))
    assert column in line.lower() or column.replace(" ", "_") in line, text
    for needle in needles:
        assert needle in text


def test_every_problem_is_listed(tmp_path: Path) -> None:
    header, rows = minimal([
        ["P-1", "jeans", "x", "smaller_us_chains", "2027-01-04", "2027-03-01", "150"],
        ["P-2", "jeans", "1000", "smaller_us_chains", "2027-01-04", "someday", "150"]])
    with pytest.raises(OrderFileError) as raised:
        read_orders(write_csv(tmp_path / "o.csv", header, rows), today=TODAY)
    text = str(raised.value)
    assert "o.csv:2: quantity: 'x'" in text and "o.csv:3: due date: 'someday'" in text


def test_duplicate_ids(tmp_path: Path) -> None:
    header, rows = minimal([GOOD, GOOD])
    with pytest.raises(OrderFileError) as raised:
        read_orders(write_csv(tmp_path / "dup.csv", header, rows), today=TODAY)
    assert "dup.csv" in str(raised.value) and "P-1" in str(raised.value)
    assert "twice" in str(raised.value)


@pytest.mark.parametrize(("header", "needles"), [
    (["id", "product", "quantity", "segment", "order date", "due date", "price", "colour"],
     ("unknown column 'colour'",)),
    (["id", "product", "quantity", "segment", "order date", "due date"],
     ("missing column 'unit_price'",)),
    (["id", "product", "quantity", "order date", "due date", "price", "ladder"],
     ("'segment'",)),
    (["id", "product", "cantidad", "quantity", "segment", "order date", "due date", "price"],
     ("given twice",)),
])
def test_bad_headers(tmp_path: Path, header: list[str], needles: tuple[str, ...]) -> None:
    rows = [GOOD[: len(header)] + [""] * max(0, len(header) - len(GOOD))]
    with pytest.raises(OrderFileError) as raised:
        read_orders(write_csv(tmp_path / "h.csv", header, rows), today=TODAY)
    for needle in needles:
        assert needle in str(raised.value)
    assert "h.csv" in str(raised.value)


def test_neither_segment_nor_level_in_a_row(tmp_path: Path) -> None:
    header = ["id", "product", "quantity", "segment", "ladder", "level", "order date",
              "due date", "price"]
    rows = [["P-1", "jeans", "10", "", "buyer_tiers", "", "2027-01-04", "2027-02-01", "1"]]
    with pytest.raises(OrderFileError) as raised:
        read_orders(write_csv(tmp_path / "n.csv", header, rows), today=TODAY)
    assert "n.csv:2:" in str(raised.value) and "segment" in str(raised.value)


def test_many_problems_are_capped(tmp_path: Path) -> None:
    header, rows = minimal([[f"P-{i}", "jeans", "x", "smaller_us_chains", "2027-01-04",
                             "2027-03-01", "150"] for i in range(30)])
    with pytest.raises(OrderFileError) as raised:
        read_orders(write_csv(tmp_path / "many.csv", header, rows), today=TODAY)
    lines = str(raised.value).splitlines()
    assert len(lines) == 21
    more = re.fullmatch(r"\.\.\. and (\d+) more", lines[-1])
    assert more is not None and int(more[1]) >= 10  # 30 bad rows, 20 shown


@pytest.mark.parametrize(("bad_row", "column", "needle"), [
    (["P-2", "jeans", "1000", "smaller_us_chains", "2027-01-04", "3000-01-01", "150"],
     "due date", "planning horizon"),
    (["P-2", "jeans", "67000000", "smaller_us_chains", "2027-01-04", "6758-01-01", "150"],
     "quantity", "10000000"),
    (["P-2", "jeans", "1000", "smaller_us_chains", "2025-01-04", "2027-03-01", "150"],
     "order date", "in the past"),
    (["P-2", "j" * 65, "1000", "smaller_us_chains", "2027-01-04", "2027-03-01", "150"],
     "product", "at most 40"),
])
def test_a_row_beyond_the_bounds_is_named_and_nothing_is_returned(
        tmp_path: Path, bad_row: list[str], column: str, needle: str) -> None:
    header, rows = minimal([GOOD, bad_row])
    with pytest.raises(OrderFileError) as raised:
        read_orders(write_csv(tmp_path / "far.csv", header, rows), today=TODAY)
    lines = [line for line in str(raised.value).splitlines() if line.startswith("far.csv:3: ")]
    assert any(line.startswith(f"far.csv:3: {column}: ") and needle in line
               for line in lines), lines


def test_a_file_of_too_many_orders_is_refused(tmp_path: Path) -> None:
    header, rows = minimal([[f"P-{i}", *GOOD[1:]] for i in range(MAX_ORDERS_PER_REQUEST + 1)])
    with pytest.raises(OrderFileError, match="at most 5000"):
        read_orders(write_csv(tmp_path / "huge.csv", header, rows), today=TODAY)
