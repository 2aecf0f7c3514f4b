"""Per-item review of labelling: a partial acceptance names the items it did not accept; those (and a
rejected hand-in's) go back to the pool as one new task for another mother, at most ``item_retries``
times, never the gold items; the queue lists hand-ins with a low gold score first, and the reviewer
sees the score."""

import pytest
from django.db.models import Sum

from ledger.models import AccountKind, Direction, Posting
from tasks import selectors, services
from tasks.errors import InvalidRejectedItems
from tasks.models import Decision, Kind, LabelItem, Project, Review, Task, TaskStatus
from tests import factories
from tests.conftest import api_for
from tests.snapshots import world

pytestmark = pytest.mark.django_db


def labelling(supervisor, company, *, tasks=1, **fields):
    """A labelling project of 4 items a task; ``fields``: its quality settings (overlap, retries…)."""
    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=tasks, units_per_task=4)
    Project.objects.filter(pk=project.pk).update(**fields)
    project.refresh_from_db()
    return project


def hand_in(mother, project, task=None, *, right=None):
    """She claims (the task given, else any) and labels every item; ``right``: the gold answers she gets right."""
    slot = factories.slot(project.created_by, project)
    if task is None:
        claim = services.task_claim_next(
            worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
        )
    else:
        claim = services.task_claim(worker=mother, task_id=task.pk, slot_id=slot.pk, confirm_outside_availability=True)
    labels = {}
    for item in claim.task.items.all():
        wrong = next(label for label in project.label_set if label != item.expected_label)
        if not item.expected_label:
            labels[str(item.pk)] = project.label_set[0]
        else:
            labels[str(item.pk)] = item.expected_label if right is None or item.pk in right else wrong
    return services.claim_submit(worker=mother, claim_id=claim.pk, labels=labels)


def items_of(task) -> list[LabelItem]:
    return list(LabelItem.objects.filter(task=task).order_by("position"))


def paid_fen(mother) -> int:
    postings = Posting.objects.filter(account__kind=AccountKind.PAYABLE, account__worker=mother)
    credit = postings.filter(direction=Direction.CREDIT).aggregate(n=Sum("amount_fen"))["n"] or 0
    return credit - (postings.filter(direction=Direction.DEBIT).aggregate(n=Sum("amount_fen"))["n"] or 0)


def test_a_partial_acceptance_names_the_items_it_did_not_accept_and_they_go_back(
    supervisor, company, mother, other_mother
):
    project = labelling(supervisor, company)
    submission = hand_in(mother, project)
    items = items_of(submission.task)

    response = api_for(supervisor).post(
        f"/api/v1/submissions/{submission.pk}/review",
        {"decision": "partial", "reason": "两条标错了", "rejected_items": [items[3].pk, items[1].pk]},
        format="json",
    )
    assert response.status_code == 200, response.content
    review = Review.objects.get(submission=submission)
    assert (review.accepted_units, review.rejected_items) == (2, [items[1].pk, items[3].pk])
    assert response.json()["review"]["rejected_items"] == [items[1].pk, items[3].pk]
    assert paid_fen(mother) == 7  # two items at ¥0.035, rounded to the fen once

    back = Task.objects.get(project=project, status=TaskStatus.OPEN)
    copies = items_of(back)
    assert back.units == 2 and back.number == 2
    assert back.item_group == (submission.task.item_group or submission.task.number)  # the chunk's group
    assert [(c.origin_id, c.round, c.text, c.source_line) for c in copies] == [
        (items[1].pk, 1, items[1].text, items[1].source_line),
        (items[3].pk, 1, items[3].text, items[3].source_line),
    ]
    again = hand_in(other_mother, project, back)  # another mother takes them
    assert again.task_id == back.pk and again.submitted_units == 2


