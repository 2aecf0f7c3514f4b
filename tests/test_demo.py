import datetime

import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.companies import company_review
from accounts.models import Company, CompanyStatus, Membership, User
from ledger import payouts
from ledger.models import PayoutStatus, Posting, Transaction
from notices.models import Notice, NoticeKind
from realtime.models import OutboxEvent
from standards.models import CompanyStanding
from tasks import demo_period
from tasks.models import Claim, Kind, Project, ProjectStatus, Review, Submission
from tests.conftest import api_for


def test_seed_demo_is_idempotent_and_has_the_api_md_accounts(db):
    call_command("seed_demo", verbosity=0)
    first = (User.objects.count(), Project.objects.count(), Membership.objects.count())
    call_command("seed_demo", verbosity=0)

    assert (User.objects.count(), Project.objects.count(), Membership.objects.count()) == first
    factory = Company.objects.get(name="示例制衣厂")
    roles = dict(Membership.objects.filter(company=factory).values_list("user__phone", "role"))
    assert roles == {
        "+8613800000000": "admin",
        "+8613800000001": "supervisor",
        "+8613800000002": "finance",
        "+8613800000003": "finance",
    }
    media = Company.objects.get(name="示例文化传媒")
    assert dict(Membership.objects.filter(company=media).values_list("user__phone", "role")) == {
        "+8613700000000": "admin",
        "+8613700000001": "supervisor",
    }
    mothers = User.objects.filter(phone__startswith="+86139", worker_profile__isnull=False)
    assert sorted(mothers.values_list("phone", flat=True)) == [f"+86139{n:08d}" for n in range(1, 21)]
    published = Project.objects.filter(company=factory, status=ProjectStatus.PUBLISHED)
    # One of each kind, and the career path's two labelling projects (a training, work needing level 1).
    assert sorted(published.values_list("kind", flat=True)) == sorted([*Kind.values, "labelling", "labelling"])
    for project in published:
        assert project.tasks.exists() and project.slots.exists()
    assert User.objects.get(phone="+8613900000001").check_password("homeslot-demo")


def test_the_demo_has_an_operator_and_a_company_waiting_for_her(db):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)

    operator = User.objects.get(phone="+8613500000000")
    assert operator.is_staff and operator.is_superuser and operator.check_password("homeslot-demo")
    pending = Company.objects.get(name="示例手工坊")
    assert pending.status == CompanyStatus.PENDING
    assert list(Membership.objects.filter(company=pending).values_list("user__phone", "role")) == [
        ("+8613500000001", "admin")
    ]
    company_review(actor=operator, company_id=pending.pk, approve=True)
    assert Notice.objects.filter(user__phone="+8613500000001", kind=NoticeKind.COMPANY_REVIEWED).exists()


# --- the closed half-month (tasks/demo_period.py) ---------------------------------------------


def _demo_counts() -> tuple:
    return (
        Project.objects.count(),
        Claim.objects.count(),
        Submission.objects.count(),
        Review.objects.count(),
        Transaction.objects.count(),
        Posting.objects.count(),
        OutboxEvent.objects.count(),
    )


@time_machine.travel(datetime.datetime(2026, 12, 9, 1, 0, tzinfo=datetime.UTC), tick=False)  # 9 Dec, 09:00
def test_the_demo_has_a_closed_half_month_finance_can_settle_at_once(db):
    call_command("seed_demo", verbosity=0)
    first = _demo_counts()
    call_command("seed_demo", verbosity=0)
    assert _demo_counts() == first  # a second run changes nothing

    factory = Company.objects.get(name="示例制衣厂")
    closed = Project.objects.get(company=factory, title=demo_period.TITLE)
    assert closed.status == ProjectStatus.CLOSED
    # Work of 16–30 November, the last half-month that has ended, through the services: reviews
    # decided then, each credited once, dated inside the period.
    reviews = Review.objects.filter(submission__project=closed).order_by("submission__worker__phone")
    assert [(r.decision, r.accepted_units) for r in reviews] == [("accept", 20)] * 7 + [("partial", 18)]
    credits = Transaction.objects.filter(project=closed)
    assert credits.count() == 8
    assert all(
        datetime.date(2026, 11, 16) <= timezone.localtime(t.created_at).date() <= datetime.date(2026, 11, 30)
        for t in credits
    )

    finance, second = User.objects.get(phone="+8613800000002"), User.objects.get(phone="+8613800000003")
    batch = payouts.payout_draft(actor=finance, company_id=factory.pk)
    assert (batch.period_start, batch.period_end) == (datetime.date(2026, 11, 16), datetime.date(2026, 11, 30))
    lines = list(batch.lines.order_by("worker__phone").values_list("worker__phone", "amount_fen"))
    assert lines == [(f"+86139{n:08d}", 1000) for n in range(1, 8)] + [("+8613900000008", 900)]
    approved = payouts.payout_approve(actor=second, batch_id=batch.pk)
    assert approved.status == PayoutStatus.APPROVED
    paid = payouts.payout_mark_paid(actor=finance, batch_id=batch.pk, reference="DEMO-BANK-1")
    assert paid.status == PayoutStatus.PAID


def test_the_demo_has_a_skill_its_paid_training_and_work_it_unlocks(db):
    from skills.models import WorkerSkill
    from tasks import career
    from tasks.demo_career import SKILLED, TRAINING
    from tasks.models import Project, Review

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    training = Project.objects.get(title=TRAINING)
    skilled = Project.objects.get(title=SKILLED)
    assert training.training and training.status == "published" and skilled.min_level == 1
    # Mother 1 passed the training through the services (checked at once, paid), once.
    passed = WorkerSkill.objects.get(skill=training.skill, level=1)
    assert passed.worker.phone == "+8613900000001"
    assert Review.objects.filter(submission__project=training, training_score=100).count() == 1
    assert career.skill_refusal(worker_id=passed.worker_id, project=skilled) is None
    # Everyone else is shown how to unlock it: the training.
    other = WorkerSkill.objects.exclude(worker=passed.worker).filter(skill=training.skill)
    assert not other.exists()
    from accounts.models import User

    second = User.objects.get(phone="+8613900000002")
    refusal = career.skill_refusal(worker_id=second.pk, project=skilled)
    assert refusal.code == "skill_required" and TRAINING in refusal.details["how_to_qualify"]


def test_the_demo_has_a_programme_observer_for_guangdong_and_measured_standards(db):
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    observer = User.objects.get(phone="+8613600000000")
    assert observer.check_password("homeslot-demo")
    assert observer.programme.regions == ["广东省"]
    assert not observer.memberships.exists()
    assert CompanyStanding.objects.filter(company__name="示例制衣厂").exists()
    answer = api_for(observer).get("/api/v1/programme/figures")
    assert answer.status_code == 200
    shown = [row for row in answer.json()["rows"] if not row["suppressed"]]
    assert [row["region"] for row in shown] == ["佛山市"]  # the closed half-month's 8 mothers
