"""Links of the demo network, column-wise, dated over the five years before the reference date.

- Jobber networks: a jobber places work with several contractors and home workshops of its
  state ("a jobber meets large orders through a network of subcontractors").
- Subcontracting: maquilas and manufacturers send cut pieces to contractors, and
  contractors pass work on to home workshops: the cascade down to home workers.
- Full package: retailers, buying agents and US brands buy finished goods.
- Tutelage: a US brand tutors a contractor for 12-18 months, sometimes exclusively; some
  contractors later "jumped ship" and sold their new skills to several other buyers.
- Integradora membership: small producers of a state pool their capacity.

Dates are day offsets from the reference date (negative = before) until the frame is built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from escalera.demo.population import P, Population

YEAR = 365
HISTORY_DAYS = 5 * YEAR
JUMPED_SHIP = "jumped ship"
ENDED_REASONS = ("", "no more orders", "late deliveries", "quality problems")
LEFT_INTEGRADORA = "left the integradora"
_REASON_TEXT = (*ENDED_REASONS, JUMPED_SHIP, "training completed", LEFT_INTEGRADORA)
_JUMPED, _COMPLETED, _LEFT = 4, 5, 6
LINK_COLUMNS = ("source", "target", "type", "start", "end", "exclusive", "volume_share",
                "ended_reason")


@dataclass(frozen=True)
class TutelageHistory:
    """Per firm: its tutelage (start, planned span, end, jumped?) as day offsets, NaN if none."""

    start: np.ndarray
    span: np.ndarray
    end: np.ndarray
    jumped: np.ndarray
    membership_start: np.ndarray  # first integradora membership, NaN if none
    membership_end: np.ndarray


@dataclass
class _Links:
    source: list[np.ndarray]
    target: list[np.ndarray]
    type: list[str]
    sizes: list[int]
    start: list[np.ndarray]
    end: list[np.ndarray]
    exclusive: list[np.ndarray]
    share: list[np.ndarray]
    reason: list[np.ndarray]

    def add(self, link_type: str, source: np.ndarray, target: np.ndarray, start: np.ndarray,
            end: np.ndarray, exclusive: np.ndarray | None = None,
            share: np.ndarray | None = None, reason: np.ndarray | None = None) -> None:
        n = len(source)
        self.source.append(source)
        self.target.append(target)
        self.type.append(link_type)
        self.sizes.append(n)
        self.start.append(start)
        self.end.append(end)
        self.exclusive.append(np.zeros(n, dtype=bool) if exclusive is None else exclusive)
        self.share.append(np.full(n, np.nan) if share is None else share)
        self.reason.append(np.zeros(n, dtype=np.int64) if reason is None else reason)


def _pick(rng: np.random.Generator, groups: np.ndarray, pool: np.ndarray,
          pool_groups: np.ndarray) -> np.ndarray:
    """For each requested group, a random pool member of that group (any member if none)."""
    order = np.argsort(pool_groups, kind="stable")
    pool, pool_groups = pool[order], pool_groups[order]
    n_groups = int(max(groups.max(initial=0), pool_groups.max(initial=0))) + 1
    sizes = np.bincount(pool_groups, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    u = rng.random(len(groups))
    size = sizes[groups]
    local = starts[groups] + np.floor(u * size).astype(np.int64)
    anywhere = np.floor(u * len(pool)).astype(np.int64)
    return np.where(size > 0, pool[np.minimum(local, len(pool) - 1)], pool[anywhere])


def _fan_out(rng: np.random.Generator, sources: np.ndarray, base: int, mean_extra: float
             ) -> np.ndarray:
    """Each source repeated ``base + Poisson(mean_extra)`` times."""
    return np.repeat(sources, base + rng.poisson(mean_extra, len(sources)))


def _dates(rng: np.random.Generator, n: int, ended_p: float, earliest: int = -HISTORY_DAYS
           ) -> tuple[np.ndarray, np.ndarray]:
    """Start offsets in [earliest, -30] and ends (NaN while the link lasts)."""
    start = rng.integers(earliest, -30, n).astype(np.float64)
    end = start + rng.integers(90, 3 * YEAR, n)
    end[(rng.random(n) >= ended_p) | (end >= -1)] = np.nan
    return start, end


def _trade(rng: np.random.Generator, links: _Links, link_type: str, sources: np.ndarray,
           targets: np.ndarray) -> None:
    """Add commercial links (subcontracting, jobber network, full package)."""
    n = len(sources)
    start, end = _dates(rng, n, 0.25)
    share = np.where(rng.random(n) < 0.7, np.round(rng.uniform(0.05, 0.9, n), 2), np.nan)
    reason = np.where(np.isnan(end), 0, rng.integers(0, len(ENDED_REASONS), n))
    links.add(link_type, sources, targets, start, end, share=share, reason=reason)


def generate_links(pop: Population, rng: np.random.Generator, reference_date: dt.date,
                   origin_json: str) -> tuple[pl.DataFrame, TutelageHistory]:
    """Every link of the network as a frame, and each firm's tutelage history."""
    profile, state = pop.profile, pop.state
    n = len(profile)

    def members(*names: str) -> np.ndarray:
        return np.flatnonzero(np.isin(profile, [P[x] for x in names]))

    links = _Links([], [], [], [], [], [], [], [], [])
    small = members("contractor", "home_workshop")
    contractors = members("contractor")
    home = members("home_workshop")

    # Jobber networks.
    src = _fan_out(rng, members("jobber"), 2, 5.0)
    _trade(rng, links, "jobber_network", src, _pick(rng, state[src], small, state[small]))

    # Subcontracting: maquilas and manufacturers -> contractors; contractors -> home workers.
    src = _fan_out(rng, members("maquila"), 3, 4.0)
    _trade(rng, links, "subcontracting", src, _pick(rng, state[src], contractors,
                                                     state[contractors]))
    manufacturers = members("manufacturer")
    src = _fan_out(rng, manufacturers[rng.random(len(manufacturers)) < 0.5], 1, 1.5)
    _trade(rng, links, "subcontracting", src, _pick(rng, state[src], small, state[small]))
    src = _fan_out(rng, contractors[rng.random(len(contractors)) < 0.3], 1, 1.0)
    _trade(rng, links, "subcontracting", src, _pick(rng, state[src], home, state[home]))

    # Full package: buyers -> producers anywhere in Mexico.
    finished = members("manufacturer", "maquila", "integradora", "jobber")
    for buyer, base, extra in (("retailer", 3, 8.0), ("buying_agent", 2, 5.0),
                               ("us_brand", 1, 2.0)):
        src = _fan_out(rng, members(buyer), base, extra)
        pool = members("maquila") if buyer == "us_brand" else finished
        _trade(rng, links, "full_package", src, pool[rng.integers(0, len(pool), len(src))])

    history = _tutelage(rng, pop, links)

    # Integradora membership: members of the integradora's state join after it is founded.
    integradoras = members("integradora")
    founded = rng.integers(-HISTORY_DAYS, -YEAR, len(integradoras))
    target_pos = np.repeat(np.arange(len(integradoras)),
                           4 + rng.poisson(5.0, len(integradoras)))
    target = integradoras[target_pos]
    pool = members("contractor", "home_workshop", "manufacturer")
    source = _pick(rng, state[target], pool, state[pool])
    start = np.minimum(founded[target_pos] + rng.integers(0, int(1.5 * YEAR), len(target)), -30)
    end = start + rng.integers(120, 3 * YEAR, len(target))
    end = np.where((rng.random(len(target)) < 0.15) & (end < -1), end, np.nan)
    reason = np.where(np.isnan(end), 0, _LEFT)
    links.add("integradora_membership", source, target, start.astype(np.float64), end,
              reason=reason)
    first_join = np.full(n, np.nan)
    last_leave = np.full(n, np.nan)
    order = np.argsort(-start)  # assign earliest last so it wins
    first_join[source[order]] = start[order]
    last_leave[source[order]] = end[order]
    history = TutelageHistory(history.start, history.span, history.end, history.jumped,
                              first_join, last_leave)

    frame = _frame(pop, links, reference_date, origin_json)
    return frame, history


