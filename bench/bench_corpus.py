"""Real-world XLSForms: the share of the corpus (``tests/survey_forms/corpus``) that loads,
fills with generated answers and validates; every other form must be refused with a reason
(a FormError), never crash. Target: at least 70%. Run: ``python -m bench.bench_corpus``.
"""

from __future__ import annotations

from typing import Any

from bench.common import result
from tests.survey_forms.corpus.run import run as run_corpus

TARGET = 0.70


def run() -> list[dict[str, Any]]:
    """The corpus figure, in the shape of the other benchmarks' results."""
    report = run_corpus()
    counts: dict[str, int] = {}
    for outcome in report.outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    note = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    return [
        result(
            "forms.real_world_xlsforms_loading",
            round(report.share * 100, 1),
            "%",
            TARGET * 100,
            higher_is_better=True,
            note=f"{len(report.outcomes)} forms: {note}",
        )
    ]


if __name__ == "__main__":
    print(run_corpus().summary())
    for figure in run():
        print(f"{figure['name']}: {figure['value']} {figure['unit']} (target {figure['target']})")
