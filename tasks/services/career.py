"""What a final review does to her career (skills/ keeps the levels): the rate her level earns, the
units a training hand-in is paid for, its mark, and the level it grants or the level her recent
work holds. Called by ``reviews._decide`` inside the review's transaction.

Training is paid: a training hand-in is credited for the units she handed in unless the decision
is reject (which needs a reason, as always); its mark (0–100) decides whether she passes, not her
pay. The mark: labelling, the share of gold items she got right (no gold items: the accepted
share); assembly, the pieces that passed of those handed in (the sample batch checked piece by
piece); copywriting, the review's score × 20 (a person's review must give one; the review
window's auto-accept counts as full marks — silence is never held against her). A reject marks 0."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from accounts.models import User
from skills import services as skill_services
from skills.models import Skill, WorkerSkill
from tasks import career
from tasks.errors import TrainingScoreRequired
from tasks.models import Decision, Kind, Review, Submission


def rate_at_review(*, submission: Submission) -> Decimal:
    """The piece rate her level in the project's skill earns now, before this review moves it."""
    project = submission.project
    if project.skill_id is None or not project.piece_rate_by_level:
        return project.piece_rate
    level = WorkerSkill.objects.filter(worker_id=submission.worker_id, skill_id=project.skill_id)
    return career.rate_for_level(project, level.values_list("level", flat=True).first() or 0)


def units_paid(*, submission: Submission, decision: str, units: int) -> int:
    """A training hand-in is paid for what she handed in (unless rejected; a revision asked for is not
    decided yet); other work for the units accepted."""
    project = submission.project
    if project.training and project.skill_id is not None and decision in (Decision.ACCEPT, Decision.PARTIAL):
        return submission.submitted_units
    return units


def training_score_check(*, submission: Submission, actor: User | None, decision: str, score: int | None) -> None:
    """Refuse before anything is written: a person accepting a copywriting training hand-in gives a score."""
    project = submission.project
    if (
        project.training
        and project.kind == Kind.COPYWRITING
        and actor is not None
        and decision in (Decision.ACCEPT, Decision.PARTIAL)
        and score is None
    ):
        raise TrainingScoreRequired(details={"field": "score"})


def training_mark(*, submission: Submission, review: Review) -> int:
    """Her mark for a training hand-in, 0–100 (see the module's docstring)."""
    if review.decision == Decision.REJECT:
        return 0
    kind = submission.project.kind
    if kind == Kind.COPYWRITING:
        return 100 if review.score is None else review.score * 20
    if kind == Kind.LABELLING and submission.gold_total:
        return _percent(submission.gold_correct, submission.gold_total)
    return _percent(review.accepted_units, submission.submitted_units)


def _percent(part: int, whole: int) -> int:
    if whole <= 0:
        return 0
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _after_review(submission: Submission, review: Review, now: datetime.datetime) -> None:
    """After a final review (accept, partial, reject) of work with a skill: a training hand-in gets
    its mark and, at the pass mark, level 1; other work holds her level against her recent window."""
    project = submission.project
    if project.skill_id is None or review.decision == Decision.REVISE:
        return
    mark = None
    if project.training:
        mark = training_mark(submission=submission, review=review)
        Review.objects.filter(pk=review.pk).update(training_score=mark)
        review.training_score = mark
    level_effects(submission=submission, mark=mark, now=now)


def level_effects(
    *, submission: Submission, mark: int | None, now: datetime.datetime, after_appeal: bool = False
) -> None:
    """What a result of work with a skill does to her level: a training's ``mark`` at the pass mark
    grants level 1; other work holds her level against her recent window (``after_appeal``: a rise is
    the appeal's)."""
    project = submission.project
    if project.skill_id is None:
        return
    if project.training:
        if mark is not None and mark >= project.training_pass_score:
            skill_services.level_grant_training(
                worker_id=submission.worker_id, skill_id=project.skill_id, score=mark, now=now
            )
        return
    skill = Skill.objects.get(pk=project.skill_id)
    skill_services.level_recompute(
        worker_id=submission.worker_id,
        skill_id=skill.pk,
        window=career.window_of(submission.worker_id, skill),
        now=now,
        after_appeal=after_appeal,
    )
