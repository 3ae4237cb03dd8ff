"""The form model: questions, choices and settings of one compiled form version.

A :class:`Form` is what a tablet downloads (``Form.to_json()``) and what both the app and the
server build sessions and validations from. It is immutable once built; the expressions it holds
are parsed once, when the form is built, and analysed into a dependency graph
(:mod:`survey_forms.graph`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from survey_forms.graph import FormGraph
    from survey_forms.session import FormSession
    from survey_forms.validation import ValidationIssue

__all__ = [
    "ANSWER_TYPES",
    "GROUP_TYPES",
    "METADATA_TYPES",
    "Choice",
    "Form",
    "Language",
    "LoadWarning",
    "Question",
]

JSON_FORMAT = 1

#: Types that hold an answer the officer gives.
INPUT_TYPES = frozenset(
    {
        "text",
        "integer",
        "decimal",
        "date",
        "time",
        "dateTime",
        "select_one",
        "select_multiple",
        "acknowledge",
        "geopoint",
        "image",
        "barcode",
        "range",
        "rank",
        "audio",
        "video",
        "file",
        "geotrace",
        "geoshape",
    }
)
#: Metadata filled in by the app, not by the officer.
METADATA_TYPES = frozenset({"start", "end", "today", "deviceid", "username", "start-geopoint"})
#: Types that nest other questions.
GROUP_TYPES = frozenset({"group", "repeat"})
#: Every type that stores a value in an entry.
ANSWER_TYPES = INPUT_TYPES | METADATA_TYPES | {"calculate"}
ALL_TYPES = ANSWER_TYPES | GROUP_TYPES | {"note"}


@dataclass(frozen=True, slots=True)
class Language:
    """A form language: ``code`` (e.g. ``"id"``) and its display ``name``."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Choice:
    """One choice of a choice list; ``columns`` holds extra columns used by choice filters."""

    name: str
    labels: dict[str, str]
    columns: dict[str, str] = field(default_factory=dict)

    def label(self, lang: str, default_lang: str | None = None) -> str:
        """The label in ``lang``, else in ``default_lang``, else any label, else the name."""
        return _pick(self.labels, lang, default_lang) or self.name


