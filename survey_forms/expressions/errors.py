"""The one exception of the expression engine."""

from __future__ import annotations

__all__ = ["ExpressionError"]


class ExpressionError(Exception):
    """An expression that cannot be parsed, or a value it cannot work with.

    The message is English and says what is wrong and where. The attributes let a caller (the
    form loader, the server's upload page) translate or highlight it:

    * ``code``: ``"syntax"``, ``"unsupported"``, ``"unknown_function"``, ``"arity"``,
      ``"argument"`` (a bad argument, e.g. an invalid regular expression) or ``"evaluation"``;
    * ``position``: 0-based character offset in ``source`` (``None`` when not known);
    * ``source``: the expression text (``None`` when not known).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "syntax",
        position: int | None = None,
        source: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.position = position
        self.source = source
