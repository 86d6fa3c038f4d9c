"""ISO 2859-1:1999 sampling tables and plans: structure of every table, known cells, bad input."""

from __future__ import annotations

import pytest

import escalera
from escalera.domain import sampling_tables as tables
from escalera.domain.sampling import (
    Decision,
    SamplingError,
    code_letter,
    decide,
    master_cell,
    resolve,
    sampling_plan,
)

SEVERITIES = ("normal", "tightened", "reduced")
MASTERS = {"normal": tables.NORMAL, "tightened": tables.TIGHTENED, "reduced": tables.REDUCED}
SIZES = {"normal": tables.SAMPLE_SIZES, "tightened": tables.SAMPLE_SIZES,
         "reduced": tables.REDUCED_SAMPLE_SIZES}
LETTERS = "ABCDEFGHJKLMNPQR"

# Table 1, written out again by lot-size range (lower bound of each range) and level, so that a
# slip in the data module shows up here: S-1 S-2 S-3 S-4 I II III.
TABLE_1 = {
    2: "AAAAAAB", 9: "AAAAABC", 16: "AABBBCD", 26: "ABBCCDE", 51: "BBCCCEF",
    91: "BBCDDFG", 151: "BCDEEGH", 281: "BCDEFHJ", 501: "CCEFGJK", 1201: "CDEGHKL",
    3201: "CDFGJLM", 10001: "CDFHKMN", 35001: "DEGJLNP", 150001: "DEGJMPQ", 500001: "DEHKNQR",
}
RANGES = sorted(TABLE_1)


def _uppers() -> list[int]:
    return [*(nxt - 1 for nxt in RANGES[1:]), 10**9]


@pytest.mark.parametrize("level_index", range(7))
@pytest.mark.parametrize("range_index", range(len(RANGES)))
def test_code_letter_for_every_range_and_level(range_index: int, level_index: int) -> None:
    level = tables.LEVELS[level_index]
    expected = TABLE_1[RANGES[range_index]][level_index]
    for lot in (RANGES[range_index], _uppers()[range_index]):
        assert code_letter(lot, level) == expected


def test_code_letters_never_fall_as_the_lot_or_the_level_grows() -> None:
    order = LETTERS
    for _upper, letters in tables.CODE_LETTERS:
        row = [order.index(c) for c in letters.split()]
        assert row[:4] == sorted(row[:4]) and row[4:] == sorted(row[4:])
    for column in range(7):
        col = [order.index(letters.split()[column]) for _u, letters in tables.CODE_LETTERS]
        assert col == sorted(col)


def test_a_lot_of_one_unit_is_read_with_the_first_range() -> None:
    assert code_letter(1, "II") == "A"
    assert sampling_plan(1, "II", "6.5").full_inspection


@pytest.mark.parametrize("severity", SEVERITIES)
def test_sample_sizes_increase_with_the_letter(severity: str) -> None:
    sizes = [SIZES[severity][letter] for letter in MASTERS[severity]]
    assert sizes == sorted(sizes)
    if severity != "reduced":
        assert len(set(sizes)) == len(sizes)


@pytest.mark.parametrize("severity", SEVERITIES)
def test_every_row_has_one_cell_per_aql_and_only_known_tokens(severity: str) -> None:
    for letter, row in MASTERS[severity].items():
        cells = row.split()
        assert len(cells) == len(tables.AQL_SERIES), letter
        assert all(c in {"v", "^", "."} or c.isdigit() for c in cells), letter


@pytest.mark.parametrize("severity", SEVERITIES)
def test_acceptance_numbers_never_fall_along_a_row_or_down_a_column(severity: str) -> None:
    table = MASTERS[severity]
    for letter, row in table.items():
        numbers = [int(c) for c in row.split() if c.isdigit()]
        assert numbers == sorted(numbers), letter
    for column in range(len(tables.AQL_SERIES)):
        numbers = [int(row.split()[column]) for row in table.values()
                   if row.split()[column].isdigit()]
        assert numbers == sorted(numbers), tables.AQL_SERIES[column]


