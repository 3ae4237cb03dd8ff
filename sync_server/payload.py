"""Checking one pushed revision's shape before anything touches the database (pure).

:func:`parse_revision` turns a JSON object from ``POST /sync/push`` into a :class:`Revision` or
raises :class:`Rejected` with a catalog code (``malformed``) and a reason. It checks field names
and types, sizes (string length, nesting depth, total size), finite numbers, attachment
references (a SHA-256 and a plain file name, no path tricks), the meta moments (ISO 8601 with
an offset, years 2000-2100: :mod:`sync_server.meta_times`; an implausible one is left out of
the stored meta, not refused), and that ``rev`` is the id
computed from the sent content by ``survey_forms.revisions.revision_id``: the same id can never
name different edits. (The server then stores its own calculated values under that id, see
:mod:`sync_server.push`.)
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import msgspec

from survey_forms.revisions import canonical_json, generation

from .meta_times import META_TIME_FIELDS, meta_time_problem

__all__ = [
    "Limits",
    "Rejected",
    "Revision",
    "attachment_refs",
    "canonical_answers_json",
    "check_answers",
    "parse_revision",
    "revision_id_from_canonical",
]

log = logging.getLogger(__name__)

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
REV_RE = re.compile(r"^[1-9][0-9]{0,8}-[0-9a-f]{32}$")
IDENT_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
REGION_RE = re.compile(r"^\d{2}(\.\d{2}){0,3}$")
MEDIA_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
FIELDS = {
    "entry_id",
    "rev",
    "parent_rev",
    "form_id",
    "form_version",
    "region",
    "answers",
    "meta",
    "attachments",
}
ATTACHMENT_KEYS = ("sha256", "filename", "media_type")
META_FIELDS = {"officer", "device_id", "started_at", "finalized_at", "app_version"}


@dataclass(frozen=True)
class Limits:
    """Size limits for one revision."""

    max_string: int = 20_000
    max_answers_bytes: int = 2 * 1024 * 1024
    max_depth: int = 12


class Rejected(Exception):  # noqa: N818 - a result, not a failure of the code
    """A revision refused before storage: ``code`` and message parameters.

    ``text_code`` (when given) names the catalog entry whose text explains the refusal, for a
    case of ``code`` that has its own bilingual message (e.g. a bad meta time is ``malformed``).
    """

    def __init__(self, code: str, text_code: str | None = None, **params: object) -> None:
        self.code = code
        self.text_code = text_code
        self.params = params
        super().__init__(f"{code}: {params}")


@dataclass
class Revision:
    """A pushed revision whose shape and id have been checked."""

    entry_id: str
    rev: str
    parent_rev: str | None
    form_id: str
    form_version: str
    region: str
    answers: dict[str, Any]
    meta: dict[str, Any]
    attachments: list[dict[str, str]] = field(default_factory=list)
    answers_json: str = ""
    #: calculated values the server computed differently (``sync_server.push``): what the
    #: tablet sent was replaced by the engine's values; ``[{"path", "sent", "computed"}]``
    corrections: list[dict[str, Any]] = field(default_factory=list)
    #: the floats inside ``answers`` (for :func:`canonical_answers_json` of changed answers)
    floats: list[float] = field(default_factory=list)


def _malformed(detail: str) -> Rejected:
    return Rejected("malformed", detail=detail)


#: Exact types of JSON scalars other than text (a JSON document holds no subclasses).
_SCALARS = frozenset((bool, int, float))


def _walk(
    value: Any,
    limits: Limits,
    depth: int,
    trail: list[str],
    refs: list[dict[str, str]],
    floats: list[float],
) -> None:
    """Check every value below ``value``; collect attachment references and floats (one pass).

    ``trail`` holds the path pieces; a path string is only built for an error message. Scalars
    inside containers are checked inline (most answers are scalars: no call per value).
    """
    if isinstance(value, str):
        _check_text(value, limits, trail)
        return
    if isinstance(value, float):
        floats.append(value)
        return
    if isinstance(value, bool | int):
        return
    if depth >= limits.max_depth:
        raise _malformed(f"answers nested too deeply at {_path(trail) or 'the top'}")
    max_string = limits.max_string
    if isinstance(value, dict):
        if "sha256" in value and "filename" in value and "media_type" in value:
            refs.append(_check_attachment({k: value[k] for k in ATTACHMENT_KEYS}))
        items: Any = value.items()
        in_list = False
    elif isinstance(value, list):
        items = enumerate(value)
        in_list = True
    elif value is None:
        raise _malformed(f"null answer at {_path(trail)} (leave unanswered questions out)")
    else:
        raise _malformed(f"unsupported value at {_path(trail)}")
    for key, item in items:
        if not in_list and (not key or len(key) > 200):
            raise _malformed(f"bad answer name at {_path(trail) or 'the top'}")
        kind = item.__class__
        if kind is str:
            if len(item) <= max_string and "\x00" not in item:
                continue  # the common case, checked here without a call
        elif kind is float:
            floats.append(item)
            continue
        elif kind in _SCALARS:
            continue
        trail.append(f"[{key}]" if in_list else key)
        _walk(item, limits, depth + 1, trail, refs, floats)
        trail.pop()


def _check_text(value: str, limits: Limits, trail: list[str]) -> None:
    if len(value) > limits.max_string:
        raise _malformed(f"text longer than {limits.max_string} characters at {_path(trail)}")
    if "\x00" in value:
        raise _malformed(f"NUL character at {_path(trail)}")


def _path(trail: list[str]) -> str:
    out = ""
    for piece in trail:
        out += piece if piece.startswith("[") or not out else f"/{piece}"
    return out


def _string(obj: dict[str, Any], name: str, pattern: re.Pattern[str] | None = None) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value:
        raise _malformed(f"{name!r} must be a non-empty string")
    if pattern is not None and not pattern.match(value):
        raise _malformed(f"{name!r} has an invalid format")
    return value


def _check_attachment(ref: Any) -> dict[str, str]:
    if not isinstance(ref, dict) or set(ref) != {"sha256", "filename", "media_type"}:
        raise _malformed("an attachment needs exactly sha256, filename and media_type")
    sha, name, media = ref["sha256"], ref["filename"], ref["media_type"]
    if not isinstance(sha, str) or not SHA256_RE.match(sha):
        raise _malformed("attachment sha256 must be 64 lower-case hex digits")
    if (
        not isinstance(name, str)
        or not name
        or len(name) > 255
        or name in (".", "..")
        or any(c in name for c in "/\\\x00")
        or any(ord(c) < 32 for c in name)
    ):
        raise _malformed("attachment filename must be a plain file name")
    if not isinstance(media, str) or len(media) > 200 or not MEDIA_TYPE_RE.match(media):
        raise _malformed("attachment media_type must look like image/jpeg")
    return {"sha256": sha, "filename": name, "media_type": media}


def attachment_refs(answers: Any) -> list[dict[str, str]]:
    """Attachment references found in answers (image questions hold ``{sha256, ...}`` objects).

    Raises :class:`Rejected` when answers or references are malformed.
    """
    refs: list[dict[str, str]] = []
    _walk(answers, Limits(max_string=10**9, max_depth=10**6), 0, [], refs, [])
    return refs


#: Encodes like :func:`survey_forms.revisions.canonical_json` (sorted keys, no spaces, UTF-8
#: kept) for every value but floats written with an exponent or not finite, several times faster.
_SORTED_ENCODER = msgspec.json.Encoder(order="sorted")


def _plain_float(number: float) -> bool:
    """True when msgspec writes ``number`` exactly as ``json.dumps`` does (``repr``)."""
    return math.isfinite(number) and "e" not in repr(number)


def canonical_answers_json(answers: dict[str, Any], floats: list[float]) -> str:
    """``canonical_json(answers)``; ``floats`` are the floats inside ``answers``.

    msgspec's sorted encoder gives the same text as ``json.dumps(sort_keys=True,
    separators=(",", ":"), ensure_ascii=False)`` for strings (escapes included), integers of any
    size, booleans, lists and objects (keys ordered by code point), and for floats that Python
    writes without an exponent; ``1e+16`` style floats, infinities and anything msgspec refuses
    go through ``json.dumps`` itself. ``tests/sync_server/test_payload_canonical.py`` compares
    both encoders.
    """
    if all(_plain_float(number) for number in floats):
        try:
            return _SORTED_ENCODER.encode(answers).decode("utf-8")
        except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
            pass
    return canonical_json(answers)


def check_answers(
    answers: Any, limits: Limits, floats: list[float] | None = None
) -> tuple[str, list[dict[str, str]]]:
    """Check an answers object's shape and size.

    Returns its canonical JSON text (sorted keys, as revision ids hash it) and the attachment
    references found in it; ``floats`` (when given) receives the floats inside ``answers``.
    """
    if not isinstance(answers, dict):
        raise _malformed("'answers' must be a JSON object")
    refs: list[dict[str, str]] = []
    if floats is None:
        floats = []
    _walk(answers, limits, 0, [], refs, floats)
    if floats and not all(map(math.isfinite, floats)):
        # JSON bodies cannot carry them (sync_server.requests_json); answers from elsewhere
        # (a script calling the services) are held to the same rule
        raise _malformed("answers hold a number that is not finite (NaN or infinity)")
    answers_json = canonical_answers_json(answers, floats)
    if len(answers_json) > limits.max_answers_bytes:  # characters <= bytes in UTF-8
        raise _malformed(f"answers larger than {limits.max_answers_bytes} bytes")
    return answers_json, refs


def revision_id_from_canonical(
    parent_rev: str | None, form_id: str, form_version: str, region: str, answers_json: str
) -> str:
    """``survey_forms.revisions.revision_id`` computed from already-canonical answers JSON.

    ``canonical_json([a, b, c, d, answers])`` is the four encoded scalars and the answers' text
    joined by commas inside brackets, so the answers need not be encoded a second time.
    """
    head = canonical_json([parent_rev, form_id, form_version, region])
    payload = f"{head[:-1]},{answers_json}]"
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
    return f"{generation(parent_rev) + 1}-{digest}"


def parse_revision(item: Any, limits: Limits) -> Revision:
    """Check one pushed revision (see the module docstring); raises :class:`Rejected`."""
    if not isinstance(item, dict):
        raise _malformed("each revision must be a JSON object")
    unknown = sorted(set(item) - FIELDS)
    if unknown:
        raise _malformed(f"unknown field {unknown[0]!r}")
    raw_id = _string(item, "entry_id")
    try:
        entry_id = str(uuid.UUID(raw_id))
    except ValueError:
        raise _malformed("'entry_id' must be a UUID") from None
    if entry_id != raw_id.lower():
        raise _malformed("'entry_id' must be a UUID in its usual 36-character form")
    rev = _string(item, "rev", REV_RE)
    parent_rev = item.get("parent_rev")
    if parent_rev is not None and (not isinstance(parent_rev, str) or not REV_RE.match(parent_rev)):
        raise _malformed("'parent_rev' must be a revision id or null")
    form_id = _string(item, "form_id", IDENT_RE)
    form_version = _string(item, "form_version", IDENT_RE)
    region = _string(item, "region", REGION_RE)
    answers = item.get("answers")
    floats: list[float] = []
    answers_json, answer_refs = check_answers(answers, limits, floats)
    meta = item.get("meta", {})
    if not isinstance(meta, dict):
        raise _malformed("'meta' must be a JSON object")
    unknown_meta = sorted(set(meta) - META_FIELDS)
    if unknown_meta:
        raise _malformed(f"unknown meta field {unknown_meta[0]!r}")
    for key, value in meta.items():
        if value is not None and (not isinstance(value, str) or len(value) > 200):
            raise _malformed(f"meta {key!r} must be a string of at most 200 characters")
    for key in META_TIME_FIELDS:
        problem = meta_time_problem(meta[key]) if meta.get(key) is not None else None
        if problem is not None:
            # e.g. year 9999, offset -23:59, or 1970 from a tablet whose clock was reset: it
            # would break every page that shows it, but it is only the tablet's claim, not an
            # answer. The moment is left out (pages show none, the server's clock stands in
            # for today()) and the entry is stored: refusing it would keep a valid entry off
            # the server for good, since re-finalizing keeps its started_at.
            log.warning("meta %s of revision %s set aside: %s (%r)", key,
                        str(item.get("rev"))[:80], problem, str(meta[key])[:40])
            meta = {**meta, key: None}
    raw_attachments = item.get("attachments", [])
    if not isinstance(raw_attachments, list) or len(raw_attachments) > 1000:
        raise _malformed("'attachments' must be a list")
    refs = {a["sha256"]: a for a in answer_refs}
    for ref in raw_attachments:
        checked = _check_attachment(ref)
        refs[checked["sha256"]] = checked
    expected = revision_id_from_canonical(parent_rev, form_id, form_version, region, answers_json)
    if expected != rev:
        raise _malformed(f"'rev' does not match the content (expected {expected})")
    if parent_rev is not None and generation(parent_rev) + 1 != generation(rev):
        raise _malformed("'rev' generation must be the parent's plus one")
    return Revision(
        entry_id=entry_id,
        rev=rev,
        parent_rev=parent_rev,
        form_id=form_id,
        form_version=form_version,
        region=region,
        answers=answers,
        meta={k: v for k, v in meta.items() if v is not None},
        attachments=[refs[k] for k in sorted(refs)],
        answers_json=answers_json,
        floats=floats,
    )
