"""Words and numbers as every adapter shows them (CLI, report, later the web), in the
current interface language: one wording per thing, so a table and a PDF never disagree."""

from __future__ import annotations

from escalera.domain.catalog_model import Catalog
from escalera.domain.evaluation import Status
from escalera.domain.evidence import ItemKind
from escalera.domain.firms import Role
from escalera.domain.visits import GapCovered
from escalera.i18n import _, current_language


def number(value: float | None) -> str:
    """A value as people read it: thousands separated, at most four significant digits
    below 10,000, whole numbers above (271,800, never 2.718e+05)."""
    if value is None:
        return "—"
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:,.4g}"


def status_label(status: Status) -> str:
    """met / unmet / not assessed."""
    return {Status.MET: _("met"), Status.UNMET: _("unmet"),
            Status.NOT_ASSESSED: _("not assessed")}[status]


def item_label(catalog: Catalog, kind: ItemKind | str, item: str) -> tuple[str, str]:
    """A metric's or practice's name and unit."""
    lang = current_language()
    if kind == ItemKind.METRIC:
        metric = catalog.metric(item)
        return metric.name.get(lang), metric.unit_label(lang)
    return catalog.practice(item).name.get(lang), _("maturity 0-3")


def role_label(role: Role) -> str:
    """A firm role (glossary words)."""
    return {
        Role.RETAILER: _("retailer"), Role.BRAND: _("brand"),
        Role.BUYING_AGENT: _("buying agent"), Role.JOBBER: _("jobber"),
        Role.MANUFACTURER: _("manufacturer"), Role.CONTRACTOR: _("contractor (taller)"),
        Role.HOME_WORKSHOP: _("home workshop"), Role.INTEGRADORA: _("integradora"),
        Role.CONSULTANT: _("consultant"), Role.AGENCY: _("agency"),
    }[role]


def visit_reason(catalog: Catalog, covered: GapCovered) -> str:
    """Why a host is worth a visit for one gap: its value beside the requirement and yours."""
    name, _unit = item_label(catalog, covered.gap.kind, covered.gap.item)
    return _("{requirement}: {host} there (required {required}, yours {current})").format(
        requirement=name, host=number(covered.host_value), required=number(covered.gap.required),
        current=number(covered.gap.current))
