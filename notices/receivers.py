"""What the inbox hears from the layers below it (their signals), in their transactions."""

from django.dispatch import receiver
from django.utils.translation import gettext

from accounts.companies import company_reviewed
from accounts.models import Membership, Role
from notices.models import NoticeKind
from notices.services import notice_send


@receiver(company_reviewed, dispatch_uid="notices.company_reviewed")
def _company_reviewed(sender, *, company, approved: bool, **_kwargs) -> None:
    if approved:
        text = gettext("%(company)s is approved: you can publish its projects now.") % {"company": company.name}
    else:
        text = gettext("%(company)s was not approved: %(reason)s") % {
            "company": company.name,
            "reason": company.review_reason,
        }
    for user_id in Membership.objects.filter(company=company, role=Role.ADMIN).values_list("user_id", flat=True):
        notice_send(
            user_id=user_id,
            kind=NoticeKind.COMPANY_REVIEWED,
            key=f"company_reviewed:{company.pk}",
            text=text,
            data={"company": company.pk, "approved": approved},
        )
