"""Levels from training and from real work: a training's mark grants level 1 (paid whatever the
mark), a labelling training of known answers is checked at hand-in, levels follow reviews up at
once and down only after the grace period, and a higher level is credited at its rate, once."""

import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext

from background.periodic import schedule
from ledger.models import Direction, Transaction
from notices.models import Notice, NoticeKind
from realtime.models import OutboxEvent
from skills import services as skill_services
from skills.models import LevelChange, WorkerSkill
from tasks import career, services
from tasks.errors import InvalidFile, TrainingScoreRequired
from tasks.models import Kind, LabelItem, Project, Review, Submission, SubmissionStatus
from tests import factories
from tests.snapshots import world

pytestmark = pytest.mark.django_db
RULES = [
    {"level": 1, "min_accepted_units": 5, "min_acceptance_rate": 80},
    {"level": 2, "min_accepted_units": 20, "min_acceptance_rate": 90},
    {"level": 3, "min_accepted_units": 1000, "min_acceptance_rate": 95},
]


@pytest.fixture
def skill(supervisor, company):
    return skill_services.skill_create(
        actor=supervisor, company_id=company.pk, name="精细缝纫", rules=RULES, demotion_grace_days=14
    )


def with_skill(project, skill, **fields) -> Project:
    Project.objects.filter(pk=project.pk).update(skill=skill, **fields)
    project.refresh_from_db()
    return project


def hand_in(supervisor, mother, project, **work) -> Submission:
    slot = factories.slot(supervisor, project)
    claim = services.task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk)
    return services.claim_submit(worker=mother, claim_id=claim.pk, **work)


def credited(mother) -> list[tuple[int, int]]:
    rows = Transaction.objects.filter(worker_id=mother.pk).order_by("created_at")
    return [(t.units, t.postings.get(direction=Direction.CREDIT).amount_fen) for t in rows]


def level_of(mother, skill) -> int:
    return WorkerSkill.objects.filter(worker=mother, skill=skill).values_list("level", flat=True).first() or 0


# --- training -----------------------------------------------------------------------------------


def test_passing_an_assembly_training_grants_level_1_at_once_with_a_notice_and_an_event(
    supervisor, company, mother, skill
):
    training = with_skill(factories.project(supervisor, company, tasks=2, units_per_task=10), skill, training=True)
    submission = hand_in(supervisor, mother, training, completed_units=10)

    services.submission_review(
        actor=supervisor, submission_id=submission.pk, decision="partial", accepted_units=9, reason="1 件线头"
    )

    assert Review.objects.get(submission=submission).training_score == 90
    assert level_of(mother, skill) == 1
    assert list(LevelChange.objects.values_list("from_level", "to_level", "cause")) == [(0, 1, "training")]
    assert Notice.objects.filter(user=mother, kind=NoticeKind.LEVEL_UP).count() == 1
    changed = OutboxEvent.objects.get(type="skill.level_changed", group=f"worker.{mother.pk}")
    assert changed.data["level"] == 1 and changed.data["cause"] == "training"
    # Paid for the 10 pieces she handed in (0.50 each), not the 9 that passed: the mark decides passing.
    assert credited(mother) == [(10, 500)]


def test_a_failed_training_is_paid_grants_nothing_and_counts_an_attempt(supervisor, company, mother, skill):
    training = with_skill(
        factories.project(supervisor, company, tasks=3, units_per_task=10), skill, training=True, training_attempts=2
    )
    first = hand_in(supervisor, mother, training, completed_units=10)
    services.submission_review(
        actor=supervisor, submission_id=first.pk, decision="partial", accepted_units=5, reason="一半不合格"
    )

    assert Review.objects.get(submission=first).training_score == 50
    assert level_of(mother, skill) == 0 and not LevelChange.objects.exists()
    assert credited(mother) == [(10, 500)]
    assert career.training_attempts_used(worker_id=mother.pk, project_id=training.pk) == 1
    assert career.skill_refusal(worker_id=mother.pk, project=training) is None  # one attempt left

    second = hand_in(supervisor, mother, training, completed_units=10)
    services.submission_review(actor=supervisor, submission_id=second.pk, decision="reject", reason="没按样品做")

    assert Review.objects.get(submission=second).training_score == 0
    assert credited(mother) == [(10, 500)]  # a reject pays nothing, as always
    assert career.skill_refusal(worker_id=mother.pk, project=training).code == "training_attempts_used"


