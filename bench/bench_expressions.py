"""Benchmark of the expression engine on the pilot observation form's real expressions.

Run: ``.venv/bin/python bench/bench_expressions.py [--rounds N]``. Prints, for the expressions of
``survey_forms/forms/observasi_kabkota_antikorupsi.md`` (relevant, constraint, calculation,
required, choice_filter, instance_name):

* parse + compile time per expression (without the parse cache);
* time to evaluate every expression once for one complete entry (what the server does per synced
  entry), with compiled closures, and with a plain tree walker for comparison;
* time per evaluation of a few typical shapes.

The context is a minimal dict-backed one, so the figures are the engine's own cost; the form
session's context adds its lookups on top.
"""

from __future__ import annotations

import argparse
import datetime
import math
import pathlib
import random
import statistics
import sys
import time
from collections.abc import Callable

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survey_forms.expressions import NodeSet, parse, to_string  # noqa: E402
from survey_forms.expressions.expr import Expr  # noqa: E402
from survey_forms.expressions.parser import parse_tree  # noqa: E402
from survey_forms.expressions.syntax import (  # noqa: E402
    Call,
    Node,
)
from survey_forms.expressions.testing import DEFAULT_NOW  # noqa: E402
from survey_forms.expressions.testing import walk as plain_walk  # noqa: E402

FORM = ROOT / "survey_forms" / "forms" / "observasi_kabkota_antikorupsi.md"
BATCH = 1000
COLUMNS = ("relevant", "constraint", "calculation", "required", "choice_filter", "instance_name")


class BenchContext:
    """The least a context can do: dict lookups."""

    __slots__ = ("answers", "here")

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.here = ""

    def resolve(self, name: str) -> str | NodeSet:
        return self.answers.get(name, "")

    def current(self) -> str:
        return self.here

    def position(self) -> int:
        return 1

    def choice_label(self, question: str, value: str) -> str:
        return value

    def choice_column(self, column: str) -> str:
        return "16.71"

    def now(self) -> datetime.datetime:
        return DEFAULT_NOW


def form_rows(path: pathlib.Path) -> list[dict[str, str]]:
    """The rows of the survey sheet (and the settings row) of a pyxform markdown form."""
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    for line in path.read_text("utf-8").splitlines():
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0]:
            header = None
            continue
        if header is None:
            header = cells
            continue
        rows.append(dict(zip(header, cells, strict=False)))
    return rows


def sample_answer(row: dict[str, str], rng: random.Random) -> str:
    """A plausible answer for a question row (calculates are filled in by evaluation)."""
    kind = row.get("type", "").split(" ")[0]
    name = row.get("name", "")
    if name.startswith("hasil_"):
        return rng.choice(["terpenuhi", "sebagian", "tidak_terpenuhi", "tidak_berlaku"])
    return {
        "integer": str(rng.randint(0, 50)),
        "decimal": str(rng.randint(0, 100)),
        "date": "2024-08-13",
        "text": "Catatan pengamatan",
        "select_one": "16.71",
        "select_multiple": rng.choice(["sk sop", "foto", "tidak_ada", "sk lainnya"]),
    }.get(kind, "")


def _choice_name(node: Call, ctx: BenchContext, walk_child: Callable[[Node], object]) -> object:
    return ctx.choice_label("q", to_string(walk_child(node.args[0])))


def walk(node: Node, ctx: BenchContext) -> object:
    """Evaluate a tree by walking it: the baseline the closures are compared with."""
    return plain_walk(node, ctx, {"jr:choice-name": _choice_name})


def timed(function: Callable[[], object], rounds: int) -> list[float]:
    """Seconds per call of ``function``, one sample per round."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def describe(label: str, samples: list[float], per: int = 1) -> str:
    median = statistics.median(samples) / per
    p95 = sorted(samples)[int(len(samples) * 0.95)] / per
    unit, scale = ("ms", 1e3) if median >= 1e-3 else ("µs", 1e6)
    return f"{label:<58} median {median * scale:8.2f} {unit}   p95 {p95 * scale:8.2f} {unit}"


def main() -> None:
    """Run the benchmark and print the figures."""
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--rounds", type=int, default=2000)
    rounds = options.parse_args().rounds

    rows = form_rows(FORM)
    rng = random.Random(2024)
    jobs: list[tuple[str, str, str]] = []  # (question, column, source)
    for row in rows:
        for column in COLUMNS:
            text = row.get(column, "")
            if text and text not in ("yes", "no", "true", "false"):
                jobs.append((row.get("name", "settings"), column, text))
    questions = [row for row in rows if row.get("name")]
    print(f"form: {FORM.name}: {len(questions)} rows with a name, {len(jobs)} expressions")

    uncached_parse = parse.__wrapped__  # type: ignore[attr-defined]
    sources = [source for _, _, source in jobs]
    print(
        describe(
            "parse + compile, per expression",
            timed(lambda: [uncached_parse(s) for s in sources], max(rounds // 20, 20)),
            per=len(sources),
        )
    )
    print(
        describe(
            "tokenize + parse only (tree), per expression",
            timed(lambda: [parse_tree(s) for s in sources], max(rounds // 20, 20)),
            per=len(sources),
        )
    )

    compiled: list[tuple[str, str, Expr]] = [(q, c, parse(s)) for q, c, s in jobs]
    answers = {row["name"]: sample_answer(row, rng) for row in questions}
    ctx = BenchContext(answers)

    def entry_with_closures() -> None:
        for question, column, expr in compiled:
            ctx.here = answers.get(question, "")
            value = expr.evaluate(ctx)
            if column == "calculation":
                answers[question] = to_string(value)

    def entry_with_walker() -> None:
        for question, column, expr in compiled:
            ctx.here = answers.get(question, "")
            value = walk(expr.tree, ctx)
            if column == "calculation":
                answers[question] = to_string(value)

    entry_with_closures()  # fills the calculates once
    closures = timed(entry_with_closures, rounds)
    walker = timed(entry_with_walker, rounds)
    print(describe(f"one entry: all {len(compiled)} expressions, closures", closures))
    print(describe(f"one entry: all {len(compiled)} expressions, tree walker", walker))
    speedup = statistics.median(walker) / statistics.median(closures)
    print(f"{'closures vs tree walker':<58} {speedup:.1f}x faster")
    print(f"{'total score of the sample entry':<58} {answers.get('skor_total', '?')}")

    shapes = {
        "${a} = 'ya'": {"a": "ya"},
        ". >= 0 and . <= 100": {},
        "not(selected(., 'x')) or count-selected(.) = 1": {},
        "if(${h} = 't', 1, if(${h} = 's', 0.5, ''))": {"h": "s"},
        "${d} <= today()": {"d": "2024-08-01"},
        "regex(${hp}, '^08[0-9]{8,11}$')": {"hp": "081234567890"},
        "sum(${rep}) > 10": {},
    }
    for source, values in shapes.items():
        expr = parse(source)
        shape_ctx = BenchContext(values)  # type: ignore[arg-type]
        shape_ctx.here = "42" if "selected" not in source else "sk foto"
        if "rep" in source:
            shape_ctx.answers["rep"] = NodeSet(["3", "4", "5"])  # type: ignore[assignment]
        assert not (
            isinstance(expr.evaluate(shape_ctx), float) and math.isnan(expr.evaluate(shape_ctx))
        )
        samples = timed(lambda e=expr, c=shape_ctx: [e.evaluate(c) for _ in range(BATCH)], 200)
        print(describe(f"evaluate {source}", samples, per=BATCH))


if __name__ == "__main__":
    main()
