"""``escalera ladder stats``: how many firms stand on each level of each ladder."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import typer
from rich.table import Table

from escalera.cli.common import app_context, console, json_option, on_option, parse_day, print_json
from escalera.domain.catalog_model import Catalog
from escalera.i18n import _, current_language
from escalera.services.ladder_stats import NO_PRODUCT, ladder_stats


class GroupBy(StrEnum):
    """Breakdown of the counts shown as tables."""

    REGION = "region"
    PRODUCT = "product"
    NONE = "none"


def register(app: typer.Typer) -> None:
    """Add the ``ladder`` group to ``app``."""
    group = typer.Typer(help=_("Ladders of standards and the firms on them."),
                        no_args_is_help=True)
    app.add_typer(group, name="ladder")

    @group.command("stats", help=_("Firms per level of each ladder, over every registered "
                                     "firm."))
    def stats(
        ctx: typer.Context,
        on: str = on_option(),
        json_out: bool = json_option(),
        by: GroupBy = typer.Option(GroupBy.NONE, "--by",
                                   help=_("Also break the counts down by region or "
                                          "product.")),
    ) -> None:
        """Firms per level of each ladder, over every registered firm."""
        context = app_context(ctx)
        day = parse_day(on)
        with context.transaction() as session:
            result = ladder_stats(session, context.catalog, day,
                                  context.settings.stale_after_days,
                                  context.settings.min_group_size)
        if json_out:
            print_json(result)
        else:
            render(result, context.catalog, by)


def _columns(catalog: Catalog, ladder_id: str) -> list[tuple[str, str]]:
    """(key, header) per column of a ladder's table: levels, then the two other statuses."""
    lang = current_language()
    ladder = catalog.ladder(ladder_id)
    return [(lv.id, lv.name.get(lang)) for lv in ladder.levels] + [
        ("below_first_level", _("Below the first level")),
        ("not_assessed", _("Not assessed")),
    ]


def _cells(counts: dict[str, Any], keys: list[str]) -> list[str]:
    levels = counts["levels"]
    return [f"{levels[k] if k in levels else counts[k]:,}" for k in keys]


def render(result: dict[str, Any], catalog: Catalog, by: GroupBy) -> None:
    """Rich tables: firms per level of each ladder, optionally per region or product."""
    lang = current_language()
    console.print(_("{firms} firms evaluated on {day} (evidence older than {days} days "
                    "counts as not assessed)").format(firms=f"{result['firms']:,}",
                                                      day=result["on"],
                                                      days=result["stale_after_days"]))
    for ladder_id, counts in result["ladders"].items():
        columns = _columns(catalog, ladder_id)
        keys = [k for k, _h in columns]
        table = Table(title=catalog.ladder(ladder_id).name.get(lang))
        table.add_column(_("Level"))
        table.add_column(_("Firms"), justify="right")
        for (key, header), cell in zip(columns, _cells(counts, keys), strict=True):
            table.add_row(header, cell, style="dim" if key not in counts["levels"] else None)
        console.print(table)
        if by is GroupBy.NONE:
            continue
        group_header = _("Region") if by is GroupBy.REGION else _("Product")
        table = Table(title=f"{catalog.ladder(ladder_id).name.get(lang)} · {group_header}")
        table.add_column(group_header)
        for _key, header in columns:
            table.add_column(header, justify="right")
        for group_key, per_ladder in result["by_group"][str(by)].items():
            label = group_key if group_key != NO_PRODUCT else _("(no product)")
            table.add_row(label, *_cells(per_ladder[ladder_id], keys))
        console.print(table)
    if by is not GroupBy.NONE:
        hidden = result["suppressed"][str(by)]
        if hidden["groups"]:
            console.print(_("{groups} groups are not shown ({firms} firms): those of fewer "
                            "than {size} firms and those that would give them away.").format(
                groups=hidden["groups"], size=result["min_group_size"],
                firms=hidden["firms"]))
