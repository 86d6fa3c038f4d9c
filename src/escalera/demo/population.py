"""The demo's firms, column-wise: profile, roles, place, products, size, regime, capability.

A *profile* is the generator's own word for what kind of establishment a firm is (a home
workshop, a taller working as contractor, a large maquila...). It decides the firm's roles,
size, export regime and latent capability, the hidden quality of its management that the
assessments later observe with noise. Most producers are home workshops and small
contractors; a few large maquilas under the temporary-import regime are near tier 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from escalera.demo.names import firm_names
from escalera.demo.places import HS_CHAPTER_OF, PLACES, PRODUCT_IDS, US_PLACES, weights

PROFILES: tuple[str, ...] = (
    "home_workshop", "contractor", "manufacturer", "maquila", "jobber", "integradora",
    "retailer", "us_brand", "buying_agent", "consultant", "agency",
)
P = {name: i for i, name in enumerate(PROFILES)}
PRODUCER_PROFILES = ("home_workshop", "contractor", "manufacturer", "maquila", "jobber",
                     "integradora")
IS_PRODUCER = np.array([p in PRODUCER_PROFILES for p in PROFILES])

# Share of the population and the least number present once there are 100 firms or more.
SHARES = {
    "home_workshop": 0.45, "contractor": 0.33, "manufacturer": 0.12, "maquila": 0.02,
    "jobber": 0.04, "integradora": 0.012, "retailer": 0.006, "us_brand": 0.006,
    "buying_agent": 0.004, "consultant": 0.008, "agency": 0.004,
}
MINIMUM = {"maquila": 2, "jobber": 2, "integradora": 1, "retailer": 1, "us_brand": 2,
           "buying_agent": 1, "consultant": 1, "agency": 1, "manufacturer": 3, "contractor": 5}
MIN_FIRMS = 50

# Role sets per profile with their probabilities (a manufacturer may own retail outlets; a
# large maquila may do full package; a jobber may design and cut).
ROLE_OPTIONS: dict[str, tuple[tuple[tuple[str, ...], float], ...]] = {
    "home_workshop": ((("home_workshop",), 1.0),),
    "contractor": ((("contractor",), 1.0),),
    "manufacturer": ((("manufacturer",), 0.85), (("manufacturer", "retailer"), 0.15)),
    "maquila": ((("contractor",), 0.6), (("manufacturer", "contractor"), 0.4)),
    "jobber": ((("jobber",), 0.7), (("jobber", "manufacturer"), 0.3)),
    "integradora": ((("integradora",), 1.0),),
    "retailer": ((("retailer",), 1.0),),
    "us_brand": ((("brand",), 1.0),),
    "buying_agent": ((("buying_agent",), 1.0),),
    "consultant": ((("consultant",), 1.0),),
    "agency": ((("agency",), 1.0),),
}

# Employees: lognormal median and spread, then clipped (home workshops: Poisson below).
EMPLOYEES = {
    "contractor": (14, 0.6, 4, 120), "manufacturer": (40, 0.7, 8, 600),
    "maquila": (700, 0.6, 150, 6000), "jobber": (12, 0.6, 2, 80),
    "integradora": (5, 0.5, 1, 30), "retailer": (800, 1.0, 30, 50_000),
    "us_brand": (1500, 1.0, 50, 100_000), "buying_agent": (15, 0.6, 2, 200),
    "consultant": (4, 0.6, 1, 40), "agency": (40, 0.6, 5, 400),
}
# Units per employee per month (low, high) for producers that sew themselves.
UNITS_PER_WORKER = {"home_workshop": (250, 600), "contractor": (350, 800),
                    "manufacturer": (300, 700), "maquila": (500, 1000)}
# Monthly units placed or pooled through a network (jobbers, integradoras).
NETWORK_CAPACITY = {"jobber": (4000, 40_000), "integradora": (5000, 60_000)}

# Latent capability at the start of the assessment window: mean and spread. The scale is
# the generator's own: about 0 is the entry tier of the buyers' ladder, 1 the middle one,
# 2 the top one (see ``escalera.demo.assessments``). Growth is per year.
CAPABILITY = {
    "home_workshop": (-1.0, 0.65), "contractor": (-0.2, 0.7), "manufacturer": (0.2, 0.7),
    "maquila": (2.6, 0.35), "jobber": (-0.05, 0.6), "integradora": (0.05, 0.55),
}
GROWTH = {
    "home_workshop": (0.07, 0.07), "contractor": (0.10, 0.08), "manufacturer": (0.10, 0.08),
    "maquila": (0.05, 0.05), "jobber": (0.08, 0.07), "integradora": (0.10, 0.07),
}


@dataclass(frozen=True)
class Population:
    """The firms frame plus the hidden columns later stages need (as NumPy arrays)."""

    firms: pl.DataFrame
    profile: np.ndarray  # index into PROFILES
    place: np.ndarray  # index into PLACES, or len(PLACES) + index into US_PLACES
    state: np.ndarray  # index into STATES
    capability: np.ndarray  # latent capability at the window start (NaN: not a producer)
    growth: np.ndarray  # capability gained per year
    monthly_capacity: np.ndarray  # -1 where none


STATES: tuple[str, ...] = tuple(dict.fromkeys(
    [p.state for p in PLACES] + [s for s, _ in US_PLACES]))
_PLACE_STATE = np.array([STATES.index(p.state) for p in PLACES]
                        + [STATES.index(s) for s, _ in US_PLACES])
_MUNICIPALITIES = [p.municipality for p in PLACES] + [m for _, m in US_PLACES]


def profile_counts(n: int) -> dict[str, int]:
    """How many firms of each profile a population of ``n`` has (home workshops fill up)."""
    if n < MIN_FIRMS:
        raise ValueError(f"the demo network needs at least {MIN_FIRMS} firms, got {n}")
    counts = {p: max(int(SHARES[p] * n), MINIMUM.get(p, 0)) for p in PROFILES}
    counts["home_workshop"] = n - sum(v for k, v in counts.items() if k != "home_workshop")
    return counts


def firm_ids(serials: np.ndarray) -> pl.Series:
    """Public ids for serial numbers, column-wise; equal to ``ids.firm_id_from_int``.

    The id body is the base-32 form of ``(n * 0x2F0B3A5D + 0x1234567) mod 32**8``; wrapping
    uint64 arithmetic is exact here because 32**8 = 2**40 divides 2**64. The check symbol is
    the body's value mod 37.
    """
    alphabet = np.frombuffer(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ", dtype=np.uint8)
    check_alphabet = np.frombuffer(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U", dtype=np.uint8)
    n = serials.astype(np.uint64)
    if len(n) and (n.max() >= np.uint64(1 << 40)):
        raise ValueError("firm serial out of range")
    with np.errstate(over="ignore"):
        value = (n * np.uint64(0x2F0B3A5D) + np.uint64(0x1234567)) & np.uint64((1 << 40) - 1)
    out = np.empty((len(n), 13), dtype=np.uint8)
    out[:, 0] = ord("F")
    out[:, 1] = out[:, 6] = out[:, 11] = ord("-")
    positions = (2, 3, 4, 5, 7, 8, 9, 10)
    for k, pos in enumerate(positions):
        shift = np.uint64(5 * (7 - k))
        out[:, pos] = alphabet[((value >> shift) & np.uint64(31)).astype(np.int64)]
    out[:, 12] = check_alphabet[(value % np.uint64(37)).astype(np.int64)]
    texts = out.view("S13").ravel()
    return pl.Series("firm_id", texts, dtype=pl.Binary).cast(pl.String)


def _categorical(rng: np.random.Generator, probabilities: np.ndarray, rows: np.ndarray
                 ) -> np.ndarray:
    """Draw one category per row from per-group probabilities (``probabilities[rows]``)."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(rows))
    drawn: np.ndarray = (cumulative[rows] < u[:, None]).sum(axis=1)
    capped: np.ndarray = np.minimum(drawn, probabilities.shape[1] - 1)
    return capped


