"""Link rows -> dated links between firms of the files or the database, or RowErrors."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from pydantic import ValidationError

from escalera.domain.chain import Link, LinkType
from escalera.domain.firms import Source, SourceKind
from escalera.i18n import _
from escalera.ingest.headers import HeaderMap
from escalera.ingest.numbers import as_fraction, fractions_column
from escalera.ingest.reading import RawRow, RawTable
from escalera.ingest.rowread import RowReader
from escalera.ingest.validate import FirmIndex, Known, Validated, model_errors, split_held, where
from escalera.ingest.vocab import LINK_TYPES


def validate_links(table: RawTable, header_map: HeaderMap, firms: FirmIndex, known: Known,
                   today: dt.date) -> Validated[Link]:
    """Links between firms of the files or the database; duplicates are errors."""
    read = RowReader(table, header_map)
    shares = {row.number: read.number(row, "volume_share") for row in table.rows}
    fractions = not table.typed and fractions_column(w for w in shares.values() if w)
    drafts: list[tuple[RawRow, dict[str, object]]] = []
    seen: dict[tuple[str, str, str, dt.date], list[int]] = defaultdict(list)
    for row in table.rows:
        values = _link_fields(read, row, firms, today)
        share = shares[row.number]
        if share is not None:
            fraction = share.value if table.typed else as_fraction(share, fractions)
            if fraction < 0:
                read.fail(row, "volume_share", "negative", _("must not be negative"))
            elif fraction > 1:
                read.fail(row, "volume_share", "over_100", _("a share cannot exceed 100 %"))
            values["volume_share"] = fraction
        key = (values["source"], values["target"], values["type"], values["start"])
        if not read.bad(row) and all(key):
            seen[key].append(row.number)  # type: ignore[index]
        drafts.append((row, values))
    for key, rows in seen.items():
        if len(rows) > 1 or key in known.link_keys:
            for number in rows:
                read.fail_at(number, header_map.label("start"), str(key[3]), "duplicate_link",
                             _("the same link (firms, type, start) is on rows {rows}").format(
                                 rows=", ".join(map(str, rows))) if len(rows) > 1 else
                             _("this link (firms, type, start) is already in the database"))
    out: Validated[Link] = Validated()
    for row, values in drafts:
        if read.bad(row):
            continue
        try:
            link = Link.model_validate({**values, "origin": Source(
                kind=SourceKind.IMPORT, ref=where(table.file, row.number))})
        except ValidationError as exc:
            model_errors(read, row, exc)
            continue
        out.items.append((row.number, link))
    out.errors, out.held = split_held(read.errors)
    return out


def _link_fields(read: RowReader, row: RawRow, firms: FirmIndex,
                 today: dt.date) -> dict[str, object]:
    read.required(row, "source")
    read.required(row, "target")
    source = firms.resolve(read, row, "source")
    target = firms.resolve(read, row, "target")
    if source is not None and source == target:
        read.fail(row, "target", "same_firm", _("a link needs two different firms"))
    read.required(row, "type")
    kind = read.choice(row, "type", LINK_TYPES, LinkType)
    read.required(row, "start")
    start = read.date(row, "start", today)
    end = read.date(row, "end")
    if start is not None and end is not None and end < start:
        read.fail(row, "end", "end_before_start", _("the link ends before it starts"))
    exclusive = bool(read.boolean(row, "exclusive"))
    if exclusive and kind is not None and kind is not LinkType.TUTELAGE:
        read.fail(row, "exclusive", "not_tutelage", _("only tutelage partnerships can be "
                                                     "exclusive"))
    read.longer_than(row, "ended_reason", 200)
    return {"source": source, "target": target, "type": kind, "start": start, "end": end,
            "exclusive": exclusive, "ended_reason": read.text(row, "ended_reason")}
