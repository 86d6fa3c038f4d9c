"""The password policy and the one form of a username (``domain.passwords``)."""

from __future__ import annotations

import pytest
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from escalera.domain.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    WeakPassword,
    check_password,
    normal_username,
    password_problem,
)
from escalera.errors import N_

SHORT = N_("a password has at least {minimum} characters")
SPACES = N_("a password cannot be only spaces")
NAME = N_("a password cannot contain the username")
GUESSABLE = N_("this password is too easy to guess (a common or leaked password, a word "
               "with a few digits, a sequence or a repetition); a few unrelated words "
               "make a good one")


@pytest.mark.parametrize(("password", "why"), [
    ("password", SHORT),
    ("12345678", SHORT),
    (" " * 8, SPACES),
    (" " * 20, SPACES),
    ("\t\u00a0\u3000" * 5, SPACES),
    ("comprador", SHORT),
    ("comprador-123456", NAME),
    ("MiComprador-2026", NAME),
    ("ｃｏｍｐｒａｄｏｒ-dos-tres", NAME),  # full-width letters are the same username
    ("password1234567", GUESSABLE),
    ("123456789012345", GUESSABLE),
    ("contraseña12345", GUESSABLE),  # a Spanish word of the context list
    ("aaaaaaaaaaaaaaaa", GUESSABLE),
    ("qwertyuiopasdfgh", GUESSABLE),
    ("passwordpassword", GUESSABLE),
    ("x" * (MAX_LENGTH + 1), N_("a password has at most {maximum} characters")),
])
def test_weak_passwords_are_refused_with_the_reason(password: str, why: str) -> None:
    assert password_problem(password, "comprador") == why
    with pytest.raises(WeakPassword):
        check_password(password, "comprador")


def test_a_password_equal_to_the_username_is_refused() -> None:
    assert password_problem("evaluadora-central", "Evaluadora-Central ") == NAME
    assert password_problem("ab-cd-ef-gh-ij-kl", "ab") is None  # 2 letters: not a name
    assert password_problem("abababababababab", "abababababababab") == NAME


def test_breached_passwords_of_the_packaged_list_are_refused() -> None:
    breached = FREQUENCY_LISTS["passwords"]  # 30,000, most shorter than MIN_LENGTH
    assert len(breached) == 30_000
    assert all(password_problem(p, "") is not None for p in breached)
    long_enough = [p for p in breached if len(p) >= MIN_LENGTH]
    assert len(long_enough) > 20 and "1qaz2wsx3edc4rfv" in long_enough
    assert {password_problem(p, "") for p in long_enough} == {GUESSABLE}


@pytest.mark.parametrize("password", ["tres gatos en la azotea", "una-clave-larga",
                                      "Zapatos!Rojos&Verdes", "x9#kLm2pQ7vw-Tz4",
                                      "ñandú-ágil-7-río"])
def test_good_passwords_are_accepted(password: str) -> None:
    assert password_problem(password, "comprador") is None
    check_password(password, "comprador")


def test_a_long_password_is_judged_by_its_beginning() -> None:
    assert password_problem("una-clave-larga " * 12, "") is None  # 192 characters
    assert password_problem("a" * 150 + "tres gatos en la azotea", "") is not None


@pytest.mark.parametrize("typed", ["comprador", "comprador ", " comprador", "Comprador\t",
                                   "COMPRADOR\u00a0", "ｃｏｍｐｒａｄｏｒ", "\u3000comprador",
                                   "ＣＯＭＰＲＡＤＯＲ\u2003"])
def test_every_variant_of_a_username_has_one_form(typed: str) -> None:
    assert normal_username(typed) == "comprador"


def test_case_folding_goes_beyond_lower() -> None:
    assert normal_username("STRAẞE") == normal_username("strasse") == "strasse"
    assert normal_username("ﬁrma") == "firma"  # ligature (NFKC)