def test_accepted_units_must_agree_with_the_items_named(supervisor, company, mother):
    project = labelling(supervisor, company)
    submission = hand_in(mother, project)
    items = items_of(submission.task)
    before = world()
    for body in (
        {"rejected_items": [items[0].pk], "accepted_units": 2},  # 4 − 1 is 3
        {"rejected_items": [items[0].pk, items[0].pk]},  # twice
        {"rejected_items": [999_999]},  # not hers
        {"rejected_items": []},  # none: that is an accept
        {"rejected_items": [item.pk for item in items]},  # all: that is a reject
        {"rejected_items": ["x"]},
    ):
        response = api_for(supervisor).post(
            f"/api/v1/submissions/{submission.pk}/review",
            {"decision": "partial", "reason": "有错", **body},
            format="json",
        )
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] in ("invalid_rejected_items", "invalid"), body
    assert world() == before


def test_items_are_named_only_in_a_partial_acceptance_of_labelling(supervisor, company, assembly, mother):
    project = labelling(supervisor, company)
    submission = hand_in(mother, project)
    item = items_of(submission.task)[0]
    with pytest.raises(InvalidRejectedItems):
        services.submission_review(
            actor=supervisor, submission_id=submission.pk, decision="reject", reason="差", rejected_items=[item.pk]
        )


def test_a_reject_sends_back_every_ordinary_item_but_never_a_gold_one(supervisor, company, mother):
    project = labelling(supervisor, company)
    submission = hand_in(mother, project)
    gold = items_of(submission.task)[0]
    LabelItem.objects.filter(pk=gold.pk).update(expected_label=project.label_set[0])
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="reject", reason="乱标")
    back = Task.objects.get(project=project, status=TaskStatus.OPEN)
    assert [c.origin_id for c in items_of(back)] == [i.pk for i in items_of(submission.task)[1:]]


def test_an_item_goes_back_at_most_item_retries_times(supervisor, company, mother, other_mother):
    project = labelling(supervisor, company, item_retries=1)
    first = hand_in(mother, project)
    services.submission_review(actor=supervisor, submission_id=first.pk, decision="reject", reason="乱标")
    back = Task.objects.get(project=project, status=TaskStatus.OPEN)
    second = hand_in(other_mother, project, back)
    services.submission_review(actor=supervisor, submission_id=second.pk, decision="reject", reason="还是乱标")
    assert not Task.objects.filter(project=project, status=TaskStatus.OPEN).exists()  # round 1 = the limit


def test_nothing_goes_back_from_an_accept_a_revision_or_a_count_only_partial(supervisor, company, mother):
    project = labelling(supervisor, company, tasks=3)
    decisions = (
        {"decision": Decision.ACCEPT},
        {"decision": Decision.REVISE, "reason": "再看看"},
        {"decision": Decision.PARTIAL, "reason": "部分", "accepted_units": 3},
    )
    for body in decisions:
        submission = hand_in(mother, project)
        services.submission_review(actor=supervisor, submission_id=submission.pk, **body)
        assert Task.objects.filter(project=project).count() == 3, body
        if body["decision"] == Decision.REVISE:
            services.claim_release(worker=mother, claim_id=submission.claim_id, reason="家里有事")


def test_a_low_gold_score_is_flagged_first_in_the_queue_and_shown(supervisor, company, mother, other_mother):
    project = labelling(supervisor, company, tasks=2, gold_min_accuracy=70)
    for task in project.tasks.all():
        for item in items_of(task)[:2]:
            LabelItem.objects.filter(pk=item.pk).update(expected_label=project.label_set[0])
    good = hand_in(mother, project)  # first in, both gold right
    low = hand_in(other_mother, project, right=set())  # later, both gold wrong
    assert (good.gold_correct, good.gold_total, low.gold_correct, low.gold_total) == (2, 2, 0, 2)

    queue = list(selectors.review_queue_for(supervisor))
    assert [s.pk for s in queue] == [low.pk, good.pk]
    assert selectors.next_in_review_queue(supervisor).pk == low.pk
    assert selectors.next_in_review_queue(supervisor, after=queue[0]).pk == good.pk
    assert selectors.next_in_review_queue(supervisor, after=queue[1]) is None

    listed = api_for(supervisor).get("/api/v1/reviews/queue").json()["results"]
    assert [row["id"] for row in listed] == [low.pk, good.pk]
    assert listed[0]["gold"] == {"correct": 0, "total": 2, "accuracy": 0.0, "flagged": True}
    assert listed[1]["gold"] == {"correct": 2, "total": 2, "accuracy": 100.0, "flagged": False}


