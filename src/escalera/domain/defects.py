"""The garment defect catalog: what an inspector counts, and the class each defect belongs to.

Classes follow ISO 2859-1 (clause 3.1.11, "classification of nonconformities"): *critical*
(the garment is unsafe or breaks the law: a needle fragment, mould, a missing care or fibre
label), *major* (the garment fails in use or will be returned: open seams, stains, shade
variation, a measurement out of tolerance) and *minor* (a departure a customer may notice
but that does not reduce usability: loose threads, light puckering). The default class is
what buyers' inspection manuals usually give; an inspector may count a defect in another
class (a large stain on the front is major, a speck inside the hem minor).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from escalera.errors import N_, EscaleraError


class DefectClass(StrEnum):
    """How serious a nonconformity is, most serious first."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


CLASS_ORDER: tuple[DefectClass, ...] = (DefectClass.CRITICAL, DefectClass.MAJOR,
                                       DefectClass.MINOR)

CLASS_LABELS: dict[DefectClass, str] = {
    DefectClass.CRITICAL: N_("critical"),
    DefectClass.MAJOR: N_("major"),
    DefectClass.MINOR: N_("minor"),
}


@dataclass(frozen=True)
class DefectType:
    """One kind of defect of the catalog: a stable code, an English label (a msgid) and the
    class it is counted in unless the inspector says otherwise."""

    code: str
    label: str
    default_class: DefectClass


_C, _M, _m = DefectClass.CRITICAL, DefectClass.MAJOR, DefectClass.MINOR

DEFECTS: tuple[DefectType, ...] = (
    DefectType("needle_or_metal", N_("broken needle or metal fragment"), _C),
    DefectType("mould_or_odour", N_("mould or strong odour"), _C),
    DefectType("missing_care_label", N_("missing care or fibre-content label"), _C),
    DefectType("open_seam", N_("open seam"), _M),
    DefectType("broken_stitch", N_("broken stitch"), _M),
    DefectType("skipped_stitch", N_("skipped stitch"), _M),
    DefectType("raw_edge", N_("raw edge or unfinished hem"), _M),
    DefectType("fabric_hole", N_("hole or fabric flaw"), _M),
    DefectType("stain", N_("stain or soil"), _M),
    DefectType("shade_variation", N_("shade variation between panels"), _M),
    DefectType("measurement", N_("measurement out of tolerance"), _M),
    DefectType("wrong_label", N_("wrong size or brand label"), _M),
    DefectType("trim_defect", N_("missing or broken button, zipper or trim"), _M),
    DefectType("print_defect", N_("print or embroidery defect"), _M),
    DefectType("uneven_stitching", N_("uneven or crooked stitching"), _m),
    DefectType("puckering", N_("puckering"), _m),
    DefectType("loose_thread", N_("untrimmed or loose thread"), _m),
    DefectType("pressing", N_("poor pressing or crease marks"), _m),
    DefectType("packing", N_("wrong folding or packing"), _m),
)

DEFECTS_BY_CODE: dict[str, DefectType] = {d.code: d for d in DEFECTS}


class UnknownDefect(EscaleraError, ValueError):
    """A defect code or class not in the catalog."""


def defect(code: str) -> DefectType:
    """The catalog entry of ``code`` (case and spaces ignored, ``-`` read as ``_``)."""
    key = str(code).strip().lower().replace("-", "_").replace(" ", "_")
    found = DEFECTS_BY_CODE.get(key)
    if found is None:
        raise UnknownDefect(N_("unknown defect {code!r}; the catalog has {valid}"),
                            code=code, valid=", ".join(DEFECTS_BY_CODE))
    return found


def defect_class(value: str | DefectClass) -> DefectClass:
    """``"critical"``, ``"major"`` or ``"minor"`` as a :class:`DefectClass`."""
    try:
        return DefectClass(str(value).strip().lower())
    except ValueError:
        raise UnknownDefect(N_("unknown defect class {value!r}; use critical, major or "
                               "minor"), value=value) from None
