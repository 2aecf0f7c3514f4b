"""Domain errors of the work flow (codes are part of the public API)."""

from django.utils.translation import gettext_lazy as _

from config.errors import Conflict, Forbidden, Invalid


class ProjectNotOpen(Conflict):
    code = "project_not_open"
    message = _("This project is not taking claims right now.")


class SlotClosed(Conflict):
    code = "slot_closed"
    message = _("This time slot has already ended. Please choose a later one.")


class InvalidSlot(Invalid):
    code = "invalid_slot"
    message = _("Please choose one of this project's time slots.")


class ClaimNotActive(Conflict):
    code = "claim_not_active"
    message = _("This task is no longer in your hands.")


class AlreadyReviewed(Conflict):
    code = "already_reviewed"
    message = _("This submission has already been reviewed.")


class OwnSubmission(Forbidden):
    code = "own_submission"
    message = _("Nobody reviews their own work: another supervisor will review this submission.")


class InvalidFile(Invalid):
    code = "invalid_file"


class OwnCompanyWork(Forbidden):
    code = "own_company_work"
    message = _(
        "You work for this company, so you cannot take its tasks. You are welcome to take work from other companies."
    )


class TaskTooLongForSlot(Conflict):
    code = "task_too_long_for_slot"
    message = _("This task takes longer than the time slot. Please choose a longer time slot.")


class ClaimNextRepeated(Conflict):
    """The same "claim the next one" sent again: ``details["claim"]`` is the claim the first one made."""

    code = "claim_next_repeated"
    message = _("This task is already yours.")


class SplitStateChanged(Conflict):
    """A split confirmed against a preview whose project has changed since (confirmed already, or
    split again in between): nothing is made."""

    code = "split_state_changed"
    message = _("Nothing more was made: the tasks changed since this preview. Was it confirmed already?")
