"""A labelling training whose every item has a known answer is checked by the system the moment she
hands it in, in the hand-in's transaction: she learns at once whether she passed.

The decision is the auto-accept's (no reviewer, accept, the units she handed in: training is paid);
its mark is her share of right answers (``career.training_mark``), which alone decides passing.
Beside ``reviews`` and ``career`` rather than in either: it calls both, and ``submissions`` calls it."""

import datetime

from django.utils.translation import gettext as _

from notices.models import NoticeKind
from notices.services import notice_send
from tasks.models import Decision, Kind, LabelItem, Project, Review, Submission
from tasks.services import reviews


def checks_at_once(*, project: Project) -> bool:
    """A labelling training project of a skill whose every item (of every task) is gold."""
    if not (project.training and project.skill_id is not None and project.kind == Kind.LABELLING):
        return False
    return not LabelItem.objects.filter(task__project_id=project.pk, expected_label="").exists()


def submission_training_check(*, submission: Submission, now: datetime.datetime) -> Review:
    """Decide her training hand-in against the known answers; call in the hand-in's transaction,
    holding her claim's lock and not yet the task's (the decision locks it, in the lock order).
    ``submission`` is left as the decision left it (its review in hand, for the answer)."""
    # Written in this transaction: nobody else can see it, so it is read, not locked.
    locked = reviews._LOCKED.get(pk=submission.pk)
    review = reviews._decide(
        locked,
        actor=None,
        decision=Decision.ACCEPT,
        units=locked.submitted_units,
        reason=_("Checked automatically against the known answers."),
        score=None,
        now=now,
    )
    project = locked.project
    words = {"title": project.title, "mark": review.training_score, "pass": project.training_pass_score}
    if review.training_score is not None and review.training_score >= project.training_pass_score:
        text = _("Your training “%(title)s” was checked: %(mark)s%% right (pass mark %(pass)s%%). You passed!")
    else:
        text = _(
            "Your training “%(title)s” was checked: %(mark)s%% right (pass mark %(pass)s%%). "
            "It is paid all the same; you may try again if you have attempts left."
        )
    notice_send(
        user_id=locked.worker_id,
        kind=NoticeKind.REVIEW_ACCEPTED,
        key=f"review:{review.pk}",
        text=text % words,
        data={"submission": locked.pk, "project": locked.project_id, "claim": locked.claim_id},
    )
    submission.status = locked.status
    Submission.review.related.set_cached_value(submission, review)
    return review
