"""One exception hierarchy for the whole system; adapters turn these into CLI or HTTP errors."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark ``message`` for the translation catalog without translating it yet.

    Domain code has no language; an error's text is translated when it is shown (``str``),
    in the language of whoever reads it.
    """
    return message


class EscaleraError(Exception):
    """Base of every error escalera raises on purpose.

    ``EscaleraError(N_("no firm {id}"), id=...)`` keeps the English template and its
    parameters; ``str(error)`` gives it in the current interface language.
    """

    def __init__(self, message: str = "", /, **params: object) -> None:
        self.message, self.params = message, params
        super().__init__(message)

    def __str__(self) -> str:
        from escalera.i18n import gettext  # late: the domain stays free of interface state

        text = gettext(self.message)
        return text.format(**self.params) if self.params else text


class InvalidFirmId(EscaleraError, ValueError):
    """A firm id is malformed or its check character does not match (a mistyped id)."""


class CatalogError(EscaleraError):
    """A catalog file is broken; the message names the file, line and field."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        self.file, self.line, self.field = file, line, field
        super().__init__(message)


class UnknownReference(EscaleraError, LookupError):
    """Something names a firm, metric, practice, ladder or level that does not exist."""


class NotFound(EscaleraError, LookupError):
    """A requested record does not exist."""


class ImportRejected(EscaleraError):
    """An import file had bad rows and nothing was written; `report` lists every problem."""

    def __init__(self, message: str, report: object) -> None:
        self.report = report
        super().__init__(message)


class ConfigError(EscaleraError):
    """The settings are inconsistent or unsafe."""