@dataclass(slots=True, eq=False)
class Question:
    """One row of the survey sheet (a group or repeat holds its rows in ``children``).

    Expression columns hold their source text; their parsed forms live in the form's graph.
    ``required`` and ``read_only`` are ``None`` (no), ``"true()"`` (yes) or an expression.
    """

    name: str
    type: str
    row: int = 0
    list_name: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    required: str | None = None
    required_message: dict[str, str] = field(default_factory=dict)
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: dict[str, str] = field(default_factory=dict)
    calculation: str | None = None
    default: str | None = None
    choice_filter: str | None = None
    read_only: str | None = None
    appearance: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    repeat_count: str | None = None
    children: list[Question] = field(default_factory=list)
    # Filled in by the form: not serialised.
    parent: Question | None = field(default=None, repr=False)
    repeat_path: tuple[str, ...] = field(default=(), repr=False)

    @property
    def is_group(self) -> bool:
        """True for groups and repeats."""
        return self.type in GROUP_TYPES

    @property
    def is_repeat(self) -> bool:
        """True for repeat groups."""
        return self.type == "repeat"

    @property
    def stores_value(self) -> bool:
        """True when the question's value is kept in an entry's answers."""
        return self.type in ANSWER_TYPES

    @property
    def field_list(self) -> bool:
        """True for a group shown as one page (appearance ``field-list``)."""
        return self.type == "group" and "field-list" in (self.appearance or "").split()

    def label(self, lang: str, default_lang: str | None = None) -> str:
        """The label in ``lang`` (falling back to the default language), else ``""``."""
        return _pick(self.labels, lang, default_lang)

    def hint(self, lang: str, default_lang: str | None = None) -> str:
        """The hint in ``lang`` (falling back to the default language), else ``""``."""
        return _pick(self.hints, lang, default_lang)

    def walk(self) -> Iterator[Question]:
        """This question and every question below it, in form order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def to_json(self) -> dict[str, Any]:
        """The question as plain JSON, keys in a fixed order, empty fields left out."""
        out: dict[str, Any] = {"name": self.name, "type": self.type, "row": self.row}
        for key in _OPTIONAL_KEYS:
            value = getattr(self, key)
            if value:
                out[key] = dict(value) if isinstance(value, dict) else value
        if self.is_group:
            out["children"] = [child.to_json() for child in self.children]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Question:
        """Rebuild a question (and its children) from :meth:`to_json` output."""
        kwargs = {key: data[key] for key in _OPTIONAL_KEYS if key in data}
        children = [cls.from_json(child) for child in data.get("children", [])]
        return cls(
            name=data["name"],
            type=data["type"],
            row=data.get("row", 0),
            children=children,
            **kwargs,
        )


_OPTIONAL_KEYS = (
    "list_name",
    "labels",
    "hints",
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
)


def _pick(texts: dict[str, str], lang: str, default_lang: str | None) -> str:
    if lang in texts:
        return texts[lang]
    if default_lang and default_lang in texts:
        return texts[default_lang]
    return next(iter(texts.values()), "")


@dataclass(frozen=True)
class LoadWarning:
    """Something in the XLSForm that the form loaded without: a presentation-only construct
    (an appearance the app does not render, a ``style`` setting, media or guidance columns).

    ``sheet`` and ``construct`` (e.g. ``"column 'image'"``) name it, ``rows`` the rows where it
    appears (empty for a whole column or a setting), ``message`` says it in Indonesian (``"id"``)
    and English (``"en"``)."""

    sheet: str
    construct: str
    rows: tuple[int, ...]
    message: dict[str, str]


class Form:
    """One compiled form version.

    Build it with :func:`survey_forms.load_xlsform` or :meth:`Form.from_json`. Building parses
    every expression and checks every reference; an inconsistent form raises
    :class:`survey_forms.FormError`.
    """

    def __init__(
        self,
        *,
        form_id: str,
        version: str,
        title: str,
        languages: list[Language],
        default_language: str,
        questions: list[Question],
        choices: dict[str, list[Choice]],
        instance_name: str | None = None,
        settings: dict[str, str] | None = None,
        warnings: list[LoadWarning] | None = None,
        choice_files: dict[str, dict[str, str]] | None = None,
        media_data: dict[str, bytes] | None = None,
    ) -> None:
        from survey_forms.graph import FormGraph

        self.form_id = form_id
        self.version = version
        self.title = title
        self.languages = languages
        self.default_language = default_language
        self.questions = questions
        self.choices = choices
        self.instance_name = instance_name
        self.settings = dict(settings or {})
        #: what the loader ignored (presentation only); not part of :meth:`to_json`
        self.warnings: list[LoadWarning] = list(warnings or [])
        #: choice lists read from files published with the form (``select_one_from_file``):
        #: file name -> ``{"sha256", "value", "label", "lang"}``; part of :meth:`to_json`, while
        #: the choices themselves travel in the files (the server and the tablet keep them)
        self.choice_files: dict[str, dict[str, str]] = dict(choice_files or {})
        #: the bytes of those files (file name -> bytes); not part of :meth:`to_json`
        self.media_data: dict[str, bytes] = dict(media_data or {})
        self._by_name: dict[str, Question] = {}
        self._link(questions, parent=None, repeat_path=())
        self._choice_index = {
            list_name: {choice.name: choice for choice in items}
            for list_name, items in choices.items()
        }
        self.graph: FormGraph = FormGraph(self)
        #: question name -> questions that read it in every repeat instance (indexed-repeat())
        self.every_instance_readers: dict[str, frozenset[str]] = _every_instance_readers(self.graph)

    # -- structure -----------------------------------------------------------------------------

    def _link(
        self, questions: list[Question], parent: Question | None, repeat_path: tuple[str, ...]
    ) -> None:
        for question in questions:
            question.parent = parent
            question.repeat_path = repeat_path
            self._by_name[question.name] = question
            inner = (*repeat_path, question.name) if question.is_repeat else repeat_path
            self._link(question.children, question, inner)

    def question(self, name: str) -> Question:
        """The question called ``name`` (``KeyError`` when there is none)."""
        return self._by_name[name]

    def has_question(self, name: str) -> bool:
        """True when the form has a question (or group) called ``name``."""
        return name in self._by_name

    def questions_in_order(self) -> Iterator[Question]:
        """Every question, group and repeat in form order."""
        for question in self.questions:
            yield from question.walk()

    @property
    def language_codes(self) -> list[str]:
        """The codes of the form's languages, the default first."""
        codes = [lang.code for lang in self.languages]
        if self.default_language in codes:
            codes.remove(self.default_language)
            codes.insert(0, self.default_language)
        return codes

    def choice(self, list_name: str, name: str) -> Choice | None:
        """The choice called ``name`` in ``list_name``, or ``None``."""
        return self._choice_index.get(list_name, {}).get(name)

    def choice_label(self, list_name: str, name: str, lang: str | None = None) -> str:
        """The label of a choice in ``lang`` (default language if omitted); ``name`` if unknown."""
        choice = self.choice(list_name, name)
        if choice is None:
            return name
        return choice.label(lang or self.default_language, self.default_language)

    def title_in(self, lang: str) -> str:
        """The form title (XLSForm titles are not translated; kept for a uniform interface)."""
        return self.title

    # -- sessions and validation ---------------------------------------------------------------

    def new_session(
        self, answers: dict[str, Any] | None = None, meta: dict[str, Any] | None = None
    ) -> FormSession:
        """Start filling an entry, or continue one from its ``answers``.

        ``meta`` may hold ``deviceid``, ``username`` and ``now`` (an aware datetime, for tests).
        """
        from survey_forms.session import FormSession

        return FormSession(self, answers, meta)

    def validate(self, answers: Any) -> list[ValidationIssue]:
        """Check a complete entry's ``answers``; an empty list means the entry is valid."""
        from survey_forms.validation import validate_answers

        return validate_answers(self, answers)

    # -- serialisation -------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The compiled definition tablets download: plain JSON in a stable key order."""
        out: dict[str, Any] = {
            "format": JSON_FORMAT,
            "form_id": self.form_id,
            "version": self.version,
            "title": self.title,
            "default_language": self.default_language,
            "languages": [{"code": lang.code, "name": lang.name} for lang in self.languages],
            "instance_name": self.instance_name,
            "settings": dict(sorted(self.settings.items())),
            "questions": [question.to_json() for question in self.questions],
            "choices": {
                list_name: [_choice_json(choice) for choice in items]
                for list_name, items in self.choices.items()
                if list_name not in self.choice_files
            },
        }
        if self.choice_files:  # absent for forms without files: their JSON is unchanged
            out["choice_files"] = {
                name: dict(sorted(info.items())) for name, info in sorted(self.choice_files.items())
            }
        return out

    @property
    def media_names(self) -> list[str]:
        """The names of the files published with this form (its choice files), sorted."""
        return sorted(self.choice_files)

    @classmethod
    def from_json(cls, data: dict[str, Any], media: Mapping[str, bytes] | None = None) -> Form:
        """Rebuild a form from :meth:`to_json` output (expressions are parsed again).

        ``media`` holds the files published with the form by name; a form with choice files
        needs each of them, unchanged (checked against the SHA-256 in ``data``), or a
        :class:`~survey_forms.errors.FormError` is raised.
        """
        from survey_forms.errors import FormError

        if not isinstance(data, dict) or data.get("format") != JSON_FORMAT:
            raise FormError(f"not a compiled form definition (format {JSON_FORMAT} expected)")
        try:
            files = {str(k): dict(v) for k, v in (data.get("choice_files") or {}).items()}
            from_files = _choices_from_media(files, media or {})
            return cls(
                form_id=data["form_id"],
                version=data["version"],
                title=data["title"],
                languages=[Language(item["code"], item["name"]) for item in data["languages"]],
                default_language=data["default_language"],
                questions=[Question.from_json(item) for item in data["questions"]],
                choices={
                    list_name: [
                        Choice(
                            item["name"],
                            dict(item.get("labels", {})),
                            dict(item.get("columns", {})),
                        )
                        for item in items
                    ]
                    for list_name, items in data["choices"].items()
                }
                | from_files,
                instance_name=data.get("instance_name"),
                settings=data.get("settings", {}),
                choice_files=files,
                media_data={name: bytes(media[name]) for name in files} if files else None,
            )
        except (KeyError, TypeError) as exc:
            raise FormError(f"compiled form definition is incomplete: {exc}") from exc

    def __repr__(self) -> str:
        return f"<Form {self.form_id} v{self.version}>"


