"""The XLSForm vocabulary the loader accepts: type and column spellings (with the older ones
pyxform accepts), settings, and the presentation-only constructs it ignores with a warning."""

from __future__ import annotations

import re

__all__ = [
    "ALLOWED_APPEARANCES",
    "ALLOWED_PARAMETERS",
    "BEGIN_END",
    "CHOICE_ALIASES",
    "CHOICE_PRESENTATION",
    "COLUMN_ALIASES",
    "FILE_TYPES",
    "IGNORED_SETTINGS",
    "LANG_RE",
    "NAME_RE",
    "PILOT_FORMS",
    "PRESENTATION_SETTINGS",
    "REFUSED_APPEARANCES",
    "SELECT_TYPES",
    "SETTINGS",
    "SURVEY_COLUMNS",
    "SURVEY_PRESENTATION",
    "TRANSLATABLE",
    "TYPE_ALIASES",
]

FILE_TYPES = {".xlsx": "xlsx", ".xls": "xls", ".csv": "csv", ".md": "md"}

#: The pilot's two forms, by short name, as files in ``survey_forms/forms/``.
PILOT_FORMS = {
    "observasi": "observasi_kabkota_antikorupsi.md",
    "survei_masyarakat": "survei_partisipasi_masyarakat.md",
}

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
LANG_RE = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)\)\s*$")

#: XLSForm type spellings accepted, mapped to the model's type names.
TYPE_ALIASES = {
    "text": "text",
    "string": "text",
    "integer": "integer",
    "int": "integer",
    "decimal": "decimal",
    "date": "date",
    "time": "time",
    "datetime": "dateTime",
    "note": "note",
    "acknowledge": "acknowledge",
    "calculate": "calculate",
    "geopoint": "geopoint",
    "image": "image",
    "start": "start",
    "end": "end",
    "today": "today",
    "deviceid": "deviceid",
    "username": "username",
    "barcode": "barcode",
    "range": "range",
    "audio": "audio",
    "video": "video",
    "file": "file",
    "geotrace": "geotrace",
    "geoshape": "geoshape",
    "hidden": "hidden",
    "start-geopoint": "start-geopoint",
    "add barcode prompt": "barcode",
    "add audio prompt": "audio",
    "add video prompt": "video",
    "add file prompt": "file",
    # older spellings pyxform accepts
    "add text prompt": "text",
    "q string": "text",
    "add integer prompt": "integer",
    "q int": "integer",
    "add decimal prompt": "decimal",
    "q decimal": "decimal",
    "add date prompt": "date",
    "q date": "date",
    "add datetime prompt": "dateTime",
    "add date time prompt": "dateTime",
    "date time": "dateTime",
    "q date time": "dateTime",
    "add note prompt": "note",
    "add acknowledge prompt": "acknowledge",
    "trigger": "acknowledge",
    "add calculate prompt": "calculate",
    "add location prompt": "geopoint",
    "location": "geopoint",
    "gps": "geopoint",
    "q geopoint": "geopoint",
    "q location": "geopoint",
    "add image prompt": "image",
    "add photo prompt": "image",
    "photo": "image",
    "imei": "deviceid",
}
SELECT_TYPES = {
    "select_one": "select_one",
    "select one": "select_one",
    "select_multiple": "select_multiple",
    "select multiple": "select_multiple",
    "select all that apply": "select_multiple",
    # older spellings pyxform accepts
    "select one from": "select_one",
    "select one using": "select_one",
    "select1": "select_one",
    "add select one prompt using": "select_one",
    "select all that apply from": "select_multiple",
    "select multiple from": "select_multiple",
    "add select multiple prompt using": "select_multiple",
}
BEGIN_END = {
    "begin_group": ("begin", "group"),
    "begin group": ("begin", "group"),
    "end_group": ("end", "group"),
    "end group": ("end", "group"),
    "begin_repeat": ("begin", "repeat"),
    "begin repeat": ("begin", "repeat"),
    "end_repeat": ("end", "repeat"),
    "end repeat": ("end", "repeat"),
    "begin looped group": ("begin", "repeat"),
    "end looped group": ("end", "repeat"),
    "begin lgroup": ("begin", "repeat"),
    "end lgroup": ("end", "repeat"),
}

