"""Translation catalog (Spanish and English) for every user-facing message.

Messages are written in English in the code, wrapped in ``_()``; Spanish lives in
``locale/es/LC_MESSAGES/escalera.po``. The ``.po`` files are read directly with Babel (no
compile step), and the language is a context variable so a web request and a CLI run can
each pick their own.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from importlib import resources

from babel.messages.pofile import read_po

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
_current: ContextVar[str] = ContextVar("escalera_lang", default=DEFAULT_LANGUAGE)


@cache
def _messages(lang: str) -> dict[str, str]:
    path = resources.files("escalera") / "locale" / lang / "LC_MESSAGES" / "escalera.po"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


def set_language(lang: str) -> None:
    """Use ``lang`` (``es`` or ``en``) for messages in the current context."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}")
    _current.set(lang)


def current_language() -> str:
    """The language in use in this context."""
    return _current.get()


def gettext(message: str) -> str:
    """``message`` in the current language (the English text when no translation exists)."""
    return _messages(_current.get()).get(message, message)


_ = gettext