@pytest.mark.parametrize("severity", SEVERITIES)
def test_no_up_arrow_in_the_first_row_and_arrows_point_at_a_plan(severity: str) -> None:
    table = MASTERS[severity]
    assert "^" not in table["A"].split()
    for letter in LETTERS:
        for aql in tables.AQL_SERIES:
            final, ac = resolve(severity, letter, aql)
            assert master_cell(severity, final, aql) == str(ac)
            cell = master_cell(severity, letter, aql)
            rows = list(table)
            if cell == "v":
                assert rows.index(final) > rows.index(letter)
            elif cell == "^":
                assert rows.index(final) < rows.index(letter)
            else:
                assert final == letter


@pytest.mark.parametrize("severity", SEVERITIES)
@pytest.mark.parametrize("aql", tables.AQL_SERIES)
@pytest.mark.parametrize("letter", LETTERS)
def test_every_letter_aql_and_severity_gives_a_plan(letter: str, aql: str,
                                                    severity: str) -> None:
    final, ac = resolve(severity, letter, aql)
    size = SIZES[severity][final]
    assert ac >= 0
    if float(aql) <= 10:  # percent nonconforming: fewer accepted than sampled
        assert ac < size
    # a plan through the public function, from a lot that Table 1 maps to this letter
    level_col, lot = next((col, lot) for lot, letters in TABLE_1.items()
                          for col, c in enumerate(letters) if c == letter)
    plan = sampling_plan(lot, tables.LEVELS[level_col], aql, severity)
    assert plan.table_letter == letter and plan.code_letter == final
    assert plan.re == plan.ac + 1 == ac + 1
    assert plan.full_inspection == (size >= lot)
    assert plan.sample_size == (lot if size >= lot else size)


def test_tightened_never_accepts_more_than_normal_from_the_same_sample() -> None:
    for letter in LETTERS:
        for aql in tables.AQL_SERIES:
            row_n, normal = resolve("normal", letter, aql)
            row_t, tightened = resolve("tightened", letter, aql)
            if row_n == row_t:
                assert tightened <= normal, (letter, aql)


# Cells checked against independently published copies (see docs/sampling.md).
KNOWN = [
    # lot, level, aql, severity, letter, n, ac
    (1200, "II", "2.5", "normal", "J", 80, 5),
    (1200, "II", "1.0", "normal", "J", 80, 2),
    (1200, "II", "4.0", "normal", "J", 80, 7),
    (1200, "II", "0.65", "normal", "J", 80, 1),
    (1200, "II", "0.15", "normal", "J", 80, 0),
    (1200, "II", "0.25", "normal", "H", 50, 0),    # up arrow
    (1200, "II", "0.40", "normal", "K", 125, 1),   # down arrow
    (2000, "II", "0.65", "normal", "K", 125, 2),
    (2000, "II", "0.65", "tightened", "K", 125, 1),
    (2000, "II", "0.65", "reduced", "K", 50, 1),
    (1200, "II", "2.5", "tightened", "J", 80, 3),
    (1200, "II", "2.5", "reduced", "J", 32, 3),
    (500, "II", "1.5", "normal", "H", 50, 2),
    (500, "II", "4.0", "normal", "H", 50, 5),
    (3000, "II", "2.5", "normal", "K", 125, 7),
    (3000, "II", "4.0", "normal", "K", 125, 10),
    (10000, "II", "1.0", "normal", "L", 200, 5),
    (10000, "II", "6.5", "normal", "L", 200, 21),
    (100000, "II", "0.10", "normal", "N", 500, 1),
    (600000, "II", "0.010", "normal", "Q", 1250, 0),
    (8, "II", "6.5", "normal", "A", 2, 0),
    (100000, "II", "65", "normal", "F", 20, 21),   # up arrow to the last plan of 65
]


