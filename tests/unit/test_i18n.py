"""Every user-facing message in the code has a Spanish translation; languages switch."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

import escalera
from escalera.i18n import _, _messages, set_language

SRC = Path(escalera.__file__).parent


def code_messages() -> set[str]:
    """msgids wrapped in _() anywhere in the package."""
    found: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(SRC), method_map=[("**.py", "python"),
                              ("**/templates/**.j2", "jinja2.ext:babel_extract")],
        keywords={"_": None, "gettext": None, "N_": None},
    ):
        if isinstance(message, str):
            found.add(message)
    return found


def test_every_message_has_a_spanish_translation() -> None:
    spanish = _messages("es")
    missing = sorted(m for m in code_messages() if m not in spanish)
    assert not missing, "add these to locale/es/LC_MESSAGES/escalera.po:\n" + "\n".join(missing)


def test_language_switches_per_context() -> None:
    set_language("es")
    assert _("Segments reachable now") == "Segmentos alcanzables ahora"
    set_language("en")
    assert _("Segments reachable now") == "Segments reachable now"
    set_language("es")
