"""The officer's words for what a sync changed (:attr:`SyncOutcome.summary`), one line each.

Pure functions over the summary's plain data, with texts from the catalogs
(``field_app/translations``), Indonesian or English. Long lists name the first few entries and
count the rest.
"""

from __future__ import annotations

from typing import Any

from field_app.messages import text

__all__ = [
    "NAMED", "changed_count", "held_back_reason", "photo_problems_message", "summary_lines",
]

#: entries named per line before "and N more"
NAMED = 4


def changed_count(summary: dict[str, list[dict[str, Any]]]) -> int:
    """How many entries the server changed for the officer (echoes of their own not counted)."""
    kinds = ("returned", "conflicts", "review_rejected", "updated")
    return sum(len(summary.get(kind) or []) for kind in kinds)


def _names(items: list[dict[str, Any]], lang: str, describe: Any = None) -> str:
    shown = []
    for item in items[:NAMED]:
        label = item.get("label") or str(item.get("entry_id", ""))[:8]
        shown.append(describe(item, label) if describe else label)
    more = len(items) - NAMED
    names = "; ".join(shown)
    if more > 0:
        names += " " + text("sync.summary.more", lang, count=more)
    return names


def summary_lines(summary: dict[str, list[dict[str, Any]]], lang: str = "id") -> list[str]:
    """One line per kind of change that happened (none: a single "nothing changed" line)."""
    lines = []
    sent = summary.get("sent") or []
    if sent:
        lines.append(text("sync.summary.sent", lang, count=len(sent), names=_names(sent, lang)))

    def with_comment(item: dict[str, Any], label: str) -> str:
        comment = (item.get("comment") or "").strip()
        if not comment:
            return label
        return text("sync.summary.comment", lang, name=label, comment=comment)

    def with_fields(item: dict[str, Any], label: str) -> str:
        fields = [str(f) for f in item.get("fields") or [] if f]
        return f"{label} ({', '.join(fields)})" if fields else label

    def with_reason(item: dict[str, Any], label: str) -> str:
        message = item.get("message") or {}
        reason = message.get(lang) or message.get("id") or item.get("error") or ""
        return text("sync.summary.reason", lang, name=label, reason=reason)

    def with_photos(item: dict[str, Any], label: str) -> str:
        photos = ", ".join(
            text(f"sync.summary.photo_{p.get('problem', 'missing')}", lang,
                 filename=p.get("filename") or str(p.get("sha256", ""))[:8])
            for p in item.get("photos") or [])
        return f"{label}: {photos}"

    for kind, describe in (("returned", with_comment), ("conflicts", with_fields),
                           ("rejected", with_reason), ("review_rejected", with_reason),
                           ("held_back", with_photos),
                           ("updated", None)):
        items = summary.get(kind) or []
        if items:
            lines.append(text(f"sync.summary.{kind}", lang, count=len(items),
                              names=_names(items, lang, describe)))
    return lines or [text("sync.summary.nothing", lang)]


#: How many photos the after-sync message names before "and n more".
PHOTOS_NAMED = 6


def photo_problems_message(held_back: list[dict[str, Any]]) -> dict[str, str]:
    """The sync's message when entries wait for their photos: every affected photo named with
    its own problem (missing, damaged, refused by the server), in both languages."""
    photos = [p for item in held_back for p in item.get("photos") or [item]]
    problems = {p.get("problem") for p in photos}
    key = {frozenset({"refused"}): "sync.error.photo_refused",
           frozenset({"server_full"}): "sync.error.server_storage_full_waiting",
           }.get(frozenset(problems), "sync.error.photo_problems")
    out = {}
    for lang in ("id", "en"):
        # one reason for all (the server's full disk): the names alone, the reason said once
        named = [p.get("filename") or p.get("sha256", "")[:12] if problems == {"server_full"}
                 else text(f"sync.summary.photo_{p.get('problem', 'missing')}", lang,
                           filename=p.get("filename") or p.get("sha256", "")[:12])
                 for p in photos[:PHOTOS_NAMED]]
        if len(photos) > PHOTOS_NAMED:
            named.append(text("sync.summary.more", lang, count=len(photos) - PHOTOS_NAMED))
        out[lang] = text(key, lang, entries=len(held_back), photos=len(photos),
                         filename=photos[0].get("filename", ""), names="; ".join(named))
    return out


def held_back_reason(held_back: list[dict[str, Any]]) -> str:
    """The sync's reason when entries wait for their photos: ``server_storage_full`` when
    the server's full disk is why any of them waits (the officer cannot fix that; the admin
    must), else ``attachment_missing``."""
    photos = [p for item in held_back for p in item.get("photos") or [item]]
    if any(p.get("problem") == "server_full" for p in photos):
        return "server_storage_full"
    return "attachment_missing"
