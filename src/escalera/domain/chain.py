"""Links between firms along the commodity chain; dated so the map keeps its history."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from escalera.domain.firms import Source


class LinkType(StrEnum):
    """Kinds of relationship between two firms (``source`` -> ``target``)."""

    SUBCONTRACTING = "subcontracting"  # source sends cut pieces to target for sewing
    FULL_PACKAGE = "full_package"  # target buys materials and delivers finished goods
    TUTELAGE = "tutelage"  # source (buyer) teaches target (producer)
    INTEGRADORA_MEMBERSHIP = "integradora_membership"  # source is a member of target
    JOBBER_NETWORK = "jobber_network"  # source (jobber) places work with target


class Link(BaseModel):
    """A typed relationship over a period; ``end`` is None while it lasts."""

    model_config = ConfigDict(frozen=True)

    source: str
    target: str
    type: LinkType
    start: dt.date
    end: dt.date | None = None
    exclusive: bool = False
    volume_share: float | None = Field(default=None, ge=0, le=1)
    ended_reason: str = ""
    origin: Source | None = None

    @model_validator(mode="after")
    def _check(self) -> Link:
        if self.source == self.target:
            raise ValueError("a link needs two different firms")
        if self.end is not None and self.end < self.start:
            raise ValueError("a link cannot end before it starts")
        if self.exclusive and self.type is not LinkType.TUTELAGE:
            raise ValueError("only tutelage partnerships carry exclusivity")
        return self

    def active_on(self, day: dt.date) -> bool:
        """True when the link holds on ``day``."""
        return self.start <= day and (self.end is None or day < self.end)


def links_on(links: list[Link], day: dt.date) -> list[Link]:
    """The links active on ``day``: the chain map as it stood then."""
    return [link for link in links if link.active_on(day)]
