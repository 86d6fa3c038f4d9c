"""Words people write for roles, regimes and link types map to one code each."""

from __future__ import annotations

import pytest

from escalera.domain.firms import Role
from escalera.ingest.text import fold
from escalera.ingest.vocab import LINK_WORDS, REGIME_WORDS, ROLE_WORDS, ROLES, lookup


@pytest.mark.parametrize("words", [ROLE_WORDS, REGIME_WORDS, LINK_WORDS])
def test_no_word_names_two_values(words: dict[object, tuple[str, ...]]) -> None:
    seen: dict[str, object] = {}
    for value, aliases in words.items():
        for alias in (str(value), *aliases):
            key = fold(alias)
            assert seen.setdefault(key, value) == value, f"{alias!r} names two values"


@pytest.mark.parametrize(("text", "role"), [
    ("Taller", Role.CONTRACTOR), ("taller de costura", Role.CONTRACTOR),
    ("Trabajo a domicilio", Role.HOME_WORKSHOP), ("TALLER DOMÉSTICO", Role.HOME_WORKSHOP),
    ("Maquiladora", Role.CONTRACTOR), ("Empresa integradora", Role.INTEGRADORA),
    ("intermediario", Role.JOBBER),
])
def test_glossary_words_are_recognised(text: str, role: Role) -> None:
    assert lookup(ROLES, text) is role
