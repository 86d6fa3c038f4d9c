"""Firms on the commodity chain: roles, region, products, size, export regime, provenance."""

from __future__ import annotations

import datetime as dt
import unicodedata
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from escalera.domain.ids import parse_firm_id


class Role(StrEnum):
    """Where a firm sits on the chain (a firm may have several)."""

    RETAILER = "retailer"
    BRAND = "brand"
    BUYING_AGENT = "buying_agent"
    JOBBER = "jobber"
    MANUFACTURER = "manufacturer"
    CONTRACTOR = "contractor"
    HOME_WORKSHOP = "home_workshop"
    INTEGRADORA = "integradora"
    CONSULTANT = "consultant"
    AGENCY = "agency"


PRODUCER_ROLES = frozenset(
    {Role.MANUFACTURER, Role.CONTRACTOR, Role.HOME_WORKSHOP, Role.INTEGRADORA, Role.JOBBER}
)


class ExportRegime(StrEnum):
    """Customs regime: temporary import (maquila), definitive export, or domestic only."""

    TEMPORARY = "temporary"
    DEFINITIVE = "definitive"
    DOMESTIC = "domestic"


class SourceKind(StrEnum):
    """What kind of record a stored value came from."""

    IMPORT = "import"
    FORM = "form"
    ASSESSMENT = "assessment"
    DEMO = "demo"


class Source(BaseModel):
    """Provenance of a value: e.g. ``import`` of ``firms.csv`` row 12, or assessment A-..."""

    model_config = ConfigDict(frozen=True)

    kind: SourceKind
    ref: str = Field(min_length=1, max_length=300)


class Firm(BaseModel):
    """One establishment. ``provenance`` maps a field name to where its value came from."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str = Field(min_length=1, max_length=200)
    roles: tuple[Role, ...] = Field(min_length=1)
    state: str = Field(min_length=1, max_length=80)
    municipality: str = Field(default="", max_length=120)
    products: tuple[str, ...] = ()
    hs_chapters: tuple[int, ...] = ()
    employees: int | None = Field(default=None, ge=0, le=200_000)
    monthly_capacity: int | None = Field(default=None, ge=0, le=100_000_000)
    export_regime: ExportRegime = ExportRegime.DOMESTIC
    hosts_visits: bool = False
    founded_on: dt.date | None = None  # unknown when None; assessments cannot predate it
    working_capital: float | None = Field(default=None, ge=0)  # declared, in pesos; None: unknown
    provenance: dict[str, Source] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        return parse_firm_id(value)

    @field_validator("hs_chapters")
    @classmethod
    def _check_chapters(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        for chapter in value:
            if not 1 <= chapter <= 99:
                raise ValueError(f"HS chapter must be 1-99, got {chapter}")
        return value

    @property
    def is_producer(self) -> bool:
        """True when the firm makes garments itself or through its network."""
        return any(r in PRODUCER_ROLES for r in self.roles)


def normalise_name(name: str) -> str:
    """Name folded for duplicate detection: no accents, case, punctuation or legal suffixes."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = "".join(ch if ch.isalnum() else " " for ch in folded).split()
    legal = {"sa", "de", "cv", "s", "a", "c", "v", "rl", "srl", "sc", "spr", "sapi", "sas"}
    while words and words[-1] in legal:
        words.pop()
    return " ".join(words)
