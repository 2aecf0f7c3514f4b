"""Domain errors of the work flow: projects, slots, splitting, claims, photos, submissions, reviews
(codes are part of the public API). A class with no message of its own is raised with the words of
each case (``InvalidSplit``: which brief, which field); the others say the same thing every time."""

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, Forbidden, Invalid, TooLarge, WrongState

# --- Projects ---


class ProjectNotOpen(Conflict):
    code = "project_not_open"
    message = _("This project is not taking claims right now.")


class InvalidKind(Invalid):
    code = "invalid_kind"
    message = _("Unknown kind of work.")


class LabelSetRequired(Invalid):
    code = "label_set_required"
    message = _("A labelling project needs a label set.")


class TermsFixed(WrongState):
    code = "terms_fixed"
    message = _("Once a project is published its pay can only go up.")


class NoTasks(WrongState):
    code = "no_tasks"
    message = _("Split the work into tasks before publishing.")


# --- Time slots ---


class SlotClosed(Conflict):
    code = "slot_closed"
    message = _("This time slot has already ended. Please choose a later one.")


class InvalidSlot(Invalid):
    code = "invalid_slot"
    message = _("Please choose one of this project's time slots.")


class InvalidSlotTimes(Invalid):
    """A slot that ends before it starts, lasts too long, or is over already."""

    code = "invalid_slot_times"


class InvalidPattern(Invalid):
    """A weekly pattern of slots with no weekdays, a first day too far ahead, or too many slots."""

    code = "invalid_pattern"


# --- Splitting the work into tasks ---


class InvalidSplit(Invalid):
    """What to split is not right: a count, a brief, the kind of project; the message says which."""

    code = "invalid_split"


class TooManyTasks(Invalid):
    code = "too_many_tasks"


class FileRequired(Invalid):
    code = "file_required"
    message = _("Please upload a CSV or JSONL file.")


class InvalidFile(Invalid):
    code = "invalid_file"


# --- Results ---


class InvalidResultsState(Invalid):
    code = "invalid_results_state"
    message = _("Which results: accepted (the default) or all.")


class ResultsExportTooLarge(Conflict):
    """More rows than one answer streams (``HOMESLOT_RESULTS_EXPORT_INLINE_MAX``): built in the background."""

    code = "results_export_too_large"
    message = _("This file is large: it is built in the background. Ask for it with POST …/results/exports.")


# --- Claims ---


class TaskAlreadyClaimed(Conflict):
    code = "task_already_claimed"
    message = _("Someone else just claimed this task.")


class AlreadyLabelled(Conflict):
    code = "already_labelled"
    message = _(
        "You have already had these items in another task of this project; each item is labelled by "
        "different mothers. Please choose another task."
    )


class NoTaskAvailable(Conflict):
    code = "no_task_available"
    message = _("There are no open tasks left in this project.")


class SlotCancelled(Conflict):
    code = "slot_cancelled"
    message = _("The company cancelled this time slot. Please choose another one.")


class SlotHasClaims(Conflict):
    code = "slot_has_claims"
    message = _(
        "Mothers hold places in this time slot: it can only grow (more places, an earlier start, a later end), "
        "or be cancelled, which tells them."
    )


class SlotFull(Conflict):
    code = "slot_full"
    message = _("This time slot is full. Please choose another one.")


class ClaimLimitReached(Conflict):
    code = "claim_limit_reached"
    message = _("You already have as many tasks from this project as you may hold at once.")


class ClaimExpired(Conflict):
    code = "claim_expired"
    message = _("This claim has expired; the task went back to the task hall.")


class ClaimNotActive(Conflict):
    code = "claim_not_active"
    message = _("This task is no longer in your hands.")


class SubmitRepeated(Conflict):
    """A hand-in from a form drawn before her newest one of the claim: ``details["submission"]`` is that one."""

    code = "submit_repeated"
    message = _("This work was already handed in. Here is how it stands.")


class OwnCompanyWork(Forbidden):
    code = "own_company_work"
    message = _(
        "You work for this company, so you cannot take its tasks. You are welcome to take work from other companies."
    )


class TrainingInReview(Conflict):
    """A training project while her hand-in of it waits for review: one attempt at a time."""

    code = "training_in_review"
    message = _("Your training is waiting for review. You can try again once it is reviewed.")


class InvalidCareerTerms(Invalid):
    """A project's skill, level, training or rates by level that do not fit: the message says which."""

    code = "invalid_career_terms"


class TaskTooLongForSlot(Conflict):
    code = "task_too_long_for_slot"
    message = _("This task takes longer than the time slot. Please choose a longer time slot.")


# --- Photos handed in with assembly work ---


class PhotoTooLarge(TooLarge):
    code = "photo_too_large"
    message = _("A photo is larger than 10 MB. Please choose a smaller one.")


class InvalidPhoto(Invalid):
    code = "invalid_photo"
    message = _("This file is not a photo we can read. Please send a JPEG, PNG or WebP picture.")


class PhotoTooManyPixels(Invalid):
    code = "photo_too_many_pixels"
    message = _("This picture has too many pixels to open safely. Please send an ordinary photo.")


class TooManyPhotos(Invalid):
    code = "too_many_photos"
    message = _("At most 3 photos, please.")


class PhotosNotExpected(Invalid):
    code = "photos_not_expected"
    message = _("Photos are only handed in with assembly work.")


