"""Level certificates derived from a firm's history: issue, renew, expire, lapse, re-attain."""

from __future__ import annotations

import datetime as dt

import pytest

from escalera.domain.catalog_model import Catalog
from escalera.domain.certificates import (
    CertificateStatus,
    add_months,
    certification_on,
    derive_certificates,
)
from escalera.domain.evidence import ItemKind, Observation
from escalera.domain.measures import Direction, Metric, Practice, Text
from escalera.domain.standards import (
    Ladder,
    Level,
    MetricRequirement,
    PracticeRequirement,
    StandardVersion,
)

FIRM = "F-0000-0001-X"
D = dt.date


def _level(level_id: str, months: int, on_time: float, final: int,
           version: str = "v1") -> Level:
    return Level(id=level_id, name=Text(es=level_id, en=level_id), certificate_months=months,
                 versions=(StandardVersion(
                     version=version, effective_from=D(2020, 1, 1),
                     metrics=(MetricRequirement(metric="on_time", threshold=on_time,
                                                rationale="r"),),
                     practices=(PracticeRequirement(practice="final_inspection",
                                                    min_maturity=final, rationale="r"),)),))


@pytest.fixture(scope="module")
def small() -> Catalog:
    """One ladder: ``low`` (on time >= 80, inspection >= 1, 24 months) and ``high``
    (on time >= 95, inspection >= 2, 12 months)."""
    return Catalog(
        metrics=(Metric(id="on_time", name=Text(es="a tiempo", en="on time"), unit="%",
                        direction=Direction.HIGHER, minimum=0, maximum=100),),
        practices=(Practice(id="final_inspection", name=Text(es="inspección", en="inspection")),),
        ladders=(Ladder(id="tiers", name=Text(es="niveles", en="tiers"),
                        levels=(_level("low", 24, 80, 1), _level("high", 12, 95, 2))),),
    )


def visit(assessment: str, day: dt.date, on_time: float | None = None,
          final: int | None = None) -> list[Observation]:
    """The observations of one assessment."""
    out = []
    if on_time is not None:
        out.append(Observation(firm_id=FIRM, assessment_id=assessment, observed_on=day,
                               kind=ItemKind.METRIC, item="on_time", value=on_time))
    if final is not None:
        out.append(Observation(firm_id=FIRM, assessment_id=assessment, observed_on=day,
                               kind=ItemKind.PRACTICE, item="final_inspection", value=final))
    return out


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert add_months(D(2026, 11, 15), 14) == D(2028, 1, 15)


def test_attaining_a_level_issues_a_traceable_certificate(small: Catalog) -> None:
    history = visit("A-1", D(2026, 3, 1), on_time=85, final=1)
    [cert] = derive_certificates(small, history, until=D(2026, 6, 1))
    assert (cert.ladder, cert.level, cert.issued_on) == ("tiers", "low", D(2026, 3, 1))
    assert cert.valid_until == D(2028, 2, 29)  # 24 months, less a day
    assert (cert.assessment_id, cert.standard_version) == ("A-1", "v1")
    assert cert.status_on(D(2026, 6, 1)) is CertificateStatus.VALID


def test_validity_depends_on_the_level(small: Catalog) -> None:
    history = visit("A-1", D(2026, 3, 1), on_time=97, final=2)
    certs = {c.level: c for c in derive_certificates(small, history, until=D(2026, 3, 1))}
    assert certs["low"].valid_until == D(2028, 2, 29)
    assert certs["high"].valid_until == D(2027, 2, 28)
    [tiers] = certification_on(small, certs.values(), D(2027, 3, 1))
    assert tiers.certified_level == "low" and tiers.expired_levels == ("high",)


