"""Her profile erased when she deletes her account (tasks.services.account.account_delete, in its
transaction): the row stays, so her claims and ledger lines still have a name to show
(``已注销用户 #12``), but nothing about her or her children is left."""

from accounts.erasure import deleted_name
from accounts.models import User
from workers.models import AvailabilityWindow, DeclaredRelative, PayoutAccount, WorkerProfile


def worker_profile_erase(*, user: User, keep_payout_details: bool) -> bool:
    """Erase her profile and her week (call holding her profile's lock); False if she had none. ``keep_payout_details``: she is still
    owed money, so what it is paid to stays until it is paid (``payout_details_erase`` then)."""
    profile = WorkerProfile.objects.filter(user=user).first()  # locked by the caller (core.locks order)
    if profile is None:
        return False
    AvailabilityWindow.objects.filter(worker=profile).delete()
    DeclaredRelative.objects.filter(worker=user).delete()  # her family's numbers go with her
    changes = {
        "display_name": deleted_name(user.pk),
        "region": "",
        "city": "",
        "children_under_12": 0,
        "youngest_birth_year": None,
    }
    WorkerProfile.objects.filter(pk=profile.pk).update(**changes)
    if not keep_payout_details:
        PayoutAccount.objects.filter(worker=user).delete()
    return True


def payout_details_erase(*, user_id: int) -> bool:
    """The payout account of a deleted account, kept while she was owed money, goes once it is paid."""
    deleted, _ = PayoutAccount.objects.filter(worker_id=user_id, worker__deleted_at__isnull=False).delete()
    return bool(deleted)


def payout_details_held() -> list[int]:
    """Deleted accounts whose payout account is still kept (because money was owed)."""
    return list(PayoutAccount.objects.filter(worker__deleted_at__isnull=False).values_list("worker_id", flat=True))
