"""survey_forms: the shared core of the KPK field survey system.

Loads XLSForms into a form model (:func:`load_xlsform`), evaluates ODK's XPath dialect for skip
logic, constraints and calculations (:mod:`survey_forms.expressions`), fills entries with an
incrementally recomputed :class:`FormSession`, and validates complete entries
(:meth:`Form.validate`). It imports neither Flask nor Kivy: the tablet app and the sync server
both build on it.

The XLSForm loader (and with it pyxform, openpyxl and their imports, about two seconds on a
tablet) is imported only when first used: the tablet builds its forms from the compiled JSON
(:meth:`Form.from_json`) and never needs it.
"""

from typing import Any

from survey_forms.errors import FormError
from survey_forms.model import Choice, Form, Language, LoadWarning, Question
from survey_forms.session import FormSession
from survey_forms.validation import ValidationIssue

__all__ = [
    "PILOT_FORMS",
    "Choice",
    "Form",
    "FormError",
    "FormSession",
    "Language",
    "LoadWarning",
    "Question",
    "ValidationIssue",
    "load_pilot_form",
    "load_xlsform",
    "pilot_form_path",
]

__version__ = "0.1.0"

_LOADER_NAMES = frozenset({"PILOT_FORMS", "load_pilot_form", "load_xlsform", "pilot_form_path"})


def __getattr__(name: str) -> Any:
    """Import the XLSForm loader on first use of one of its names."""
    if name in _LOADER_NAMES:
        from survey_forms import loader

        return getattr(loader, name)
    raise AttributeError(f"module 'survey_forms' has no attribute {name!r}")
