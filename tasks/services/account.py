"""Her account deleted (个人信息保护法 §47: her right to have her personal data erased).

Here, above every app it touches: her live claims are given back through the claim code (so the
hall and the supervisors hear it), her balance is read from the ledger, and each lower app erases
its own rows (``accounts.erasure``, ``workers.erasure``, ``notices.erasure``).

What stays, and why: the ``User`` row as an anonymous shell (``已注销用户 #12``, a placeholder for the
phone, no password), because ledger transactions, payout lines, claims, submissions and reviews
point to it and the ledger is append-only accounting. The work she handed in (texts, labels, photos
re-encoded without metadata) stays with the company that paid for it, linked only to that shell.
The payout details stay while a company still owes her money (``account_payout_details_tidy``
erases them once it is paid), so the money owed reaches her.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts import erasure as accounts_erasure
from accounts.audit import audit_record
from accounts.codes import CodePurpose, sms_code_consume
from accounts.models import User
from core import locks
from core.errors import NotFound
from ledger import selectors as ledger_selectors
from notices import erasure as notices_erasure
from tasks.models import Appeal, Claim, ClaimStatus, ReleaseKind, Submission, SubmissionStatus
from tasks.services.claims import _release
from workers import erasure as workers_erasure
from workers.models import WorkerProfile

# Audit rows that copied words she wrote herself (blanked; the row stays).
_HER_WORDS = (("claim.release",), ("reason",))


@dataclass(frozen=True)
class Deletion:
    user: User  # the anonymous shell
    owed_fen: int  # what companies still owe her, paid out as usual


def account_delete(*, user: User, code: str) -> Deletion:
    """Delete her account with the SMS code sent for ``delete``. Refused (nothing changed) when she
    is a company's last admin, or with a wrong code."""
    if user.deleted_at is not None or not user.is_active:
        raise NotFound()
    accounts_erasure.last_admin_check(user=user)
    # Counts a wrong try in its own transaction, so it is outside ours (accounts.codes).
    sms_code_consume(phone=user.phone, purpose=CodePurpose.DELETE, code=code)
    return _account_erase(user=user)


@transaction.atomic
def _account_erase(*, user: User) -> Deletion:
    now = timezone.now()
    left = accounts_erasure.memberships_end(user=user)  # first in the lock order; the last-admin check again
    locks.lock_one(WorkerProfile.objects.filter(user=user))  # her claims run one at a time
    # Her own words in her appeals go (before her claims: core.locks); the outcomes stay.
    locks.lock_update(Appeal.objects.filter(worker=user), reason="")
    claims = locks.lock(
        Claim.objects.select_related("project", "slot").filter(
            worker=user, status=ClaimStatus.ACTIVE, expires_at__gt=now
        )
    )
    # Her own words on the claims she gave back before (a child's illness, say) go; the facts stay.
    Claim.objects.filter(worker=user, status=ClaimStatus.RELEASED).update(release_reason="")
    accounts_erasure.audit_words_erase(user=user, actions=_HER_WORDS[0], keys=_HER_WORDS[1])
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("The account was deleted.")
    if claims:
        _release(claims=claims, worker=user, now=now, kind=ReleaseKind.FREE, reason=reason)
    owed = {b["company"]: b["balance_fen"] for b in ledger_selectors.balances_for_worker(user) if b["balance_fen"] > 0}
    # Work handed in and not yet reviewed may still be paid (accepted, or accepted automatically):
    # where that pay goes is kept too, until it is paid.
    workers_erasure.worker_profile_erase(user=user, keep_payout_details=bool(owed) or _awaiting_review(user))
    notices = notices_erasure.notices_erase(user_id=user.pk)
    accounts_erasure.user_anonymise(user=user)
    audit_record(
        actor=user,
        action="account.delete",
        target=user,
        companies_left=left,
        claims_released=len(claims),
        notices_erased=notices,
        owed_fen=sum(owed.values()),
    )
    return Deletion(user=user, owed_fen=sum(owed.values()))


def account_payout_details_tidy() -> int:
    """The periodic step: a deleted account's payout details, kept while money was owed, are erased
    once no company owes her anything (paid out, or nothing left) and none of her work waits for review.
    Returns how many were erased."""
    erased = 0
    for user_id in workers_erasure.payout_details_held():
        with transaction.atomic():
            user = User.objects.get(pk=user_id)
            settled = all(b["balance_fen"] <= 0 for b in ledger_selectors.balances_for_worker(user))
            if settled and not _awaiting_review(user):
                erased += workers_erasure.payout_details_erase(user_id=user_id)
    return erased


def _awaiting_review(user: User) -> bool:
    return Submission.objects.filter(worker=user, status=SubmissionStatus.PENDING).exists()
