"""Public firm ids: stable, not database row numbers, with a check character.

Format ``F-XXXX-XXXX-C``: eight Crockford base-32 symbols and one mod-37 check symbol
(Crockford's scheme), so any single mistyped symbol or swapped neighbour pair is caught.
Input is forgiving the way people type: lower case, missing hyphens, ``O`` for ``0`` and
``I``/``L`` for ``1`` are accepted and normalised.
"""

from __future__ import annotations

import re

from escalera.errors import N_, InvalidFirmId

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
_BODY_LEN = 8
_CAPACITY = 32**_BODY_LEN
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SHAPE = re.compile(r"^F[0-9A-Z]{8}[0-9A-Z*~$=]$")


def check_symbol(body: str) -> str:
    """The Crockford mod-37 check symbol of a body of base-32 symbols."""
    value = 0
    for ch in body:
        value = value * 32 + ALPHABET.index(ch)
    return CHECK_ALPHABET[value % 37]


def firm_id_from_int(n: int) -> str:
    """The public id for serial number ``n`` (deterministic; used by generators and imports)."""
    if not 0 <= n < _CAPACITY:
        raise InvalidFirmId(N_("firm serial out of range: {n}"), n=n)
    # Spread consecutive serials over the id space so neighbours do not look alike.
    n = (n * 0x2F0B3A5D + 0x1234567) % _CAPACITY
    symbols = []
    for _ in range(_BODY_LEN):
        n, r = divmod(n, 32)
        symbols.append(ALPHABET[r])
    body = "".join(reversed(symbols))
    return format_firm_id(body + check_symbol(body))


def format_firm_id(compact: str) -> str:
    """``XXXXXXXXC`` -> ``F-XXXX-XXXX-C``."""
    return f"F-{compact[0:4]}-{compact[4:8]}-{compact[8]}"


def parse_firm_id(text: str) -> str:
    """Normalise and verify a typed firm id; return its canonical form or raise InvalidFirmId."""
    raw = text.strip().upper().replace("-", "").replace(" ", "")
    if raw.startswith("F"):
        raw = "F" + raw[1:].translate(_TYPO)
    if not _SHAPE.match(raw):
        raise InvalidFirmId(N_("not a firm id: {text!r} (expected F-XXXX-XXXX-C)"),
                            text=text)
    body, check = raw[1:9], raw[9]
    if any(ch not in ALPHABET for ch in body):
        raise InvalidFirmId(N_("not a firm id: {text!r} (invalid symbol)"), text=text)
    if check_symbol(body) != check:
        raise InvalidFirmId(
            N_("firm id {text!r} fails its check character: probably mistyped"), text=text)
    return format_firm_id(body + check)


def is_firm_id(text: str) -> bool:
    """True when ``text`` is a well-formed firm id with a matching check character."""
    try:
        parse_firm_id(text)
    except InvalidFirmId:
        return False
    return True
