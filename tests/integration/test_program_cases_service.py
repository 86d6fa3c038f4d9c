"""The case seminar kit through its service on a real database (SQLite or PostgreSQL): the
picks by trajectory with the rule in words, the case document in Spanish and English with
the firm's path, its gaps over time, the program's activities and the questions, clear
errors, and the demo programs read as the study tells them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session
from tests.cli.test_program_cases_cli import (
    ACTIVITIES,
    FAST,
    FELL,
    OTHER_BUYER,
    PATHS,
    PID,
    REFUSED,
    SHORT_AT_ENTRY,
    SLOW,
    STATES,
    TARGET_DATE,
    TODAY,
    UNSEEN,
    seed_cases,
)

from escalera.demo.programs import seed_programs
from escalera.domain.catalog_model import Catalog
from escalera.domain.programs import ActivityKind, ProgramError
from escalera.i18n import set_language
from escalera.presentation import item_label
from escalera.reports.program_report import ACTIVITY_LABELS, label
from escalera.services import program_cases
from escalera.services.demo import seed_demo
from escalera.store.firms import get_firm

STALE = 730


@pytest.fixture()
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("es")


def _text(html: str) -> str:
    """The page's words: tags out, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", "", html,
                                                              flags=re.S)))


def test_the_picks_follow_the_trajectories(session: Session, catalog: Catalog,
                                           english: None) -> None:
    seed_cases(session)
    picks = program_cases.pick_cases(session, catalog, PID, TODAY, stale_after_days=STALE)
    # FAST and SLOW both climb one level and close the same gaps: the faster one wins
    assert picks["success"]["firm_id"] == FAST and picks["success"]["name"] == "Taller 0"
    # FELL dropped below tier 3 after the target date; STAYED held on; UNSEEN has no data
    assert picks["failure"]["firm_id"] == FELL
    assert "levels gained: -1" in picks["failure"]["why"]
    assert f"requirements closed that were short at entry: {len(SHORT_AT_ENTRY)} of " \
           f"{len(SHORT_AT_ENTRY)}" in picks["success"]["why"]
    assert "missing data is not failure" in picks["rule"]
    assert picks["none_reason"] == {"success": None, "failure": None}
    before = program_cases.pick_cases(session, catalog, PID, TARGET_DATE,
                                      stale_after_days=STALE)
    assert before["failure"] is None
    assert TARGET_DATE.isoformat() in before["none_reason"]["failure"]


def test_the_success_document_in_english(session: Session, catalog: Catalog,
                                         english: None) -> None:
    seed_cases(session)
    html = program_cases.case_document(session, catalog, PID, "success", TODAY,
                                       stale_after_days=STALE)
    text = _text(html)
    assert "<svg" in html and "Taller 0" not in html  # a chart; the firm is not named
    # its path: the admission and each later assessment, with the level each time
    dates = [ENTRY_DAY, *(on.isoformat() for on, _ in PATHS[FAST][1:])]
    assert all(d in text for d in dates)
    assert f"{ENTRY_DAY} (admission) Tier 3" in text
    assert f"{PATHS[FAST][1][0].isoformat()} Tier 2 yes 0" in text
    # its gaps: every requirement short at entry is closed by the end
    for item in SHORT_AT_ENTRY:
        name = item_label(catalog, _kind(catalog, item), item)[0]
        assert re.search(re.escape(name) + r" \([^)]*\)( [^ ]+ [✓✗—])* ≥|≤", text), name
    assert text.count(" closed ") >= len(SHORT_AT_ENTRY)
    assert "Nothing of the target is short on" in text
    # the program's activities with it, the program-wide visit, and the funnel
    mine = [a for a in ACTIVITIES if a.firm_id in (FAST, None)]
    assert all(a.on.isoformat() in text for a in mine)
    assert "Visita a una maquiladora de Tehuacán" in text and "Almacenes Andinos" in text
    assert "Tiendas del Pacífico" not in text  # another participant's buyer
    questions = re.findall(r"<li>([^<]*\?)</li>", html)
    assert 4 <= len(questions) <= 6
    closed = {item_label(catalog, _kind(catalog, i), i)[0].lower() for i in SHORT_AT_ENTRY}
    assert any(name in questions[0] for name in closed)


