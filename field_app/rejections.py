"""Turn a server's rejection of an entry into words for the officer, with field labels.

The server reports field errors as ``ValidationIssue`` dicts (``path``, ``code``, ``message``
with ``id``/``en``). Paths are like ``"temuan[0]/temuan_teks"``; people see the question's
label in their language and repeat numbers from 1 (``"Temuan #1 › Uraian"``).
"""

from __future__ import annotations

import re
from typing import Any

from field_app.messages import LANGUAGES, bilingual

__all__ = ["describe_rejection", "field_label", "ownership_advice"]

_SEGMENT = re.compile(r"^(?P<name>[^\[\]/]+)(?:\[(?P<index>\d+)\])?$")


def field_label(form: Any, path: str, lang: str) -> str:
    """Return a readable name for an answer path, using the form's labels when known."""
    parts = []
    for segment in path.split("/"):
        match = _SEGMENT.match(segment)
        if match is None:
            parts.append(segment)
            continue
        name = match["name"]
        label = name
        if form is not None and form.has_question(name):
            label = form.question(name).label(lang, form.default_language) or name
        if match["index"] is not None:
            label = f"{label} #{int(match['index']) + 1}"
        parts.append(label)
    return " › ".join(parts)


def ownership_advice(rejection: dict[str, Any] | None, region: str = "",
                     on_server: bool = True) -> dict[str, str] | None:
    """What to do about an entry refused as someone else's or outside the officer's regions.

    ``{"id", "en"}`` for ``not_owner`` and ``region_forbidden``; ``None`` for other rejections.
    Only an admin moves entries; an entry the server never received (``on_server`` false)
    cannot be moved: its officer needs the old region back until it is sent.
    """
    error = (rejection or {}).get("error")
    if error not in ("not_owner", "region_forbidden"):
        return None
    key = f"rejection.{error}"
    if error == "region_forbidden" and not on_server:
        key += "_unsent"
    return bilingual(key, region=region or "?")


def describe_rejection(
    entry_id: str, rejection: dict[str, Any], form: Any, region: str = "",
    on_server: bool = True,
) -> dict[str, Any]:
    """Return ``{"entry_id", "error", "message": {id, en}, "issues": [...]}`` for the UI.

    Each issue becomes ``{"path", "code", "field": {id, en}, "text": {id, en}}`` where ``text``
    is ready to show (``"<label>: <message>"``).
    """
    issues = []
    for issue in rejection.get("issues") or []:
        path = str(issue.get("path", ""))
        message = issue.get("message") or {}
        field = {lang: field_label(form, path, lang) for lang in LANGUAGES}
        issues.append({
            "path": path,
            "code": issue.get("code"),
            "field": field,
            "text": {
                lang: bilingual(
                    "sync.error.field_issue", field=field[lang],
                    message=message.get(lang) or message.get("en") or issue.get("code", ""),
                )[lang]
                for lang in LANGUAGES
            },
        })
    reason = ownership_advice(rejection, region, on_server) or {
        "id": rejection.get("message_id") or rejection.get("message") or rejection.get("error"),
        "en": rejection.get("message") or rejection.get("error"),
    }
    return {
        "entry_id": entry_id,
        "error": rejection.get("error"),
        "message": {
            lang: bilingual("sync.error.entry_rejected_item", entry=entry_id[:8],
                            reason=reason[lang] or "")[lang]
            for lang in LANGUAGES
        },
        "issues": issues,
    }
