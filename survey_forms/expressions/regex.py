"""``regex()`` patterns: RE2 syntax, matched in time linear in the answer.

A form's pattern is run on the server and the tablet against what officers type, so a
backtracking engine (Python's ``re``, Java's ``Pattern``) would let one pattern such as
``^([0-9]+)+$`` take seconds to minutes per answer. Patterns are therefore read as RE2 syntax
(no backreferences, no lookaround) and matched by an engine without backtracking:

* ``re2`` (the ``google-re2`` package, a C++ extension) where it is installed: the server and
  desktop tablets;
* otherwise the pure-Python NFA of :mod:`.regex_vm` (the Android build, which has no recipe
  for RE2), bounded by :data:`.regex_vm.MAX_STEPS` steps per match.

The accepted syntax is the same everywhere: every pattern is read by :mod:`.regex_syntax`
(pure Python), and where RE2 is installed it must compile there too. So a form the server
accepts loads on every tablet. :func:`use_engine` switches engines (tests use it to force the
fallback).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from .errors import ExpressionError
from .regex_syntax import RegexSyntaxError, parse_pattern
from .regex_vm import MatchBudgetError, compile_tree
from .texts import Text

try:  # the C++ extension; absent on Android
    import re2 as _re2
except ImportError:  # pragma: no cover - the server and the test machines have it
    _re2 = None

__all__ = ["ENGINES", "Matcher", "compile_regex", "engine", "regex_fullmatch", "use_engine"]

ENGINES = ("re2", "fallback")
_engine = "re2" if _re2 is not None else "fallback"


class Matcher(Protocol):
    """A compiled pattern."""

    def fullmatch(self, text: str) -> bool:
        """Whether all of ``text`` matches."""
        ...


class _Re2Matcher:
    """An RE2 pattern. ``re2``'s ``fullmatch()`` builds a match object with character offsets
    (about 9 µs); a yes/no needs only the underlying ``RE2::Match`` (about 2 µs), used when
    the installed version has it."""

    __slots__ = ("_compiled", "_match")

    def __init__(self, compiled: object) -> None:
        self._compiled = compiled
        regexp = getattr(compiled, "_regexp", None)
        anchor = getattr(getattr(getattr(_re2, "_re2", None), "RE2", None), "Anchor", None)
        self._match = None
        if regexp is not None and anchor is not None and hasattr(regexp, "Match"):
            both = anchor.ANCHOR_BOTH
            match = regexp.Match

            def fullmatch(text: str) -> bool:
                data = text.encode("utf-8", "surrogatepass")
                return match(both, data, 0, len(data))[0][0] >= 0

            self._match = fullmatch

    def fullmatch(self, text: str) -> bool:
        if self._match is not None:
            return self._match(text)
        try:
            return self._compiled.fullmatch(text) is not None  # type: ignore[attr-defined]
        except UnicodeEncodeError:  # a lone surrogate (valid JSON, not UTF-8)
            return False


def engine() -> str:
    """The engine in use: ``"re2"`` or ``"fallback"``."""
    return _engine


def use_engine(name: str) -> str:
    """Switch to engine ``name`` (``"re2"`` needs the package); returns the previous one."""
    global _engine
    if name not in ENGINES:
        raise ValueError(f"unknown regex engine {name!r}: one of {ENGINES}")
    if name == "re2" and _re2 is None:
        raise RuntimeError("the google-re2 package is not installed")
    previous, _engine = _engine, name
    return previous


@lru_cache(maxsize=1024)
def _compile(pattern: str, engine_name: str) -> Matcher | str:
    """The compiled pattern, or why it is refused (cached too: a pattern typed by an officer
    is re-evaluated on every answer change)."""
    try:
        program = compile_tree(parse_pattern(pattern))
    except RegexSyntaxError as error:
        return str(error)
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps far from the limit
        return "pattern nested too deeply"
    if _re2 is None:
        return program
    options = _re2.Options()
    options.log_errors = False
    try:
        compiled = _re2.compile(pattern, options)
    except _re2.error as error:
        detail = error.args[0] if error.args else error
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        return str(detail)
    return _Re2Matcher(compiled) if engine_name == "re2" else program


def compile_regex(pattern: str) -> Matcher:
    """Check and compile a ``regex()`` pattern (cached); ExpressionError if it is outside the
    accepted syntax (RE2's, see :mod:`.regex_syntax`), naming what to change."""
    compiled = _compile(pattern, _engine)
    if isinstance(compiled, str):
        message = Text("argument.regex", {"pattern": repr(pattern), "detail": compiled})
        raise ExpressionError(message, code="argument")
    return compiled


def regex_fullmatch(text: str, pattern: str) -> bool:
    """``regex(text, pattern)``: the whole text matches. A pattern outside the syntax (one
    computed from answers) matches nothing, and so does a fallback match stopped at its step
    limit: an officer's typing must neither break the form nor hang the tablet."""
    try:
        return compile_regex(pattern).fullmatch(text)
    except (ExpressionError, MatchBudgetError):
        return False
