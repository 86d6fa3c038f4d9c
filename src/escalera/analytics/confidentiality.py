"""The one rule that keeps respondents anonymous: groups of fewer than k firms are never shown.

The study promised the firms it surveyed confidentiality, so every output that describes a
group of firms (benchmark tables, JSON, CSV/XLSX exports, a firm's percentile rank, trends,
transition matrices, ladder statistics by region or product) passes its rows through
:func:`suppress` before anything is printed or written. What is protected and what is still
shown is spelled out in ``docs/confidentiality.md``.

The operator chooses k with ``ESCALERA_MIN_GROUP_SIZE`` (default 5); the setting refuses
values below :data:`MIN_ALLOWED_GROUP_SIZE`. The function itself accepts any k >= 1 so tests
can switch the rule off and check that the groups add up.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

MIN_GROUP_SIZE = 5
"""Default k: the study's promise, groups of fewer than five firms are never shown."""

MIN_ALLOWED_GROUP_SIZE = 3
"""The smallest k an operator may configure."""

GROUP_SIZE = "n"
"""Default column holding the number of distinct firms a row describes."""


@dataclass(frozen=True)
class Hidden:
    """What :func:`suppress` left out: rows (groups) and the firms they describe in total."""

    groups: int = 0
    firms: int = 0

    def as_dict(self) -> dict[str, int]:
        """``{"groups": ..., "firms": ...}`` for JSON output."""
        return {"groups": self.groups, "firms": self.firms}


def suppress(frame: pl.DataFrame, k: int, size: str = GROUP_SIZE) -> tuple[pl.DataFrame, Hidden]:
    """The rows of ``frame`` describing at least ``k`` firms, and a count of the rest.

    ``size`` names the column with the number of distinct firms behind each row (a group's
    size, not a count of observations). Rows with a null size are dropped too: an unknown
    size is never assumed large enough.
    """
    if k < 1:
        raise ValueError(f"the minimum group size must be at least 1, got {k}")
    large = pl.col(size).fill_null(0) >= k
    small = frame.filter(~large)
    firms = int(small.get_column(size).fill_null(0).sum()) if small.height else 0
    return frame.filter(large), Hidden(groups=small.height, firms=firms)