#: Survey columns accepted (after aliasing); ``::lang`` suffixes allowed on the translatable ones.
SURVEY_COLUMNS = {
    "type",
    "name",
    "label",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "default",
    "choice_filter",
    "read_only",
    "appearance",
    "parameters",
    "repeat_count",
}
#: Translatable columns and the Question attribute holding their texts by language.
TRANSLATABLE = {
    "label": "labels",
    "hint": "hints",
    "required_message": "required_message",
    "constraint_message": "constraint_message",
}
COLUMN_ALIASES = {
    "jr:constraintmsg": "constraint_message",
    "constraint message": "constraint_message",
    "jr:requiredmsg": "required_message",
    "required message": "required_message",
    "readonly": "read_only",
    "read only": "read_only",
    "jr:count": "repeat_count",
    "repeat count": "repeat_count",
    "choice filter": "choice_filter",
    "calculate": "calculation",
    "caption": "label",
    "relevance": "relevant",
    "constraining_message": "constraint_message",
    "requiredmsg": "required_message",
    "count": "repeat_count",
}
SETTINGS = {
    "form_id": "form_id",
    "id_string": "form_id",
    "form_title": "form_title",
    "title": "form_title",
    "version": "version",
    "default_language": "default_language",
    "instance_name": "instance_name",
    "set_form_title": "form_title",
    "set_form_id": "form_id",
}
CHOICE_ALIASES = {"list name": "list_name", "value": "name", "caption": "label"}
#: Columns that only change how a form looks (media, guidance hints, display hints): the app
#: does not show them, so a form using them loads with a warning listing them.
SURVEY_PRESENTATION = frozenset(
    {"image", "big-image", "audio", "video", "media", "guidance_hint", "autoplay", "rows"}
)
CHOICE_PRESENTATION = frozenset({"image", "big-image", "audio", "video", "media"})
#: Settings that only change how a form looks (the web form's theme).
PRESENTATION_SETTINGS = frozenset({"style"})
#: Settings about how ODK Collect or a server sends and keeps submissions: the pilot's sync does
#: its own, so they are ignored with a warning.
IGNORED_SETTINGS = frozenset(
    {
        "submission_url",
        "auto_send",
        "auto_delete",
        "allow_choice_duplicates",
        "namespaces",
        "omit_instanceid",
        "clean_text_values",
        "name",
        "client_editable",
    }
)
#: Appearances that change what a question does, not how it looks: refused.
REFUSED_APPEARANCES = ("search",)


#: Appearances the tablet app renders (any other is ignored with a warning, as presentation)
ALLOWED_APPEARANCES: dict[str, frozenset[str]] = {
    "group": frozenset({"field-list"}),
    "repeat": frozenset({"field-list"}),
    "text": frozenset({"multiline", "numbers"}),
    "select_one": frozenset({"minimal", "horizontal", "horizontal-compact", "likert", "quick"}),
    "select_multiple": frozenset({"horizontal", "horizontal-compact"}),
}

ALLOWED_PARAMETERS: dict[str, set[str]] = {
    "image": {"max-pixels"},
    "geopoint": {"capture-accuracy", "warning-accuracy", "allow-mock-accuracy"},
    "select_one": {"randomize", "seed", "value", "label"},
    "select_multiple": {"randomize", "seed", "value", "label"},
    "rank": {"randomize", "seed"},
    "range": {"start", "end", "step", "tick_interval", "placeholder", "tick_labelset"},
    "audio": {"quality"},
    "geotrace": {"allow-mock-accuracy", "incremental"},
    "geoshape": {"allow-mock-accuracy", "incremental"},
}
