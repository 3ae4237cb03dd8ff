"""Which photos of an entry are missing or damaged on the tablet, each one named.

An entry's image answers point at files kept under their SHA-256 (:mod:`field_app.attachments`).
A file can disappear (storage cleaned by another app, a card swapped) or be damaged (flash
corruption: its bytes no longer match the hash). Such an entry cannot be sent as it is; the
officer must know which photo of which question, and whether it is gone or damaged, for every
affected photo, to retake or remove it (:meth:`field_app.store.Store.reopen_entry` turns a
finalized, unsent entry back into a draft for that).

Pure over the answers and the folder: :func:`photo_problems` reads the files, the messages are
built from the catalogs by :func:`describe_problems`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from field_app.attachments import attachment_path
from field_app.messages import bilingual

__all__ = [
    "DAMAGED",
    "MISSING",
    "PhotoProblem",
    "describe_problems",
    "photo_problems",
    "photos_in",
]

MISSING = "missing"
DAMAGED = "damaged"

_CHUNK = 1 << 20


@dataclass(frozen=True)
class PhotoProblem:
    """One photo of an entry that cannot be sent: ``kind`` is :data:`MISSING` or
    :data:`DAMAGED`; ``question`` and ``instance`` say where it is answered."""

    question: str
    instance: tuple[int, ...]
    sha256: str
    filename: str
    kind: str


def photos_in(answers: Any, instance: tuple[int, ...] = ()
              ) -> Iterator[tuple[str, tuple[int, ...], dict[str, Any]]]:
    """``(question, repeat instance, image answer)`` of every photo in ``answers``, in order."""
    if not isinstance(answers, dict):
        return
    for name, value in answers.items():
        if isinstance(value, dict):
            if isinstance(value.get("sha256"), str) and "filename" in value:
                yield name, instance, value
            else:
                yield from photos_in(value, instance)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from photos_in(item, (*instance, index))


def _matches(path: Path, sha256: str, cache: dict[Any, bool] | None = None) -> bool:
    if cache is not None:
        stat = path.stat()
        key = (sha256, stat.st_size, stat.st_mtime_ns)
        if key not in cache:
            cache[key] = _matches(path, sha256)
        return cache[key]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest() == sha256


def photo_problems(folder: Path, answers: Any,
                   cache: dict[Any, bool] | None = None) -> list[PhotoProblem]:
    """Every photo of ``answers`` that is missing in ``folder`` or whose bytes do not match
    its hash (all of them, in the order of the form's answers).

    ``cache`` keeps each file's verdict by hash, size and modification time, so a list that
    checks the same photos again reads them once."""
    problems = []
    for question, instance, answer in photos_in(answers):
        sha = answer["sha256"]
        try:
            path = attachment_path(Path(folder), sha)
        except ValueError:  # not even a hash: the answer itself is damaged
            problems.append(PhotoProblem(question, instance, sha, str(answer.get("filename")),
                                         DAMAGED))
            continue
        try:
            kind = None if _matches(path, sha, cache) else DAMAGED
        except FileNotFoundError:
            kind = MISSING
        except OSError:  # unreadable: an I/O error of the storage
            kind = DAMAGED
        if kind is not None:
            problems.append(PhotoProblem(question, instance, sha,
                                         str(answer.get("filename") or ""), kind))
    return problems


def _label(form: Any, problem: PhotoProblem, lang: str) -> str:
    label = problem.question
    if form is not None and form.has_question(problem.question):
        label = form.question(problem.question).label(lang, form.default_language) or label
    if problem.instance:
        label += " " + " ".join(f"#{index + 1}" for index in problem.instance)
    return label


def describe_problems(problems: list[PhotoProblem], form: Any = None) -> dict[str, str]:
    """One line per photo (``{"id": ..., "en": ...}``, lines joined by newlines): which
    question, which file, missing or damaged; empty texts when there is no problem."""
    if not problems:
        return {"id": "", "en": ""}
    lines: dict[str, list[str]] = {"id": [], "en": []}
    for lang in lines:
        head = bilingual("photo.problem.intro", count=len(problems))[lang]
        lines[lang].append(head)
        for problem in problems:
            text = bilingual(f"photo.problem.{problem.kind}", question=_label(form, problem, lang),
                             filename=problem.filename)[lang]
            lines[lang].append(f"• {text}")
    return {lang: "\n".join(found) for lang, found in lines.items()}