def test_the_reviewer_page_shows_the_gold_score_and_its_flag(supervisor, company, other_mother):
    from tests.test_supervisor_pages import page, signed_in

    project = labelling(supervisor, company)
    for item in items_of(project.tasks.get())[:3]:
        LabelItem.objects.filter(pk=item.pk).update(expected_label=project.label_set[0])
    low = hand_in(other_mother, project, right={items_of(project.tasks.get())[0].pk})
    text = page(signed_in(supervisor).get(f"/work/review/{low.pk}/"))
    gold = text[text.index('id="work-gold"') :].split("</p>")[0]
    assert "33.3%" in gold and "对照题" in gold and 'id="gold-flag"' in gold


def test_a_supervisor_sets_the_gold_threshold_and_the_retries(supervisor, company):
    project = labelling(supervisor, company)
    api = api_for(supervisor)
    changed = api.patch(f"/api/v1/projects/{project.pk}", {"gold_min_accuracy": 80, "item_retries": 0}, format="json")
    assert changed.status_code == 200, changed.content
    assert (changed.json()["gold_min_accuracy"], changed.json()["item_retries"]) == (80, 0)
    before = world()
    for body in ({"gold_min_accuracy": 101}, {"item_retries": 6}, {"item_retries": -1}, {"gold_min_accuracy": "x"}):
        assert api.patch(f"/api/v1/projects/{project.pk}", body, format="json").status_code == 400, body
    assert world() == before


def test_an_appeal_that_accepts_the_items_after_all_withdraws_their_task_while_unclaimed(
    supervisor, company, mother, other_mother
):
    from accounts.models import Role

    second = factories.staff(company, Role.SUPERVISOR)
    project = labelling(supervisor, company, tasks=2)
    first = hand_in(mother, project)
    items = items_of(first.task)
    services.submission_review(
        actor=supervisor, submission_id=first.pk, decision="partial", reason="两条错", rejected_items=[items[0].pk]
    )
    back = Task.objects.get(project=project, sent_back_by__submission=first)
    # Another hand-in's items go back too, and are claimed: that task stays when its appeal is upheld.
    other = hand_in(other_mother, project)
    services.submission_review(actor=supervisor, submission_id=other.pk, decision="reject", reason="乱标")
    taken = Task.objects.get(project=project, sent_back_by__submission=other)
    hand_in(mother, project, taken)

    appeal = services.submission_appeal(worker=mother, submission_id=first.pk, reason="第一条是对的")
    services.appeal_decide(actor=second, appeal_id=appeal.pk, decision="overturn", reason="确实对")
    assert not Task.objects.filter(pk=back.pk).exists() and not LabelItem.objects.filter(task_id=back.pk).exists()
    appeal = services.submission_appeal(worker=other_mother, submission_id=other.pk, reason="我标对了")
    services.appeal_decide(actor=second, appeal_id=appeal.pk, decision="overturn", reason="确实对")
    assert Task.objects.filter(pk=taken.pk).exists()  # claimed: her work there is paid as any


# --- her side: the notice, her results and her task's page name what was not accepted ----------


def test_she_is_told_how_many_items_were_not_accepted_and_sees_which(supervisor, company, mom):
    mother = mom
    from notices.models import Notice, NoticeKind
    from tests.test_mother_pages import phone_of

    project = labelling(supervisor, company)
    submission = hand_in(mother, project)
    items = items_of(submission.task)
    services.submission_review(
        actor=supervisor,
        submission_id=submission.pk,
        decision="partial",
        reason="两条标错了",
        rejected_items=[items[1].pk, items[2].pk],
    )

    notice = Notice.objects.get(user=mother, kind=NoticeKind.REVIEW_PARTIAL)
    assert notice.data["rejected_items"] == [items[1].pk, items[2].pk]
    assert "2" in notice.text and "两条标错了" in notice.text

    results = page_text(phone_of(mother).get("/m/claims/"))
    card = results[results.index(f'id="submission-{submission.pk}"') :].split("</article>")[0]
    assert 'class="not-accepted"' in card and f"/m/claims/{submission.claim_id}/" in card

    claim = page_text(phone_of(mother).get(f"/m/claims/{submission.claim_id}/"))
    named = claim[claim.index('id="not-accepted"') :].split("</ul>")[0]
    assert [f'data-item="{i.pk}"' in named for i in items] == [False, True, True, False]
    assert items[1].text in named


