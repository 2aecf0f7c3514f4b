"""Appeals: once, within 7 days, of a reject or a partial; decided by someone other than the first
reviewer; an overturn or an adjustment credits the difference once (``appeal:<id>``)."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Membership, Role
from ledger.models import Transaction
from notices.models import Notice, NoticeKind
from realtime.models import OutboxEvent
from tasks import services
from tasks.models import AppealStatus, Submission, SubmissionStatus, Task, TaskStatus
from tests import factories
from tests.conftest import api_for
from tests.snapshots import assert_refused, world


@pytest.fixture
def second_supervisor(company):
    return factories.staff(company, Role.SUPERVISOR)


def handed_in(mother, project, slot, units=10) -> Submission:
    claim = services.task_claim_next(worker=mother, project_id=project.pk, slot_id=slot.pk)
    return services.claim_submit(worker=mother, claim_id=claim.pk, completed_units=units)


@pytest.fixture
def rejected(supervisor, second_supervisor, mother, assembly, slot):
    submission = handed_in(mother, assembly, slot)
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="reject", reason="不合格")
    return submission


@pytest.fixture
def partial(supervisor, second_supervisor, mother, assembly, slot):
    submission = handed_in(mother, assembly, slot)
    services.submission_review(
        actor=supervisor, submission_id=submission.pk, decision="partial", accepted_units=4, reason="部分不合格"
    )
    return submission


def appeal(user, submission_id, key=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api_for(user).post(f"/api/v1/submissions/{submission_id}/appeal", body, format="json", **headers)


def decide(user, appeal_id, key=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api_for(user).post(f"/api/v1/appeals/{appeal_id}/decide", body, format="json", **headers)


def credits_of(appeal_id):
    return list(Transaction.objects.filter(key=f"appeal:{appeal_id}").values_list("units", flat=True))


# --- her appeal --------------------------------------------------------------


def test_she_appeals_a_reject_and_it_goes_to_another_supervisor(mother, supervisor, second_supervisor, rejected):
    response = appeal(mother, rejected.pk, reason="我按照样品做的，请再看一下")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open" and body["decision"] == "reject"
    assert body["units_before"] == 0 and body["units_after"] is None
    assert body["assigned_to"] == second_supervisor.pk
    assert body["reason"] == "我按照样品做的，请再看一下" and body["first_reason"] == "不合格"
    notice = Notice.objects.get(kind=NoticeKind.APPEAL_OPENED)
    assert notice.user_id == second_supervisor.pk
    assert notice.data == {"appeal": body["id"], "submission": rejected.pk, "project": rejected.project_id}
    opened = OutboxEvent.objects.filter(type="appeal.opened")
    assert sorted(e.group for e in opened) == sorted(
        [f"worker.{mother.pk}", f"company.{rejected.project.company_id}.staff"]
    )


def test_with_no_other_supervisor_the_company_admin_decides(mother, supervisor, company, assembly, slot):
    admin = factories.staff(company, Role.ADMIN)
    submission = handed_in(mother, assembly, slot)
    services.submission_review(actor=admin, submission_id=submission.pk, decision="reject", reason="不合格")
    # The only other supervisor moved to finance: the admin, the first reviewer, is asked after all.
    Membership.objects.filter(user=supervisor, company=company).update(role=Role.FINANCE)

    made = services.submission_appeal(worker=mother, submission_id=submission.pk, reason="请再看一下")

    assert made.assigned_to_id == admin.pk
    decided = services.appeal_decide(actor=admin, appeal_id=made.pk, decision="overturn", reason="确实合格")
    assert decided.status == AppealStatus.OVERTURNED and credits_of(made.pk) == [10]


def test_the_least_busy_other_supervisor_is_asked(mother, other_mother, supervisor, second_supervisor, company):
    third = factories.staff(company, Role.SUPERVISOR)
    project = factories.project(supervisor, company, tasks=3)
    slot = factories.slot(supervisor, project)
    first = handed_in(mother, project, slot)
    second = handed_in(other_mother, project, slot)
    for submission in (first, second):
        services.submission_review(actor=supervisor, submission_id=submission.pk, decision="reject", reason="不合格")

    one = services.submission_appeal(worker=mother, submission_id=first.pk, reason="请再看一下")
    two = services.submission_appeal(worker=other_mother, submission_id=second.pk, reason="请再看一下")

    assert {one.assigned_to_id, two.assigned_to_id} == {second_supervisor.pk, third.pk}


def test_a_second_appeal_is_refused(mother, rejected):
    assert appeal(mother, rejected.pk, reason="请再看一下").status_code == 201
    before = world()

    assert_refused(appeal(mother, rejected.pk, reason="再申诉一次"), 409, "appeal_exists", before)


def test_the_same_key_again_answers_the_first_and_another_body_is_refused(mother, rejected):
    first = appeal(mother, rejected.pk, key="k-1", reason="请再看一下")
    again = appeal(mother, rejected.pk, key="k-1", reason="请再看一下")
    assert again.status_code == 201 and again.json() == first.json()
    before = world()

    assert_refused(appeal(mother, rejected.pk, key="k-1", reason="不一样"), 409, "idempotency_key_reused", before)


def test_an_appeal_after_seven_days_is_refused(mother, rejected):
    before = world()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=7, minutes=1), tick=False):
        assert_refused(appeal(mother, rejected.pk, reason="请再看一下"), 409, "appeal_too_late", before)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=6, hours=23), tick=False):
        assert appeal(mother, rejected.pk, reason="请再看一下").status_code == 201


@pytest.mark.parametrize("decision", ["accept", "revise"])
def test_an_accept_or_a_revise_is_not_appealable(mother, supervisor, assembly, slot, decision):
    submission = handed_in(mother, assembly, slot)
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision=decision, reason="请补拍")
    before = world()

    assert_refused(appeal(mother, submission.pk, reason="请再看一下"), 409, "not_appealable", before)


def test_an_auto_accepted_or_waiting_submission_is_not_appealable(mother, assembly, slot):
    submission = handed_in(mother, assembly, slot)
    before = world()
    assert_refused(appeal(mother, submission.pk, reason="请再看一下"), 409, "not_appealable", before)

    with time_machine.travel(submission.review_due_at + datetime.timedelta(minutes=1), tick=False):
        services.submission_auto_accept(submission_id=submission.pk)
        before = world()
        assert_refused(appeal(mother, submission.pk, reason="请再看一下"), 409, "not_appealable", before)


def test_an_appeal_needs_a_reason_of_at_most_500_characters(mother, rejected):
    before = world()

    assert_refused(appeal(mother, rejected.pk, reason="   "), 400, "reason_required", before)
    assert_refused(appeal(mother, rejected.pk), 400, "reason_required", before)
    assert_refused(appeal(mother, rejected.pk, reason="长" * 501), 400, "invalid", before)


def test_someone_elses_submission_is_not_found(other_mother, rejected):
    before = world()

    assert_refused(appeal(other_mother, rejected.pk, reason="请再看一下"), 404, "not_found", before)


# --- the decision ------------------------------------------------------------


@pytest.fixture
def opened(mother, rejected):
    return services.submission_appeal(worker=mother, submission_id=rejected.pk, reason="请再看一下")


def test_an_overturn_credits_the_difference_once_and_tells_her(mother, second_supervisor, opened):
    response = decide(second_supervisor, opened.pk, key="d-1", decision="overturn", reason="复核合格")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "overturned" and body["units_before"] == 0 and body["units_after"] == 10
    assert credits_of(opened.pk) == [10]
    txn = Transaction.objects.get(key=f"appeal:{opened.pk}")
    assert txn.kind == "earning" and txn.worker_id == mother.pk
    assert sum(p.amount_fen for p in txn.postings.all()) == 2 * 500  # 10 × ¥0.50, both legs
    submission = Submission.objects.get(pk=opened.submission_id)
    assert submission.status == SubmissionStatus.ACCEPTED
    task = Task.objects.get(pk=submission.task_id)
    assert task.status == TaskStatus.ACCEPTED and task.accepted_units == 10
    told = Notice.objects.get(kind=NoticeKind.APPEAL_DECIDED)
    assert told.user_id == mother.pk and "复核合格" in told.text
    kinds = list(
        OutboxEvent.objects.filter(type__in=["appeal.decided", "ledger.credited"]).values_list("type", "group")
    )
    assert ("ledger.credited", f"worker.{mother.pk}") in kinds
    assert ("appeal.decided", f"worker.{mother.pk}") in kinds
    # Sent again with the same key: the first answer, nothing credited twice.
    again = decide(second_supervisor, opened.pk, key="d-1", decision="overturn", reason="复核合格")
    assert again.status_code == 200 and again.json() == body
    before = world()
    assert_refused(
        decide(second_supervisor, opened.pk, decision="overturn", reason="再来"), 409, "appeal_decided", before
    )
    assert credits_of(opened.pk) == [10]


def test_an_adjustment_of_a_partial_credits_the_extra_units(mother, second_supervisor, partial):
    made = services.submission_appeal(worker=mother, submission_id=partial.pk, reason="有些是合格的")
    before = world()
    for units in (4, 11, None, "7"):
        body = {"decision": "adjust", "reason": "复核", **({} if units is None else {"accepted_units": units})}
        response = decide(second_supervisor, made.pk, **body)
        assert response.status_code == 400, (units, response.content)
        assert world() == before

    response = decide(second_supervisor, made.pk, decision="adjust", accepted_units=7, reason="复核后多 3 件合格")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "adjusted" and response.json()["units_after"] == 7
    assert credits_of(made.pk) == [3]
    task = Task.objects.get(pk=partial.task_id)
    assert task.status == TaskStatus.PARTIALLY_ACCEPTED and task.accepted_units == 7
    assert Submission.objects.get(pk=partial.pk).status == SubmissionStatus.PARTIALLY_ACCEPTED


def test_an_uphold_credits_nothing(mother, second_supervisor, opened):
    response = decide(second_supervisor, opened.pk, decision="uphold", reason="确实不合格")

    assert response.status_code == 200
    assert response.json()["status"] == "upheld" and response.json()["units_after"] == 0
    assert credits_of(opened.pk) == []
    assert Submission.objects.get(pk=opened.submission_id).status == SubmissionStatus.REJECTED
    assert Notice.objects.filter(kind=NoticeKind.APPEAL_DECIDED, user=mother).count() == 1


def test_a_decision_needs_a_reason_and_a_known_decision(second_supervisor, opened):
    before = world()

    assert_refused(
        decide(second_supervisor, opened.pk, decision="overturn", reason=" "), 400, "reason_required", before
    )
    assert_refused(decide(second_supervisor, opened.pk, decision="maybe", reason="x"), 400, "invalid", before)


def test_the_first_reviewer_cannot_decide(supervisor, opened):
    before = world()

    assert_refused(
        decide(supervisor, opened.pk, decision="overturn", reason="我改主意了"), 403, "appeal_first_reviewer", before
    )


def test_another_companys_staff_get_a_404_and_finance_a_403(other_company, finance, opened):
    outsider = factories.staff(other_company, Role.SUPERVISOR)
    before = world()

    assert_refused(decide(outsider, opened.pk, decision="overturn", reason="x"), 404, "not_found", before)
    assert_refused(decide(finance, opened.pk, decision="overturn", reason="x"), 403, "forbidden", before)
    assert api_for(outsider).get("/api/v1/appeals").json()["results"] == []


def test_finance_staff_do_not_see_the_appeals(finance, mother, opened):
    """An appeal holds the mother's name and her reason: for those who decide it, not for finance
    (an empty list, as staff of another company get)."""
    listed = api_for(finance).get("/api/v1/appeals")

    assert listed.status_code == 200 and listed.json()["results"] == []
    assert str(opened.reason) not in listed.content.decode()
    assert api_for(finance).get("/api/v1/appeals?status=open").json()["results"] == []
    assert [a["id"] for a in api_for(mother).get("/api/v1/appeals").json()["results"]] == [opened.pk]


def test_the_list_shows_hers_to_her_and_asked_of_me_first_to_staff(
    mother, other_mother, supervisor, second_supervisor, company, opened
):
    mine = api_for(mother).get("/api/v1/appeals").json()["results"]
    assert [a["id"] for a in mine] == [opened.pk]
    assert api_for(other_mother).get("/api/v1/appeals").json()["results"] == []

    staff = api_for(second_supervisor).get("/api/v1/appeals?status=open").json()["results"]
    assert [a["id"] for a in staff] == [opened.pk]
    assert staff[0]["assigned_to_name"] and staff[0]["project_title"] == opened.submission.project.title
    assert api_for(second_supervisor).get("/api/v1/appeals?status=upheld").json()["results"] == []


def test_an_overturn_counts_in_her_level_window_and_lifts_her_level(mother, supervisor, second_supervisor, company):
    from skills import services as skill_services
    from skills.models import LevelChange, WorkerSkill
    from tasks.career import window_of

    skill = skill_services.skill_create(actor=supervisor, company_id=company.pk, name="精细缝纫")
    project = factories.project(supervisor, company, tasks=1)
    project.skill = skill
    project.save(update_fields=["skill"])
    submission = handed_in(mother, project, factories.slot(supervisor, project))
    services.submission_review(actor=supervisor, submission_id=submission.pk, decision="reject", reason="不合格")
    made = services.submission_appeal(worker=mother, submission_id=submission.pk, reason="请再看一下")

    services.appeal_decide(actor=second_supervisor, appeal_id=made.pk, decision="overturn", reason="合格")

    assert window_of(mother.pk, skill).accepted_units == 10
    held = WorkerSkill.objects.get(worker=mother, skill=skill)
    assert held.accepted_units == 10 and held.level == 1  # 10 of 10 accepted: the rule of level 1 holds
    change = LevelChange.objects.get(worker=mother, skill=skill)
    assert (change.from_level, change.to_level, change.cause) == (0, 1, "appeal")


def test_the_difference_is_paid_at_the_rate_of_her_level(mother, supervisor, second_supervisor, company):
    from skills import services as skill_services
    from skills.models import WorkerSkill

    skill = skill_services.skill_create(actor=supervisor, company_id=company.pk, name="手工")
    project = factories.project(supervisor, company, tasks=1)
    project.skill, project.piece_rate_by_level = skill, {"2": "0.8000"}
    project.save(update_fields=["skill", "piece_rate_by_level"])
    WorkerSkill.objects.create(worker=mother, skill=skill, level=2)
    submission = handed_in(mother, project, factories.slot(supervisor, project))
    services.submission_review(
        actor=supervisor, submission_id=submission.pk, decision="partial", accepted_units=5, reason="部分不合格"
    )
    made = services.submission_appeal(worker=mother, submission_id=submission.pk, reason="请再看一下")

    services.appeal_decide(actor=second_supervisor, appeal_id=made.pk, decision="overturn", reason="合格")

    txn = Transaction.objects.get(key=f"appeal:{made.pk}")
    assert txn.units == 5 and {p.amount_fen for p in txn.postings.all()} == {400}  # 5 × ¥0.80
