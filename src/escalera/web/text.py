"""The one rule for text that comes in through the web: no control characters.

PostgreSQL refuses NUL in text (psycopg raises before the query runs), and other control
characters in a name or an id are never meant: they hide text in a page, break CSV
exports and make two ids look the same. Single-line text (names, ids, usernames, query
filters) may hold none of C0 (``\\x00``-``\\x1f``), DEL or C1 (``\\x80``-``\\x9f``);
multi-line text (notes, descriptions, reasons) may also hold tab, line feed and carriage
return. The rules are regular expressions so that the OpenAPI schema states them and
clients (and schemathesis) can see them; ``errors`` words their 422 message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated

from pydantic import StringConstraints
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from escalera.i18n import _

SINGLE_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"
"""Names, ids, usernames, filters: printable characters only."""
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
"""Notes, descriptions, reasons: printable characters, tab and line breaks."""
PATTERNS = frozenset({SINGLE_LINE, MULTI_LINE})

Identifier = Annotated[str, StringConstraints(pattern=SINGLE_LINE)]
"""An id or a username (give its length with ``Field``/``Query``/``Path``)."""
ShortText = Annotated[str, StringConstraints(pattern=SINGLE_LINE)]
"""A one-line text: a name, a label, a filter."""
LongText = Annotated[str, StringConstraints(pattern=MULTI_LINE)]
"""A text of several lines: a note, a description, a reason."""

_SINGLE = re.compile(SINGLE_LINE)
_MULTI = re.compile(MULTI_LINE)
MULTI_LINE_FIELDS = frozenset({"description", "note", "notes", "reason", "resolution",
                               "action", "firms", "admission_thresholds",
                               "target_thresholds"})
"""Form fields that are text areas (several lines allowed); every other field is one line
(``tests/web/test_security_input.py`` checks every ``<textarea>`` of the templates is here)."""


def acceptable(value: str, *, multi_line: bool = False) -> bool:
    """Whether ``value`` keeps the rule (one line unless ``multi_line``)."""
    return (_MULTI if multi_line else _SINGLE).match(value) is not None


def bad_fields(fields: Iterable[tuple[str, object]]) -> list[str]:
    """The names of the text fields of a posted form that break the rule (files and other
    values are not text and are left alone)."""
    return [name for name, value in fields
            if isinstance(value, str)
            and not acceptable(value, multi_line=name in MULTI_LINE_FIELDS)]


def checked_form(form: FormData) -> FormData:
    """``form`` when every text field keeps the rule; a 422 naming the fields otherwise
    (the pages' forms, whose fields are read by hand rather than by a model)."""
    bad = bad_fields(form.multi_items())
    if bad:
        raise HTTPException(422, _("{fields}: control characters (such as NUL) are not "
                                   "allowed here").format(fields=", ".join(sorted(set(bad)))))
    return form