def _tutelage(rng: np.random.Generator, pop: Population, links: _Links) -> TutelageHistory:
    """Brands tutor mid-capability contractors; some tutees later jump ship."""
    n = len(pop.profile)
    brands = np.flatnonzero(pop.profile == P["us_brand"])
    eligible = np.flatnonzero(np.isin(pop.profile, [P["contractor"], P["manufacturer"]]))
    count = min(len(eligible), max(2, round(0.004 * n)))
    # Gumbel top-k: weighted sampling without replacement, favouring capable contractors.
    score = -(((pop.capability[eligible] - 0.3) / 0.7) ** 2) + rng.gumbel(size=len(eligible))
    tutees = eligible[np.argsort(-score, kind="stable")[:count]]
    tutors = brands[rng.integers(0, len(brands), count)]
    start = rng.integers(-HISTORY_DAYS, -YEAR // 2, count).astype(np.float64)
    span = rng.integers(365, 548, count).astype(np.float64)  # 12-18 months
    exclusive = rng.random(count) < 0.5
    u = rng.random(count)
    jump_at = start + span * rng.uniform(0.8, 1.4, count)
    jumped = (u < 0.3) & (jump_at < -30)
    if count >= 2 and not jumped.any():
        first = int(np.argmin(start))
        jumped[first] = True
        jump_at[first] = min(start[first] + span[first], -30.0)
    completed_at = start + span + rng.integers(0, YEAR, count)
    completed = ~jumped & (u < 0.6) & (completed_at < -1)
    end = np.where(jumped, jump_at, np.where(completed, completed_at, np.nan))
    reason = np.where(jumped, _JUMPED, np.where(completed, _COMPLETED, 0))
    links.add("tutelage", tutors, tutees, start, end, exclusive=exclusive, reason=reason)

    # Contractors who jumped ship now work for several other buyers.
    jumpers = tutees[jumped]
    repeats = 2 + rng.poisson(0.7, len(jumpers))
    target = np.repeat(jumpers, repeats)
    since = np.repeat(jump_at[jumped], repeats)
    former = np.repeat(tutors[jumped], repeats)
    buyers = np.flatnonzero(np.isin(pop.profile, [P["us_brand"], P["buying_agent"]]))
    pick = rng.integers(0, len(buyers), len(target))
    pick = np.where(buyers[pick] == former, (pick + 1) % len(buyers), pick)
    new_start = np.minimum(since + rng.integers(10, 200, len(target)), -1).astype(np.float64)
    links.add("full_package", buyers[pick], target, new_start, np.full(len(target), np.nan),
              share=np.round(rng.uniform(0.1, 0.5, len(target)), 2))

    history = TutelageHistory(np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan),
                              np.zeros(n, dtype=bool), np.full(n, np.nan), np.full(n, np.nan))
    history.start[tutees] = start
    history.span[tutees] = span
    history.end[tutees] = end
    history.jumped[tutees] = jumped
    return history


