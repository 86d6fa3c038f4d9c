"""Numbers, dates and yes/no as people write them in Mexican spreadsheets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from escalera.i18n import set_language
from escalera.ingest.cells import parse_bool, parse_date, parse_int_list, split_list
from escalera.ingest.numbers import (
    CellError,
    Written,
    as_fraction,
    as_percent,
    fractions_column,
    parse_integer,
    parse_number,
)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Reasons are asserted in English; the interface default is Spanish."""
    set_language("en")
    yield
    set_language("es")


@pytest.mark.parametrize(("text", "value", "percent"), [
    ("1234", 1234.0, False),
    ("1,234", 1234.0, False),  # Mexico: comma groups thousands
    ("12,000", 12000.0, False),
    ("1,234,567", 1234567.0, False),
    ("1 234", 1234.0, False),
    ("1\u00a0234", 1234.0, False),  # no-break space, as Excel writes it
    ("1\u202f234,5", 1234.5, False),
    ("1,234.5", 1234.5, False),
    ("1.234,5", 1234.5, False),
    ("1.234.567", 1234567.0, False),
    ("0.92", 0.92, False),
    ("92,5", 92.5, False),  # decimal comma when it cannot be a thousands group
    ("0,920", 0.92, False),
    ("92 %", 92.0, True),
    ("92%", 92.0, True),
    ("92,5 %", 92.5, True),
    ("% 7.5", 7.5, True),
    ("-3", -3.0, False),
    ("\u22123", -3.0, False),  # typographic minus
    ("  45 ", 45.0, False),
    ("1e-05", 1e-05, False),
])
def test_numbers_as_written(text: str, value: float, percent: bool) -> None:
    assert parse_number(text) == Written(value, percent)


@pytest.mark.parametrize("text", ["", "abc", "1,23,4", "12 34", "1.2.3,4,5", "nan", "inf",
                                  "--3", "3-", "1,2,3", "$"])
def test_not_numbers(text: str) -> None:
    with pytest.raises(CellError) as info:
        parse_number(text)
    assert info.value.code == "not_a_number"


def test_integers() -> None:
    assert parse_integer("12,000") == 12000
    assert parse_integer("45.0") == 45
    with pytest.raises(CellError, match="whole"):
        parse_integer("12.5")
    with pytest.raises(CellError, match="percentage"):
        parse_integer("12 %")


def test_percent_column_rule() -> None:
    # Every value without % between 0 and 1: the column holds fractions.
    column = [parse_number(t) for t in ("0.92", "0.85", "1", "88 %")]
    assert fractions_column(column)
    assert [as_percent(w, True) for w in column] == [92.0, 85.0, 100.0, 88.0]
    # One plain value above 1: plain values are percentages, so 0.8 stays 0.8 %.
    column = [parse_number(t) for t in ("2.5", "0.8", "3,1")]
    assert not fractions_column(column)
    assert [as_percent(w, False) for w in column] == [2.5, 0.8, 3.1]
    # Scaling leaves no binary noise, and fractions are kept exact.
    assert as_percent(Written(0.07), True) == 7.0
    assert as_fraction(Written(0.07), True) == 0.07
    assert as_fraction(Written(40.0, True), True) == 0.4
    assert not fractions_column([Written(92.0, True)])


def test_dates_day_first() -> None:
    assert parse_date("2024-05-14") == dt.date(2024, 5, 14)
    assert parse_date("14/05/2024") == dt.date(2024, 5, 14)
    assert parse_date("4/5/2024") == dt.date(2024, 5, 4)
    assert parse_date("14.05.2024") == dt.date(2024, 5, 14)
    assert parse_date("2024-05-14 00:00:00") == dt.date(2024, 5, 14)
    for bad in ("05/31/2024", "31/02/2024", "mayo 2024", "24-5-14", "2024-13-01"):
        with pytest.raises(CellError):
            parse_date(bad)


def test_yes_no_and_lists() -> None:
    assert [parse_bool(t) for t in ("Sí", "si", "X", "yes", "VERDADERO", "1")] == [True] * 6
    assert [parse_bool(t) for t in ("No", "falso", "0", "n")] == [False] * 4
    with pytest.raises(CellError):
        parse_bool("quizá")
    assert split_list("jeans; camisas, uniformes | ropa de bautizo") == [
        "jeans", "camisas", "uniformes", "ropa de bautizo"]
    assert parse_int_list("61; 62") == [61, 62]
    with pytest.raises(CellError):
        parse_int_list("61; sesenta")
