"""The API's shapes of peer review: a hand-in as a peer reviewer sees it (pseudonymous: no name, no
phone, no claim), her standing, and a peer review as a supervisor audits it."""

from rest_framework import serializers

from core.fields import StrictIntegerField
from core.serializers import ModelSerializer
from ledger.money import format_rate
from tasks.models import Decision, Review, Submission
from tasks.serializers import ClaimOut, ReviewOut, SubmissionOut


class PeerProjectOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    unit = serializers.CharField()
    company_name = serializers.CharField(source="company.name")
    instructions = serializers.CharField()


class PeerSubmissionOut(ModelSerializer):
    """A hand-in in her queue: the work as a supervisor sees it, but not whose it is (photos are
    served to the mother who took them and the company's staff only, so they are not listed)."""

    project = PeerProjectOut()
    task = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "status",
            "project",
            "task",
            "submitted_units",
            "text",
            "labels",
            "submitted_at",
            "review_due_at",
            "review",
        ]

    def get_task(self, submission) -> dict:
        return ClaimOut.get_task(self, submission)

    def get_review(self, submission) -> dict | None:
        review = getattr(submission, "review", None)
        return ReviewOut(review).data if review else None


class StandingOut(serializers.Serializer):
    audited = serializers.IntegerField()
    overturned = serializers.IntegerField()
    suspended = serializers.BooleanField()


class PeerSkillOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    company = serializers.IntegerField(source="company_id")
    rate = serializers.DecimalField(source="peer_review_rate", max_digits=10, decimal_places=4)
    rate_display = serializers.SerializerMethodField()
    submissions = serializers.SerializerMethodField()

    def get_rate_display(self, skill) -> str:
        return format_rate(skill.peer_review_rate)

    def get_submissions(self, skill) -> list:
        return PeerSubmissionOut(self.context["queue"].get(skill.pk, []), many=True).data


class PeerQueueOut(serializers.Serializer):
    standing = StandingOut()
    skills = PeerSkillOut(many=True)


class AuditIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["uphold", "overturn"])
    decision = serializers.ChoiceField(choices=Decision.choices, required=False, allow_null=True)
    accepted_units = StrictIntegerField(forms=True, required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AuditSampleOut(ModelSerializer):
    """A peer review to audit: the decision, who made it, and the hand-in as staff see it."""

    reviewer = serializers.SerializerMethodField()
    submission = SubmissionOut()

    class Meta:
        model = Review
        fields = ["id", "decision", "accepted_units", "reason", "score", "decided_at", "reviewer", "submission"]

    def get_reviewer(self, review) -> dict:
        profile = getattr(review.reviewer, "worker_profile", None)
        return {"id": review.reviewer_id, "display_name": profile.display_name if profile else ""}


class AuditOut(serializers.Serializer):
    id = serializers.IntegerField()
    review = serializers.IntegerField(source="review_id")
    outcome = serializers.CharField()
    units_before = serializers.IntegerField()
    units_after = serializers.IntegerField()
    reason = serializers.CharField()
    at = serializers.DateTimeField()
