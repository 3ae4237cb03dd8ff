"""Revision identifiers shared by the tablet and the server.

An entry's edits form a chain (sometimes a tree) of revisions, in the style of CouchDB: each
revision id is ``"<generation>-<hash>"`` where the generation counts the edits from the first
revision (1) and the hash is taken over the parent revision and the revision's content. Both
sides compute the same id for the same content, so a resend of an unchanged revision is
recognised as a duplicate and never stored twice.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["canonical_json", "generation", "revision_id"]


def canonical_json(value: Any) -> str:
    """Serialise ``value`` as canonical JSON: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def generation(rev: str | None) -> int:
    """Return the generation number of a revision id (0 for ``None``).

    Raises ``ValueError`` for a string that is not of the form ``"<int>-<hash>"``.
    """
    if rev is None:
        return 0
    head, sep, tail = rev.partition("-")
    if not sep or not (head.isascii() and head.isdigit()) or not tail or int(head) < 1:
        raise ValueError(f"not a revision id: {rev!r}")
    return int(head)


def revision_id(
    parent_rev: str | None,
    form_id: str,
    form_version: str,
    region: str,
    answers: dict[str, Any],
) -> str:
    """Compute the id of a revision from its parent and content.

    ``generation = generation(parent_rev) + 1``; the hash is the first 32 hex digits of the
    SHA-256 of the canonical JSON of ``[parent_rev, form_id, form_version, region, answers]``.
    """
    payload = canonical_json([parent_rev, form_id, form_version, region, answers])
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
    return f"{generation(parent_rev) + 1}-{digest}"
