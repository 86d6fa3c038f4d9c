"""``generate_network``: the whole demo network for a seed, a size and a reference date.

The same (firms, seed, reference date, first serial) always gives the same frames: every
stage draws from its own NumPy generator seeded with ``[seed, stage]`` (observation chunks
with ``[seed, stage, chunk]``), so adding draws to one stage never shifts another.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from escalera.demo.assessments import Latent, generate_assessments, latent, observation_chunks
from escalera.demo.network import generate_links
from escalera.demo.population import P, generate_population
from escalera.domain.evidence import ItemKind, Observation
from escalera.domain.firms import Source, SourceKind

FIRM_COLUMNS = ("firm_id", "name", "roles", "state", "municipality", "products", "hs_chapters",
                "employees", "monthly_capacity", "export_regime", "hosts_visits", "provenance",
                "working_capital")
LINK_COLUMNS = ("source", "target", "type", "start", "end", "exclusive", "volume_share",
                "ended_reason", "origin")
ASSESSMENT_COLUMNS = ("assessment_id", "firm_id", "stage", "assessed_on", "assessor", "status",
                      "origin")
OBSERVATION_COLUMNS = ("firm_id", "assessment_id", "observed_on", "kind", "item", "value")
PROVENANCE_FIELDS = ("name", "roles", "state", "municipality", "products", "hs_chapters",
                     "employees", "monthly_capacity", "export_regime", "hosts_visits")
_POPULATION, _LINKS, _LATENT, _ASSESSMENTS, _OBSERVATIONS = range(1, 6)


def demo_source(seed: int) -> Source:
    """Provenance of every generated value."""
    return Source(kind=SourceKind.DEMO, ref=f"seed {seed}")


@dataclass(frozen=True)
class DemoNetwork:
    """Frames of the generated network; observations come in chunks (they are the bulk).

    ``firms`` has the public columns plus ``profile`` and ``serial``; ``links`` adds
    ``source_index``/``target_index`` and ``assessments`` adds ``firm_index`` (row positions
    in ``firms``), which the database writer turns into row ids.
    """

    seed: int
    reference_date: dt.date
    firms: pl.DataFrame
    links: pl.DataFrame
    assessments: pl.DataFrame
    latent: Latent

    def observation_chunks(self) -> Iterator[pl.DataFrame]:
        """Observations, chunk by chunk (``assessment_index`` = row in ``assessments``)."""
        return observation_chunks(self.assessments, self.latent, self.firms["firm_id"],
                                  self.seed, _OBSERVATIONS)

    def observations(self) -> pl.DataFrame:
        """All observations in one frame (fine for thousands of firms, not millions)."""
        chunks = list(self.observation_chunks())
        return pl.concat(chunks) if chunks else observation_chunks_empty()

    def firm_observations(self, firm_id: str, observations: pl.DataFrame | None = None
                          ) -> list[Observation]:
        """One firm's observations as domain objects, for the single-firm evaluator."""
        frame = self.observations() if observations is None else observations
        rows = frame.filter(pl.col("firm_id") == firm_id)
        return [Observation(firm_id=r["firm_id"], assessment_id=r["assessment_id"],
                            observed_on=r["observed_on"], kind=ItemKind(r["kind"]),
                            item=r["item"], value=r["value"])
                for r in rows.iter_rows(named=True)]


def observation_chunks_empty() -> pl.DataFrame:
    """An empty observations frame with the right columns."""
    return pl.DataFrame(schema={"firm_id": pl.String, "assessment_id": pl.String,
                                "observed_on": pl.Date, "kind": pl.String, "item": pl.String,
                                "value": pl.Float64, "assessment_index": pl.Int64})


def generate_network(n_firms: int, seed: int, reference_date: dt.date,
                     first_serial: int = 1) -> DemoNetwork:
    """A believable garment network of ``n_firms`` firms, assessed over the three years
    before ``reference_date`` (pass it in: the output depends on it, never on the clock)."""
    source = demo_source(seed).model_dump(mode="json")
    origin_json = json.dumps(source, ensure_ascii=False)
    provenance_json = json.dumps(dict.fromkeys(PROVENANCE_FIELDS, source), ensure_ascii=False)

    pop = generate_population(n_firms, np.random.default_rng([seed, _POPULATION]),
                              first_serial)
    links, history = generate_links(pop, np.random.default_rng([seed, _LINKS]),
                                    reference_date, origin_json)
    lat = latent(pop, history, np.random.default_rng([seed, _LATENT]))
    # Buyers keep inspecting the firms they buy from or tutor, and the maquilas.
    inspected = pop.profile == P["maquila"]
    buyer_links = links.filter(pl.col("type").is_in(["tutelage", "full_package"]))
    inspected[buyer_links["target_index"].to_numpy()] = True
    assessments = generate_assessments(pop, lat, inspected,
                                       np.random.default_rng([seed, _ASSESSMENTS]),
                                       reference_date, origin_json)
    firms = pop.firms.with_columns(provenance=pl.lit(provenance_json))
    return DemoNetwork(seed=seed, reference_date=reference_date, firms=firms, links=links,
                       assessments=assessments, latent=lat)