def test_re_attaining_while_valid_renews_from_that_date(small: Catalog) -> None:
    history = (visit("A-1", D(2026, 3, 1), on_time=85, final=1)
               + visit("A-2", D(2027, 1, 10), on_time=88))
    [cert] = derive_certificates(small, history, until=D(2027, 6, 1))
    assert cert.issued_on == D(2026, 3, 1)
    assert [e.assessment_id for e in cert.earnings] == ["A-1", "A-2"]
    assert cert.valid_until == D(2029, 1, 9)
    assert cert.earnings[1].evidence == ("A-1", "A-2")  # inspection still from A-1


def test_expired_level_shows_as_expired_not_attained(small: Catalog) -> None:
    history = visit("A-1", D(2026, 3, 1), on_time=97, final=2)
    certs = derive_certificates(small, history, until=D(2028, 6, 1))
    [tiers] = certification_on(small, certs, D(2028, 6, 1))
    assert tiers.certified_level is None
    assert tiers.expired_levels == ("low", "high")
    assert all(c.status_on(D(2028, 6, 1)) is CertificateStatus.EXPIRED for c in certs)


def test_lapse_and_re_attain_issues_a_new_certificate(small: Catalog) -> None:
    history = (visit("A-1", D(2026, 3, 1), on_time=97, final=2)
               + visit("A-2", D(2027, 5, 1), on_time=96, final=2))
    certs = [c for c in derive_certificates(small, history, until=D(2027, 6, 1))
             if c.level == "high"]
    assert [(c.issued_on, c.valid_until) for c in certs] == [
        (D(2026, 3, 1), D(2027, 2, 28)), (D(2027, 5, 1), D(2028, 4, 30))]
    [tiers] = certification_on(small, derive_certificates(small, history, D(2027, 6, 1)),
                               D(2027, 6, 1))
    assert tiers.certified_level == "high" and tiers.expired_levels == ()


def test_failing_later_does_not_withdraw_but_stops_renewal(small: Catalog) -> None:
    history = (visit("A-1", D(2026, 3, 1), on_time=97, final=2)
               + visit("A-2", D(2026, 9, 1), on_time=90))  # high now unmet, low still met
    certs = {c.level: c for c in derive_certificates(small, history, until=D(2026, 10, 1))}
    assert certs["high"].valid_until == D(2027, 2, 28)  # not renewed, not withdrawn
    assert certs["low"].last_earned_on == D(2026, 9, 1)


def test_a_higher_level_counts_only_over_certified_lower_levels(small: Catalog) -> None:
    short_low = small.model_copy(update={"ladders": (Ladder(
        id="tiers", name=Text(es="n", en="n"),
        levels=(_level("low", 6, 80, 1), _level("high", 12, 95, 2))),)})
    history = visit("A-1", D(2026, 3, 1), on_time=97, final=2)
    certs = derive_certificates(short_low, history, until=D(2026, 12, 1))
    [tiers] = certification_on(short_low, certs, D(2026, 12, 1))
    assert tiers.certified_level is None and tiers.expired_levels == ("low",)


def test_only_history_up_to_the_query_date_counts(small: Catalog) -> None:
    history = (visit("A-1", D(2026, 3, 1), on_time=70, final=1)
               + visit("A-2", D(2026, 9, 1), on_time=85))
    assert derive_certificates(small, history, until=D(2026, 8, 31)) == ()
    [cert] = derive_certificates(small, history, until=D(2026, 9, 1))
    assert (cert.issued_on, cert.assessment_id) == (D(2026, 9, 1), "A-2")


def test_stale_evidence_earns_nothing(small: Catalog) -> None:
    history = (visit("A-1", D(2026, 3, 1), final=1)
               + visit("A-2", D(2026, 9, 1), on_time=85))
    assert derive_certificates(small, history, D(2026, 9, 1), stale_after_days=100) == ()
    assert len(derive_certificates(small, history, D(2026, 9, 1), stale_after_days=200)) == 1


def test_dates_before_any_standard_version_earn_nothing(small: Catalog) -> None:
    history = visit("A-0", D(2019, 6, 1), on_time=99, final=3)
    assert derive_certificates(small, history, until=D(2019, 12, 1)) == ()
