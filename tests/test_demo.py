from django.core.management import call_command

from accounts.models import Company, Membership, User
from tasks.models import Kind, Project, ProjectStatus


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
    assert sorted(published.values_list("kind", flat=True)) == sorted(Kind.values)
    for project in published:
        assert project.tasks.exists() and project.slots.exists()
    assert User.objects.get(phone="+8613900000001").check_password("homeslot-demo")
