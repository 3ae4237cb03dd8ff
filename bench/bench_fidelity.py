"""Expression fidelity: the share of the JavaRosa corpus's cases that this engine answers as
JavaRosa (ODK Collect) does (``tests/survey_forms/javarosa_cases``). Target: at least 97% of
the cases JavaRosa answers. Run: ``python -m bench.bench_fidelity``.
"""

from __future__ import annotations

from typing import Any

from bench.common import result
from tests.survey_forms.javarosa_corpus import run as run_corpus

TARGET = 0.97


def run() -> list[dict[str, Any]]:
    """The corpus figures, in the shape of the other benchmarks' results."""
    report = run_corpus()
    answered = report.answered
    agreeing = sum(outcome.agrees for outcome in answered)
    return [
        result(
            "forms.javarosa_cases_agreeing",
            report.share * 100,
            "%",
            TARGET * 100,
            higher_is_better=True,
            note=f"{agreeing}/{len(answered)} cases JavaRosa answers; {len(report.outcomes)} "
            f"cases in all, {len(report.errors)} where JavaRosa raises an error",
        )
    ]


if __name__ == "__main__":
    print(run_corpus().summary())
    for figure in run():
        print(f"{figure['name']}: {figure['value']} {figure['unit']} (target {figure['target']})")