def _frame(pop: Population, links: _Links, reference_date: dt.date, origin_json: str
           ) -> pl.DataFrame:
    source = np.concatenate(links.source)
    target = np.concatenate(links.target)
    link_type = np.repeat(np.arange(len(links.type)), links.sizes)
    types = pl.Series(links.type, dtype=pl.String).gather(link_type)
    epoch = (reference_date - dt.date(1970, 1, 1)).days
    start = np.concatenate(links.start) + epoch
    end = np.concatenate(links.end) + epoch
    frame = pl.DataFrame({
        "source_index": source.astype(np.int64),
        "target_index": target.astype(np.int64),
        "type": types,
        "start": pl.Series(start.astype(np.int32)).cast(pl.Date),
        "end": pl.Series(end).fill_nan(None).cast(pl.Int32).cast(pl.Date),
        "exclusive": np.concatenate(links.exclusive),
        "volume_share": pl.Series(np.concatenate(links.share)).fill_nan(None),
        "ended_reason": pl.Series(_REASON_TEXT, dtype=pl.String).gather(
            np.concatenate(links.reason)),
    })
    # No self-links; one link per (source, target, type).
    frame = (frame.filter(pl.col("source_index") != pl.col("target_index"))
             .unique(["source_index", "target_index", "type"], keep="first",
                     maintain_order=True))
    ids = pop.firms["firm_id"]
    return frame.with_columns(
        source=ids.gather(frame["source_index"]),
        target=ids.gather(frame["target_index"]),
        origin=pl.lit(origin_json),
    ).select(*LINK_COLUMNS, "origin", "source_index", "target_index")
