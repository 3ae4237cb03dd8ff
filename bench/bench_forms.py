"""Benchmarks of the forms engine on the pilot's observation form.

Targets (issue 2): load and compile < 300 ms; one answer change with incremental recompute
< 2 ms median; ``validate`` of a complete entry < 1 ms median; with 200 repeat instances an answer
change still < 16 ms. Run: ``python -m bench.bench_forms``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import median, result, timed
from survey_forms import load_pilot_form, load_xlsform, pilot_form_path

FIXTURE = (
    Path(__file__).resolve().parent.parent / "tests/survey_forms/fixtures/observasi_complete.json"
)


def complete_entry() -> dict[str, Any]:
    """A complete, valid observation entry (the test fixture)."""
    return json.loads(FIXTURE.read_text("utf-8"))


def run() -> list[dict[str, Any]]:
    """Run the forms benchmarks and return their figures."""
    path = pilot_form_path("observasi")
    data = path.read_bytes()
    load_times = timed(lambda: load_xlsform(data, "md"), 15)
    form = load_pilot_form("observasi")
    answers = complete_entry()
    assert form.validate(answers) == [], "fixture must be valid"

    session = form.new_session(answers)
    findings = ["terpenuhi", "sebagian", "tidak_terpenuhi", "tidak_berlaku"]
    finding_questions = [
        q.name
        for q in form.questions_in_order()
        if q.type == "select_one" and q.list_name == "hasil"
    ]
    target = finding_questions[len(finding_questions) // 2] if finding_questions else None
    counter = iter(range(10**9))

    def change() -> None:
        value = findings[next(counter) % 2]
        session.set_answer(target, value)

    change_times = timed(change, 500) if target else [float("nan")]
    validate_times = timed(lambda: form.validate(answers), 500)

    big = dict(answers)
    template = answers["temuan"][0]
    big["temuan"] = [dict(template) for _ in range(200)]
    big_session = form.new_session(big)
    repeat_fields = [q.name for q in form.question("temuan").children if q.type == "text"]
    field = repeat_fields[0]
    texts = iter(range(10**9))

    def change_in_repeat() -> None:
        big_session.set_answer(field, f"temuan {next(texts)}", (137,))

    def change_top() -> None:
        value = findings[next(counter) % 2]
        big_session.set_answer(target, value)

    def add_remove() -> None:
        index = big_session.add_repeat("temuan")
        big_session.remove_repeat("temuan", index)

    repeat_times = timed(change_in_repeat, 200)
    top_times = timed(change_top, 200)
    addremove_times = timed(add_remove, 30)
    return [
        result("forms.load_compile_observation", median(load_times), "ms", 300),
        result("forms.answer_change_median", median(change_times), "ms", 2),
        result("forms.validate_complete_entry_median", median(validate_times), "ms", 1),
        result("forms.answer_change_in_200_repeats", median(repeat_times), "ms", 16),
        result("forms.top_answer_change_with_200_repeats", median(top_times), "ms", 16),
        result(
            "forms.add_and_remove_instance_with_200_repeats",
            median(addremove_times),
            "ms",
            16,
            note="add + remove, together",
        ),
    ]


if __name__ == "__main__":
    for row in run():
        print(
            f"{row['name']:<48} {row['value']:>10.3f} {row['unit']:<4} target {row['target']:<8}"
            f" {'PASS' if row['pass'] else 'FAIL'}"
        )