ENTRY_DAY = "2025-01-20"


def _kind(catalog: Catalog, item: str) -> str:
    return "metric" if item in {m.id for m in catalog.metrics} else "practice"


def test_the_failure_document_in_spanish(session: Session, catalog: Catalog) -> None:
    set_language("es")
    seed_cases(session)
    html = program_cases.case_document(session, catalog, PID, "failure", TODAY,
                                       stale_after_days=STALE)
    text = _text(html)
    assert "Caso de fracaso" in text and "Preguntas para la discusión" in text
    assert STATES[FELL] in text and "Taller 2" not in html
    last = PATHS[FELL][-1][0].isoformat()
    assert f"{last} por debajo del primer nivel no" in text
    assert "Entregas a tiempo 74 % &lt; 90 % requerido para Nivel 2" in html  # still open
    assert "sigue abierta" in text
    assert label(ACTIVITY_LABELS, ActivityKind.NO_DEAL) in text and OTHER_BUYER in text
    assert TARGET_DATE.isoformat() in text


def test_a_firm_named_by_hand(session: Session, catalog: Catalog, english: None) -> None:
    seed_cases(session)
    html = program_cases.case_document(session, catalog, PID, "success", TODAY,
                                       stale_after_days=STALE, firm_id=SLOW)
    assert "Chosen by hand: it meets the rule" in html
    assert PATHS[SLOW][-1][0].isoformat() in html
    html = program_cases.case_document(session, catalog, PID, "failure", TODAY,
                                       stale_after_days=STALE, firm_id=UNSEEN)
    assert "the rule would not pick it" in html


@pytest.mark.parametrize(("program", "which", "firm", "needle"), [
    ("PRG-NADA", "success", None, "there is no program PRG-NADA"),
    (PID, "failure", REFUSED, f"{REFUSED} is not an admitted participant of {PID}"),
    (PID, "best", None, "'best' is not one of success, failure"),
])
def test_clear_errors(session: Session, catalog: Catalog, english: None, program: str,
                      which: str, firm: str | None, needle: str) -> None:
    seed_cases(session)
    with pytest.raises(ProgramError) as caught:
        program_cases.case_document(session, catalog, program, which, TODAY,
                                    stale_after_days=STALE, firm_id=firm)
    assert needle in str(caught.value)


def test_no_case_is_an_error_that_says_why(session: Session, catalog: Catalog,
                                           english: None) -> None:
    seed_cases(session)
    with pytest.raises(ProgramError) as caught:
        program_cases.case_document(session, catalog, PID, "failure", TARGET_DATE,
                                    stale_after_days=STALE)
    assert "has no failure case" in str(caught.value)
    assert "has not passed yet" in str(caught.value)


def test_the_demo_programs_yield_their_cases(session: Session, catalog: Catalog) -> None:
    reference = dt.date(2026, 6, 1)
    seed_demo(session, firms=1200, seed=42, reference_date=reference)
    seed_programs(session, catalog, seed=42, reference_date=reference, stale_after_days=STALE)
    us = program_cases.pick_cases(session, catalog, "PRG-FERIA-EEUU", reference,
                                  stale_after_days=STALE)
    assert us["failure"] is not None  # orders nobody could fill: a clear failure
    consultancy = program_cases.pick_cases(session, catalog, "PRG-CONSULTORIA", reference,
                                           stale_after_days=STALE)
    assert consultancy["success"] is not None
    success = get_firm(session, consultancy["success"]["firm_id"])  # one of the cluster's
    assert (success.state, success.products) == ("Michoacán", ("wood_furniture",))
    for pid in ("PRG-FERIA-EEUU", "PRG-FERIA-LATAM", "PRG-CONSULTORIA", "PRG-CREDITO"):
        picks = program_cases.pick_cases(session, catalog, pid, reference,
                                         stale_after_days=STALE)
        for which in ("success", "failure"):  # a pick, or the reason there is none
            assert (picks[which] is None) != (picks["none_reason"][which] is None)
