"""Her declared relatives: the phone numbers of family members whose work she never peer-reviews
(and who never peer-review hers).

Privacy: a phone is kept and answered the same way whether or not it belongs to an account, so
declaring a number tells her nothing about who is registered; her list shows masked numbers only.
The pairing rule (tasks.peer_queue) matches the kept numbers against accounts' phones when it
runs, so a relative who signs up later is covered too.

Probing: a number she declares hides that person's hand-ins from her peer-review queue, so adding
and removing numbers could tell her who wrote a hand-in. She declares at most ``MAX_NEW_RELATIVES``
numbers in any ``RELATIVES_DAYS`` days, and a declaration stays that long before she can remove it
(so she cannot cycle numbers through). Both refusals are the same for any number."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from accounts.phones import phone_normalize
from core import locks
from core.errors import NotFound
from workers.errors import RelativeIsYou, RelativesChangedRecently, RelativeTooRecent, TooManyRelatives
from workers.models import DeclaredRelative, WorkerProfile

MAX_RELATIVES = 20
MAX_NEW_RELATIVES = 5  # new declarations in any RELATIVES_DAYS days
RELATIVES_DAYS = 30  # the window of new declarations, and how long one stays before she may remove it


def relatives_of(user: User):
    """Her declared relatives, oldest first (only hers)."""
    return DeclaredRelative.objects.filter(worker=user)


@transaction.atomic
def relative_declare(*, worker: User, phone: str) -> tuple[DeclaredRelative, bool]:
    """Declare a family member's phone; ``(row, created)``: a number declared before is the same row."""
    number = phone_normalize(phone)
    if number == worker.phone:
        raise RelativeIsYou()
    locks.lock_one(WorkerProfile.objects.filter(user=worker))  # her declarations one at a time: the cap holds
    existing = DeclaredRelative.objects.filter(worker=worker, phone=number).first()
    if existing is not None:
        return existing, False
    if DeclaredRelative.objects.filter(worker=worker).count() >= MAX_RELATIVES:
        raise TooManyRelatives(details={"max": MAX_RELATIVES})
    # None declared in the window was removed (one stays RELATIVES_DAYS): the rows count them all.
    since = timezone.now() - datetime.timedelta(days=RELATIVES_DAYS)
    if DeclaredRelative.objects.filter(worker=worker, created_at__gt=since).count() >= MAX_NEW_RELATIVES:
        raise RelativesChangedRecently(details={"max": MAX_NEW_RELATIVES, "days": RELATIVES_DAYS})
    try:
        with transaction.atomic():
            relative = DeclaredRelative.objects.create(worker=worker, phone=number)
    except IntegrityError:
        return DeclaredRelative.objects.get(worker=worker, phone=number), False
    audit_record(actor=worker, action="relative.declare", target=relative, company_id=None)
    return relative, True


@transaction.atomic
def relative_remove(*, worker: User, relative_id: int) -> None:
    """Take back one of her declarations, ``RELATIVES_DAYS`` days after she made it (404 for one that
    is not hers)."""
    relative = DeclaredRelative.objects.filter(pk=relative_id, worker=worker).first()
    if relative is None:
        raise NotFound(_("No such family member in your list."))
    removable_from = relative.created_at + datetime.timedelta(days=RELATIVES_DAYS)
    if timezone.now() < removable_from:
        raise RelativeTooRecent(details={"days": RELATIVES_DAYS, "removable_from": removable_from})
    if not DeclaredRelative.objects.filter(pk=relative.pk).delete()[0]:
        raise NotFound(_("No such family member in your list."))
    audit_record(actor=worker, action="relative.remove", target=relative, company_id=None)
