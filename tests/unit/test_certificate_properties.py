"""Invariants of certificate derivation on the default catalog (hypothesis).

* Every earning of a certificate is a date on which the evaluator says the level (and so
  every level below) was attained; every such date earns the level.
* A certificate is never valid beyond ``certificate_months`` after an earning, nor before
  its issue date; certificates of one level never overlap.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from escalera.catalog import load_catalog
from escalera.domain.certificates import add_months, derive_certificates, evaluation_dates
from escalera.domain.evaluation import evaluate_ladder
from escalera.domain.evidence import ItemKind, Observation, latest_evidence

CATALOG = load_catalog()
FIRM = "F-0000-0001-X"
START = dt.date(2020, 1, 1)
STALE = 730
# A few metrics and practices around the buyer tiers' thresholds.
METRICS = {"on_time_delivery_pct": (75.0, 99.0), "defect_rate_pct": (1.0, 7.0),
           "turnaround_days": (10.0, 32.0)}
PRACTICES = ("final_inspection", "production_planning", "separate_business_accounts")


@st.composite
def histories(draw: st.DrawFn) -> list[Observation]:
    """Up to six assessments over five years, each observing some of the items."""
    out: list[Observation] = []
    for n in range(draw(st.integers(1, 6))):
        day = START + dt.timedelta(days=draw(st.integers(0, 5 * 365)))
        aid = f"A-{n}"
        for item, (low, high) in METRICS.items():
            if draw(st.booleans()):
                out.append(Observation(firm_id=FIRM, assessment_id=aid, observed_on=day,
                                       kind=ItemKind.METRIC, item=item,
                                       value=draw(st.floats(low, high))))
        for item in PRACTICES:
            if draw(st.booleans()):
                out.append(Observation(firm_id=FIRM, assessment_id=aid, observed_on=day,
                                       kind=ItemKind.PRACTICE, item=item,
                                       value=float(draw(st.integers(0, 3)))))
    return out


@settings(max_examples=120, deadline=None)
@given(histories(), st.integers(0, 7 * 365))
def test_certificates_come_only_from_attained_dates(history: list[Observation],
                                                    offset: int) -> None:
    until = START + dt.timedelta(days=offset)
    certs = derive_certificates(CATALOG, history, until, STALE)
    earned = {(c.ladder, c.level, e.on) for c in certs for e in c.earnings}
    for day in evaluation_dates(history, until):
        evidence = latest_evidence(history, day)
        for ladder in CATALOG.ladders:
            result = evaluate_ladder(CATALOG, ladder, evidence, day, STALE)
            top = -1 if result.attained is None else ladder.level_index(result.attained)
            for i, level in enumerate(ladder.levels):
                assert ((ladder.id, level.id, day) in earned) == (i <= top)


@settings(max_examples=120, deadline=None)
@given(histories(), st.integers(0, 7 * 365), st.integers(0, 8 * 365))
def test_never_valid_beyond_its_months(history: list[Observation], offset: int,
                                       probe: int) -> None:
    until = START + dt.timedelta(days=offset)
    day = START + dt.timedelta(days=probe)
    certs = derive_certificates(CATALOG, history, until, STALE)
    for cert in certs:
        assert cert.valid_until < add_months(cert.last_earned_on, cert.months)
        if cert.is_valid_on(day):
            assert cert.issued_on <= day
            assert any(e.on <= day < add_months(e.on, cert.months) for e in cert.earnings)
    for ladder in CATALOG.ladders:
        for level in ladder.levels:
            mine = sorted((c for c in certs if c.level == level.id and c.ladder == ladder.id),
                          key=lambda c: c.issued_on)
            for before, after in pairwise(mine):
                assert before.valid_until < after.issued_on
