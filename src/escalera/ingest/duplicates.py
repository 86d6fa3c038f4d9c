"""Likely duplicate firms: same state and municipality, names alike after normalising.

Names are compared after :func:`escalera.domain.firms.normalise_name` (no accents, case,
punctuation or legal suffixes such as "S.A. de C.V.") with rapidfuzz ``token_sort_ratio``,
so "Confecciones Peña, S.A. de C.V." and "CONFECCIONES PENA" score 100. Candidates are
reported for a person to confirm; nothing is ever merged.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from escalera.domain.firms import normalise_name
from escalera.i18n import _
from escalera.ingest.text import fold

DEFAULT_THRESHOLD = 90.0


@dataclass(frozen=True)
class FirmRef:
    """A firm to compare: id, name, place, and the file and row it is on (none: stored)."""

    id: str
    name: str
    state: str
    municipality: str
    file: str = ""
    row: int | None = None
    founded_on: dt.date | None = None  # bounds the dates of its assessments


@dataclass(frozen=True)
class DuplicateCandidate:
    """A new firm that looks like another one (in the same file or in the database)."""

    new: FirmRef
    other: FirmRef
    score: float


def place(firm: FirmRef) -> str:
    """Where a firm is, for people: ``firms.csv row 4`` or ``in the database``."""
    if firm.row is None:
        return _("in the database")
    return _("{file} row {row}").format(file=firm.file, row=firm.row)


def _block(firm: FirmRef) -> tuple[str, str]:
    return fold(firm.state), fold(firm.municipality)


def find_duplicates(new: Sequence[FirmRef], existing: Sequence[FirmRef],
                    threshold: float = DEFAULT_THRESHOLD) -> list[DuplicateCandidate]:
    """Pairs (new, other) scoring at least ``threshold``: new vs earlier new, new vs stored."""
    pool: dict[tuple[str, str], list[FirmRef]] = defaultdict(list)
    keys: dict[tuple[str, str], list[str]] = defaultdict(list)
    for firm in existing:
        pool[_block(firm)].append(firm)
        keys[_block(firm)].append(normalise_name(firm.name))
    found: list[DuplicateCandidate] = []
    for firm in new:
        block = _block(firm)
        key = normalise_name(firm.name)
        matches = process.extract(key, keys[block], scorer=fuzz.token_sort_ratio,
                                  score_cutoff=threshold, limit=None)
        for _choice, score, position in sorted(matches, key=lambda m: (-m[1], m[2])):
            other = pool[block][position]
            if other.id != firm.id:
                found.append(DuplicateCandidate(firm, other, round(float(score), 1)))
        pool[block].append(firm)
        keys[block].append(key)
    return found