# --- Submissions and reviews ---


class TextRequired(Invalid):
    code = "text_required"
    message = _("Please write the text before submitting.")


class TextLength(Invalid):
    """The text is shorter or longer than its brief asks (``details``: ``chars``, ``min_chars``, ``max_chars``)."""

    code = "text_length"


class LabelsRequired(Invalid):
    code = "labels_required"
    message = _("Please label every item before submitting.")


class InvalidLabels(Invalid):
    code = "invalid_labels"
    message = _("Every item needs exactly one label from the label set.")


class AlreadyReviewed(Conflict):
    code = "already_reviewed"
    message = _("This submission has already been reviewed.")


class OwnSubmission(Forbidden):
    code = "own_submission"
    message = _("Nobody reviews their own work: another supervisor will review this submission.")


class InvalidDecision(Invalid):
    code = "invalid_decision"
    message = _("The decision must be accept, partial, reject or revise.")


class InvalidRejectedItems(Invalid):
    """Raised with the words of each case: which item, or what does not add up."""

    code = "invalid_rejected_items"


class ReviewWindowPassed(WrongState):
    code = "review_window_passed"
    message = _("The review window has passed: this submission can only be accepted.")


# --- Appeals of a reject or a partial acceptance ---


class NotAppealable(Conflict):
    """Only a reject or a partial acceptance can be appealed (not an accept, an auto-accept or a revise)."""

    code = "not_appealable"
    message = _("Only work that was not accepted, or only partly accepted, can be appealed.")


class AppealTooLate(Conflict):
    code = "appeal_too_late"
    message = _("An appeal can be made within 7 days of the decision; that time has passed.")


class AppealExists(Conflict):
    code = "appeal_exists"
    message = _("You have already appealed this decision. Each decision can be appealed once.")


class AppealDecided(WrongState):
    code = "appeal_decided"
    message = _("This appeal has already been decided.")


class InvalidAppealDecision(Invalid):
    """A decision that is not uphold, overturn or adjust, or adjusted units out of range (the message says which)."""

    code = "invalid_appeal_decision"


class AppealFirstReviewer(Forbidden):
    code = "appeal_first_reviewer"
    message = _("You made the first decision: another staff member decides the appeal.")


class ClaimNextRepeated(Conflict):
    """The same "claim the next one" sent again: ``details["claim"]`` is the claim the first one made."""

    code = "claim_next_repeated"
    message = _("This task is already yours.")


class SplitStateChanged(Conflict):
    """A split confirmed against a preview whose project changed since (confirmed, or split again): nothing made."""

    code = "split_state_changed"
    message = _("Nothing more was made: the tasks changed since this preview. Was it confirmed already?")


class TrainingScoreRequired(Invalid):
    """A copywriting training hand-in is marked by its score (1–5 → 20–100 %): accepting it needs one."""

    code = "training_score_required"
    message = _("Please give this training hand-in a score from 1 to 5: its mark decides whether she passes.")


# --- Peer review (mothers at a skill's top level review others' work) and its audits ---


class PeerReviewNotOpen(Forbidden):
    """Peer review of the work's skill is not open to her: closed, or she is not at its top level."""

    code = "peer_review_not_open"
    message = _("Peer review is open to mothers at the top level of a skill, once the company opens it.")


class PeerReviewSuspended(Forbidden):
    """Too many of her audited peer reviews were overturned; ``details``: ``{audited, overturned}``."""

    code = "peer_review_suspended"
    message = _("Your peer reviews are paused: too many of the ones checked recently were changed by a supervisor.")


class AuditorInvolved(Forbidden):
    code = "auditor_involved"
    message = _("You did this peer review or handed in the work: another supervisor audits it.")


class AlreadyAudited(Conflict):
    code = "already_audited"
    message = _("This peer review was audited already.")


class NotPeerReview(Conflict):
    code = "not_peer_review"
    message = _("Only peer reviews are audited: a supervisor's review is appealed instead.")


# --- Assembly hand-overs (tasks.services.handovers) ---


class HandoverNotAssembly(Invalid):
    code = "handover_not_assembly"
    message = _("Materials and pieces are handed over only in assembly work.")


class InvalidHandoverKind(Invalid):
    code = "invalid_handover_kind"
    message = _("The kind of hand-over must be issue, return or qc.")


class HandoverNoClaim(WrongState):
    code = "handover_no_claim"
    message = _("Nobody is working on this batch now: materials are issued to the mother who claimed it.")


class HandoverTooMany(Invalid):
    code = "handover_too_many"  # more materials than the batch needs; details: units, issued


class HandoverNothingHeld(WrongState):
    code = "handover_nothing_held"
    message = _("She holds no materials of this batch: record what was issued to her first.")


class HandoverMoreThanHeld(Invalid):
    code = "handover_more_than_held"  # more pieces and kit back than she holds; details: holding


class HandoverNothingToCheck(WrongState):
    code = "handover_nothing_to_check"
    message = _("No returned pieces of this batch are waiting for a quality check.")


class HandoverCountMismatch(Invalid):
    code = "handover_count_mismatch"  # accepted + defective is not what came back; details: returned


class MaterialsHeld(WrongState):
    code = "materials_held"
    message = _(
        "You still hold the materials of this batch: please bring them back to the drop-off point, where "
        "staff will record them. Nothing is deducted."
    )
