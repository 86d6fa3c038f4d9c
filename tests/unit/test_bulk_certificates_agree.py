"""The column-wise certificates agree with the single-firm derivation on random networks."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest

from escalera.analytics.bulk_certificates import (
    certificates_frame,
    certification_frame,
    earnings_frame,
)
from escalera.domain.catalog_model import Catalog
from escalera.domain.certificates import certification_on, derive_certificates
from escalera.domain.evidence import ItemKind, Observation
from escalera.domain.ids import firm_id_from_int

START = dt.date(2019, 10, 1)  # a little before the catalog's first versions
STALE = 730


def _network(catalog: Catalog, seed: int, firms: int = 60) -> list[Observation]:
    rng = random.Random(seed)
    tier_1 = catalog.ladder("buyer_tiers").levels[-1].versions[0]
    state = catalog.ladder("regional_state_iso").levels[1].versions[0]
    metrics = {r.metric: r.threshold for r in (*tier_1.metrics, *state.metrics)}
    practices = {r.practice: r.min_maturity for r in (*tier_1.practices, *state.practices)}
    out: list[Observation] = []
    for n in range(firms):
        fid = firm_id_from_int(n + 1)
        for visit in range(rng.randint(1, 6)):
            day = START + dt.timedelta(days=rng.randint(0, 6 * 365))
            aid = f"A-{n}-{visit}"
            for item, threshold in metrics.items():
                if rng.random() < 0.85:
                    value = threshold * rng.uniform(0.7, 1.3)
                    out.append(Observation(firm_id=fid, assessment_id=aid, observed_on=day,
                                           kind=ItemKind.METRIC, item=item, value=value))
            for item, level in practices.items():
                if rng.random() < 0.85:
                    value = float(min(3, max(0, level + rng.choice((-1, 0, 0, 1)))))
                    out.append(Observation(firm_id=fid, assessment_id=aid, observed_on=day,
                                           kind=ItemKind.PRACTICE, item=item, value=value))
    return out


def _frame(observations: list[Observation]) -> pl.DataFrame:
    return pl.DataFrame(
        [(o.firm_id, o.assessment_id, o.observed_on, str(o.kind), o.item, o.value)
         for o in observations],
        schema={"firm_id": pl.String, "assessment_id": pl.String, "observed_on": pl.Date,
                "kind": pl.String, "item": pl.String, "value": pl.Float64}, orient="row")


@pytest.mark.parametrize("seed", [1, 2])
def test_bulk_certificates_agree_with_the_domain(catalog: Catalog, seed: int) -> None:
    observations = _network(catalog, seed)
    until = dt.date(2025, 6, 1)
    bulk = certificates_frame(earnings_frame(catalog, _frame(observations), until, STALE))
    by_firm: dict[str, list[Observation]] = {}
    for o in observations:
        by_firm.setdefault(o.firm_id, []).append(o)
    expected = set()
    certified = set()
    for fid, history in by_firm.items():
        certs = derive_certificates(catalog, history, until, STALE)
        expected |= {(fid, c.ladder, c.level, c.issued_on, c.last_earned_on, c.valid_until,
                      len(c.earnings)) for c in certs}
        for on in (dt.date(2024, 1, 1), until):
            certified |= {(fid, on, c.ladder, c.certified_level, c.expired_levels)
                          for c in certification_on(catalog, certs, on) if c.certificates}
    got = {(r["firm_id"], r["ladder"], r["level"], r["issued_on"], r["last_earned_on"],
            r["valid_until"], r["earnings"]) for r in bulk.iter_rows(named=True)}
    assert expected and got == expected
    assert any(n > 1 for *_, n in expected)  # renewals happen
    read = set()
    for on in (dt.date(2024, 1, 1), until):
        read |= {(r["firm_id"], on, r["ladder"], r["certified_level"],
                  tuple(r["expired_levels"]))
                 for r in certification_frame(catalog, bulk, on).iter_rows(named=True)}
    assert read == certified
    assert any(expired for *_, expired in certified)
