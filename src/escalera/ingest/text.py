"""Text helpers shared by the importers: folding for lookups, cleaning for storage."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """A lookup key: no accents, lower case, punctuation and ``_`` as single spaces.

    ``"Razón  social"``, ``"razon_social"`` and ``"RAZÓN SOCIAL"`` all fold to ``"razon social"``.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def clean(text: str) -> str:
    """A cell value as stored: surrounding blanks removed, accents composed (NFC).

    Composition only changes how an accent is encoded (``n`` + ``~`` becomes ``ñ``), never
    which letter it is, so accents and ñ survive exactly.
    """
    return unicodedata.normalize("NFC", text.replace("\u00a0", " ")).strip()


def column_letter(index: int) -> str:
    """Spreadsheet column letter for a 0-based index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