def _lists(codes: np.ndarray, table: list[list[str]] | list[list[int]], name: str,
           dtype: pl.DataType) -> pl.Series:
    """A list column from integer codes into a small table of lists (gathered, not looped)."""
    return pl.Series(name, table, dtype=dtype).gather(codes)


def generate_population(n: int, rng: np.random.Generator, first_serial: int = 1
                        ) -> Population:
    """``n`` firms with believable roles, places, products and sizes."""
    counts = profile_counts(n)
    profile = rng.permutation(np.repeat(np.arange(len(PROFILES)), [counts[p] for p in PROFILES]))

    # Places: producers by weight; maquilas and integradoras where the study found them;
    # US brands (and some buying agents) at their US buying offices.
    n_places = len(PLACES)
    place = np.empty(n, dtype=np.int64)
    choosers = {
        "weight": weights([p.weight for p in PLACES]),
        "maquila": weights([p.maquila_weight for p in PLACES]),
        "integradora": weights([p.integradora_weight for p in PLACES]),
    }
    for i, pid in enumerate(PROFILES):
        rows = np.flatnonzero(profile == i)
        if pid == "us_brand":
            place[rows] = n_places + rng.integers(0, len(US_PLACES), len(rows))
            continue
        key = pid if pid in choosers else "weight"
        place[rows] = rng.choice(n_places, size=len(rows), p=choosers[key])
        if pid == "buying_agent":
            abroad = rows[rng.random(len(rows)) < 0.5]
            place[abroad] = n_places + rng.integers(0, len(US_PLACES), len(abroad))
    state = _PLACE_STATE[place]

    # Products: the place's speciality first, sometimes one or two more.
    mixes = np.array([p.products for p in PLACES] + [[1.0] * len(PRODUCT_IDS)] * len(US_PLACES))
    mask = np.zeros(n, dtype=np.int64)
    extra_p = np.where(np.isin(profile, [P["retailer"], P["us_brand"], P["buying_agent"]]),
                       0.8, 0.4)
    for k in range(3):
        drawn = _categorical(rng, mixes, place)
        keep = np.ones(n, dtype=bool) if k == 0 else rng.random(n) < extra_p / (k * 1.5)
        mask |= np.where(keep, 1 << drawn, 0)
    no_products = np.isin(profile, [P["consultant"], P["agency"]])
    mask[no_products] = 0
    unique_masks, mask_code = np.unique(mask, return_inverse=True)
    product_lists = [[pid for b, pid in enumerate(PRODUCT_IDS) if m >> b & 1]
                     for m in unique_masks.tolist()]
    chapter_lists = [sorted({int(HS_CHAPTER_OF[b]) for b in range(len(PRODUCT_IDS)) if m >> b & 1})
                     for m in unique_masks.tolist()]

    # Roles.
    role_table: list[list[str]] = []
    role_code = np.empty(n, dtype=np.int64)
    for i, pid in enumerate(PROFILES):
        rows = np.flatnonzero(profile == i)
        options = ROLE_OPTIONS[pid]
        first = len(role_table)
        role_table.extend(list(roles) for roles, _ in options)
        pick = rng.choice(len(options), size=len(rows), p=weights([w for _, w in options]))
        role_code[rows] = first + pick

    # Size and capacity.
    employees = np.empty(n, dtype=np.int64)
    capacity = np.full(n, -1, dtype=np.int64)
    for i, pid in enumerate(PROFILES):
        rows = np.flatnonzero(profile == i)
        if pid == "home_workshop":
            employees[rows] = np.minimum(1 + rng.poisson(1.0, len(rows)), 6)
        else:
            median, spread, low, high = EMPLOYEES[pid]
            drawn = np.exp(np.log(median) + spread * rng.standard_normal(len(rows)))
            employees[rows] = np.clip(np.rint(drawn), low, high)
        if pid in UNITS_PER_WORKER:
            low, high = UNITS_PER_WORKER[pid]
            per_worker = rng.uniform(low, high, len(rows))
            capacity[rows] = np.rint(employees[rows] * per_worker / 50) * 50
        elif pid in NETWORK_CAPACITY:
            low, high = NETWORK_CAPACITY[pid]
            capacity[rows] = np.rint(rng.uniform(low, high, len(rows)) / 500) * 500

    # Export regime.
    regime = np.full(n, "domestic", dtype=object)
    regime[profile == P["maquila"]] = "temporary"
    u = rng.random(n)
    definitive_p = np.select(
        [profile == P["manufacturer"], profile == P["integradora"], profile == P["jobber"]],
        [0.12, 0.15, 0.05], 0.0)
    regime[u < definitive_p] = "definitive"

    # Latent capability and its yearly growth.
    capability = np.full(n, np.nan)
    growth = np.zeros(n)
    z = rng.standard_normal((2, n))
    for pid in PRODUCER_PROFILES:
        rows = profile == P[pid]
        mean, spread = CAPABILITY[pid]
        capability[rows] = mean + spread * z[0, rows]
        g_mean, g_spread = GROWTH[pid]
        growth[rows] = np.clip(g_mean + g_spread * z[1, rows], -0.1, 0.4)
    best = np.nan_to_num(capability, nan=-9.0) > 1.4
    hosts = best & (rng.random(n) < 0.6)

    # Working capital declared by about two producers in three: pesos per worker, wider for
    # firms that export (own stream; the other draws stay as they were).
    money = np.random.default_rng((first_serial, n, 2859))
    per_worker = money.lognormal(np.log(18_000), 0.6, n) * np.where(regime == "domestic", 1, 2)
    declared = np.isfinite(capability) & (money.random(n) < 0.67)
    capital = np.where(declared, np.rint(employees * per_worker / 1000) * 1000, np.nan)

    serials = np.arange(first_serial, first_serial + n, dtype=np.int64)
    names = firm_names(profile, PROFILES, np.minimum(place, n_places - 1), rng)
    firms = pl.DataFrame({
        "firm_id": firm_ids(serials),
        "name": names,
        "roles": _lists(role_code, role_table, "roles", pl.List(pl.String)),
        "state": pl.Series(STATES, dtype=pl.String).gather(state),
        "municipality": pl.Series(_MUNICIPALITIES, dtype=pl.String).gather(place),
        "products": _lists(mask_code, product_lists, "products", pl.List(pl.String)),
        "hs_chapters": _lists(mask_code, chapter_lists, "hs_chapters", pl.List(pl.Int64)),
        "employees": employees,
        "monthly_capacity": pl.Series(capacity).replace(-1, None),
        "export_regime": pl.Series(regime.astype(str), dtype=pl.String),
        "hosts_visits": hosts,
        "working_capital": pl.Series(capital).fill_nan(None),
        "profile": pl.Series(PROFILES, dtype=pl.String).gather(profile),
        "serial": serials,
    })
    return Population(firms=firms, profile=profile, place=place, state=state,
                      capability=capability, growth=growth, monthly_capacity=capacity)