def _choices_from_media(
    files: dict[str, dict[str, str]], media: Mapping[str, bytes]
) -> dict[str, list[Choice]]:
    """The choice lists of a compiled form's choice files, read from ``media``."""
    import hashlib

    from survey_forms.errors import FormError
    from survey_forms.loader_types import choices_from_file

    lists: dict[str, list[Choice]] = {}
    for name, info in files.items():
        data = media.get(name)
        if data is None:
            raise FormError(
                f"the choice file '{name}' published with the form is missing",
                message_id=f"berkas pilihan '{name}' yang diterbitkan bersama formulir tidak ada",
                fix="Download the form again (sync), or publish it again with the file.",
                fix_id="Unduh formulir lagi (sinkronkan), atau terbitkan lagi beserta berkasnya.",
            )
        if hashlib.sha256(data).hexdigest() != info.get("sha256"):
            raise FormError(
                f"the choice file '{name}' is not the one published with the form",
                message_id=f"berkas pilihan '{name}' bukan yang diterbitkan bersama formulir",
                fix="Download the form again (sync).",
                fix_id="Unduh formulir lagi (sinkronkan).",
            )
        params = {"value": info.get("value", "name"), "label": info.get("label", "label")}
        lists[name] = choices_from_file(
            name, lambda _name, data=data: data, params, 0, info.get("lang", "")
        )
    return lists


def _choice_json(choice: Choice) -> dict[str, Any]:
    out: dict[str, Any] = {"name": choice.name, "labels": dict(choice.labels)}
    if choice.columns:
        out["columns"] = dict(choice.columns)
    return out


def _every_instance_readers(graph: FormGraph) -> dict[str, frozenset[str]]:
    """For each question read through ``indexed-repeat()``, the questions that read it so."""
    readers: dict[str, set[str]] = {}
    for name, node in graph.nodes.items():
        for expr in (
            node.relevant,
            node.calculation,
            node.constraint,
            node.required,
            node.read_only,
            node.choice_filter,
            node.repeat_count,
            node.default,
        ):
            if expr is not None:
                for target in expr.indexed_references:
                    readers.setdefault(target, set()).add(name)
    return {name: frozenset(names) for name, names in readers.items()}
