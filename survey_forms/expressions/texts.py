"""Error texts of the expression engine, in Bahasa Indonesia and English.

A :class:`Text` is a catalog key with parameters; a parameter may itself be a :class:`Text`
(rendered in the same language), so a message and its advice are translated together. Templates
use ``str.format``: a literal ``${name}`` is written ``${{name}}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CATALOG", "LANGUAGES", "Text"]

LANGUAGES = ("id", "en")

CATALOG: dict[str, dict[str, str]] = {
    # -- syntax ---------------------------------------------------------------------------------
    "syntax.expected": {
        "id": 'diharapkan {what} pada posisi {position} dalam "{source}"{found}',
        "en": 'expected {what} at position {position} in "{source}"{found}',
    },
    "syntax.found": {"id": ", tetapi ditemukan {token}", "en": ", found {token}"},
    "token.string": {"id": "teks {text}", "en": "string {text}"},
    "token.text": {"id": "{text}", "en": "{text}"},
    "what.close_paren": {"id": '")"', "en": '")"'},
    "what.comma_or_close": {"id": '"," atau ")"', "en": '"," or ")"'},
    "what.operator_or_end": {
        "id": "operator atau akhir ekspresi",
        "en": "an operator or the end of the expression",
    },
    "what.operand": {
        "id": "nilai, rujukan ${{nama}} atau pemanggilan fungsi",
        "en": "a value, a ${{name}} reference or a function call",
    },
    "syntax.unbalanced": {
        "id": 'tanda ")" tanpa pasangan pada posisi {position} dalam "{source}"',
        "en": 'unbalanced ")" at position {position} in "{source}"',
    },
    "syntax.empty": {"id": "ekspresi kosong", "en": "empty expression"},
    "syntax.nesting": {
        "id": "ekspresi bersarang terlalu dalam (lebih dari {limit} tingkat) "
        "pada posisi {position}",
        "en": "expression nested too deeply (more than {limit} levels) at position {position}",
    },
    "syntax.unterminated": {
        "id": 'teks yang dimulai pada posisi {position} tidak ditutup tanda kutip dalam "{source}"',
        "en": 'unterminated string starting at position {position} in "{source}"',
    },
    "syntax.curly_quote": {
        "id": 'karakter "{char}" tidak dikenal pada posisi {position}: '
        "gunakan tanda kutip lurus ' atau \" untuk mengapit teks",
        "en": 'unexpected character "{char}" at position {position}: '
        "use straight quotes ' or \" around text",
    },
    "syntax.unexpected_character": {
        "id": 'karakter "{char}" tidak dikenal pada posisi {position} dalam "{source}"',
        "en": 'unexpected character "{char}" at position {position} in "{source}"',
    },
    "syntax.invalid_reference": {
        "id": "rujukan {construct} tidak valid pada posisi {position}: rujukan memerlukan nama "
        "pertanyaan, seperti ${{nama}}, tanpa spasi",
        "en": "invalid reference {construct} at position {position}: a reference needs a "
        "question name, as in ${{name}}, with no spaces",
    },
    # -- unsupported XPath ----------------------------------------------------------------------
    "unsupported": {
        "id": 'konstruksi XPath "{construct}" tidak didukung pada posisi {position}: {advice}',
        "en": 'unsupported XPath construct "{construct}" at position {position}: {advice}',
    },
    "advice.references": {"id": "gunakan rujukan ${{nama}}", "en": "use ${{name}} references"},
    "advice.axes": {
        "id": "sumbu (axis) tidak didukung; gunakan rujukan ${{nama}}",
        "en": "axes are not supported; use ${{name}} references",
    },
    "advice.predicates": {
        "id": "predikat [...] tidak didukung",
        "en": "predicates are not supported",
    },
    "advice.unions": {
        "id": "gabungan node-set (|) tidak didukung",
        "en": "node-set unions are not supported",
    },
    "advice.attributes": {
        "id": "atribut tidak didukung; gunakan rujukan ${{nama}}",
        "en": "attributes are not supported; use ${{name}} references",
    },
    "advice.variables": {
        "id": "variabel XPath tidak didukung; gunakan rujukan ${{nama}}",
        "en": "XPath variables are not supported; use ${{name}} references",
    },
    "advice.parent": {
        "id": '".." hanya boleh dipakai dalam position(..)',
        "en": '".." is only allowed in position(..)',
    },
    "advice.instance": {
        "id": "instance sekunder tidak didukung; gunakan choice_filter",
        "en": "secondary instances are not supported; use choice_filter",
    },
    "advice.pulldata": {
        "id": "berkas data eksternal tidak didukung",
        "en": "external data files are not supported",
    },
    "advice.last": {
        "id": "gunakan count() atas pertanyaan dalam repeat",
        "en": "use count() of a repeat question",
    },
    "advice.random": {
        "id": "angka acak akan berbeda antara tablet dan server",
        "en": "random numbers would differ between tablet and server",
    },
    "advice.uuid": {
        "id": "pengenal dibuat oleh aplikasi (entry_id)",
        "en": "identifiers are generated by the app (entry_id)",
    },
    # -- functions ------------------------------------------------------------------------------
    "unknown_function": {
        "id": 'fungsi "{name}" tidak dikenal pada posisi {position}',
        "en": 'unknown function "{name}" at position {position}',
    },
    "arity": {
        "id": '{name}() memerlukan {arity}, bukan {count}, pada posisi {position} dalam "{source}"',
        "en": '{name}() takes {arity}, not {count}, at position {position} in "{source}"',
    },
    "arity.exact_one": {"id": "1 argumen", "en": "1 argument"},
    "arity.exact": {"id": "{low} argumen", "en": "{low} arguments"},
    "arity.either": {"id": "{low} atau {high} argumen", "en": "{low} or {high} arguments"},
    "arity.range": {"id": "{low} sampai {high} argumen", "en": "{low} to {high} arguments"},
    "arity.at_least_one": {"id": "paling sedikit 1 argumen", "en": "at least 1 argument"},
    "arity.at_least": {"id": "paling sedikit {low} argumen", "en": "at least {low} arguments"},
    "argument.position": {
        "id": 'position() memerlukan ".." sebagai argumennya, seperti position(..), '
        'pada posisi {position} dalam "{source}"',
        "en": 'position() needs ".." as its argument, as in position(..), '
        'at position {position} in "{source}"',
    },
    "argument.choice_name": {
        "id": "jr:choice-name() memerlukan pertanyaannya sebagai rujukan dalam tanda kutip, "
        "seperti jr:choice-name(${{q}}, '${{q}}'), pada posisi {position} dalam \"{source}\"",
        "en": "jr:choice-name() needs the question as a quoted reference, as in "
        "jr:choice-name(${{q}}, '${{q}}'), at position {position} in \"{source}\"",
    },
    "argument.indexed_repeat": {
        "id": "indexed-repeat() memerlukan pertanyaan dan grup ulangannya sebagai rujukan, "
        "seperti indexed-repeat(${{q}}, ${{ulangan}}, 1), pada posisi {position} dalam "
        '"{source}"',
        "en": "indexed-repeat() needs the question and its repeat as references, as in "
        'indexed-repeat(${{q}}, ${{repeat}}, 1), at position {position} in "{source}"',
    },
    "argument.date_pattern": {
        "id": "pola tanggal {pattern} tidak valid pada posisi {position}: {problem}",
        "en": "invalid date pattern {pattern} at position {position}: {problem}",
    },
    "pattern.ends_with_percent": {"id": "pola diakhiri dengan %", "en": "the pattern ends with %"},
    "pattern.unknown_code": {
        "id": "kode %{code} tidak dikenal (gunakan %Y %y %m %n %b %d %e %H %h %M %S %3 %a, "
        "atau %% untuk %)",
        "en": "unknown code %{code} (use %Y %y %m %n %b %d %e %H %h %M %S %3 %a, or %% for %)",
    },
    "argument.regex": {
        "id": "ekspresi reguler {pattern} tidak valid: {detail} (regex() memakai sintaks RE2)",
        "en": "invalid regular expression {pattern}: {detail} (regex() uses RE2 syntax)",
    },
    "argument.regex_at": {
        "id": "ekspresi reguler {pattern} tidak valid: {detail} pada posisi {position} "
        "(regex() memakai sintaks RE2)",
        "en": "invalid regular expression {pattern}: {detail} at position {position} "
        "(regex() uses RE2 syntax)",
    },
}


@dataclass(frozen=True, slots=True)
class Text:
    """A catalog key and its parameters, rendered in any of :data:`LANGUAGES`."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, language: str) -> str:
        """The text in ``language`` (``"id"`` or ``"en"``)."""
        values = {
            name: value.render(language) if isinstance(value, Text) else value
            for name, value in self.params.items()
        }
        return CATALOG[self.key][language].format(**values)

    def messages(self) -> dict[str, str]:
        """``{"id": ..., "en": ...}``, the shape of the project's bilingual messages."""
        return {language: self.render(language) for language in LANGUAGES}


def text(key: str, **params: Any) -> Text:
    """Shorthand: ``text("syntax.empty")``."""
    return Text(key, params)
