"""Time to market by sourcing country: what an order's estimated order-to-delivery time is
compared with (the ``sourcing`` section of the catalog; defaults from the study)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from escalera.domain.measures import Text


class SourcingOrigin(BaseModel):
    """A sourcing country (or group) and its order-to-receipt time in weeks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    name: Text
    weeks_min: float = Field(gt=0)
    weeks_max: float = Field(gt=0)
    rationale: str = Field(min_length=1)

    @model_validator(mode="after")
    def _range(self) -> SourcingOrigin:
        if self.weeks_max < self.weeks_min:
            raise ValueError("weeks_max must be at least weeks_min")
        return self


def compare(days: int, origins: tuple[SourcingOrigin, ...]) -> list[dict[str, object]]:
    """Each origin's range beside ``days``: ``faster`` when the order beats the origin's
    quickest time, ``slower`` when it is beyond its slowest, else ``within``."""
    weeks = days / 7.0
    out: list[dict[str, object]] = []
    for origin in origins:
        if weeks < origin.weeks_min:
            verdict = "faster"
        elif weeks > origin.weeks_max:
            verdict = "slower"
        else:
            verdict = "within"
        out.append({"origin": origin.id, "weeks_min": origin.weeks_min,
                    "weeks_max": origin.weeks_max, "verdict": verdict,
                    "weeks_ahead": round(origin.weeks_min - weeks, 1)})
    return out
