"""Links keep history: active windows, exclusivity only for tutelage, no self-links."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from escalera.domain.chain import Link, LinkType, links_on
from escalera.domain.ids import firm_id_from_int

A, B = firm_id_from_int(1), firm_id_from_int(2)


def test_link_active_window_is_half_open() -> None:
    link = Link(source=A, target=B, type=LinkType.TUTELAGE, start=dt.date(2022, 1, 1),
                end=dt.date(2023, 6, 1), exclusive=True, ended_reason="jumped ship")
    assert not link.active_on(dt.date(2021, 12, 31))
    assert link.active_on(dt.date(2022, 1, 1))
    assert link.active_on(dt.date(2023, 5, 31))
    assert not link.active_on(dt.date(2023, 6, 1))


def test_chain_map_on_a_date_keeps_history() -> None:
    old = Link(source=A, target=B, type=LinkType.TUTELAGE, start=dt.date(2020, 1, 1),
               end=dt.date(2021, 1, 1))
    new = Link(source=A, target=B, type=LinkType.SUBCONTRACTING, start=dt.date(2021, 1, 1))
    assert links_on([old, new], dt.date(2020, 6, 1)) == [old]
    assert links_on([old, new], dt.date(2022, 6, 1)) == [new]


@pytest.mark.parametrize("kwargs", [
    {"source": A, "target": A, "type": LinkType.SUBCONTRACTING, "start": dt.date(2022, 1, 1)},
    {"source": A, "target": B, "type": LinkType.SUBCONTRACTING, "start": dt.date(2022, 1, 1),
     "end": dt.date(2021, 1, 1)},
    {"source": A, "target": B, "type": LinkType.JOBBER_NETWORK, "start": dt.date(2022, 1, 1),
     "exclusive": True},
])
def test_invalid_links_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Link.model_validate(kwargs)
