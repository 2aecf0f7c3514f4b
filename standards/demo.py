"""The demo's programme observer (``seed_demo``): 广东省妇女联合会's read-only account, 13600000000, for
广东省; and every company's standard measured once, so the task cards and company pages show it."""

from accounts.models import User
from standards.models import ProgrammeObserver
from standards.services import programme_observer_save, standings_update

OBSERVER_PHONE = "13600000000"


def demo_observer_seed(*, password: str) -> ProgrammeObserver:
    user = User.objects.filter(phone=f"+86{OBSERVER_PHONE}").first()
    if user is None:
        user = User.objects.create_user(OBSERVER_PHONE, password, display_name="妇联观察员")
    observer = ProgrammeObserver.objects.filter(user=user).first()
    if observer is None:
        observer = programme_observer_save(actor=None, user_id=user.pk, body="广东省妇女联合会", regions=["广东省"])
    return observer


def demo_standings_seed() -> int:
    return standings_update()
