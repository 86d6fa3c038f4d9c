"""Public firm ids: stable, check character catches typos, forgiving input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalera.domain.ids import ALPHABET, firm_id_from_int, is_firm_id, parse_firm_id
from escalera.errors import InvalidFirmId

serials = st.integers(min_value=0, max_value=32**8 - 1)


@given(serials)
def test_generated_ids_parse_to_themselves(n: int) -> None:
    fid = firm_id_from_int(n)
    assert parse_firm_id(fid) == fid
    assert parse_firm_id(fid.lower().replace("-", "")) == fid


def test_serials_map_to_distinct_ids() -> None:
    ids = {firm_id_from_int(n) for n in range(20_000)}
    assert len(ids) == 20_000


@given(serials, st.integers(min_value=0, max_value=7), st.sampled_from(ALPHABET))
def test_any_single_substitution_is_caught(n: int, pos: int, symbol: str) -> None:
    fid = firm_id_from_int(n)
    compact = fid.replace("-", "")
    body = list(compact[1:9])
    if body[pos] == symbol:
        return
    body[pos] = symbol
    typo = "F" + "".join(body) + compact[9]
    with pytest.raises(InvalidFirmId):
        parse_firm_id(typo)


@given(serials, st.integers(min_value=0, max_value=6))
def test_adjacent_transposition_is_caught(n: int, pos: int) -> None:
    compact = firm_id_from_int(n).replace("-", "")
    body = list(compact[1:9])
    if body[pos] == body[pos + 1]:
        return
    body[pos], body[pos + 1] = body[pos + 1], body[pos]
    assert not is_firm_id("F" + "".join(body) + compact[9])


def test_crockford_lookalikes_are_read_as_digits() -> None:
    fid = firm_id_from_int(12345)
    tampered = fid.replace("0", "O").replace("1", "I")
    assert parse_firm_id(tampered) == fid


@pytest.mark.parametrize("text", ["", "F-1234", "X-0000-0000-0", "12", "F-0000-0000-00"])
def test_malformed_ids_are_rejected(text: str) -> None:
    with pytest.raises(InvalidFirmId):
        parse_firm_id(text)
