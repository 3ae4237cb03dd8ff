"""The one exception of the expression engine."""

from __future__ import annotations

from .texts import Text

__all__ = ["ExpressionError"]


class ExpressionError(Exception):
    """An expression that cannot be parsed, or a value it cannot work with.

    ``str(error)`` is English and says what is wrong and where; :meth:`messages` gives the same in
    Bahasa Indonesia and English, for people (the server's form upload page). The attributes let a
    caller (the form loader) report or highlight it:

    * ``code``: ``"syntax"``, ``"unsupported"``, ``"unknown_function"``, ``"arity"`` or
      ``"argument"`` (a bad argument, e.g. an invalid regular expression);
    * ``position``: 0-based character offset in ``source`` (``None`` when not known);
    * ``source``: the expression text (``None`` when not known);
    * ``text``: the catalog :class:`~.texts.Text` behind the message.
    """

    def __init__(
        self,
        message: Text,
        *,
        code: str = "syntax",
        position: int | None = None,
        source: str | None = None,
    ) -> None:
        self.text = message
        self.message = message.render("en")
        super().__init__(self.message)
        self.code = code
        self.position = position
        self.source = source

    def messages(self) -> dict[str, str]:
        """The message as ``{"id": <Bahasa Indonesia>, "en": <English>}``."""
        return self.text.messages()
