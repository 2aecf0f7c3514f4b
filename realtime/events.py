"""Every realtime event type Homeslot sends. The README lists them too."""

TASK_OPENED = "task.opened"
TASK_CLAIMED = "task.claimed"
TASK_RELEASED = "task.released"
CLAIM_EXPIRED = "claim.expired"
SUBMISSION_CREATED = "submission.created"
REVIEW_DECIDED = "review.decided"
LEDGER_CREDITED = "ledger.credited"
PROJECT_PROGRESS = "project.progress"
NOTICE_CREATED = "notice.created"
PAYOUT_PAID = "payout.paid"

ALL = (
    TASK_OPENED,
    TASK_CLAIMED,
    TASK_RELEASED,
    CLAIM_EXPIRED,
    SUBMISSION_CREATED,
    REVIEW_DECIDED,
    LEDGER_CREDITED,
    PROJECT_PROGRESS,
    NOTICE_CREATED,
    PAYOUT_PAID,
)
