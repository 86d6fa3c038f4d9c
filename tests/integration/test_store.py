"""Repositories round-trip firms, links and evidence on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from escalera.domain.chain import Link, LinkType
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.firms import ExportRegime, Firm, Role, Source, SourceKind
from escalera.domain.ids import firm_id_from_int
from escalera.errors import InvalidFirmId, NotFound, UnknownReference
from escalera.store.evidence import firm_observations, insert_assessment, observations_frame
from escalera.store.firms import count_firms, firm_links, get_firm, insert_firms, insert_links

BRAND, TALLER = firm_id_from_int(900_001), firm_id_from_int(900_002)


def _firms() -> list[Firm]:
    src = Source(kind=SourceKind.FORM, ref="alta manual")
    return [
        Firm(id=BRAND, name="Jeans del Norte, Inc.", roles=(Role.BRAND,), state="Texas",
             export_regime=ExportRegime.DOMESTIC),
        Firm(id=TALLER, name="Confecciones Peña y Muñoz", roles=(Role.CONTRACTOR,),
             state="Puebla", municipality="Tehuacán", products=("jeans",), hs_chapters=(62,),
             employees=35, monthly_capacity=12_000, export_regime=ExportRegime.TEMPORARY,
             provenance={"employees": src}),
    ]


def test_firm_round_trip_keeps_accents_and_provenance(session: Session) -> None:
    insert_firms(session, _firms())
    got = get_firm(session, TALLER.lower())
    assert got == _firms()[1]
    assert got.municipality == "Tehuacán"
    assert got.provenance["employees"].ref == "alta manual"
    assert count_firms(session) == 2


def test_unknown_and_mistyped_ids(session: Session) -> None:
    with pytest.raises(NotFound):
        get_firm(session, firm_id_from_int(123))
    with pytest.raises(InvalidFirmId):
        get_firm(session, TALLER[:-1] + ("0" if TALLER[-1] != "0" else "1"))


def test_links_keep_history(session: Session) -> None:
    insert_firms(session, _firms())
    links = [
        Link(source=BRAND, target=TALLER, type=LinkType.TUTELAGE, start=dt.date(2021, 3, 1),
             end=dt.date(2022, 9, 1), exclusive=True, ended_reason="jumped ship"),
        Link(source=BRAND, target=TALLER, type=LinkType.FULL_PACKAGE, start=dt.date(2022, 9, 1)),
    ]
    insert_links(session, links)
    assert firm_links(session, TALLER) == links
    with pytest.raises(UnknownReference):
        insert_links(session, [Link(source=BRAND, target=firm_id_from_int(5),
                                    type=LinkType.SUBCONTRACTING, start=dt.date(2022, 1, 1))])


def test_evidence_kept_once_and_read_both_ways(session: Session) -> None:
    insert_firms(session, _firms())
    insert_assessment(session, public_id="A-2025-0001", firm_id=TALLER, stage=Stage.DIAGNOSTIC,
                      assessed_on=dt.date(2025, 5, 2), assessor="Ing. Sánchez",
                      values={(ItemKind.METRIC, "on_time_delivery_pct"): 91.5,
                              (ItemKind.PRACTICE, "final_inspection"): 2})
    insert_assessment(session, public_id="A-2025-0002", firm_id=TALLER, stage=Stage.FOLLOW_UP,
                      assessed_on=dt.date(2025, 11, 2), assessor="Ing. Sánchez", status="draft",
                      values={(ItemKind.METRIC, "on_time_delivery_pct"): 99.0})
    single = firm_observations(session, TALLER)
    assert sorted((o.item, o.value) for o in single) == [
        ("final_inspection", 2.0), ("on_time_delivery_pct", 91.5)]  # drafts are not evidence
    frame = observations_frame(session)
    assert frame.height == 2
    assert set(frame["assessment_id"]) == {"A-2025-0001"}
    assert observations_frame(session, until=dt.date(2025, 1, 1)).height == 0
