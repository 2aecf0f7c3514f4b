"""Factories for test data. Domain objects with rules are made through the services."""

import datetime
import itertools
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from stdnum import luhn

from accounts.models import Company, Membership, Role, User
from tasks import services as task_services
from tasks.models import Kind
from workers import services as worker_services
from workers.models import PayoutAccount, WorkerProfile

PASSWORD = "correct-horse-battery"
_phones = itertools.count(1)


def next_phone(prefix: str = "136") -> str:
    return f"{prefix}{next(_phones):08d}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    phone = factory.LazyFunction(lambda: "+86" + next_phone())
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"测试企业{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    role = Role.SUPERVISOR


class WorkerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkerProfile

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"妈妈{n}")
    region = "广东省"
    city = "佛山市"
    children_under_12 = 1


def staff(company, role=Role.SUPERVISOR) -> User:
    return MembershipFactory(company=company, role=role).user


def mother() -> User:
    return WorkerProfileFactory().user


PROJECT_DEFAULTS = {
    Kind.ASSEMBLY: {"piece_rate": Decimal("0.5000"), "minutes_per_unit": Decimal("1.00"), "region": "广东省佛山市"},
    Kind.COPYWRITING: {"piece_rate": Decimal("15.0000"), "minutes_per_unit": Decimal("30.00"), "region": "广州市"},
    Kind.LABELLING: {
        "piece_rate": Decimal("0.0350"),
        "minutes_per_unit": Decimal("0.08"),
        "label_set": ["好评", "中评", "差评"],
        "region": "广东省佛山市",
    },
}


def jsonl_upload(texts, name="items.jsonl") -> SimpleUploadedFile:
    import json

    body = "\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in texts)
    return SimpleUploadedFile(name, body.encode())


def project(
    supervisor,
    company,
    *,
    kind=Kind.ASSEMBLY,
    tasks=3,
    units_per_task=10,
    publish=True,
    **fields,
):
    """A project with ``tasks`` tasks (and, when published, ready to claim)."""
    values = {**PROJECT_DEFAULTS[kind], "title": f"{kind} 项目", **fields}
    created = task_services.project_create(actor=supervisor, company_id=company.pk, kind=kind, **values)
    if kind == Kind.ASSEMBLY:
        split = {"total_units": tasks * units_per_task, "units_per_task": units_per_task}
    elif kind == Kind.COPYWRITING:
        split = {"briefs": [f"文案 {i}" for i in range(1, tasks + 1)]}
    else:
        split = {
            "file": jsonl_upload([f"评论 {i}" for i in range(tasks * units_per_task)]),
            "items_per_task": units_per_task,
        }
    task_services.project_split(actor=supervisor, project_id=created.pk, **split)
    if publish:
        task_services.project_transition(actor=supervisor, project_id=created.pk, action="publish")
    created.refresh_from_db()
    return created


def slot(supervisor, project, *, starts_in=datetime.timedelta(hours=1), hours=2, capacity=50):
    starts_at = timezone.now() + starts_in
    return task_services.slot_create(
        actor=supervisor,
        project_id=project.pk,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        capacity=capacity,
    )


def handed_in(supervisor, project, **content):
    """A new mother claims the next task of ``project`` in a new slot and hands in ``content``
    (``text=…``, ``completed_units=…``): the submission."""
    worker = mother()
    claim = task_services.task_claim_next(
        worker=worker, project_id=project.pk, slot_id=slot(supervisor, project).pk, confirm_outside_availability=True
    )
    return task_services.claim_submit(worker=worker, claim_id=claim.pk, **content)


def worked_for(company, mother) -> None:
    """She has worked for the company (finance may only adjust the pay of such a mother)."""
    from ledger.models import AccountKind
    from ledger.services import account_for

    account_for(company_id=company.pk, kind=AccountKind.PAYABLE, worker_id=mother.pk)


def api_token_for(user, label: str = "test") -> str:
    """A new key for ``Authorization: Token <key>``, as signing in on one more device gives her."""
    from accounts.services import api_token_issue

    return api_token_issue(user=user, label=label)[1]


def outbox_event(group: str, n: int = 1, **fields):
    """An unsaved outbox row for a test that writes the outbox directly: a ``task.claimed`` (which
    every kind of group hears) built as ``publish`` builds it, so it passes the event checks."""
    from realtime import events
    from realtime.models import OutboxEvent

    event = events.task_claimed(project=1, task=n, slot=1, claim=n)
    return OutboxEvent(type=event.type, group=group, data=event.data, **fields)


_cards = itertools.count(1)


def card_number(prefix: str = "622202") -> str:
    """A fresh 16-digit bank card number with a valid Luhn check digit."""
    body = f"{prefix}{next(_cards):09d}"
    return body + luhn.calc_check_digit(body)


def payout_account(
    mother, *, number: str | None = None, name: str = "王小花", bank: str = "中国工商银行"
) -> PayoutAccount:
    """Her first bank account, through the service (no code needed for a first one)."""
    return worker_services.payout_account_set(
        worker=mother,
        method="bank",
        account_name=name,
        account_number=number or card_number(),
        bank_name=bank,
    )
