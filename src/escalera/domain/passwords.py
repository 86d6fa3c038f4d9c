"""Sign-in credentials: the one form of a username, and which passwords are refused.

``normal_username`` is what account creation stores and what sign-in and the login limiter
look up, so ``"Comprador "``, ``"ｃｏｍｐｒａｄｏｒ"`` and ``"comprador"`` are one account and
one counter. ``password_problem`` is the password policy (ADR 0008): at least
``MIN_LENGTH`` characters, not only spaces, not the username, and not guessable as judged
by zxcvbn, whose dictionaries include 30,000 passwords from public breaches, with this
service's name and the Spanish words for a password as context.
"""

from __future__ import annotations

import unicodedata

from zxcvbn import zxcvbn

from escalera.errors import N_, EscaleraError

MIN_LENGTH = 15  # NIST SP 800-63B rev. 4 for a password that is the only factor
MAX_LENGTH = 200
MIN_SCORE = 3  # zxcvbn: about 10^8 guesses or more
ESTIMATED = 72  # zxcvbn's own limit; a longer password is judged by its beginning
NAME_IN_PASSWORD = 3  # shorter usernames are refused only as the whole password
CONTEXT = ("escalera", "contraseña", "contrasena", "clave", "secreto", "usuario", "admin",
           "administrador", "demo")
"""Words an attacker tries first here (zxcvbn's own dictionaries are English)."""


class WeakPassword(EscaleraError, ValueError):
    """A password the policy refuses; the message says why."""


def normal_username(username: str) -> str:
    """The stored form of a username: Unicode NFKC, case-folded, without surrounding
    whitespace (tabs, no-break and ideographic spaces included).

    >>> normal_username("  Ｃｏｍｐｒａｄｏｒ\\t")
    'comprador'
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())
    return folded.strip()


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` is refused for ``username`` (an ``N_`` template), or None.

    >>> password_problem("tres gatos en la azotea", "comprador") is None
    True
    >>> password_problem("12345678")
    'a password has at least {minimum} characters'
    """
    if not password.strip():
        return N_("a password cannot be only spaces")
    if len(password) < MIN_LENGTH:
        return N_("a password has at least {minimum} characters")
    if len(password) > MAX_LENGTH:
        return N_("a password has at most {maximum} characters")
    name = normal_username(username)
    folded = normal_username(password)
    if name and (folded == name or (len(name) >= NAME_IN_PASSWORD and name in folded)):
        return N_("a password cannot contain the username")
    if zxcvbn(password[:ESTIMATED], user_inputs=[*CONTEXT, name])["score"] < MIN_SCORE:
        return N_("this password is too easy to guess (a common or leaked password, a "
                  "word with a few digits, a sequence or a repetition); a few unrelated "
                  "words make a good one")
    return None


def check_password(password: str, username: str = "") -> None:
    """Raise :class:`WeakPassword` unless the policy accepts ``password``."""
    problem = password_problem(password, username)
    if problem is not None:
        raise WeakPassword(problem, minimum=MIN_LENGTH, maximum=MAX_LENGTH)
