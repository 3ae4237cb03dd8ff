"""Running the JavaRosa expression corpus (``javarosa_cases/*.json``) against this engine.

Each file lists cases read from getodk/javarosa's tests and sources: an expression, the answers
it reads, and the value JavaRosa gives (or ``error`` where JavaRosa raises). The share of the
cases JavaRosa answers that this engine answers the same is the engine's fidelity figure; the
cases where JavaRosa raises an error are counted apart (here such expressions are refused when
the form loads, or give ``""``/NaN rather than breaking the form).

File format (see ``javarosa_cases/README.md``)::

    {"source": "...", "now": "ISO dateTime", "language": "...", "values": {...},
     "groups": {"name": [[expression, kind, expected, {options}], ...]}}

``kind`` is ``number`` (``"NaN"``, ``"Infinity"``, ``"-Infinity"`` as strings), ``string``,
``boolean``, ``date`` (``YYYY-MM-DD``), ``datetime`` (ISO 8601) or ``error``. Options: ``values``
(answers, merged over the file's), ``current`` (the value of ``.``), ``position`` (of the repeat
instance, for ``position(..)``), ``now``, ``language``,
``tolerance`` (absolute, for numbers; 1e-12 otherwise, as JavaRosa's tests), ``note``.
"""

from __future__ import annotations

import datetime
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from survey_forms.expressions import ExpressionError, NodeSet, parse, to_string
from survey_forms.expressions.dates import parse_datetime
from survey_forms.expressions.testing import DictContext

CASES_DIR = Path(__file__).resolve().parent / "javarosa_cases"
_SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


@dataclass(frozen=True)
class Case:
    """One expression and what JavaRosa gives for it."""

    file: str
    group: str
    expression: str
    kind: str
    expected: Any
    values: dict[str, Any]
    current: Any
    position: int
    now: datetime.datetime
    language: str | None
    tolerance: float
    note: str = ""


@dataclass
class Outcome:
    """A case and what this engine gave."""

    case: Case
    actual: Any
    agrees: bool


@dataclass
class Report:
    """Every outcome, and the figures."""

    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def answered(self) -> list[Outcome]:
        """Cases JavaRosa answers (not ``error``)."""
        return [o for o in self.outcomes if o.case.kind != "error"]

    @property
    def errors(self) -> list[Outcome]:
        """Cases where JavaRosa raises an error."""
        return [o for o in self.outcomes if o.case.kind == "error"]

    @property
    def share(self) -> float:
        """The share of the answered cases that agree."""
        answered = self.answered
        return sum(o.agrees for o in answered) / len(answered) if answered else 0.0

    def differences(self) -> list[Outcome]:
        """Answered cases that do not agree."""
        return [o for o in self.answered if not o.agrees]

    def summary(self) -> str:
        """A few lines: totals, the share, and each difference."""
        answered = self.answered
        refused = sum(1 for o in self.errors if isinstance(o.actual, ExpressionError))
        lines = [
            f"JavaRosa corpus: {len(self.outcomes)} cases, {len(answered)} answered by JavaRosa, "
            f"{len(self.errors)} errors in JavaRosa ({refused} refused here at parse time, "
            f"{len(self.errors) - refused} give a value here)",
            f"agree with JavaRosa: {sum(o.agrees for o in answered)}/{len(answered)} "
            f"= {self.share:.1%}",
        ]
        for o in self.differences():
            lines.append(
                f"  differs: {o.case.file}:{o.case.group}: {o.case.expression!r} "
                f"JavaRosa {o.case.expected!r}, here {o.actual!r}"
                + (f" ({o.case.note})" if o.case.note else "")
            )
        return "\n".join(lines)


def _moment(text: str) -> datetime.datetime:
    moment = parse_datetime(text)
    assert moment is not None and moment.tzinfo is not None, text
    return moment


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    """Every case of every ``*.json`` file in ``directory``."""
    cases: list[Case] = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        for group, rows in data["groups"].items():
            for row in rows:
                expression, kind, expected = row[:3]
                options = row[3] if len(row) > 3 else {}
                values = {**data.get("values", {}), **options.get("values", {})}
                cases.append(
                    Case(
                        file=path.name,
                        group=group,
                        expression=expression,
                        kind=kind,
                        expected=expected,
                        values=values,
                        current=options.get("current", ""),
                        position=int(options.get("position", 1)),
                        now=_moment(options.get("now", data.get("now", "2024-08-13T09:30:00Z"))),
                        language=options.get("language", data.get("language")),
                        tolerance=float(options.get("tolerance", 1e-12)),
                        note=options.get("note", ""),
                    )
                )
    return cases


def _numbers_agree(expected: Any, actual: float, tolerance: float) -> bool:
    want = _SPECIAL.get(expected, expected) if isinstance(expected, str) else float(expected)
    if math.isnan(want) or math.isnan(actual):
        return math.isnan(want) and math.isnan(actual)
    if math.isinf(want) or math.isinf(actual):
        return want == actual
    return abs(want - actual) <= tolerance or math.isclose(want, actual, rel_tol=1e-12)


def _datetimes_agree(expected: str, actual: Any) -> bool:
    if not isinstance(actual, str):
        return False
    want, got = parse_datetime(expected), parse_datetime(actual)
    if want is None or got is None:
        return False
    if (want.tzinfo is None) != (got.tzinfo is None):
        return False
    return want == got


def agrees(case: Case, actual: Any) -> bool:
    """Whether ``actual`` (a value, or the ``ExpressionError`` raised) is JavaRosa's answer."""
    if isinstance(actual, ExpressionError):
        return case.kind == "error"
    kind = case.kind
    if kind == "error":
        return False
    if kind == "number":
        return type(actual) is float and _numbers_agree(case.expected, actual, case.tolerance)
    if kind == "boolean":
        return type(actual) is bool and actual == case.expected
    if kind == "string":
        return type(actual) is str and actual == case.expected
    if kind == "date":
        return type(actual) in (str, NodeSet) and to_string(actual) == case.expected
    if kind == "datetime":
        return _datetimes_agree(case.expected, actual)
    raise ValueError(f"unknown kind {kind!r} in {case.file}")


def evaluate(case: Case) -> Any:
    """This engine's value for ``case`` (or the ``ExpressionError`` its parse raises)."""
    try:
        expr = parse(case.expression)
    except ExpressionError as error:
        return error
    ctx = DictContext(
        case.values,
        current_value=case.current,
        index=case.position,
        moment=case.now,
        form_language=case.language,
    )
    return expr.evaluate(ctx)


def run(directory: Path = CASES_DIR) -> Report:
    """Evaluate every case and compare."""
    report = Report()
    for case in load_cases(directory):
        actual = evaluate(case)
        report.outcomes.append(Outcome(case, actual, agrees(case, actual)))
    return report


if __name__ == "__main__":
    print(run().summary())
