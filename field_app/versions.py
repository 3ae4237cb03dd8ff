"""Which of two versions of a form is the newer one.

Form versions are numbers written as text (``2024110101``, or ``9`` then ``10``): compared as
numbers, never as text (``"9" > "10"`` as text). Versions that are not numbers keep the order
the server published them in (the order the tablet received them).
"""

from __future__ import annotations

__all__ = ["is_newer"]


def is_newer(candidate: str, known: str) -> bool:
    """Whether ``candidate`` (received after ``known``) is the newer version.

    Two numeric versions compare as numbers; otherwise the one received later is newer.
    """
    a, b = str(candidate).strip(), str(known).strip()
    if a.isdigit() and b.isdigit():
        return int(a) > int(b)
    return a != b
