"""Assessment rows -> assessments with observations, long form or wide form.

Long form: one row per observation (assessment_id, firm_id, date, stage, assessor, status,
item, value); rows with the same ``assessment_id`` are one visit, and without an id one
visit per firm, date and stage. Wide form: one row per visit, one column per metric or
practice (its id or its Spanish or English name). Either way each visit is written whole
or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from escalera.domain.catalog_model import Catalog
from escalera.domain.evidence import ItemKind, Stage
from escalera.domain.observation_rules import date_problem, maturity_problem, value_problem
from escalera.i18n import _, current_language
from escalera.ingest.headers import HeaderMap
from escalera.ingest.numbers import CellError, Written, as_percent, fractions_column, parse_number
from escalera.ingest.reading import RawRow, RawTable
from escalera.ingest.rowread import RowReader
from escalera.ingest.text import fold
from escalera.ingest.validate import FirmIndex, Known, Validated, split_held, where
from escalera.ingest.vocab import MATURITIES, STAGES, STATUSES

HEAD = ("assessment_id", "firm_id", "date", "stage", "assessor", "status")


@dataclass
class AssessmentDraft:
    """One visit ready to store."""

    public_id: str
    firm_id: str
    stage: Stage
    assessed_on: dt.date
    assessor: str
    status: str
    values: dict[tuple[ItemKind, str], float] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)
    origin: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Head:
    assessment_id: str
    firm_id: str | None
    date: dt.date | None
    stage: Stage | None
    assessor: str
    status: str


@dataclass(frozen=True)
class _Obs:
    row: RawRow
    column: str  # header as written
    kind: ItemKind
    item: str
    text: str


def item_index(catalog: Catalog) -> dict[str, tuple[ItemKind, str]]:
    """Folded id or Spanish/English name -> (metric or practice, id)."""
    index: dict[str, tuple[ItemKind, str]] = {}
    for kind, entries in ((ItemKind.METRIC, catalog.metrics),
                          (ItemKind.PRACTICE, catalog.practices)):
        for entry in entries:
            for alias in (entry.id, entry.name.es, entry.name.en):
                index.setdefault(fold(alias), (kind, entry.id))
    return index


def minted_id(firm_id: str, day: dt.date, stage: Stage) -> str:
    """Id of a visit given without one: ``A-00R2WZY46-20240514-diagnostic``."""
    return f"A-{firm_id[2:].replace('-', '')}-{day:%Y%m%d}-{stage}"


def validate_assessments(table: RawTable, header_map: HeaderMap, catalog: Catalog,
                         firms: FirmIndex, known: Known,
                         today: dt.date) -> Validated[AssessmentDraft]:
    """Visits and their observations; every bad row reported, bad visits kept out whole."""
    read = RowReader(table, header_map)
    index = item_index(catalog)
    heads = {row.number: _head(read, row, firms, today) for row in table.rows}
    row_obs = {row.number: _observations(read, row, index) for row in table.rows}
    values = _values(read, [o for obs in row_obs.values() for o in obs], catalog, table.typed)
    groups: dict[tuple[str, ...], list[RawRow]] = defaultdict(list)
    for row in table.rows:
        head = heads[row.number]
        key = (head.assessment_id,) if head.assessment_id else (
            "", head.firm_id or read.text(row, "firm_id"),
            str(head.date or read.text(row, "date")), str(head.stage or read.text(row, "stage")))
        groups[key].append(row)
    out: Validated[AssessmentDraft] = Validated()
    for rows in groups.values():
        draft = _draft(read, rows, heads, known)
        seen: dict[str, int] = {}
        for row in rows:
            for obs in row_obs[row.number]:
                _add(read, draft, obs, values.get(row.number, {}), seen)
        bad = [r.number for r in rows if read.bad(r)]
        for row in rows:
            if bad and not read.bad(row):
                read.fail_at(row.number, "", "", "held", _(
                    "another row of this assessment is bad (row {row})").format(row=bad[0]))
        if not bad:
            out.items.append((rows[0].number, draft))
    out.errors, out.held = split_held(read.errors)
    return out


def _head(read: RowReader, row: RawRow, firms: FirmIndex, today: dt.date) -> _Head:
    read.longer_than(row, "assessment_id", 40)
    read.longer_than(row, "assessor", 120)
    for name in ("firm_id", "date", "stage"):
        read.required(row, name)
    firm_id = firms.resolve(read, row, "firm_id")
    day = read.date(row, "date", today)
    founded = firms.founded.get(firm_id or "")
    if day is not None and date_problem(day, today, founded) is not None:
        read.fail(row, "date", "before_founding", _(
            "before the firm was founded ({founded})").format(founded=founded))
        day = None
    return _Head(
        assessment_id=read.text(row, "assessment_id"),
        firm_id=firm_id,
        date=day,
        stage=read.choice(row, "stage", STAGES, Stage),
        assessor=read.text(row, "assessor"),
        status=read.choice(row, "status", STATUSES, sorted(set(STATUSES.values()))) or "final",
    )


def _observations(read: RowReader, row: RawRow,
                  index: dict[str, tuple[ItemKind, str]]) -> list[_Obs]:
    if read.map.wide:
        found = []
        for col, item in read.map.extra.items():
            if row.cells[col]:
                kind = index[fold(item)][0]
                found.append(_Obs(row, read.map.headers[col], kind, item, row.cells[col]))
        return found
    item_text, value = read.text(row, "item"), read.text(row, "value")
    if not item_text:
        if value:
            read.fail(row, "item", "missing_value", _("a value needs a metric or practice"))
        return []
    entry = index.get(fold(item_text))
    if entry is None:
        read.fail(row, "item", "unknown_item", _("not a metric or practice of the catalog"))
        return []
    if not value:
        return []
    return [_Obs(row, read.map.label("value"), entry[0], entry[1], value)]


def _values(read: RowReader, observations: list[_Obs], catalog: Catalog,
            typed: bool) -> dict[int, dict[str, float]]:
    """row -> item -> value, after the percent rule per metric; errors recorded."""
    written: dict[int, dict[str, Written]] = defaultdict(dict)
    out: dict[int, dict[str, float]] = defaultdict(dict)
    for obs in observations:
        if obs.kind is ItemKind.PRACTICE:
            level = _maturity(obs.text)
            if level is None:
                read.fail_at(obs.row.number, obs.column, obs.text, "maturity_range", _(
                    "maturity is 0-3 (0 absent, 1 informal, 2 documented, 3 continuous "
                    "improvement)"))
            else:
                out[obs.row.number][obs.item] = float(level)
            continue
        try:
            written[obs.row.number][obs.item] = parse_number(obs.text)
        except CellError as exc:
            read.fail_at(obs.row.number, obs.column, obs.text, exc.code, exc.reason)
    by_item: dict[str, list[Written]] = defaultdict(list)
    for items in written.values():
        for item, one in items.items():
            by_item[item].append(one)
    fractions = {item: not typed and fractions_column(ws) for item, ws in by_item.items()}
    for obs in observations:
        w = written.get(obs.row.number, {}).get(obs.item)
        if obs.kind is ItemKind.METRIC and w is not None:
            value = _metric_value(read, obs, catalog, w, fractions[obs.item])
            if value is not None:
                out[obs.row.number][obs.item] = value
    return out


def _maturity(text: str) -> int | None:
    try:
        number = parse_number(text)
    except CellError:
        return MATURITIES.get(fold(text))
    if number.percent_sign or maturity_problem(number.value) is not None:
        return None
    return int(number.value)


def _metric_value(read: RowReader, obs: _Obs, catalog: Catalog, w: Written,
                  fractions: bool) -> float | None:
    metric = catalog.metric(obs.item)
    if metric.unit == "%":
        value = as_percent(w, fractions)
    elif w.percent_sign:
        read.fail_at(obs.row.number, obs.column, obs.text, "not_a_percentage", _(
            "this metric is measured in {unit}, not in %").format(
                unit=metric.unit_label(current_language())))
        return None
    else:
        value = w.value
    found = value_problem(catalog, ItemKind.METRIC, obs.item, value)
    if found is None:
        return value
    code, limit = found.code, found.limit
    unit = metric.unit_label(current_language())
    reason = (_("not a number") if code == "not_a_number"
              else _("below the minimum {limit:g} {unit}").format(limit=limit, unit=unit)
              if code == "below_minimum"
              else _("above the maximum {limit:g} {unit}").format(limit=limit, unit=unit))
    read.fail_at(obs.row.number, obs.column, obs.text, "out_of_range", reason)
    return None


def _draft(read: RowReader, rows: list[RawRow], heads: dict[int, _Head],
           known: Known) -> AssessmentDraft:
    first = rows[0]
    head = heads[first.number]
    for row in rows[1:]:
        for name in HEAD[1:]:
            if getattr(heads[row.number], name) != getattr(head, name):
                read.fail(row, name, "inconsistent", _(
                    "differs from row {row} of the same assessment").format(row=first.number))
    public_id = head.assessment_id
    if not public_id and head.firm_id and head.date and head.stage:
        public_id = minted_id(head.firm_id, head.date, head.stage)
    if public_id in known.assessment_ids:
        read.fail(first, "assessment_id" if head.assessment_id else "date",
                  "assessment_exists", _("this assessment ({id}) is already in the database")
                  .format(id=public_id))
    numbers = [r.number for r in rows]
    ref = where(read.table.file, numbers[0]) if len(numbers) == 1 else \
        f"{read.table.file} rows {', '.join(map(str, numbers))}"
    return AssessmentDraft(
        public_id=public_id, firm_id=head.firm_id or "", stage=head.stage or Stage.SCREENING,
        assessed_on=head.date or dt.date.min, assessor=head.assessor, status=head.status,
        rows=numbers, origin={"kind": "import", "ref": ref[:300]})


def _add(read: RowReader, draft: AssessmentDraft, obs: _Obs, values: dict[str, float],
         seen: dict[str, int]) -> None:
    if obs.item in seen:
        read.fail_at(obs.row.number, obs.column, obs.text, "duplicate_item", _(
            "{item} is observed twice in this assessment (also row {row})").format(
                item=obs.item, row=seen[obs.item]))
        return
    seen[obs.item] = obs.row.number
    if obs.item in values:
        draft.values[(obs.kind, obs.item)] = values[obs.item]
