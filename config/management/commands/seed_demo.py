"""Demo data of API.md: two companies, their staff, 20 mothers, one published project of each kind,
a programme observer. In config (the top layer): it seeds every app, the standard's too.

Idempotent: a second run changes nothing (it only adds slots for days that have none yet,
so the demo stays claimable as days pass). Then the closed half-month (tasks/demo_period.py):
accepted work in the last half-month that has ended, so finance can settle it at once.
"""

import datetime
import json
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts import services as accounts_services
from accounts.demo import demo_joining_seed
from accounts.models import Company, Role, User
from standards.demo import demo_observer_seed, demo_standings_seed
from tasks import demo_career, demo_period
from tasks import services as task_services
from tasks.models import Kind, Project, ProjectStatus, TimeSlot
from workers import services as worker_services
from workers.demo import demo_payout_accounts_seed

PASSWORD = "homeslot-demo"
SURNAMES = "刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢"
COMPANIES = {
    "示例制衣厂": [
        ("13800000000", "王总", Role.ADMIN),
        ("13800000001", "李主管", Role.SUPERVISOR),
        ("13800000002", "张会计", Role.FINANCE),
        ("13800000003", "陈出纳", Role.FINANCE),
    ],
    "示例文化传媒": [
        ("13700000000", "周总", Role.ADMIN),
        ("13700000001", "吴编辑", Role.SUPERVISOR),
    ],
}
LABEL_TEXTS = [
    "质量很好，孩子很喜欢",
    "物流太慢了，等了一周",
    "一般般，和图片差不多",
    "包装破了，客服态度不错",
    "性价比高，会回购",
]


def _user(phone: str, name: str) -> User:
    user = User.objects.filter(phone=f"+86{phone}").first()
    if user is None:
        user = User.objects.create_user(phone, PASSWORD, display_name=name)
    return user


