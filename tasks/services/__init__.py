"""Every write of the work flow: projects, splitting, slots, claims, submissions, reviews.

Each service checks what the caller can get wrong first (raising a domain error with a
stable code), then does the trusted write inside one transaction, records an audit row
and publishes its events on commit. The database constraints are the last guard.

One module per area; the public names are re-exported here, so callers write
``from tasks import services`` and ``services.task_claim(...)``:

- ``projects``: create, change the terms, publish / pause / close
- ``splitting``: preview and write a split, the work of the background split of a large file
- ``slots``: time slots, one or a weekly pattern; changed, deleted or cancelled
- ``claims``: claim a task or the next one, give one back (``_claim_fit``: what fits)
- ``expiry``: claims that ran out
- ``account``: her account deleted (her data erased, her ledger kept under an anonymous id)
- ``submissions``: hand-ins with photos
- ``reviews``: review decisions and the auto-accept
- ``peer_reviews``: a peer reviewer's decision (paid per review) and a supervisor's audit of it
- ``appeals``: her appeal of a reject or a partial, and its decision
- ``second_look``: what an appeal or an audit that raises a result changes and pays (once)
- ``handovers``: an assembly batch's materials issued, pieces returned and their quality check
- ``results_exports``: the background build of a project's results file
- ``reasons``: a company's own ready reasons for a kind of work
- ``career``, ``training_check``: what a final review does to her level; a training checked at hand-in
- ``_common``: the helpers several of them share

Queueing the background split of a large file is ``tasks.split_requests`` (of a results file,
``tasks.results_export_requests``), outside the package: it imports ``tasks.jobs``, which imports
this package.
"""

from tasks.services._claim_fit import STALE_TRIES
from tasks.services.account import Deletion, account_delete, account_payout_details_tidy
from tasks.services.appeals import APPEAL_DECISIONS, appeal_decide, submission_appeal
from tasks.services.claims import MAX_RELEASE_REASON, claim_release, task_claim, task_claim_next
from tasks.services.expiry import claim_expire
from tasks.services.handovers import handover_record, returns_overdue_remind
from tasks.services.peer_reviews import peer_review_audit, peer_review_decide
from tasks.services.projects import (
    EDITABLE_FIELDS,
    TERMS_FIXED_AFTER_DRAFT,
    project_create,
    project_transition,
    project_update,
)
from tasks.services.reasons import ready_reasons_set
from tasks.services.results_exports import results_export_run
from tasks.services.reviews import submission_auto_accept, submission_review
from tasks.services.slots import (
    MAX_PATTERN_DAYS_AHEAD,
    MAX_PATTERN_SLOTS,
    MAX_SLOT_HOURS,
    slot_cancel,
    slot_create,
    slot_delete,
    slot_pattern_create,
    slot_update,
)
from tasks.services.splitting import project_split, split_job_run, split_preview
from tasks.services.submissions import MAX_TEXT_CHARS, claim_submit

__all__ = [
    "APPEAL_DECISIONS",
    "EDITABLE_FIELDS",
    "MAX_PATTERN_DAYS_AHEAD",
    "MAX_PATTERN_SLOTS",
    "MAX_RELEASE_REASON",
    "MAX_SLOT_HOURS",
    "MAX_TEXT_CHARS",
    "STALE_TRIES",
    "TERMS_FIXED_AFTER_DRAFT",
    "Deletion",
    "account_delete",
    "account_payout_details_tidy",
    "appeal_decide",
    "claim_expire",
    "claim_release",
    "claim_submit",
    "handover_record",
    "peer_review_audit",
    "peer_review_decide",
    "project_create",
    "project_split",
    "project_transition",
    "project_update",
    "ready_reasons_set",
    "results_export_run",
    "returns_overdue_remind",
    "slot_cancel",
    "slot_create",
    "slot_delete",
    "slot_pattern_create",
    "slot_update",
    "split_job_run",
    "split_preview",
    "submission_appeal",
    "submission_auto_accept",
    "submission_review",
    "task_claim",
    "task_claim_next",
]
