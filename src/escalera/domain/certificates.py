"""Level certificates (constancias de nivel): dated records derived from evidence, never typed.

Rules (ADR 0003):
1. The evaluator (:func:`escalera.domain.evaluation.evaluate_ladder` over
   :func:`escalera.domain.evidence.latest_evidence`) judges the firm on every date on which
   it has a final observation, up to the query date, with the standard versions in force
   then (a ladder with a level that has no version in force that day earns nothing that
   day). Nothing else decides attainment.
2. On such a date every level up to the attained one is *earned*. A level earned while the
   firm holds no valid certificate for it gets a new certificate; a level earned while its
   certificate is still valid renews that certificate from this date.
3. A certificate is valid from its issue date through ``valid_until`` = last earning date
   plus the level's ``certificate_months`` (calendar months, clamped to the month's end),
   minus one day; never longer. Later evidence does not withdraw it early; the evaluation
   shown beside it says where the firm stands today.
4. On a query date the *certified level* of a ladder is the highest level that, with every
   level below it, holds a valid certificate. A level whose latest certificate has lapsed
   and that is not certified again is *expired*: shown as expired, never as attained.

Each earning records the assessment held on that date and the standard version that judged
it, so every certificate traces back to evidence.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import DEFAULT_STALE_AFTER_DAYS, LadderResult, evaluate_ladder
from escalera.domain.evidence import Observation, latest_evidence
from escalera.domain.standards import Ladder


class CertificateStatus(StrEnum):
    """A certificate on a query date."""

    VALID = "valid"  # vigente
    EXPIRED = "expired"  # vencida


class Earning(BaseModel):
    """One date on which the evaluator found the level attained: what earned it."""

    model_config = ConfigDict(frozen=True)

    on: dt.date
    assessment_id: str  # the final assessment held that day (largest id when several)
    standard_version: str  # the level's standard version in force that day
    evidence: tuple[str, ...]  # every assessment behind the level's requirements, sorted


class Certificate(BaseModel):
    """A constancia de nivel: issued on its first earning, renewed by the later ones."""

    model_config = ConfigDict(frozen=True)

    ladder: str
    level: str
    months: int
    earnings: tuple[Earning, ...]  # first = issue, the rest = renewals, oldest first

    @property
    def issued_on(self) -> dt.date:
        """The date the level was first attained in this run of validity."""
        return self.earnings[0].on

    @property
    def last_earned_on(self) -> dt.date:
        """The latest date the level was attained while the certificate was valid."""
        return self.earnings[-1].on

    @property
    def valid_until(self) -> dt.date:
        """Last day of validity: ``months`` calendar months after the last earning, less a day."""
        return add_months(self.last_earned_on, self.months) - dt.timedelta(days=1)

    @property
    def assessment_id(self) -> str:
        """The assessment that issued the certificate."""
        return self.earnings[0].assessment_id

    @property
    def standard_version(self) -> str:
        """The standard version that issued the certificate."""
        return self.earnings[0].standard_version

    def is_valid_on(self, day: dt.date) -> bool:
        """True from the issue date through ``valid_until``."""
        return self.issued_on <= day <= self.valid_until

    def status_on(self, day: dt.date) -> CertificateStatus:
        """Valid or expired on ``day`` (a certificate issued later than ``day`` is neither;
        derive certificates up to ``day`` to ask about it)."""
        return CertificateStatus.VALID if self.is_valid_on(day) else CertificateStatus.EXPIRED


class LadderCertification(BaseModel):
    """A firm's certificates on one ladder, read on one date."""

    model_config = ConfigDict(frozen=True)

    ladder: str
    on: dt.date
    certified_level: str | None  # highest level validly certified together with those below
    expired_levels: tuple[str, ...]  # levels held before whose certificates have lapsed
    certificates: tuple[Certificate, ...]  # every certificate, by level then issue date


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` calendar months on, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def evaluation_dates(observations: Iterable[Observation], until: dt.date) -> list[dt.date]:
    """The distinct dates with a final observation on or before ``until``, oldest first."""
    return sorted({o.observed_on for o in observations if o.observed_on <= until})


def _earning(result: LadderResult, level_index: int, day: dt.date,
             assessment_id: str) -> Earning:
    level = result.levels[level_index]
    behind = {r.assessment_id for lv in result.levels[:level_index + 1]
              for r in lv.requirements if r.assessment_id is not None}
    return Earning(on=day, assessment_id=assessment_id, standard_version=level.standard_version,
                   evidence=tuple(sorted(behind)))


def _judgeable(ladder: Ladder, day: dt.date) -> bool:
    """Every level has a standard version in force on ``day`` (else no date earns anything)."""
    return all(any(v.in_force(day) for v in level.versions) for level in ladder.levels)


def _attained_index(ladder: Ladder, result: LadderResult) -> int:
    return -1 if result.attained is None else ladder.level_index(result.attained)


def derive_certificates(catalog: Catalog, observations: Sequence[Observation], until: dt.date,
                        stale_after_days: int = DEFAULT_STALE_AFTER_DAYS,
                        ) -> tuple[Certificate, ...]:
    """Every certificate a firm's history earns up to ``until``, by ladder, level, issue date.

    ``observations`` are the firm's final observations (one firm). See the module docstring
    for the rules.
    """
    held: dict[tuple[str, str], list[Certificate]] = {
        (ladder.id, level.id): [] for ladder in catalog.ladders for level in ladder.levels
    }
    for day in evaluation_dates(observations, until):
        evidence = latest_evidence(observations, day)
        assessment_id = max(o.assessment_id for o in observations if o.observed_on == day)
        for ladder in catalog.ladders:
            if not _judgeable(ladder, day):
                continue
            result = evaluate_ladder(catalog, ladder, evidence, day, stale_after_days)
            for i in range(_attained_index(ladder, result) + 1):
                level = ladder.levels[i]
                earning = _earning(result, i, day, assessment_id)
                history = held[(ladder.id, level.id)]
                if history and history[-1].is_valid_on(day):
                    last = history[-1]
                    history[-1] = last.model_copy(
                        update={"earnings": (*last.earnings, earning)})
                else:
                    history.append(Certificate(ladder=ladder.id, level=level.id,
                                               months=level.certificate_months,
                                               earnings=(earning,)))
    return tuple(c for history in held.values() for c in history)


def certification_on(catalog: Catalog, certificates: Iterable[Certificate],
                     on: dt.date) -> tuple[LadderCertification, ...]:
    """Per ladder of ``catalog``: the certified level and expired levels on ``on``.

    ``certificates`` come from :func:`derive_certificates` with ``until`` >= ``on``;
    certificates issued after ``on`` are left out.
    """
    known = [c for c in certificates if c.issued_on <= on]
    out: list[LadderCertification] = []
    for ladder in catalog.ladders:
        mine = [c for c in known if c.ladder == ladder.id]
        valid = {c.level for c in mine if c.is_valid_on(on)}
        certified: str | None = None
        for level in ladder.levels:
            if level.id not in valid:
                break
            certified = level.id
        expired = tuple(lv.id for lv in ladder.levels
                        if lv.id not in valid and any(c.level == lv.id for c in mine))
        out.append(LadderCertification(ladder=ladder.id, on=on, certified_level=certified,
                                       expired_levels=expired, certificates=tuple(mine)))
    return tuple(out)