def test_a_copywriting_training_review_needs_a_score_which_is_the_mark(supervisor, company, mother, skill):
    training = with_skill(factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=1), skill, training=True)
    submission = hand_in(supervisor, mother, training, text="一段好文案")
    before = world()

    with pytest.raises(TrainingScoreRequired):
        services.submission_review(actor=supervisor, submission_id=submission.pk, decision="accept")
    assert world() == before

    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="accept", score=4)
    assert Review.objects.get(submission=submission).training_score == 80
    assert level_of(mother, skill) == 1


def test_the_api_refuses_a_copywriting_training_accept_without_a_score(supervisor, company, mother, skill):
    from tests.conftest import api_for

    training = with_skill(factories.project(supervisor, company, kind=Kind.COPYWRITING, tasks=1), skill, training=True)
    submission = hand_in(supervisor, mother, training, text="一段好文案")
    response = api_for(supervisor).post(
        f"/api/v1/submissions/{submission.pk}/review", {"decision": "accept"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "training_score_required"


def gold_upload(rows, name="gold.jsonl") -> SimpleUploadedFile:
    body = "\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
    return SimpleUploadedFile(name, body.encode())


def gold_training(supervisor, company, skill, answers) -> Project:
    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, units_per_task=2, publish=False)
    LabelItem.objects.filter(task__project=project).delete()
    project.tasks.all().delete()
    services.project_split(
        actor=supervisor,
        project_id=project.pk,
        file=gold_upload([{"text": f"评论 {i}", "answer": a} for i, a in enumerate(answers)]),
        items_per_task=len(answers),
        gold_field="answer",
    )
    services.project_transition(actor=supervisor, project_id=project.pk, action="publish")
    return with_skill(project, skill, training=True, training_pass_score=75)


def test_a_labelling_training_of_known_answers_is_checked_at_hand_in(supervisor, company, mother, skill):
    training = gold_training(supervisor, company, skill, ["好评", "差评", "中评", "好评"])
    items = list(LabelItem.objects.filter(task__project=training).order_by("position"))
    answers = ["好评", "差评", "中评", "差评"]  # 3 of 4 right: 75 %, the pass mark

    submission = hand_in(
        supervisor, mother, training, labels={str(i.pk): a for i, a in zip(items, answers, strict=True)}
    )

    assert submission.status == SubmissionStatus.ACCEPTED
    review = Review.objects.get(submission=submission)
    assert (review.reviewer, review.decision, review.accepted_units) == (None, "accept", 4)
    assert review.reason == gettext("Checked automatically against the known answers.")
    assert (submission.gold_correct, submission.gold_total, review.training_score) == (3, 4, 75)
    assert level_of(mother, skill) == 1
    assert credited(mother) == [(4, 14)]  # 4 × ¥0.035 = ¥0.14


def test_a_gold_item_is_never_shown_to_her_as_gold(supervisor, company, mother, skill):
    from tests.conftest import api_for

    training = gold_training(supervisor, company, skill, ["好评", "差评"])
    slot = factories.slot(supervisor, training)
    claimed = api_for(mother).post(f"/api/v1/projects/{training.pk}/claim-next", {"slot": slot.pk}, format="json")

    assert claimed.status_code == 201, claimed.content
    text = claimed.content.decode()
    assert "expected" not in text and "answer" not in text
    assert LabelItem.objects.filter(task__project=training).exclude(payload__has_key="answer").count() == 2


def test_gold_is_counted_on_an_ordinary_labelling_hand_in(supervisor, company, mother):
    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, units_per_task=3)
    items = list(LabelItem.objects.filter(task__project=project).order_by("position"))
    LabelItem.objects.filter(pk__in=[items[0].pk, items[1].pk]).update(expected_label="好评")

    submission = hand_in(
        supervisor,
        mother,
        project,
        labels={str(items[0].pk): "好评", str(items[1].pk): "差评", str(items[2].pk): "中评"},
    )

    assert (submission.gold_correct, submission.gold_total) == (1, 2)
    assert submission.status == SubmissionStatus.PENDING  # not a training: a person reviews it


def test_a_gold_answer_outside_the_label_set_names_its_line(supervisor, company):
    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, units_per_task=1, publish=False)
    before = LabelItem.objects.count()
    rows = [{"text": "甲", "answer": "好评"}, {"text": "乙", "answer": ""}, {"text": "丙", "answer": "很好"}]

    with pytest.raises(InvalidFile) as refused:
        services.project_split(
            actor=supervisor, project_id=project.pk, file=gold_upload(rows), items_per_task=1, gold_field="answer"
        )

    assert refused.value.details["line"] == 3 and "很好" in str(refused.value.message)
    assert LabelItem.objects.count() == before


