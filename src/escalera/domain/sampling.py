"""Single sampling plans of ISO 2859-1:1999, as pure functions over the tables.

``sampling_plan(lot_size, level, aql, severity)`` reads the code letter from Table 1, then the
master table of the severity (2-A normal, 2-B tightened, 2-C reduced). An arrow is followed
along the AQL column to the first plan below (down) or above (up) it, and that plan is used
with *its own* sample size; the letter reported is the letter of the row that gave the plan
(what published calculators show), the letter of Table 1 is kept as ``table_letter``. When the
sample size equals or exceeds the lot size the whole lot is inspected (``full_inspection``;
the sample size is then the lot size).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from escalera.domain import sampling_tables as tables
from escalera.errors import N_, EscaleraError


class SamplingError(EscaleraError, ValueError):
    """A sampling request names a lot size, level, AQL, severity or count that cannot be."""


class Severity(StrEnum):
    """How strict the inspection is: the switching rules (``domain.switching``) move a
    stream between these. A discontinued stream has no sampling plan until corrective
    action resumes it on tightened inspection."""

    NORMAL = "normal"
    TIGHTENED = "tightened"
    REDUCED = "reduced"
    DISCONTINUED = "discontinued"


class Decision(StrEnum):
    """What a sample says about its lot."""

    ACCEPT = "accept"
    REJECT = "reject"


SEVERITIES: tuple[str, ...] = ("normal", "tightened", "reduced")  # those with a plan
LEVELS = tables.LEVELS
AQL_SERIES = tables.AQL_SERIES

_MASTER = {Severity.NORMAL: tables.NORMAL, Severity.TIGHTENED: tables.TIGHTENED,
           Severity.REDUCED: tables.REDUCED}
_SIZES = {Severity.NORMAL: tables.SAMPLE_SIZES, Severity.TIGHTENED: tables.SAMPLE_SIZES,
          Severity.REDUCED: tables.REDUCED_SAMPLE_SIZES}
_AQL_INDEX = {Decimal(a): i for i, a in enumerate(tables.AQL_SERIES)}


@dataclass(frozen=True)
class SamplingPlan:
    """A single sampling plan for one lot: inspect ``sample_size`` units, accept the lot with
    at most ``ac`` nonconforming units (or nonconformities), reject it with ``re`` or more."""

    lot_size: int
    level: str
    aql: str
    severity: str
    code_letter: str
    table_letter: str
    sample_size: int
    ac: int
    re: int
    full_inspection: bool

    def as_dict(self) -> dict[str, object]:
        """The plan as plain JSON-ready values."""
        return {"lot_size": self.lot_size, "level": self.level, "aql": self.aql,
                "severity": self.severity, "code_letter": self.code_letter,
                "table_letter": self.table_letter, "sample_size": self.sample_size,
                "ac": self.ac, "re": self.re, "full_inspection": self.full_inspection}


def normalize_level(level: str) -> str:
    """``"ii"``, ``" II "``, ``"s1"`` or ``"S-1"`` as the standard writes them."""
    text = str(level).strip().upper().replace("_", "-")
    if len(text) == 2 and text[0] == "S" and text[1].isdigit():
        text = f"S-{text[1]}"
    if text not in tables.LEVELS:
        raise SamplingError(N_("unknown inspection level {level!r}; use one of {valid}"),
                            level=level, valid=", ".join(tables.LEVELS))
    return text


def normalize_aql(aql: str | float | int | Decimal) -> str:
    """An AQL of the standard's series written as the standard writes it (``"2.5"``)."""
    try:
        value = Decimal(str(aql).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        value = None
    index = _AQL_INDEX.get(value) if value is not None and value.is_finite() else None
    if index is None:
        raise SamplingError(N_("AQL {aql} is not in the series of ISO 2859-1; use one of "
                               "{valid}"), aql=aql, valid=", ".join(tables.AQL_SERIES))
    return tables.AQL_SERIES[index]


def normalize_severity(severity: str | Severity) -> Severity:
    """``"normal"``, ``"tightened"`` or ``"reduced"`` as a :class:`Severity`."""
    text = str(severity).strip().lower()
    if text == Severity.DISCONTINUED:
        raise SamplingError(N_("inspection is discontinued: there is no sampling plan until "
                               "corrective action resumes it on tightened inspection"))
    if text not in SEVERITIES:
        raise SamplingError(N_("unknown inspection severity {severity!r}; use one of "
                               "{valid}"), severity=severity, valid=", ".join(SEVERITIES))
    return Severity(text)


def _check_lot_size(lot_size: int) -> int:
    if isinstance(lot_size, bool) or not isinstance(lot_size, int) or lot_size < 1:
        raise SamplingError(N_("lot size must be a whole number of at least 1, got {lot_size}"),
                            lot_size=lot_size)
    return lot_size


def code_letter(lot_size: int, level: str) -> str:
    """Table 1: the sample size code letter for a lot size and an inspection level."""
    lot = _check_lot_size(lot_size)
    column = tables.LEVELS.index(normalize_level(level))
    for upper, letters in tables.CODE_LETTERS:
        if upper is None or lot <= upper:
            return letters.split()[column]
    raise AssertionError("Table 1 ends with an open range")  # pragma: no cover


def master_cell(severity: str | Severity, letter: str, aql: str | float) -> str:
    """The raw cell of a master table: an acceptance number, ``v``, ``^`` or ``.`` (none)."""
    table = _MASTER[normalize_severity(severity)]
    return table[letter].split()[tables.AQL_SERIES.index(normalize_aql(aql))]


def resolve(severity: str | Severity, letter: str, aql: str | float) -> tuple[str, int]:
    """Follow the arrows of a master table from ``letter`` in the AQL's column: the letter
    whose row holds the plan, and its acceptance number."""
    sev = normalize_severity(severity)
    table = _MASTER[sev]
    rows = list(table)
    column = tables.AQL_SERIES.index(normalize_aql(aql))
    row = rows.index(letter)
    cell = table[letter].split()[column]
    step = 1 if cell == "v" else -1
    while not cell.isdigit():
        row += step
        if not 0 <= row < len(rows):  # pragma: no cover - the tables are closed
            raise AssertionError(f"arrow leaves table {sev} at {letter}/{aql}")
        cell = table[rows[row]].split()[column]
    return rows[row], int(cell)


def sampling_plan(lot_size: int, level: str, aql: str | float,
                  severity: str | Severity = "normal") -> SamplingPlan:
    """The single sampling plan of ISO 2859-1:1999 for a lot.

    ``level`` is ``S-1``..``S-4``, ``I``, ``II`` or ``III``; ``aql`` one of the standard's
    series (``"0.65"``, ``2.5``, ...); ``severity`` normal, tightened or reduced.
    """
    lot = _check_lot_size(lot_size)
    lev, aql_text, sev = normalize_level(level), normalize_aql(aql), normalize_severity(severity)
    first = code_letter(lot, lev)
    letter, ac = resolve(sev, first, aql_text)
    size = _SIZES[sev][letter]
    full = size >= lot
    return SamplingPlan(lot_size=lot, level=lev, aql=aql_text, severity=sev.value,
                        code_letter=letter, table_letter=first,
                        sample_size=lot if full else size, ac=ac, re=ac + 1,
                        full_inspection=full)


class Basis(StrEnum):
    """What the sample counts: nonconforming units (percent nonconforming; each unit once, in
    its most serious class) or nonconformities (per hundred units; a unit may have several)."""

    UNITS = "units"
    NONCONFORMITIES = "nonconformities"


BASES: tuple[str, ...] = tuple(b.value for b in Basis)
UNITS_ONLY_UP_TO = Decimal(10)  # AQLs above 10 are in nonconformities per 100 units only


def normalize_basis(basis: str | Basis) -> Basis:
    """``"units"`` or ``"nonconformities"`` as a :class:`Basis`."""
    try:
        return Basis(str(basis).strip().lower())
    except ValueError:
        raise SamplingError(N_("unknown counting basis {basis!r}; use one of {valid}"),
                            basis=basis, valid=", ".join(BASES)) from None


def decide(plan: SamplingPlan, defects: int, basis: str | Basis = Basis.UNITS) -> Decision:
    """Accept with at most ``plan.ac`` in the sample, reject otherwise.

    On the ``units`` basis ``defects`` counts nonconforming units, so it cannot exceed the
    sample size, and AQLs above 10 (which the standard defines per hundred units only) are
    refused; on the ``nonconformities`` basis any count is possible.
    """
    how = normalize_basis(basis)
    if isinstance(defects, bool) or not isinstance(defects, int) or defects < 0:
        raise SamplingError(N_("the number of nonconforming units must be a whole number of "
                               "at least 0, got {defects}"), defects=defects)
    if how is Basis.UNITS:
        if Decimal(plan.aql) > UNITS_ONLY_UP_TO:
            raise SamplingError(N_("AQL {aql} is above 10, which the standard defines in "
                                   "nonconformities per hundred units only; count "
                                   "nonconformities"), aql=plan.aql)
        if defects > plan.sample_size:
            raise SamplingError(N_("{defects} nonconforming units found but only "
                                   "{sample_size} units were sampled"), defects=defects,
                                sample_size=plan.sample_size)
    return Decision.ACCEPT if defects <= plan.ac else Decision.REJECT


def tighter_acceptance_number(plan: SamplingPlan) -> int | None:
    """The acceptance number one AQL step tighter on the row that gave ``plan`` (what the
    switching score asks of a lot when Ac is 2 or more, ISO 2859-1:1999 9.3.3); None at
    the tightest AQL or where that cell is an arrow (only next to Ac 0 or 1)."""
    column = tables.AQL_SERIES.index(plan.aql)
    if column == 0:
        return None
    cell = master_cell(plan.severity, plan.code_letter, tables.AQL_SERIES[column - 1])
    return int(cell) if cell.isdigit() else None


def accepted_at_tighter_aql(plan: SamplingPlan, defects: int) -> bool | None:
    """Whether ``defects`` would have been accepted one AQL step tighter (None: not defined,
    the plan's Ac is below 2)."""
    if plan.ac < 2:
        return None
    tighter = tighter_acceptance_number(plan)
    return None if tighter is None else defects <= tighter