@pytest.mark.parametrize(("lot", "level", "aql", "severity", "letter", "n", "ac"), KNOWN)
def test_published_cells(lot: int, level: str, aql: str, severity: str, letter: str, n: int,
                         ac: int) -> None:
    plan = sampling_plan(lot, level, aql, severity)
    assert (plan.code_letter, plan.sample_size, plan.ac, plan.re) == (letter, n, ac, ac + 1)


def test_top_right_corner_of_the_normal_table() -> None:
    row_a = tables.NORMAL["A"].split()
    assert row_a[-6:] == ["5", "7", "10", "14", "21", "30"]
    assert tables.NORMAL["B"].split()[-1] == "44"
    assert tables.NORMAL["C"].split()[-1] == "^"


def test_full_inspection_when_the_sample_is_the_whole_lot() -> None:
    plan = sampling_plan(5, "II", "10")
    assert plan.table_letter == "A" and plan.code_letter == "C"
    assert plan.full_inspection and plan.sample_size == 5 and (plan.ac, plan.re) == (1, 2)
    assert not sampling_plan(6, "II", "4.0").full_inspection


def test_inputs_are_accepted_as_the_standard_writes_them() -> None:
    reference = sampling_plan(1200, "II", "2.5")
    assert sampling_plan(1200, "ii", 2.5) == reference
    assert sampling_plan(1200, " II ", "2.50") == reference
    assert sampling_plan(500, "s1", 1, "Normal").level == "S-1"
    assert sampling_plan(500, "S-1", 1).aql == "1.0"
    assert sampling_plan(500, "I", 0.1).aql == "0.10"


def test_the_package_exports_sampling_plan() -> None:
    plan = escalera.sampling_plan(1200, "II", 2.5, severity="tightened")
    assert (plan.code_letter, plan.sample_size, plan.ac, plan.re, plan.full_inspection) == (
        "J", 80, 3, 4, False)


@pytest.mark.parametrize("lot", [0, -1, -500])
def test_lot_size_below_one_is_refused(lot: int) -> None:
    with pytest.raises(SamplingError, match=str(lot)):
        sampling_plan(lot, "II", "2.5")


@pytest.mark.parametrize("aql", ["3", 3.0, "0.5", "2,6", "abc", "nan", "inf", ""])
def test_aql_outside_the_series_is_refused_with_the_valid_ones(aql: object) -> None:
    with pytest.raises(SamplingError) as info:
        sampling_plan(100, "II", aql)  # type: ignore[arg-type]
    assert "0.65" in str(info.value) and "1000" in str(info.value)


@pytest.mark.parametrize("level", ["IV", "S-5", "G2", "", "2"])
def test_unknown_level_is_refused(level: str) -> None:
    with pytest.raises(SamplingError, match="S-1"):
        sampling_plan(100, level, "2.5")


def test_unknown_severity_is_refused() -> None:
    with pytest.raises(SamplingError, match="tightened"):
        sampling_plan(100, "II", "2.5", "strict")


def test_decide_accepts_up_to_ac_and_refuses_impossible_counts() -> None:
    plan = sampling_plan(1200, "II", "2.5")
    assert decide(plan, 0) is Decision.ACCEPT
    assert decide(plan, 5) is Decision.ACCEPT
    assert decide(plan, 6) is Decision.REJECT
    assert decide(plan, 80) is Decision.REJECT
    with pytest.raises(SamplingError, match="81"):
        decide(plan, 81)
    with pytest.raises(SamplingError):
        decide(plan, -1)


def test_errors_are_translated() -> None:
    from escalera.i18n import current_language, set_language

    previous = current_language()
    set_language("es")
    try:
        with pytest.raises(SamplingError, match="tamaño del lote"):
            sampling_plan(0, "II", "2.5")
    finally:
        set_language(previous)