def test_a_count_only_partial_names_no_item_to_her(supervisor, company, mom):
    mother = mom
    from notices.models import Notice, NoticeKind
    from tests.test_mother_pages import phone_of

    project = labelling(supervisor, company)
    submission = hand_in(mother, project)
    services.submission_review(
        actor=supervisor, submission_id=submission.pk, decision="partial", reason="部分", accepted_units=3
    )
    assert "rejected_items" not in Notice.objects.get(user=mother, kind=NoticeKind.REVIEW_PARTIAL).data
    assert 'id="not-accepted"' not in page_text(phone_of(mother).get(f"/m/claims/{submission.claim_id}/"))


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- an appeal pays the difference once, the copies stay ---------------------------------------


def test_an_appeal_that_accepts_all_pays_the_difference_once(supervisor, company, mother):
    from accounts.models import Role

    second = factories.staff(company, Role.SUPERVISOR)
    project = labelling(supervisor, company)
    submission = hand_in(mother, project)
    items = items_of(submission.task)
    services.submission_review(
        actor=supervisor,
        submission_id=submission.pk,
        decision="partial",
        reason="两条标错了",
        rejected_items=[items[0].pk, items[1].pk],
    )
    assert paid_fen(mother) == 7
    appeal = services.submission_appeal(worker=mother, submission_id=submission.pk, reason="我标得对")
    services.appeal_decide(actor=second, appeal_id=appeal.pk, decision="overturn", reason="确实都对")

    assert paid_fen(mother) == 14  # four items at ¥0.035: the two more, once
    assert Review.objects.get(submission=submission).rejected_items == [items[0].pk, items[1].pk]  # the record
    assert not Task.objects.filter(project=project, status=TaskStatus.OPEN).exists()  # withdrawn: unclaimed


# --- what is written with the copies -----------------------------------------------------------


def test_the_copies_are_audited_and_announced_with_the_projects_progress(supervisor, company, mother):
    from accounts.models import AuditEntry
    from realtime.models import OutboxEvent

    project = labelling(supervisor, company)
    submission = hand_in(mother, project)
    items = items_of(submission.task)
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="reject", reason="乱标")

    back = Task.objects.get(project=project, status=TaskStatus.OPEN)
    entry = AuditEntry.objects.get(action="task.items_sent_back")
    assert (entry.target_id, entry.actor_id) == (str(back.pk), supervisor.pk)
    assert entry.data["from_task"] == submission.task_id and entry.data["items"] == [i.pk for i in items]
    opened = OutboxEvent.objects.filter(type="task.opened").order_by("-pk").first()
    assert opened.group == f"project.{project.pk}" and opened.data["tasks"] == [back.pk]
    progress = OutboxEvent.objects.filter(type="project.progress").order_by("-pk").first()
    assert progress.data["tasks"]["total"] == 2 and progress.data["tasks"]["open"] == 1, progress.data


# --- the reviewer's page after the decision, and the queue's flag ------------------------------


def test_the_decided_page_shows_the_items_not_accepted_and_the_gold_answers(supervisor, company, mother):
    from tests.test_supervisor_pages import signed_in

    project = labelling(supervisor, company)
    item_set = items_of(project.tasks.get())
    LabelItem.objects.filter(pk=item_set[0].pk).update(expected_label=project.label_set[1])
    submission = hand_in(mother, project, right=set())  # the gold one wrong
    services.submission_review(
        actor=supervisor,
        submission_id=submission.pk,
        decision="partial",
        reason="错了",
        rejected_items=[item_set[2].pk],
    )
    text = page_text(signed_in(supervisor).get(f"/work/review/{submission.pk}/"))
    grid = text[text.index('id="items"') :].split("</div>")[0]
    boxes = grid.split("<label")[1:]
    assert ["checked" in box for box in boxes] == [True, True, False, True]
    assert 'class="badge gold wrong"' in boxes[0] and "badge gold" not in boxes[1]


