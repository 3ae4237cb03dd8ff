"""An entry's name for people: its form's ``instance_name`` without the parts still empty.

``concat(${region}, ' – ', ${unit}, ' – ', ${date})`` of a draft without its date yet reads
"Kota Palembang – Dinas Kesehatan – "; the tablet's lists, its sync summary and the server's
entries table show "Kota Palembang – Dinas Kesehatan" instead.
"""

from __future__ import annotations

__all__ = ["SEPARATORS", "tidy_name"]

#: marks that separate the parts of a name when they stand alone between spaces
SEPARATORS = ("–", "—", "-", "|", "·", "/")


def tidy_name(name: str) -> str:
    """``name`` without the empty parts between its separators.

    ``"Kota Palembang – Dinas Kesehatan – "`` becomes ``"Kota Palembang – Dinas Kesehatan"``;
    ``" –  – "`` becomes ``""``. Separators are dashes, bars, dots or slashes standing alone
    between spaces (a hyphen inside a word or a date stays); the first one found joins the
    parts that are left.
    """
    parts: list[list[str]] = [[]]
    mark = ""
    for word in name.split():
        if word in SEPARATORS:
            mark = mark or word
            parts.append([])
        else:
            parts[-1].append(word)
    return f" {mark} ".join(" ".join(words) for words in parts if words)
