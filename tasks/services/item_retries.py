"""Items that were not accepted go back to the pool: after a partial acceptance (the items it names
in ``Review.rejected_items``) or a reject of a labelling hand-in, its ordinary items not accepted are
copied into one new open task of the project, for another mother (the task keeps the item group, so
no mother who held one of its tasks gets them: ``tasks.services.claims``). Each copy points at the
item's first copy and counts one more round; an item that has been sent back ``project.item_retries``
times stays where it is. Gold items (known answers) are never sent back: they are there to check the
work, not to be done. A training project sends nothing back (its items are its lesson), nor does a
peer reviewer's decision: she never held a task of the group, so she could claim what she sent back;
nor a revise decision (the work goes back to her) or a partial acceptance that gives only a count.

An appeal or a peer-review audit that later accepts more of her hand-in credits her the difference
once (``second_look``) and withdraws the new task while nobody has claimed it (``items_withdraw``);
once another mother holds it, it stays: she is paid for the copies, and the company bears its
reviewer's mistake, as it does for a lowered audit.

Written in the review's transaction. The new task's number is the project's next; two reviews of one
project at once may pick the same number, and the one that loses retries with the next (a savepoint
each time), so a review never takes the project's lock (which comes before the submission's)."""

from accounts.audit import audit_record
from accounts.models import User
from core import locks
from realtime import events
from realtime.groups import project_group
from realtime.publish import publish
from tasks.models import Decision, Kind, LabelItem, ProjectStatus, Review, Submission, Task, TaskStatus
from tasks.services._common import _next_numbered, _publish_progress


def items_send_back(*, submission: Submission, review: Review) -> Task | None:
    """The new task holding what ``review`` did not accept of ``submission``, or None (nothing to send)."""
    project = submission.project
    if project.kind != Kind.LABELLING or project.training:
        return None
    if review.decision == Decision.REJECT:
        not_accepted = LabelItem.objects.filter(task_id=submission.task_id)
    elif review.decision == Decision.PARTIAL and review.rejected_items:
        not_accepted = LabelItem.objects.filter(task_id=submission.task_id, pk__in=review.rejected_items)
    else:
        return None
    items = list(not_accepted.filter(expected_label="", round__lt=project.item_retries).order_by("position"))
    if not items:
        return None
    task = _new_task(submission, review, units=len(items))
    LabelItem.objects.bulk_create(
        [
            LabelItem(
                task=task,
                position=position,
                source_line=item.source_line,
                text=item.text,
                payload=item.payload,
                origin_id=item.origin_id or item.pk,
                round=item.round + 1,
            )
            for position, item in enumerate(items, start=1)
        ]
    )
    audit_record(
        actor=review.reviewer,
        action="task.items_sent_back",
        target=task,
        company_id=project.company_id,
        review=review.pk,
        from_task=submission.task_id,
        items=[item.pk for item in items],
    )
    if project.status == ProjectStatus.PUBLISHED:
        publish(events.task_opened(project=project.pk, tasks=[task.pk], count=1), groups=[project_group(project.pk)])
    return task


def items_withdraw(*, review: Review, actor: User) -> int:
    """A second look (her appeal upheld, an audit overturning a peer) accepted what ``review`` had sent
    back: the tasks holding those items leave the pool while nobody has claimed them (they would be
    labelled and paid again for nothing); a task someone claimed stays, its work paid as any. How many
    tasks were withdrawn."""
    waiting = Task.objects.filter(sent_back_by=review, status=TaskStatus.OPEN).exclude(claims__isnull=False)
    withdrawn = list(locks.lock(waiting.select_related("project").order_by("pk")))
    for task in withdrawn:
        audit_record(
            actor=actor,
            action="task.withdraw",
            target=task.project,
            company_id=task.project.company_id,
            task=task.number,
            review=review.pk,
        )
    if withdrawn:
        Task.objects.filter(pk__in=[task.pk for task in withdrawn]).delete()
        _publish_progress(withdrawn[0].project)
    return len(withdrawn)


def _new_task(submission: Submission, review: Review, *, units: int) -> Task:
    original = submission.task
    return _next_numbered(
        original.project_id,
        lambda number: Task.objects.create(
            project_id=original.project_id,
            number=number,
            brief=original.brief,
            units=units,
            # A task split before item groups holds its own chunk: its group is its number
            # (as the item groups' migration gives it), which its copies share.
            item_group=original.number if original.item_group is None else original.item_group,
            sent_back_by=review,
        ),
    )
