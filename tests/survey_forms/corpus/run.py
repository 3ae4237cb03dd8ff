"""Load, fill and validate every form of the real-world corpus (``forms/``, choice files in
``media/``), and report the share that goes through and why the others do not."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path

from survey_forms import FormError, load_xlsform
from survey_forms.validation import validate_answers
from tests.survey_forms.corpus.filler import fill

__all__ = ["CorpusReport", "Outcome", "run"]

HERE = Path(__file__).parent
FORMS_DIR = HERE / "forms"
MEDIA_DIR = HERE / "media"


@dataclass(frozen=True, slots=True)
class Outcome:
    """One form: ``status`` is ``ok``, ``refused`` (a FormError), ``invalid`` (filled answers
    that do not validate) or ``crash`` (any other exception: always a bug)."""

    name: str
    status: str
    reason: str = ""
    warnings: int = 0


@dataclass(slots=True)
class CorpusReport:
    """The outcomes of every corpus form."""

    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def share(self) -> float:
        """The share of forms that load, fill and validate."""
        ok = sum(outcome.status == "ok" for outcome in self.outcomes)
        return ok / len(self.outcomes) if self.outcomes else 0.0

    def summary(self) -> str:
        """A text report: the share, then each form that did not go through and why."""
        ok = sum(outcome.status == "ok" for outcome in self.outcomes)
        lines = [f"{ok}/{len(self.outcomes)} forms load, fill and validate ({self.share:.0%})"]
        for outcome in self.outcomes:
            if outcome.status != "ok":
                lines.append(f"  {outcome.status:8} {outcome.name}: {outcome.reason}")
        return "\n".join(lines)


def media() -> dict[str, bytes]:
    """The files published with the corpus forms, by name."""
    return {path.name: path.read_bytes() for path in sorted(MEDIA_DIR.iterdir())}


def check_one(path: Path, files: dict[str, bytes]) -> Outcome:
    """Load, fill and validate one form."""
    try:
        form = load_xlsform(path, media=files)
    except FormError as exc:
        return Outcome(path.name, "refused", str(exc))
    except Exception:  # a crash is what the corpus hunts for: record it, never hide it
        return Outcome(path.name, "crash", traceback.format_exc(limit=3))
    try:
        answers = fill(form)
        issues = validate_answers(form, answers)
    except Exception:
        return Outcome(path.name, "crash", traceback.format_exc(limit=3))
    if issues:
        text = "; ".join(f"{issue.path}: {issue.code}" for issue in issues[:5])
        return Outcome(path.name, "invalid", text, len(form.warnings))
    return Outcome(path.name, "ok", "", len(form.warnings))


def run() -> CorpusReport:
    """Every corpus form's outcome, in file-name order."""
    files = media()
    report = CorpusReport()
    for path in sorted(FORMS_DIR.iterdir()):
        if path.suffix in {".md", ".csv", ".xlsx", ".xls"}:
            report.outcomes.append(check_one(path, files))
    return report


if __name__ == "__main__":
    print(run().summary())
