"""Dates, yes/no and lists as people write them (numbers live in ``numbers``)."""

from __future__ import annotations

import datetime as dt
import re

from escalera.i18n import _
from escalera.ingest.numbers import CellError, parse_integer
from escalera.ingest.text import fold
from escalera.ingest.vocab import FALSE_WORDS, TRUE_WORDS

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_LIST_SEPARATORS = re.compile(r"[;,|\n]")


def parse_date(text: str) -> dt.date:
    """``2024-05-14`` or ``14/05/2024`` (day first, as in Mexico; also ``-`` or ``.``)."""
    s = text.strip()
    iso = _ISO.fullmatch(s)
    dmy = _DMY.fullmatch(s)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dmy:
            return dt.date(int(dmy[3]), int(dmy[2]), int(dmy[1]))
    except ValueError:
        pass
    raise CellError("not_a_date", _("not a date: write YYYY-MM-DD or DD/MM/YYYY"))


def parse_bool(text: str) -> bool:
    """Sí/no, yes/no, true/false, 1/0, x; raises CellError otherwise."""
    key = fold(text)
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise CellError("not_yes_no", _("expected yes or no (sí/no)"))


def split_list(text: str) -> list[str]:
    """Values separated by ``;``, ``,``, ``|`` or line breaks; blanks dropped."""
    return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]


def parse_int_list(text: str) -> list[int]:
    """Whole numbers separated like a list: ``61; 62``."""
    try:
        return [parse_integer(part) for part in split_list(text)]
    except CellError as exc:
        raise CellError(exc.code, exc.reason) from None
