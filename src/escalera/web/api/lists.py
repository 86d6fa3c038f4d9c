"""Pagination, filtering and sorting of API lists, the same way everywhere.

``?limit=`` (1-500, default 50), ``?offset=``, ``?sort=<field>`` (``-field`` descending);
filters are each endpoint's own query parameters. A list answers ``{"items", "total",
"limit", "offset"}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

import polars as pl
from fastapi import HTTPException, Query
from pydantic import BaseModel

from escalera.i18n import _
from escalera.web.text import ShortText

T = TypeVar("T")
MAX_OFFSET = 10**9  # beyond any list; keeps the offset within a 64-bit slice


class Page(BaseModel):
    """How much of a list to return, from where, in which order."""

    limit: int = 50
    offset: int = 0
    sort: str | None = None


class Paged(BaseModel, Generic[T]):
    """One page of a list: the items, how many there are in all, and where the page is."""

    items: list[T]
    total: int
    limit: int
    offset: int


def page_params(limit: Annotated[int, Query(ge=1, le=500)] = 50,
                offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
                sort: Annotated[ShortText | None, Query(max_length=60)] = None) -> Page:
    """The paging query parameters."""
    return Page(limit=limit, offset=offset, sort=sort)


def rows_frame(rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """Records (dicts with the same keys) as a frame for :func:`paged`, every row read for
    the column types (a column may be empty at first)."""
    return pl.DataFrame(list(rows), infer_schema_length=None) if rows else pl.DataFrame()


def paged(frame: pl.DataFrame, page: Page, sortable: Sequence[str]) -> dict[str, Any]:
    """A page of ``frame`` (already filtered), sorted as asked."""
    if page.sort:
        field = page.sort.lstrip("-")
        if field not in sortable:
            raise HTTPException(422, _("cannot sort by {field}; use one of {valid}").format(
                field=field, valid=", ".join(sortable)))
        if frame.height:  # an empty list may lack the columns to sort by
            frame = frame.sort(field, descending=page.sort.startswith("-"), nulls_last=True)
    items = frame.slice(page.offset, page.limit).to_dicts()
    return {"items": items, "total": frame.height, "limit": page.limit,
            "offset": page.offset}
