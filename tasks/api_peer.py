"""Peer review over the API: her queue and her decision (a mother at a skill's top level), and the
company staff's audit of a sample of peer reviews."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.idempotency import HEADER_PARAMETER, idempotent
from accounts.permissions import IsSupervising, IsWorker
from core.errors import Invalid
from core.schema import ErrorOut
from tasks import peer_queue, services
from tasks.errors import PeerReviewNotOpen, PeerReviewSuspended
from tasks.peer_serializers import AuditIn, AuditOut, AuditSampleOut, PeerQueueOut, PeerSubmissionOut
from tasks.serializers import ReviewIn


def _whole(raw, name: str, default: int | None) -> int | None:
    if raw in (None, ""):
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:  # "²".isdigit(), yet int("²") fails
        raise Invalid(details={"field": name})
    return int(raw)


class PeerReviewQueueView(APIView):
    """Her queue as a peer reviewer, per skill open to her level, oldest first, with her standing; the
    hand-ins are pseudonymous. 403 ``peer_review_not_open`` (no skill open to her level) or
    ``peer_review_suspended`` (``details``: ``audited``, ``overturned``)."""

    permission_classes = [IsWorker]

    @extend_schema(
        responses={200: PeerQueueOut, 403: ErrorOut},
        parameters=[OpenApiParameter("skill", int, description="only this skill")],
    )
    def get(self, request):
        wanted = _whole(request.query_params.get("skill"), "skill", None)
        skills = list(peer_queue.peer_skills_of(request.user))
        if wanted is not None:
            skills = [skill for skill in skills if skill.pk == wanted]
        if not skills:
            raise PeerReviewNotOpen()
        standing = peer_queue.standing_of(request.user)
        if standing.suspended:
            raise PeerReviewSuspended(details={"audited": standing.audited, "overturned": standing.overturned})
        queue: dict[int, list] = {}
        for submission in peer_queue.peer_queue_for(request.user, skill_ids=[s.pk for s in skills])[:200]:
            queue.setdefault(submission.project.skill_id, []).append(submission)
        body = PeerQueueOut({"standing": standing.as_dict(), "skills": skills}, context={"queue": queue})
        return Response(body.data)


class PeerReviewDecideView(APIView):
    """Her decision on a hand-in of her queue: ``{decision: accept | partial | reject | revise,
    accepted_units?, reason?, score?, rejected_items?}``, the same rules as a supervisor's (a partial
    acceptance of labelling may name the items not accepted, which go back to the pool); paid once per
    review."""

    permission_classes = [IsWorker]

    @extend_schema(
        request=ReviewIn,
        responses={200: PeerSubmissionOut, 403: ErrorOut, 404: ErrorOut},
        parameters=[HEADER_PARAMETER],
    )
    @idempotent
    def post(self, request, pk):
        given = ReviewIn(data=request.data)
        if not given.is_valid():
            raise ValidationError(given.errors)
        review = services.peer_review_decide(actor=request.user, submission_id=pk, **given.validated_data)
        return Response(PeerSubmissionOut(review.submission).data)


class AuditSampleView(APIView):
    """A random sample of peer reviews not yet audited, of the caller's companies' projects."""

    permission_classes = [IsSupervising]

    @extend_schema(
        responses=AuditSampleOut(many=True),
        parameters=[
            OpenApiParameter("skill", int, description="only this skill"),
            OpenApiParameter("size", int, description="how many (1–50, default 10)"),
        ],
    )
    def get(self, request):
        skill = _whole(request.query_params.get("skill"), "skill", None)
        size = _whole(request.query_params.get("size"), "size", 10)
        sample = peer_queue.audit_sample_for(request.user, skill_id=skill, size=size)
        return Response(AuditSampleOut(sample, many=True).data)


class ReviewAuditView(APIView):
    """Audit a peer review: ``{outcome: uphold | overturn, decision?, accepted_units?, reason}`` (a reason
    and the decision it should have been to overturn). Once per review."""

    permission_classes = [IsSupervising]

    @extend_schema(
        request=AuditIn, responses={201: AuditOut, 403: ErrorOut, 409: ErrorOut}, parameters=[HEADER_PARAMETER]
    )
    @idempotent
    def post(self, request, pk):
        given = AuditIn(data=request.data)
        given.is_valid(raise_exception=True)
        audit = services.peer_review_audit(actor=request.user, review_id=pk, **given.validated_data)
        return Response(AuditOut(audit).data, status=201)
