"""Second looks at one decision — her appeal and a supervisor's audit of a peer's review — pay each
unit once whatever their order, at the rate her first review was credited at; a training hand-in
raised by a look is marked again (and may pass her), its pay unchanged."""

from decimal import Decimal

import pytest

from accounts.models import Role
from ledger.models import Transaction
from skills import services as skill_services
from skills.models import WorkerSkill
from tasks import services
from tasks.models import Kind, Project, SubmissionStatus
from tests import factories

pytestmark = pytest.mark.django_db


def credited_fen(user) -> int:
    return sum(
        p.amount_fen
        for txn in Transaction.objects.filter(worker=user).prefetch_related("postings")
        for p in txn.postings.all()
        if p.direction == "C"
    )


def hand_in(mother, project, slot, units=10):
    claim = services.task_claim_next(
        worker=mother, project_id=project.pk, slot_id=slot.pk, confirm_outside_availability=True
    )
    return services.claim_submit(worker=mother, claim_id=claim.pk, completed_units=units)


@pytest.fixture
def second(company):
    return factories.staff(company, Role.SUPERVISOR)


@pytest.fixture
def skill(company, supervisor):
    made = skill_services.skill_create(actor=supervisor, company_id=company.pk, name="精细缝纫")
    return skill_services.skill_peer_review_set(actor=supervisor, skill_id=made.pk, open=True, rate="0.50")


@pytest.fixture
def skilled(supervisor, company, skill):
    made = factories.project(supervisor, company, tasks=4, units_per_task=10)
    Project.objects.filter(pk=made.pk).update(skill=skill, piece_rate_by_level={"3": "5.0000"})
    made.refresh_from_db()
    return made, factories.slot(supervisor, made)


@pytest.fixture
def peer(skill):
    mother = factories.mother()
    WorkerSkill.objects.create(worker=mother, skill=skill, level=skill.levels)
    return mother


@pytest.mark.parametrize("audit_first", [True, False])
def test_an_audit_and_an_appeal_of_one_reject_pay_its_units_once(
    mother, supervisor, second, peer, skilled, audit_first
):
    project, slot = skilled
    work = hand_in(mother, project, slot)
    review = services.peer_review_decide(actor=peer, submission_id=work.pk, decision="reject", reason="不合格")
    appeal = services.submission_appeal(worker=mother, submission_id=work.pk, reason="请再看")

    def audit():
        services.peer_review_audit(
            actor=supervisor, review_id=review.pk, outcome="overturn", decision="accept", reason="其实合格"
        )

    def decide():
        services.appeal_decide(actor=second, appeal_id=appeal.pk, decision="overturn", reason="合格")

    for look in (audit, decide) if audit_first else (decide, audit):
        look()

    assert credited_fen(mother) == 500  # 10 × ¥0.50, once
    work.refresh_from_db()
    assert work.status == SubmissionStatus.ACCEPTED and work.task.accepted_units == 10


def test_a_look_pays_at_the_rate_of_her_first_review_not_her_level_now(mother, supervisor, second, skilled, skill):
    project, slot = skilled
    work = hand_in(mother, project, slot)
    services.submission_review(actor=supervisor, submission_id=work.pk, decision="reject", reason="不合格")
    WorkerSkill.objects.update_or_create(worker=mother, skill=skill, defaults={"level": 3})  # promoted since
    appeal = services.submission_appeal(worker=mother, submission_id=work.pk, reason="请再看")
    services.appeal_decide(actor=second, appeal_id=appeal.pk, decision="overturn", reason="合格")
    assert Transaction.objects.get(key=f"appeal:{appeal.pk}").units == 10
    assert credited_fen(mother) == 500  # at ¥0.50, her rate when reviewed; not ¥5.00


def test_an_adjusted_appeal_pays_the_fen_the_total_is_owed(mother, supervisor, second, company):
    project = factories.project(
        supervisor, company, tasks=1, units_per_task=10, piece_rate=Decimal("0.0350"), minutes_per_unit=Decimal("0.05")
    )
    slot = factories.slot(supervisor, project)
    work = hand_in(mother, project, slot)
    services.submission_review(
        actor=supervisor, submission_id=work.pk, decision="partial", accepted_units=1, reason="多数不合格"
    )
    appeal = services.submission_appeal(worker=mother, submission_id=work.pk, reason="请再看")
    services.appeal_decide(actor=second, appeal_id=appeal.pk, decision="adjust", accepted_units=2, reason="2 件合格")
    # 1 × ¥0.035 rounds to 4 fen; 2 units are 7 fen in all, what one review of 2 would pay: the appeal
    # owes 3 fen, not round(1 × 3.5) = 4.
    assert credited_fen(mother) == 7


def _training(supervisor, company, skill, *, attempts=1):
    made = factories.project(supervisor, company, tasks=2, units_per_task=10, kind=Kind.ASSEMBLY, publish=False)
    Project.objects.filter(pk=made.pk).update(skill=skill, training=True, training_attempts=attempts)
    services.project_transition(actor=supervisor, project_id=made.pk, action="publish")
    made.refresh_from_db()
    return made, factories.slot(supervisor, made)


def test_a_training_partial_raised_on_appeal_passes_her_and_pays_nothing_more(
    mother, supervisor, second, company, skill
):
    project, slot = _training(supervisor, company, skill)
    work = hand_in(mother, project, slot)
    services.submission_review(
        actor=supervisor, submission_id=work.pk, decision="partial", accepted_units=4, reason="针脚不齐"
    )
    assert credited_fen(mother) == 500  # training is paid for what she handed in
    assert not WorkerSkill.objects.filter(worker=mother, skill=skill, level__gte=1).exists()  # 40% < 80%
    appeal = services.submission_appeal(worker=mother, submission_id=work.pk, reason="都按样品做的")
    services.appeal_decide(actor=second, appeal_id=appeal.pk, decision="overturn", reason="复核全部合格")
    assert credited_fen(mother) == 500
    assert WorkerSkill.objects.get(worker=mother, skill=skill).level == 1


def test_a_training_reject_overturned_on_appeal_passes_her_though_no_attempt_is_left(
    mother, supervisor, second, company, skill
):
    project, slot = _training(supervisor, company, skill, attempts=1)
    work = hand_in(mother, project, slot)
    services.submission_review(actor=supervisor, submission_id=work.pk, decision="reject", reason="不合格")
    appeal = services.submission_appeal(worker=mother, submission_id=work.pk, reason="请再看")
    services.appeal_decide(actor=second, appeal_id=appeal.pk, decision="overturn", reason="合格")
    assert credited_fen(mother) == 500
    assert WorkerSkill.objects.get(worker=mother, skill=skill).level == 1
