"""The ledger's refusals of finance writes (each a stable ``code``)."""

from django.utils.translation import gettext_lazy

from core.errors import Conflict


class BalanceTooLow(Conflict):
    code = "balance_too_low"
    message = gettext_lazy("This would take a mother's balance below zero.")


class AlreadyInOpenBatch(Conflict):
    code = "already_in_open_batch"
    message = gettext_lazy("Some of these mothers are in another open batch; pay or cancel that one first.")


class ApprovalNeeded(Conflict):
    code = "approval_needed"
    message = gettext_lazy("An adjustment this large waits for a second finance user's approval.")


class NothingToPay(Conflict):
    code = "nothing_to_pay"
    message = gettext_lazy("No mother has money to be paid for this period.")