def test_the_review_page_counts_the_flagged_ones_waiting(supervisor, company, mother, other_mother):
    from tests.test_supervisor_pages import signed_in

    project = labelling(supervisor, company, tasks=2)
    for task in project.tasks.all():
        LabelItem.objects.filter(pk=items_of(task)[0].pk).update(expected_label=project.label_set[0])
    good = hand_in(mother, project)
    low = hand_in(other_mother, project, right=set())
    text = page_text(signed_in(supervisor).get(f"/work/review/{good.pk}/"))
    assert 'id="queue-flagged"' in text and " 1 " in text[text.index('id="queue-flagged"') :][:60]
    services.submission_review(actor=supervisor, submission_id=low.pk, decision="accept")
    assert 'id="queue-flagged"' not in page_text(signed_in(supervisor).get(f"/work/review/{good.pk}/"))


def test_a_training_sends_nothing_back(supervisor, company, mother):
    from skills import services as skill_services

    skill = skill_services.skill_create(actor=supervisor, company_id=company.pk, name="标注入门")
    project = labelling(supervisor, company, skill=skill, training=True)
    submission = hand_in(mother, project)
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="reject", reason="再练练")
    assert Task.objects.filter(project=project).count() == 1


def test_with_two_retries_an_item_goes_back_twice_each_copy_pointing_at_the_first(
    supervisor, company, mother, other_mother
):
    project = labelling(supervisor, company)  # item_retries: 2, the default
    assert project.item_retries == 2
    first = hand_in(mother, project)
    originals = items_of(first.task)
    services.submission_review(
        actor=supervisor, submission_id=first.pk, decision="partial", reason="错", rejected_items=[originals[2].pk]
    )
    one = Task.objects.get(project=project, status=TaskStatus.OPEN)
    second = hand_in(other_mother, project, one)
    services.submission_review(actor=supervisor, submission_id=second.pk, decision="reject", reason="还是错")
    two = Task.objects.get(project=project, status=TaskStatus.OPEN)
    assert [(c.origin_id, c.round) for c in items_of(two)] == [(originals[2].pk, 2)]
    third = hand_in(factories.mother(), project, two)
    services.submission_review(actor=supervisor, submission_id=third.pk, decision="reject", reason="仍然错")
    assert not Task.objects.filter(project=project, status=TaskStatus.OPEN).exists()
    assert Task.objects.filter(project=project).count() == 3


def test_a_resent_decision_naming_items_is_already_reviewed_not_a_bad_list(supervisor, company, mother):
    project = labelling(supervisor, company)
    submission = hand_in(mother, project)
    items = items_of(submission.task)
    body = {"decision": "partial", "reason": "有错", "rejected_items": [items[0].pk]}
    url = f"/api/v1/submissions/{submission.pk}/review"
    assert api_for(supervisor).post(url, body, format="json").status_code == 200
    again = api_for(supervisor).post(url, {**body, "rejected_items": [items[0].pk, items[0].pk]}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_reviewed"


def test_the_quality_page_lists_the_flagged_in_her_words_and_is_the_companys_only(
    supervisor, company, other_company, assembly, mother
):
    from accounts.models import Role
    from tests.test_supervisor_pages import signed_in

    project = labelling(supervisor, company)
    LabelItem.objects.filter(pk=items_of(project.tasks.get())[0].pk).update(expected_label=project.label_set[0])
    low = hand_in(mother, project, right=set())
    text = page_text(signed_in(supervisor).get(f"/work/projects/{project.pk}/quality/"))
    flagged = text[text.index('id="quality-flagged"') :].split("</ul>")[0]
    assert f"/work/review/{low.pk}/" in flagged and "等待审核" in flagged and "pending" not in flagged
    stranger = signed_in(factories.staff(other_company, Role.SUPERVISOR))
    assert stranger.get(f"/work/projects/{project.pk}/quality/").status_code == 404
    assert signed_in(supervisor).get(f"/work/projects/{assembly.pk}/quality/").status_code == 404
