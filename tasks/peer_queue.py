"""Reads of peer review: who may peer-review a skill, her standing, her queue, and the staff's sample to audit.

A mother may peer-review a skill when its company opened peer review for it, she holds its top level,
and her standing is good: of her last ``STANDING_WINDOW`` audited peer reviews, with at least
``MIN_AUDITS`` of them, no more than ``MAX_OVERTURNED`` (a share) were overturned.

Her queue holds pending hand-ins of the skill's real (non-training) projects that are still inside
their review window, oldest first; never her own, never one by an account whose phone she declared as
a relative's or that declared hers, never one of a company where she is staff."""

import dataclasses
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.selectors import SUPERVISING_ROLES, company_ids_for
from skills.models import Skill, WorkerSkill
from tasks.models import PeerAudit, Review, Submission, SubmissionStatus
from tasks.models.reviews import AuditOutcome
from workers.models import DeclaredRelative

STANDING_WINDOW = 20
MIN_AUDITS = 4
MAX_OVERTURNED = Decimal("0.25")
MAX_SAMPLE = 50


@dataclasses.dataclass(frozen=True)
class Standing:
    """Her record as a peer reviewer over her last audited peer reviews."""

    audited: int
    overturned: int

    @property
    def suspended(self) -> bool:
        return self.audited >= MIN_AUDITS and Decimal(self.overturned) > MAX_OVERTURNED * self.audited

    def as_dict(self) -> dict:
        return {"audited": self.audited, "overturned": self.overturned, "suspended": self.suspended}


def standing_of(user) -> Standing:
    outcomes = list(
        PeerAudit.objects.filter(review__reviewer_id=user.pk, review__by_peer=True)
        .order_by("-at", "-id")
        .values_list("outcome", flat=True)[:STANDING_WINDOW]
    )
    return Standing(audited=len(outcomes), overturned=sum(1 for o in outcomes if o == AuditOutcome.OVERTURNED))


def peer_skills_of(user):
    """The skills whose peer review is open to her level (her standing aside), by name."""
    if not user.is_authenticated:
        return Skill.objects.none()
    top = WorkerSkill.objects.filter(worker_id=user.pk, skill_id=OuterRef("pk"), level=OuterRef("levels"))
    return Skill.objects.filter(peer_review_open=True).filter(Exists(top)).order_by("name", "pk")


def may_peer_review(user, skill: Skill) -> bool:
    """Open to her level (her standing aside)."""
    return (
        skill.peer_review_open
        and WorkerSkill.objects.filter(worker_id=user.pk, skill_id=skill.pk, level=skill.levels).exists()
    )


def is_peer_reviewer(user) -> bool:
    """Whether her pages link the peer review page: some skill open to her level."""
    return peer_skills_of(user).exists()


def never_paired(user) -> Q:
    """Hand-ins she must never see as a peer: hers, her declared relatives' (and theirs who declared
    her), and those of companies where she is staff. A ``Q`` to exclude from submissions."""
    declared_by_her = DeclaredRelative.objects.filter(worker_id=user.pk).values("phone")
    declared_her = DeclaredRelative.objects.filter(phone=user.phone).values("worker_id")
    return (
        Q(worker_id=user.pk)
        | Q(worker__phone__in=declared_by_her)
        | Q(worker_id__in=declared_her)
        | Q(project__company_id__in=company_ids_for(user))
    )


def peer_queue_for(user, *, skill_ids=None):
    """Her queue, in the skills open to her level (``skill_ids``: of those, only these), oldest first."""
    skills = peer_skills_of(user)
    if skill_ids is not None:
        skills = skills.filter(pk__in=skill_ids)
    return (
        Submission.objects.filter(
            status=SubmissionStatus.PENDING,
            review_due_at__gt=timezone.now(),
            project__training=False,
            project__skill__in=skills.values("pk"),
        )
        .exclude(never_paired(user))
        .select_related("project", "project__company", "project__skill", "task")
        .order_by("submitted_at", "id")
    )


def audit_sample_for(user, *, skill_id: int | None = None, size: int = 10):
    """A random sample of peer reviews not yet audited, of projects of the companies she supervises;
    never one she did or of her own work."""
    reviews = (
        Review.objects.filter(
            by_peer=True,
            audit__isnull=True,
            submission__project__company_id__in=company_ids_for(user, SUPERVISING_ROLES),
        )
        .exclude(reviewer_id=user.pk)
        .exclude(submission__worker_id=user.pk)
    )
    if skill_id is not None:
        reviews = reviews.filter(submission__project__skill_id=skill_id)
    return reviews.select_related(
        "reviewer__worker_profile",
        "submission__project__company",
        "submission__task",
        "submission__worker__worker_profile",
    ).order_by("?")[: max(1, min(size, MAX_SAMPLE))]
