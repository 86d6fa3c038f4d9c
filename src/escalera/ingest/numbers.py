"""Numbers as people write them in Mexican spreadsheets.

Rules (documented in ``docs/import-format.md``):

* Blanks, no-break spaces and thin spaces between groups of three digits are thousands
  separators: ``1 234`` -> 1234.
* With both ``,`` and ``.`` the last one is the decimal mark: ``1,234.5`` and ``1.234,5``
  -> 1234.5.
* A lone ``,`` followed by exactly three digits is a thousands separator (Mexico writes
  ``12,000`` for twelve thousand); otherwise it is a decimal comma: ``92,5`` -> 92.5.
  A lone ``.`` is the decimal point; several ``.`` or ``,`` are thousands separators.
* ``%`` before or after the number marks a percentage: ``92 %``, ``92%``, ``92,5 %``.
* Percent columns: a value written *without* ``%`` is read as a fraction when every such
  value of that column (or, in assessments, of that metric) in the file lies between 0 and 1
  (``0.92`` -> 92 %); otherwise such values are percentages (``92`` -> 92 %). Write
  ``0.5 %`` for half a percent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from escalera.i18n import _

_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2212": "-"})
_PLAIN = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SPACED = re.compile(r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?")


class CellError(ValueError):
    """A cell that cannot be read; ``code`` for programs, ``reason`` for people (in the
    interface language)."""

    def __init__(self, code: str, reason: str) -> None:
        self.code, self.reason = code, reason
        super().__init__(reason)


@dataclass(frozen=True)
class Written:
    """A number as written: its value and whether it carried a ``%`` sign."""

    value: float
    percent_sign: bool = False


def parse_number(text: str) -> Written:
    """Read one number; raises CellError with a reason when it is not one."""
    s = text.translate(_SPACES).strip()
    percent = False
    if s.endswith("%"):
        percent, s = True, s[:-1].strip()
    elif s.startswith("%"):
        percent, s = True, s[1:].strip()
    sign = 1.0
    if s[:1] in "+-" and s:
        sign, s = (-1.0 if s[0] == "-" else 1.0), s[1:].strip()
    if " " in s:
        if not _SPACED.fullmatch(s):
            raise CellError("not_a_number", _("not a number"))
        s = s.replace(" ", "")
    digits = _unseparate(s)
    if digits is None or not _PLAIN.fullmatch(digits):
        raise CellError("not_a_number", _("not a number"))
    return Written(sign * float(digits), percent)


def _unseparate(s: str) -> str | None:
    """``s`` with thousands separators removed and ``.`` as the decimal mark, or None."""
    commas, dots = s.count(","), s.count(".")
    if commas and dots:
        decimal = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        whole, _sep, frac = s.rpartition(decimal)
        if thousands in frac or not _grouped(whole, thousands):
            return None
        return whole.replace(thousands, "") + "." + frac
    if commas > 1:
        return s.replace(",", "") if _grouped(s, ",") else None
    if commas == 1:
        if _grouped(s, ","):
            return s.replace(",", "")
        return s.replace(",", ".")
    if dots > 1:
        return s.replace(".", "") if _grouped(s, ".") else None
    return s


def _grouped(s: str, sep: str) -> bool:
    """True when ``s`` is digits grouped by threes with ``sep``: 1,234 or 12,345,678."""
    return re.fullmatch(rf"[1-9]\d{{0,2}}(?:{re.escape(sep)}\d{{3}})+", s) is not None


def parse_integer(text: str) -> int:
    """Read a whole number (``12,000`` -> 12000); raises CellError otherwise."""
    written = parse_number(text)
    if written.percent_sign:
        raise CellError("not_a_whole_number", _("expected a whole number, not a percentage"))
    if not written.value.is_integer():
        raise CellError("not_a_whole_number", _("expected a whole number"))
    return int(written.value)


def fractions_column(values: Iterable[Written]) -> bool:
    """True when the values written without ``%`` are all fractions 0-1 (see module doc)."""
    plain = [w.value for w in values if not w.percent_sign]
    return bool(plain) and all(0 <= v <= 1 for v in plain)


def as_percent(written: Written, fractions: bool) -> float:
    """The value in percent (0-100 scale) under the column rule."""
    if fractions and not written.percent_sign:
        return _tidy(written.value * 100)
    return written.value


def as_fraction(written: Written, fractions: bool) -> float:
    """The value as a fraction (0-1 scale) under the column rule."""
    if fractions and not written.percent_sign:
        return written.value
    return written.value / 100


def _tidy(value: float) -> float:
    """Undo binary noise from scaling: 0.07 * 100 -> 7.0, not 7.000000000000001."""
    return round(value, 9)
