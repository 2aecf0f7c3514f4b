"""Her inbox erased when she deletes her account (tasks.services.account.account_delete)."""

from notices.models import Notice, NoticeSettings, PushSubscription


def notices_erase(*, user_id: int) -> int:
    """Every notice sent to her goes (and its deliveries with it): they are about her work, addressed
    to her, and read by nobody else. So do her choices, her quiet hours and her browsers' subscriptions."""
    deleted, _ = Notice.objects.filter(user_id=user_id).delete()
    NoticeSettings.objects.filter(user_id=user_id).delete()
    PushSubscription.objects.filter(user_id=user_id).delete()
    return deleted
