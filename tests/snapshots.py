"""A snapshot of everything a refused action must leave alone."""

from accounts.models import AuditEntry
from ledger.models import AdjustmentRequest, Posting, Transaction
from notices.models import Delivery, Notice, NoticeSettings, PushSubscription
from notices.services import SETTINGS_FIELDS
from realtime.models import OutboxEvent
from skills.models import LevelChange, Skill, WorkerSkill
from tasks.models import Appeal, Claim, Handover, PeerAudit, Project, Review, Submission, Task, TimeSlot
from workers.models import DeclaredRelative


def world() -> dict:
    return {
        "projects": list(Project.objects.order_by("pk").values_list("pk", "status", "piece_rate")),
        "tasks": list(Task.objects.order_by("pk").values_list("pk", "status", "claim_expires_at", "accepted_units")),
        "slots": list(TimeSlot.objects.order_by("pk").values_list("pk", "claimed_count")),
        "claims": list(Claim.objects.order_by("pk").values_list("pk", "status", "expires_at")),
        "submissions": list(Submission.objects.order_by("pk").values_list("pk", "status")),
        "reviews": Review.objects.count(),
        "handovers": Handover.objects.count(),
        "appeals": list(Appeal.objects.order_by("pk").values_list("pk", "status", "units_after")),
        "peer_audits": PeerAudit.objects.count(),
        "skills": list(Skill.objects.order_by("pk").values_list("pk", "name", "peer_review_open", "peer_review_rate")),
        "levels": list(WorkerSkill.objects.order_by("pk").values_list("pk", "level", "below_since", "trained_at")),
        "level_changes": LevelChange.objects.count(),
        "relatives": list(DeclaredRelative.objects.order_by("pk").values_list("pk", "phone")),
        "transactions": Transaction.objects.count(),
        "postings": Posting.objects.count(),
        "adjustments": list(AdjustmentRequest.objects.order_by("pk").values_list("pk", "status", "transaction_id")),
        "events": OutboxEvent.objects.count(),
        "audit": AuditEntry.objects.count(),
        "notices": Notice.objects.count(),
        "deliveries": Delivery.objects.count(),
        "notice_settings": _notice_choices(),
        "push_subscriptions": list(PushSubscription.objects.order_by("pk").values()),
    }


def assert_refused(response, status: int, code: str, before: dict) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    assert world() == before, "a refused action changed something"


def _notice_choices() -> list:
    """Her notification choices, where they differ from the defaults (a row made only to note that
    she opened the app is no change of hers)."""
    default = tuple(getattr(NoticeSettings(), name) for name in SETTINGS_FIELDS)
    rows = NoticeSettings.objects.order_by("pk").values_list("pk", *SETTINGS_FIELDS)
    return [row for row in rows if tuple(row[1:]) != default]
