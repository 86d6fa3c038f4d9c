"""Market segments: who buys at each level, and what they demand beyond the level."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from escalera.domain.measures import Text

LEAD_TIME_METRIC = "lead_time_days"  # the metric segments compare with their lead time


class PriceTier(StrEnum):
    """Rough price position of a segment."""

    LOW = "low"
    MID = "mid"
    UPPER_MID = "upper_mid"
    PREMIUM = "premium"


class MarketSegment(BaseModel):
    """A typology entry: required level on a ladder, minimum order, acceptable lead time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    name: Text
    ladder: str
    level: str | None = Field(
        default=None, description="Required level; None means open to firms below any level."
    )
    min_order_units: int = Field(ge=0)
    lead_time_days: int = Field(gt=0, description="Longest order-to-delivery time accepted.")
    price_tier: PriceTier
    rationale: str = Field(min_length=1)
