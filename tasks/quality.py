"""How good a labelling project's labels are, for its company's staff (``GET
/api/v1/projects/{id}/quality`` and the supervisor's project page): how far the mothers who labelled
the same item agree, and how the gold items (known answers mixed into every task) came out.

- Agreement: Krippendorff's alpha (nominal), by the maintained ``krippendorff`` package, over the
  accepted labels of each source item (its copies: ``LabelItem.origin``), items × mothers (a mother
  labels an item once: the claim rule). Only items with two accepted labels or more count (a single
  label agrees with nobody); with none of those, or a single label in all of them, alpha is null
  with a ``note`` saying why. Beside it, per item, the share of its accepted labels equal to its
  most given one (``tasks.results.majority``), as a distribution, and the ties a reviewer settles.
- Gold: the hand-ins that had gold items, their accuracy as a distribution, and those flagged by the
  one rule (``tasks.gold.GOLD_FLAGGED``), newest first.

Reads the project's items and decided hand-ins once each (two queries, then the flagged ones): its
memory grows with the project's items, not with the mothers."""

import collections
import math

import krippendorff
from django.utils.translation import gettext as _

from tasks.gold import GOLD_FLAGGED, gold_accuracy
from tasks.models import LabelItem, Project, Submission, SubmissionStatus
from tasks.results import label_accepted, majority, pseudonym

# Lower bounds of the buckets of the distributions: agreement as a share, gold accuracy in %.
AGREEMENT_BUCKETS = (0.0, 0.5, 2 / 3, 1.0)
ACCURACY_BUCKETS = (0, 50, 70, 90, 100)
MAX_FLAGGED_LISTED = 100
_ACCEPTED = (SubmissionStatus.ACCEPTED, SubmissionStatus.PARTIALLY_ACCEPTED)


def accepted_labels(project: Project) -> dict[int, list[str]]:
    """Per source item (its first copy's id; never gold), the accepted labels of its copies."""
    first_of = {
        pk: origin or pk
        for pk, origin in LabelItem.objects.filter(task__project=project, expected_label="")
        .values_list("pk", "origin_id")
        .iterator(chunk_size=5000)
    }
    labels: dict[int, list[str]] = {first: [] for first in first_of.values()}
    decided = Submission.objects.filter(project=project, status__in=_ACCEPTED).values_list(
        "labels", "status", "review__rejected_items"
    )
    for given, status, rejected in decided.iterator(chunk_size=2000):
        rejected = set(rejected or ())
        for key, label in (given or {}).items():
            copy = int(key) if str(key).isdigit() else None
            if copy in first_of and label_accepted(status=status, rejected_items=rejected, item_id=copy):
                labels[first_of[copy]].append(label)
    return labels


def alpha(labels_per_item) -> tuple[float | None, str]:
    """Krippendorff's alpha (nominal) of items' labels (each item: the labels different mothers gave
    it), and a note when it cannot be told."""
    compared = [labels for labels in labels_per_item if len(labels) >= 2]
    if not compared:
        return None, _("No item has two accepted labels yet: agreement needs items labelled by several mothers.")
    values = sorted({label for labels in compared for label in labels})
    if len(values) < 2:
        return None, _("Every label given is the same one: agreement cannot be told apart from chance.")
    index = {label: i for i, label in enumerate(values)}
    counts = [[0] * len(values) for _ in compared]
    for row, labels in zip(counts, compared, strict=True):
        for label in labels:
            row[index[label]] += 1
    value = krippendorff.alpha(value_counts=counts, level_of_measurement="nominal")
    if not math.isfinite(value):
        return None, _("Too few labels to tell agreement yet.")
    return round(float(value), 4), ""


def _buckets(values, bounds) -> list[dict]:
    counts = collections.Counter()
    for value in values:
        counts[max(i for i, low in enumerate(bounds) if value >= low - 1e-9)] += 1
    return [
        {"from": low, "to": bounds[i + 1] if i + 1 < len(bounds) else low, "count": counts[i]}
        for i, low in enumerate(bounds)
    ]


def project_quality(project: Project) -> dict:
    """The figures of ``GET /api/v1/projects/{id}/quality``; the caller has scoped the project."""
    labels = accepted_labels(project)
    outcomes = [majority(given) for given in labels.values()]
    compared = [o for o in outcomes if o["labels_given"] >= 2]
    value, note = alpha(labels.values())
    gold = Submission.objects.filter(project=project, gold_total__gt=0)
    accuracies = [
        gold_accuracy(gold_correct=right, gold_total=total)
        for right, total in gold.values_list("gold_correct", "gold_total").iterator(chunk_size=5000)
    ]
    flagged = gold.filter(GOLD_FLAGGED)
    return {
        "project": project.pk,
        "overlap": project.overlap,
        "items": len(labels),
        "items_with_labels": sum(1 for o in outcomes if o["labels_given"]),
        "items_compared": len(compared),
        "ties": sum(1 for o in compared if o["tie"]),
        "alpha": value,
        "note": note,
        "agreement": _buckets([o["agreement"] for o in compared], AGREEMENT_BUCKETS),
        "gold": {
            "rate": project.gold_rate,
            "min_accuracy": project.gold_min_accuracy,
            "submissions": len(accuracies),
            "accuracy": _buckets(accuracies, ACCURACY_BUCKETS),
            "flagged": flagged.count(),
        },
        "flagged": [
            {
                "submission": s.pk,
                "task": s.task.number,
                "mother": pseudonym(company_id=project.company_id, worker_id=s.worker_id),
                "gold_correct": s.gold_correct,
                "gold_total": s.gold_total,
                "accuracy": gold_accuracy(gold_correct=s.gold_correct, gold_total=s.gold_total),
                "status": s.status,
            }
            for s in flagged.select_related("task").order_by("-submitted_at", "-pk")[:MAX_FLAGGED_LISTED]
        ],
    }
