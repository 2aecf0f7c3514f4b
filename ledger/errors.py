"""The ledger's refusals of finance writes and reads (each a stable ``code``).

A class with no message of its own is raised with the words of each case (``InvalidPeriod``: which
limit); the others say the same thing every time.
"""

from django.utils.translation import gettext_lazy

from core.errors import Conflict, Forbidden, Invalid


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


class InvalidPeriod(Invalid):
    """A period missing a day, running backwards, too long, out of range or not over yet."""

    code = "invalid_period"


class InvalidAmount(Invalid):
    """An adjustment's amount that is zero, not whole fen, or larger than one adjustment may be."""

    code = "invalid_amount"


class InvalidKey(Invalid):
    code = "invalid_key"
    message = gettext_lazy("The key is some text of at most 80 characters.")


class ReferenceRequired(Invalid):
    code = "reference_required"
    message = gettext_lazy("Give the bank's reference (at most 64 characters).")


class OwnAdjustment(Forbidden):
    code = "own_adjustment"
    message = gettext_lazy("Nobody adjusts their own pay.")


class ApproverIsRequester(Forbidden):
    code = "approver_is_requester"
    message = gettext_lazy("An adjustment is approved by a finance user other than the one who asked for it.")


class ApproverIsCreator(Forbidden):
    code = "approver_is_creator"
    message = gettext_lazy("A batch is approved by a finance user other than the one who drafted it.")


class ApproverIsPayee(Forbidden):
    code = "approver_is_payee"
    message = gettext_lazy("A batch is approved by a finance user who is not paid in it.")


class BankFileByPayee(Forbidden):
    """The bank file holds full account numbers and goes to the bank as it is: the person who hands
    it over is not one of the people it pays (nobody pays themselves)."""

    code = "bank_file_by_payee"
    message = gettext_lazy("You are paid in this batch: another finance user takes its bank file.")


class AlreadyPaid(Conflict):
    """Paid already, with another bank reference (the message and ``details`` name it)."""

    code = "already_paid"


class NotReversible(Conflict):
    code = "not_reversible"
    message = gettext_lazy("Only a credit or an adjustment can be reversed.")
