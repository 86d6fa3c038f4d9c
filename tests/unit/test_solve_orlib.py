"""Reading and writing OR-Library GAP files: round trips, wrapping, and named errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalera.i18n import current_language, set_language
from escalera.solve.gap import GapInstance
from escalera.solve.gap_instances import generate_gap
from escalera.solve.orlib import GapFormatError, format_gap, parse_gap, read_gap


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    previous = current_language()
    set_language("en")
    yield
    set_language(previous)


def same(a: GapInstance, b: GapInstance) -> bool:
    return (np.array_equal(a.cost, b.cost) and np.array_equal(a.resource, b.resource)
            and np.array_equal(a.capacity, b.capacity))


@settings(max_examples=30, deadline=None)
@given(kinds=st.lists(st.sampled_from("CDE"), min_size=1, max_size=4),
       m=st.integers(1, 5), n=st.integers(1, 15), width=st.integers(1, 40),
       seed=st.integers(0, 10_000))
def test_round_trip_whatever_the_wrapping(kinds: list[str], m: int, n: int, width: int,
                                          seed: int) -> None:
    instances = [generate_gap(k, m, n, seed + i) for i, k in enumerate(kinds)]
    back = parse_gap(format_gap(instances, width=width))
    assert len(back) == len(instances)
    assert all(same(a, b) for a, b in zip(instances, back, strict=True))


def test_numbers_wrapped_across_lines_anyhow() -> None:
    text = "2\n2 3 1 2\n3 4 5 6 7 8\n9 10 11\n12 20\n21\n\n   1 2\n1 1\n5 6\n\t 7\n"
    first, second = parse_gap(text)
    assert first.cost.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert first.resource.tolist() == [[7, 8, 9], [10, 11, 12]]
    assert first.capacity.tolist() == [20, 21]
    assert (second.m, second.n) == (1, 2)
    assert second.cost.tolist() == [[1, 1]] and second.resource.tolist() == [[5, 6]]
    assert second.capacity.tolist() == [7]


def _two_problems() -> str:
    return format_gap([generate_gap("C", 3, 4, 1), generate_gap("D", 3, 4, 2)], width=5)


@pytest.mark.parametrize(("text", "message"), [
    ("", "gap9.txt: the file is empty; expected the number of problems"),
    ("  \n\n", "gap9.txt: the file is empty; expected the number of problems"),
    ("0\n", "gap9.txt: the number of problems must be at least 1, got 0"),
    ("1\n2\n", "gap9.txt, problem 1: expected the sizes m and n, the file ends after 1 "
               "more numbers"),
    ("1\n0 3\n", "gap9.txt, problem 1: sizes must be at least 1, got m=0 n=3"),
    ("1\n2 2\n1 2 3\n", "gap9.txt, problem 1: expected 4 costs, the file ends after 3"),
    ("1\n2 2\n1 2 3 4\n5 6\n", "gap9.txt, problem 1: expected 4 resource requirements, the "
                               "file ends after 2"),
    ("1\n2 2\n1 2 3 4\n5 6 7 8\n9\n", "gap9.txt, problem 1: expected 2 capacities, the file "
                                      "ends after 1"),
    ("1\n2 2\n1 2 3 4\n5 6 x7 8\n9 9\n", "gap9.txt, problem 1, line 4: expected a whole "
                                         "number, found 'x7'"),
    ("1\n2 2\n1 2 3 4.5\n5 6 7 8\n9 9\n", "gap9.txt, problem 1, line 3: expected a whole "
                                          "number, found '4.5'"),
    ("1\n1 2\n1 2\n5 6\n-3\n", "gap9.txt, problem 1: resources and capacities cannot be "
                               "negative"),
    ("1\n1 2\n1 2\n5 6\n7 8 9\n", "gap9.txt: 2 numbers left after the 1 problems the file "
                                  "announces"),
    ("two\n", "gap9.txt, line 1: expected the number of problems, found 'two'"),
])
def test_broken_files_say_where_and_what(text: str, message: str) -> None:
    with pytest.raises(GapFormatError) as caught:
        parse_gap(text, "gap9.txt")
    assert str(caught.value) == message


def test_truncated_second_problem_names_it() -> None:
    text = _two_problems()
    numbers = text.split()
    cut = " ".join(numbers[:-2])  # the last two capacities of problem 2 are gone
    with pytest.raises(GapFormatError, match=r"^gap1\.txt, problem 2: expected 3 "
                                             r"capacities, the file ends after 1$"):
        parse_gap(cut, "gap1.txt")


def test_announced_problem_missing() -> None:
    text = _two_problems().replace(" 2\n", " 3\n", 1)
    with pytest.raises(GapFormatError, match=r"problem 3: expected the sizes m and n, the "
                                             r"file ends after 0"):
        parse_gap(text, "gap1.txt")


def test_read_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "gapx.txt"
    path.write_text(_two_problems(), encoding="utf-8")
    assert [(p.m, p.n) for p in read_gap(path)] == [(3, 4), (3, 4)]
    with pytest.raises(GapFormatError, match=r"^nothere\.txt: no such file$"):
        read_gap(tmp_path / "nothere.txt")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(GapFormatError, match=r"^binary\.txt: cannot be read"):
        read_gap(binary)


def test_error_in_spanish() -> None:
    set_language("es")
    with pytest.raises(GapFormatError) as caught:
        parse_gap("1\n2 2\n1 2 3 4\n5 6 7 8\n9\n", "gap1.txt")
    assert str(caught.value) == ("gap1.txt, problema 1: se esperaban 2 capacidades, el "
                                 "archivo termina después de 1")
