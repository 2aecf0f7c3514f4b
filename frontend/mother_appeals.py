"""The mothers' app, her appeals (申诉): under a result that was not accepted, or only partly, a short
form while she may still appeal (once, within 7 days), and the appeal's state and outcome after."""

import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from frontend import mother_format as fmt
from frontend.mother import mother_page
from tasks import services
from tasks.errors import AppealExists
from tasks.models import APPEAL_DAYS, MAX_APPEAL_REASON, Decision

_APPEALABLE = (Decision.REJECT, Decision.PARTIAL)


def appeal_view(submission, review, now) -> dict:
    """What her result shows of an appeal: the form (``open_until``) or the appeal as it stands."""
    appeal = getattr(submission, "appeal", None)
    if appeal is not None:
        return {
            "appeal": appeal,
            "status_text": appeal.get_status_display(),
            "decided_text": fmt.moment_text(appeal.decided_at) if appeal.decided_at else "",
        }
    if review is None or review.decision not in _APPEALABLE:
        return {}
    until = review.decided_at + datetime.timedelta(days=APPEAL_DAYS)
    if until <= now:
        return {}
    return {"open_until": fmt.moment_text(until), "max_reason": MAX_APPEAL_REASON}


@mother_page
@require_POST
def appeal(request, pk: int):
    """Straight to the service, which finds her submission (else a 404) and holds every rule."""
    back = f"{reverse('m-claims')}#submission-{pk}"
    try:
        services.submission_appeal(worker=request.user, submission_id=pk, reason=request.POST.get("reason", ""))
    except AppealExists:  # a second tap, or a resent form: the first one went in
        messages.info(request, _("Your appeal is in. We will tell you the outcome here."))
        return redirect(back)
    except DomainError as error:
        if error.status == 404:
            raise Http404 from None
        messages.error(request, str(error.message))
        return redirect(back)
    messages.success(request, _("Your appeal is in. Another staff member will take a second look and tell you."))
    return redirect(back)
