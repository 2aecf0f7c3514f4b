"""The gold rule, in one place: a labelling hand-in is *flagged* when it had gold items (known
answers) and got fewer of them right than the project's ``gold_min_accuracy`` asks (in whole
percent, compared without rounding: 2 of 3 is below 70 %). The review queue shows flagged hand-ins
first; ``GET /api/v1/projects/{id}/quality`` lists them. A flag is never a decision: a person
decides, with a reason she can read."""

from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.db.models.lookups import GreaterThan, LessThan

# On a Submission queryset: ``.annotate(gold_flagged=GOLD_FLAGGED)`` or ``.filter(GOLD_FLAGGED)``.
GOLD_FLAGGED = ExpressionWrapper(
    Q(
        GreaterThan(F("gold_total"), 0),
        LessThan(F("gold_correct") * 100, F("gold_total") * F("project__gold_min_accuracy")),
    ),
    output_field=BooleanField(),
)


def gold_flagged(*, gold_correct: int, gold_total: int, min_accuracy: int) -> bool:
    """The same rule on numbers in hand (a submission already read)."""
    return gold_total > 0 and gold_correct * 100 < gold_total * min_accuracy


def gold_accuracy(*, gold_correct: int, gold_total: int) -> float | None:
    """Her share right, 0–100 to one decimal; None without gold items."""
    return round(gold_correct * 100 / gold_total, 1) if gold_total else None


def gold_of(submission) -> dict:
    """A labelling hand-in's gold figures, as the reviewer is shown them."""
    correct, total = submission.gold_correct, submission.gold_total
    return {
        "correct": correct,
        "total": total,
        "accuracy": gold_accuracy(gold_correct=correct, gold_total=total),
        "flagged": gold_flagged(
            gold_correct=correct, gold_total=total, min_accuracy=submission.project.gold_min_accuracy
        ),
    }