def test_a_csv_gold_column_is_split_and_a_missing_one_refused(supervisor, company):
    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, units_per_task=1, publish=False)
    csv = "text,answer\n甲,好评\n乙,\n".encode()
    services.project_split(
        actor=supervisor,
        project_id=project.pk,
        file=SimpleUploadedFile("g.csv", csv),
        items_per_task=2,
        gold_field="answer",
    )
    made = LabelItem.objects.filter(task__project=project, source_line__gte=2).order_by("source_line")
    assert [(i.text, i.expected_label) for i in made] == [("甲", "好评"), ("乙", "")]

    with pytest.raises(InvalidFile) as refused:
        services.project_split(
            actor=supervisor,
            project_id=project.pk,
            file=SimpleUploadedFile("g.csv", csv),
            items_per_task=2,
            gold_field="known",
        )
    assert refused.value.details == {"line": 1, "field": "known"}


def test_the_background_split_keeps_the_gold_field(supervisor, company):
    from tasks import split_requests

    project = factories.project(supervisor, company, kind=Kind.LABELLING, tasks=1, units_per_task=1, publish=False)
    job = split_requests.split_request(
        actor=supervisor,
        project_id=project.pk,
        upload=gold_upload([{"text": "甲", "answer": "差评"}]),
        items_per_task=1,
        gold_field="answer",
    )
    services.split_job_run(job_id=str(job.pk))

    assert LabelItem.objects.filter(task__project=project, expected_label="差评").count() == 1


# --- levels from real work ----------------------------------------------------------------------


def test_reviews_raise_her_level_at_once_and_a_drop_waits_for_the_grace_period(supervisor, company, mother, skill):
    work = with_skill(factories.project(supervisor, company, tasks=6, units_per_task=10), skill)

    first = hand_in(supervisor, mother, work, completed_units=10)
    services.submission_review(actor=supervisor, submission_id=first.pk, decision="accept")
    assert level_of(mother, skill) == 1  # 10 accepted at 100 %
    second = hand_in(supervisor, mother, work, completed_units=10)
    services.submission_review(actor=supervisor, submission_id=second.pk, decision="accept")
    assert level_of(mother, skill) == 2  # 20 accepted at 100 %: promoted at once
    assert list(LevelChange.objects.order_by("at", "id").values_list("to_level", "cause")) == [(1, "work"), (2, "work")]
    assert OutboxEvent.objects.filter(type="skill.level_changed", group=f"worker.{mother.pk}").count() == 2

    # A poor batch: 25 of 30 accepted (83 %) is below level 2's 90 %. She keeps level 2 for now.
    third = hand_in(supervisor, mother, work, completed_units=10)
    services.submission_review(
        actor=supervisor, submission_id=third.pk, decision="partial", accepted_units=5, reason="5 件不合格"
    )
    held = WorkerSkill.objects.get(worker=mother, skill=skill)
    assert held.level == 2 and held.below_since is not None
    assert Notice.objects.filter(user=mother, kind=NoticeKind.LEVEL_WARNING).count() == 1

    assert skill_services.demotions_apply(now=timezone.now() + datetime.timedelta(days=13)) == 0
    assert level_of(mother, skill) == 2
    with time_machine.travel(timezone.now() + datetime.timedelta(days=15)):
        from skills.jobs import demotions_apply

        assert demotions_apply.call() == 1
    assert level_of(mother, skill) == 1
    assert Notice.objects.filter(user=mother, kind=NoticeKind.LEVEL_DOWN).count() == 1
    assert LevelChange.objects.filter(cause="demotion", to_level=1).count() == 1


def test_the_demotion_job_runs_daily():
    daily = {p.name: p.every for p in schedule()}
    assert daily["skills.jobs.demotions_apply"] == datetime.timedelta(days=1)


def test_a_level_2_mother_is_credited_at_the_level_2_rate_once(supervisor, company, mother, skill):
    work = with_skill(
        factories.project(supervisor, company, tasks=2, units_per_task=10),
        skill,
        piece_rate_by_level={"2": "0.80", "3": "1.20"},
    )
    WorkerSkill.objects.create(worker=mother, skill=skill, level=2)
    submission = hand_in(supervisor, mother, work, completed_units=10)

    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="accept")
    services.submission_auto_accept(submission_id=submission.pk)  # decided already: nothing more

    assert credited(mother) == [(10, 800)]  # 10 × ¥0.80, not × ¥0.50
    assert career.rate_for_level(work, 2) == Decimal("0.80")
