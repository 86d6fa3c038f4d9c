"""The documented columns of each import file: name, type, whether required, help, example.

This is the single source for templates, header mapping, validation and
``docs/import-format.md``. Column names are the English code names; ``header`` gives the
header a template shows in each language.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from escalera.domain.ids import firm_id_from_int
from escalera.errors import EscaleraError
from escalera.i18n import _
from escalera.ingest.text import fold


class Kind(StrEnum):
    """What an import file holds."""

    FIRMS = "firms"
    LINKS = "links"
    ASSESSMENTS = "assessments"


class ColumnType(StrEnum):
    """How a cell is read."""

    TEXT = "text"
    FIRM_ID = "firm_id"  # a firm id F-XXXX-XXXX-C
    FIRM_REF = "firm_ref"  # a firm id or a firm name that names exactly one firm
    LIST = "list"  # several values separated by ; , or |
    INTEGER_LIST = "integer_list"
    INTEGER = "integer"
    NUMBER = "number"
    PERCENT = "percent"
    DATE = "date"
    BOOLEAN = "boolean"
    CHOICE = "choice"  # one of a fixed set of words (Spanish or English)
    CHOICES = "choices"  # several of a fixed set


@dataclass(frozen=True)
class Column:
    """One documented column."""

    name: str
    type: ColumnType
    required: bool
    header_es: str
    help_en: str
    help_es: str
    example_en: str
    example_es: str

    def header(self, lang: str) -> str:
        """The template header in ``lang``."""
        return self.name if lang == "en" else self.header_es

    def help(self, lang: str) -> str:
        """The description in ``lang``."""
        return self.help_en if lang == "en" else self.help_es

    def example(self, lang: str) -> str:
        """The example value in ``lang``."""
        return self.example_en if lang == "en" else self.example_es


C, T = Column, ColumnType
EXAMPLE_FIRM = firm_id_from_int(1)
EXAMPLE_TUTOR = firm_id_from_int(2)

FIRM_COLUMNS: tuple[Column, ...] = (
    C("id", T.FIRM_ID, False, "clave",
      "Firm id F-XXXX-XXXX-C; leave empty and escalera assigns one.",
      "Clave de empresa F-XXXX-XXXX-C; si se deja vacía, escalera asigna una.",
      EXAMPLE_FIRM, EXAMPLE_FIRM),
    C("name", T.TEXT, True, "nombre", "Name or business name.",
      "Nombre o razón social.", "Confecciones Peña", "Confecciones Peña"),
    C("roles", T.CHOICES, True, "roles",
      "One or more roles: retailer, brand, buying_agent, jobber, manufacturer, contractor, "
      "home_workshop, integradora, consultant, agency (Spanish words accepted).",
      "Uno o más roles: minorista, marca, agente de compras, intermediario, fabricante, "
      "contratista (maquila), taller doméstico, integradora, consultor, agencia.",
      "contractor; manufacturer", "maquila; fabricante"),
    C("state", T.TEXT, True, "estado", "State.", "Estado (entidad federativa).",
      "Puebla", "Puebla"),
    C("municipality", T.TEXT, False, "municipio", "Municipality.", "Municipio o alcaldía.",
      "Tehuacán", "Tehuacán"),
    C("products", T.LIST, False, "productos", "Product types, separated by ; or ,.",
      "Tipos de producto (giro), separados por ; o ,.", "jeans; shirts", "jeans; camisas"),
    C("hs_chapters", T.INTEGER_LIST, False, "capitulos sa",
      "HS chapters: 61 knitted, 62 woven.", "Capítulos del SA: 61 de punto, 62 tejido plano.",
      "62", "62"),
    C("employees", T.INTEGER, False, "empleados", "Number of employees (0 or more).",
      "Número de empleados (0 o más).", "45", "45"),
    C("monthly_capacity", T.INTEGER, False, "capacidad mensual",
      "Capacity in units per month (0 or more); 12,000 and 12 000 are read as 12000.",
      "Capacidad en piezas por mes (0 o más); 12,000 y 12 000 se leen como 12000.",
      "12,000", "12,000"),
    C("export_regime", T.CHOICE, False, "régimen",
      "temporary (maquila), definitive or domestic; empty means domestic.",
      "temporal (maquila), definitivo o nacional; vacío significa nacional.",
      "temporary", "maquila"),
    C("hosts_visits", T.BOOLEAN, False, "recibe visitas",
      "Whether the firm hosts learning visits: yes or no.",
      "Si la empresa recibe visitas de aprendizaje: sí o no.", "no", "no"),
    C("founded_on", T.DATE, False, "fecha de fundación",
      "Founding date, YYYY-MM-DD or DD/MM/YYYY; no assessment can be dated before it. "
      "Empty: unknown.",
      "Fecha de fundación, AAAA-MM-DD o DD/MM/AAAA; ninguna evaluación puede ser anterior. "
      "Vacía: desconocida.", "2009-03-01", "01/03/2009"),
    C("working_capital", T.INTEGER, False, "capital de trabajo",
      "Working capital the firm declares, in pesos; matchmaking flags orders that need more "
      "(credit program candidates). Empty: unknown.",
      "Capital de trabajo que declara la empresa, en pesos; el emparejamiento señala los "
      "pedidos que necesitan más (candidatos a crédito). Vacío: desconocido.",
      "250,000", "250,000"),
)

LINK_COLUMNS: tuple[Column, ...] = (
    C("source", T.FIRM_REF, True, "origen",
      "Firm id (or exact name) of the source: the buyer, jobber or member.",
      "Clave (o nombre exacto) de la empresa de origen: comprador, intermediario o socio.",
      EXAMPLE_TUTOR, EXAMPLE_TUTOR),
    C("target", T.FIRM_REF, True, "destino", "Firm id (or exact name) of the target.",
      "Clave (o nombre exacto) de la empresa de destino.", EXAMPLE_FIRM, EXAMPLE_FIRM),
    C("type", T.CHOICE, True, "tipo",
      "subcontracting, full_package, tutelage, integradora_membership or jobber_network.",
      "subcontratación, paquete completo, tutoría, membresía integradora o red de "
      "intermediario.", "tutelage", "tutoría"),
    C("start", T.DATE, True, "inicio", "Start date, YYYY-MM-DD or DD/MM/YYYY; not in the "
      "future.", "Fecha de inicio, AAAA-MM-DD o DD/MM/AAAA; no futura.",
      "2021-03-01", "01/03/2021"),
    C("end", T.DATE, False, "fin", "End date; empty while the link lasts.",
      "Fecha de fin; vacía mientras el vínculo sigue.", "", ""),
    C("exclusive", T.BOOLEAN, False, "exclusivo",
      "Exclusive tutelage partnership: yes or no (tutelage only).",
      "Tutoría exclusiva: sí o no (solo tutoría).", "yes", "sí"),
    C("volume_share", T.PERCENT, False, "participación en volumen",
      "Share of the target's volume, 0-100 %: 40 %, 40 or 0.4.",
      "Parte del volumen de la empresa destino, 0-100 %: 40 %, 40 o 0.4.", "40 %", "40 %"),
    C("ended_reason", T.TEXT, False, "motivo de término", "Why the link ended.",
      "Por qué terminó el vínculo.", "", ""),
)

ASSESSMENT_COLUMNS: tuple[Column, ...] = (
    C("assessment_id", T.TEXT, False, "clave evaluación",
      "Assessment id; rows with the same id are one visit. Empty: one visit per firm, date "
      "and stage.", "Clave de la evaluación; las filas con la misma clave son una visita. "
      "Vacía: una visita por empresa, fecha y etapa.", "EV-2024-017", "EV-2024-017"),
    C("firm_id", T.FIRM_REF, True, "empresa", "Firm id (or exact name) assessed.",
      "Clave (o nombre exacto) de la empresa evaluada.", EXAMPLE_FIRM, EXAMPLE_FIRM),
    C("date", T.DATE, True, "fecha", "Visit date, YYYY-MM-DD or DD/MM/YYYY; not in the "
      "future nor before the firm's founding date.",
      "Fecha de la visita, AAAA-MM-DD o DD/MM/AAAA; no futura ni anterior a la fundación de "
      "la empresa.",
      "2024-05-14", "14/05/2024"),
    C("stage", T.CHOICE, True, "etapa",
      "screening, diagnostic, follow_up or random_inspection.",
      "preselección, diagnóstico, seguimiento o inspección aleatoria.",
      "diagnostic", "diagnóstico"),
    C("assessor", T.TEXT, False, "evaluador", "Who assessed.", "Quién evaluó.",
      "Ing. Martínez", "Ing. Martínez"),
    C("status", T.CHOICE, False, "estatus", "final (default) or draft.",
      "final (por omisión) o borrador.", "final", "final"),
    C("item", T.TEXT, True, "indicador",
      "Metric or practice id (or its name), e.g. on_time_delivery_pct, final_inspection.",
      "Clave (o nombre) de la métrica o práctica, p. ej. on_time_delivery_pct, "
      "final_inspection.", "on_time_delivery_pct", "on_time_delivery_pct"),
    C("value", T.NUMBER, False, "valor",
      "Metric value in its unit (92 %, 0.92 or 92 for percentages) or practice maturity "
      "0-3; empty: not observed.",
      "Valor de la métrica en su unidad (92 %, 0.92 o 92 para porcentajes) o madurez de la "
      "práctica 0-3; vacío: no observado.", "92 %", "92 %"),
)

# In the wide form the item and value columns are replaced by one column per item.
WIDE_ASSESSMENT_COLUMNS = tuple(c for c in ASSESSMENT_COLUMNS if c.name not in {"item", "value"})

COLUMNS: dict[Kind, tuple[Column, ...]] = {
    Kind.FIRMS: FIRM_COLUMNS,
    Kind.LINKS: LINK_COLUMNS,
    Kind.ASSESSMENTS: ASSESSMENT_COLUMNS,
}

# Names a sheet or file of each kind may have (folded), besides the kind itself.
KIND_NAMES: dict[Kind, tuple[str, ...]] = {
    Kind.FIRMS: ("firms", "empresas", "firm", "empresa"),
    Kind.LINKS: ("links", "vinculos", "link", "vinculo"),
    Kind.ASSESSMENTS: ("assessments", "evaluaciones", "assessment", "evaluacion"),
}


def parse_kind(text: str) -> Kind:
    """A kind from its English or Spanish name; raises EscaleraError when unknown."""
    for kind, names in KIND_NAMES.items():
        if fold(text) in names:
            return kind
    raise EscaleraError(_("unknown kind of file {kind!r}: use firms, links or assessments")
                        .format(kind=text))


def column(kind: Kind, name: str) -> Column:
    """The documented column ``name`` of ``kind`` (KeyError when unknown)."""
    for col in COLUMNS[kind]:
        if col.name == name:
            return col
    raise KeyError(name)