class Command(BaseCommand):
    help = "Create the demo companies, staff, mothers and projects (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            factory, supervisor, mothers = self._people_and_projects()
        # Its own transactions: each service of the work locks in the one order (core.locks).
        demo_period.period_seed(company=factory, supervisor=supervisor, mothers=mothers)
        demo_career.career_seed(company=factory, supervisor=supervisor, mothers=mothers, slots=self._slot_week)
        demo_joining_seed(password=PASSWORD)  # an operator, and a company waiting for her approval
        demo_observer_seed(password=PASSWORD)  # 广东省's programme observer
        demo_standings_seed()  # the standard measured once (then hourly, by the scheduler)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Every demo password is 'homeslot-demo'."))

    def _people_and_projects(self):
        companies = {}
        staff = {}
        for name, people in COMPANIES.items():
            company = Company.objects.filter(name=name).first() or accounts_services.company_create(name=name)
            companies[name] = company
            for phone, display_name, role in people:
                user = _user(phone, display_name)
                if not user.memberships.filter(company=company, role=role).exists():
                    accounts_services.membership_set(actor=None, company=company, user=user, role=role)
                staff[phone] = user
        factory, media = companies["示例制衣厂"], companies["示例文化传媒"]
        supervisor, media_supervisor = staff["13800000001"], staff["13700000001"]
        self._project(
            supervisor,
            factory,
            kind=Kind.ASSEMBLY,
            title="帆布购物袋手工组装",
            instructions="按样品穿绳、折边、装袋，每 20 件一包。材料在取料点领取，完成后送回。",
            piece_rate=Decimal("0.5000"),
            minutes_per_unit=Decimal("1.10"),
            region="广东省佛山市",
            pickup_point="佛山市南海区桂城街道示例制衣厂东门",
            dropoff_point="佛山市南海区桂城街道示例制衣厂东门",
            split={"total_units": 400, "units_per_task": 20},
        )
        self._project(
            supervisor,
            factory,
            kind=Kind.COPYWRITING,
            title="童装商品详情文案",
            instructions="每篇 200–300 字，语气亲切，突出面料与安全。",
            piece_rate=Decimal("15.0000"),
            minutes_per_unit=Decimal("30.00"),
            region="广东省佛山市",
            split={"briefs": [f"为「纯棉儿童睡衣 第{i}款」写一段商品详情" for i in range(1, 11)]},
        )
        self._project(
            supervisor,
            factory,
            kind=Kind.LABELLING,
            title="买家评论情感标注",
            instructions="判断每条评论是好评、中评还是差评。",
            piece_rate=Decimal("0.0350"),
            minutes_per_unit=Decimal("0.08"),
            label_set=["好评", "中评", "差评"],
            region="广东省佛山市",
            split={"jsonl": [LABEL_TEXTS[i % len(LABEL_TEXTS)] + f"（#{i + 1}）" for i in range(100)]},
        )
        self._project(
            media_supervisor,
            media,
            kind=Kind.COPYWRITING,
            title="亲子绘本短评",
            instructions="每篇 150 字左右，写给家长看。",
            piece_rate=Decimal("12.0000"),
            minutes_per_unit=Decimal("25.00"),
            region="广州市",
            split={"briefs": [f"为绘本《小熊的第{i}个愿望》写短评" for i in range(1, 6)]},
        )
        # The mothers after the projects: one transaction locks projects before profiles (core.locks).
        mothers = []
        for n in range(1, 21):
            user = _user(f"139{n:08d}", f"{SURNAMES[n - 1]}妈妈")
            mothers.append(user)
            if not hasattr(user, "worker_profile"):
                worker_services.worker_profile_save(
                    user=user,
                    display_name=user.display_name,
                    region="广东省",
                    city="佛山市",
                    children_under_12=1 + n % 2,
                    youngest_birth_year=timezone.localdate().year - (n % 6) - 1,
                )
                worker_services.availability_replace(
                    user=user,
                    windows=[{"weekday": d, "start": datetime.time(9), "end": datetime.time(11, 30)} for d in range(5)]
                    + [{"weekday": d, "start": datetime.time(20), "end": datetime.time(22)} for d in range(7)],
                )
        demo_payout_accounts_seed(mothers=mothers)  # after the profiles (core.locks)
        return factory, supervisor, mothers

    def _project(self, actor, company, *, split, **fields):
        project = Project.objects.filter(company=company, title=fields["title"]).first()
        if project is None:
            project = task_services.project_create(actor=actor, company_id=company.pk, **fields)
            if "jsonl" in split:
                body = "\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in split["jsonl"])
                upload = SimpleUploadedFile("reviews.jsonl", body.encode())
                task_services.project_split(actor=actor, project_id=project.pk, file=upload, items_per_task=10)
            else:
                task_services.project_split(actor=actor, project_id=project.pk, **split)
        self._slots(actor, project)
        if project.status == ProjectStatus.DRAFT:
            task_services.project_transition(actor=actor, project_id=project.pk, action="publish")

    def _slot_week(self, project):
        self._slots(project.created_by, project)

    def _slots(self, actor, project):
        """Weekday mornings and every evening, for the coming week; only days not yet covered."""
        today = timezone.localdate()
        for offset in range(7):
            day = today + datetime.timedelta(days=offset)
            windows = [(datetime.time(20), datetime.time(22))]
            if day.weekday() < 5:
                windows.insert(0, (datetime.time(9), datetime.time(11, 30)))
            for start, end in windows:
                starts_at = timezone.make_aware(datetime.datetime.combine(day, start))
                ends_at = timezone.make_aware(datetime.datetime.combine(day, end))
                if ends_at <= timezone.now() or TimeSlot.objects.filter(project=project, starts_at=starts_at).exists():
                    continue
                task_services.slot_create(
                    actor=actor, project_id=project.pk, starts_at=starts_at, ends_at=ends_at, capacity=20
                )
