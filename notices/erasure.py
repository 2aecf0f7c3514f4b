"""Her inbox erased when she deletes her account (tasks.services.account.account_delete)."""

from notices.models import Notice


def notices_erase(*, user_id: int) -> int:
    """Every notice sent to her goes: they are about her work, addressed to her, and read by nobody else."""
    deleted, _ = Notice.objects.filter(user_id=user_id).delete()
    return deleted
