from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.errors import CompanyRequired
from accounts.idempotency import HEADER_PARAMETER, idempotent
from accounts.permissions import IsCompanyStaff, IsSupervising, IsWorker
from accounts.selectors import SUPERVISING_ROLES, company_ids_for
from core.errors import DomainError, NotFound
from core.ids import id_or_none
from core.parsers import JSONParser
from fairwork.selectors import fits_availability
from tasks import reasons, selectors, services, split_requests
from tasks.errors import InvalidKind, TooManyTasks
from tasks.filters import ClaimFilter, SubmissionFilter, TaskFilter
from tasks.models import Claim, Kind, SplitJob, TimeSlot, reason_templates_for
from tasks.project_serializers import (
    ProjectCreateIn,
    ProjectOut,
    ProjectPatchIn,
    SlotIn,
    SlotPatternIn,
    SplitIn,
    SplitJobOut,
)
from tasks.serializers import ClaimIn, ClaimOut, ReleaseIn, ReviewIn, SlotOut, SubmissionOut, SubmitIn, TaskOut


def _valid(serializer_class, request, **kwargs) -> dict:
    given = serializer_class(data=request.data, **kwargs)
    given.is_valid(raise_exception=True)
    return given.validated_data


MAX_SLOTS_LISTED = 500


def _claim_args(request) -> dict:
    given = ClaimIn(data=request.data)
    given.is_valid(raise_exception=True)
    return given.claim_args()


class ProjectListView(generics.ListAPIView):
    """Projects of the caller's companies; POST creates a draft."""

    permission_classes = [IsCompanyStaff]
    serializer_class = ProjectOut

    def get_queryset(self):
        return selectors.projects_for_staff(self.request.user).order_by("-id")

    @extend_schema(request=ProjectCreateIn, responses={201: ProjectOut})
    def post(self, request):
        fields = _valid(ProjectCreateIn, request)
        company_id = fields.pop("company", None)
        if company_id is None:
            companies = company_ids_for(request.user)
            if len(companies) != 1:
                raise CompanyRequired(_("Please say which company this project is for."))
            company_id = companies[0]
        project = services.project_create(actor=request.user, company_id=company_id, **fields)
        return Response(ProjectOut(project).data, status=status.HTTP_201_CREATED)


class ProjectDetailView(APIView):
    permission_classes = [IsCompanyStaff]

    @extend_schema(responses=ProjectOut)
    def get(self, request, pk):
        return Response(ProjectOut(get_object_or_404(selectors.projects_for_staff(request.user), pk=pk)).data)

    @extend_schema(request=ProjectPatchIn, responses=ProjectOut)
    def patch(self, request, pk):
        get_object_or_404(selectors.projects_for_staff(request.user), pk=pk)
        changes = _valid(ProjectPatchIn, request)
        project = services.project_update(actor=request.user, project_id=pk, changes=changes)
        return Response(ProjectOut(project).data)


class ProjectTransitionView(APIView):
    """publish / pause / close a project."""

    permission_classes = [IsSupervising]
    action_name = ""

    @extend_schema(request=None, responses=ProjectOut)
    def post(self, request, pk):
        project = services.project_transition(actor=request.user, project_id=pk, action=self.action_name)
        return Response(ProjectOut(project).data)


class ProjectSplitView(APIView):
    """Make tasks: assembly ``{total_units, units_per_task}``; copywriting ``{briefs}``;
    labelling: multipart ``file`` (CSV with a header, or JSONL) + ``items_per_task`` (+ ``text_field``,
    ``gold_field`` and ``gold_rate``: gold items mixed into every task; ``overlap``: labels per item)."""

    permission_classes = [IsSupervising]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request=SplitIn,
        responses={200: dict, 201: dict, 202: SplitJobOut},
        parameters=[OpenApiParameter("preview", bool, description="1: what would be created and its cost; nothing is")],
    )
    def post(self, request, pk):
        fields = _valid(SplitIn, request)
        if request.query_params.get("preview") in ("1", "true"):
            get_object_or_404(selectors.projects_for_staff(request.user), pk=pk)
            return Response(services.split_preview(actor=request.user, project_id=pk, **fields))
        upload = fields.get("file")
        if upload is not None and upload.size > settings.HOMESLOT_SPLIT_SYNC_BYTES:
            return self._in_background(request, pk, fields)
        try:
            tasks = services.project_split(actor=request.user, project_id=pk, **fields)
        except DomainError as error:
            if upload is None or not isinstance(error, TooManyTasks):
                raise
            # A small file of many short items: more tasks than a direct split makes.
            upload.seek(0)
            return self._in_background(request, pk, fields)
        return Response(
            {"created": len(tasks), "first_task": tasks[0].pk, "units": sum(t.units for t in tasks)},
            status=status.HTTP_201_CREATED,
        )

    def _in_background(self, request, pk, fields):
        get_object_or_404(selectors.projects_for_staff(request.user), pk=pk)
        job = split_requests.split_request(
            actor=request.user,
            project_id=pk,
            upload=fields["file"],
            items_per_task=fields.get("items_per_task"),
            text_field=fields.get("text_field") or "text",
            gold_field=fields.get("gold_field") or None,
            gold_rate=fields.get("gold_rate"),
            overlap=fields.get("overlap"),
        )
        return Response(SplitJobOut(job).data, status=status.HTTP_202_ACCEPTED)


class SlotPatternView(APIView):
    """A weekly pattern of slots: ``{weekdays: [0..6], start, end, weeks, capacity, first_day?}``."""

    permission_classes = [IsSupervising]

    @extend_schema(request=SlotPatternIn, responses={201: SlotOut(many=True)})
    def post(self, request, pk):
        get_object_or_404(selectors.projects_for_staff(request.user), pk=pk)
        slots = services.slot_pattern_create(actor=request.user, project_id=pk, **_valid(SlotPatternIn, request))
        return Response(SlotOut(slots, many=True).data, status=status.HTTP_201_CREATED)


class SplitJobView(APIView):
    """A background split: ``status`` queued → running → done | failed (with ``error_line``)."""

    permission_classes = [IsCompanyStaff]

    @extend_schema(responses=SplitJobOut)
    def get(self, request, pk):
        projects = selectors.projects_for_staff(request.user)
        return Response(SplitJobOut(get_object_or_404(SplitJob.objects.filter(project__in=projects), pk=pk)).data)


class ProjectSlotsView(generics.ListAPIView):
    """Staff see every slot; a mother sees the slots she can still claim in."""

    permission_classes = [IsCompanyStaff | IsWorker]
    serializer_class = SlotOut

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return TimeSlot.objects.none()
        user = self.request.user
        staff_project = selectors.projects_for_staff(user).filter(pk=self.kwargs["pk"]).first()
        if staff_project is not None:
            return selectors.slots_for_project(staff_project)
        if hasattr(user, "worker_profile"):
            return selectors.open_slots_for_worker(user).filter(project_id=self.kwargs["pk"])
        return TimeSlot.objects.none()

    def list(self, request, *args, **kwargs):
        """For a mother: the slots inside her weekly hours first, each marked ``fits_my_time``."""
        profile = getattr(request.user, "worker_profile", None)
        if profile is None or selectors.projects_for_staff(request.user).filter(pk=kwargs["pk"]).exists():
            return super().list(request, *args, **kwargs)

        slots = list(self.get_queryset().prefetch_related(None)[:MAX_SLOTS_LISTED])
        fits = {slot.pk: fits_availability(profile, slot.starts_at, slot.ends_at) for slot in slots}
        slots.sort(key=lambda slot: (not fits[slot.pk], slot.starts_at, slot.pk))
        page = self.paginate_queryset(slots)
        data = SlotOut(page, many=True, context={**self.get_serializer_context(), "fits": fits}).data
        return self.get_paginated_response(data)

    @extend_schema(request=SlotIn, responses={201: SlotOut})
    def post(self, request, pk):
        get_object_or_404(selectors.projects_for_staff(request.user), pk=pk)
        slot = services.slot_create(actor=request.user, project_id=pk, **_valid(SlotIn, request))
        return Response(SlotOut(slot).data, status=status.HTTP_201_CREATED)


class ProjectProgressView(APIView):
    permission_classes = [IsCompanyStaff]

    @extend_schema(responses={200: dict})
    def get(self, request, pk):
        project = get_object_or_404(selectors.projects_for_staff(request.user), pk=pk)
        return Response({"project": project.pk, "status": project.status, **selectors.project_progress(project)})


class TaskListView(generics.ListAPIView):
    """Open tasks the mother may claim, each with its pay and implied hourly pay."""

    permission_classes = [IsWorker]
    serializer_class = TaskOut
    filterset_class = TaskFilter

    def get_queryset(self):
        return selectors.claimable_tasks_for_worker(self.request.user)


class TaskClaimView(APIView):
    permission_classes = [IsWorker]

    @extend_schema(request=ClaimIn, responses={201: ClaimOut}, parameters=[HEADER_PARAMETER])
    @idempotent
    def post(self, request, pk):
        claim = services.task_claim(worker=request.user, task_id=pk, **_claim_args(request))
        return Response(ClaimOut(claim).data, status=status.HTTP_201_CREATED)


class ClaimNextView(APIView):
    """Claim any open task of the project, or 409 ``no_task_available``."""

    permission_classes = [IsWorker]

    @extend_schema(request=ClaimIn, responses={201: ClaimOut}, parameters=[HEADER_PARAMETER])
    @idempotent
    def post(self, request, pk):
        claim = services.task_claim_next(worker=request.user, project_id=pk, **_claim_args(request))
        return Response(ClaimOut(claim).data, status=status.HTTP_201_CREATED)


class ClaimListView(generics.ListAPIView):
    permission_classes = [IsWorker]
    serializer_class = ClaimOut
    filterset_class = ClaimFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Claim.objects.none()
        return selectors.claims_for_worker(self.request.user).prefetch_related("submissions__review", "handovers")


class ClaimReleaseView(APIView):
    permission_classes = [IsWorker]

    @extend_schema(request=ReleaseIn, responses=ClaimOut, parameters=[HEADER_PARAMETER])
    @idempotent
    def post(self, request, pk):
        claim = services.claim_release(worker=request.user, claim_id=pk, **_valid(ReleaseIn, request))
        return Response(ClaimOut(claim).data)


class ClaimSubmitView(APIView):
    """copywriting ``{text}``; assembly ``{completed_units}`` and, as multipart/form-data, up to 3
    ``photos`` (JPEG/PNG/WebP by content, ≤ 10 MB each: 413 ``photo_too_large``; re-encoded
    without EXIF); labelling ``{labels: {item_id: label}}``."""

    permission_classes = [IsWorker]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={"application/json": SubmitIn, "multipart/form-data": SubmitIn},
        responses={201: SubmissionOut},
        parameters=[HEADER_PARAMETER],
    )
    @idempotent
    def post(self, request, pk):
        submission = services.claim_submit(worker=request.user, claim_id=pk, **_valid(SubmitIn, request))
        return Response(SubmissionOut(submission).data, status=status.HTTP_201_CREATED)


class ReviewQueueView(generics.ListAPIView):
    """Submissions waiting for review: those whose gold items (known answers) came out below the
    project's lowest gold accuracy first (``gold.flagged``), then oldest first."""

    permission_classes = [IsSupervising]
    serializer_class = SubmissionOut
    filterset_class = SubmissionFilter

    def get_queryset(self):
        return selectors.review_queue_for(self.request.user).prefetch_related("photos")


class ReasonTemplatesView(APIView):
    """Ready reasons for partial, reject and revise, in the caller's language; ``?kind=`` only those that
    fit that kind of work (no photos offered for copywriting); ``?company=&kind=`` that company's own
    for the kind when it has set them (/work/reasons/), else the built-in ones."""

    permission_classes = [IsSupervising]

    @extend_schema(
        responses={200: dict},
        parameters=[
            OpenApiParameter("kind", str, enum=list(Kind.values), required=False),
            OpenApiParameter("company", int, required=False, description="a company she supervises (with kind)"),
        ],
    )
    def get(self, request):
        kind = request.query_params.get("kind") or None
        if kind is not None and kind not in Kind.values:
            raise InvalidKind(details={"field": "kind"})
        company = request.query_params.get("company")
        if company is not None:
            company_id = id_or_none(company)
            if company_id is None or company_id not in company_ids_for(request.user, SUPERVISING_ROLES):
                raise NotFound()
            if kind is None:
                raise InvalidKind(details={"field": "kind"})
            own = reasons.ready_reasons(company_id, kind)
            return Response({decision: [text for _key, text in texts] for decision, texts in own.items()})
        templates = reason_templates_for(kind)
        return Response({decision: [text for _index, text in texts] for decision, texts in templates.items()})


class SubmissionDetailView(generics.RetrieveAPIView):
    permission_classes = [IsCompanyStaff]
    serializer_class = SubmissionOut

    def get_queryset(self):
        return selectors.submissions_for_staff(self.request.user)


class SubmissionReviewView(APIView):
    """``{decision: accept | partial | reject | revise, accepted_units?, reason?, score?, rejected_items?}``.
    ``rejected_items`` (labelling, partial): the items not accepted; they go back to the pool."""

    permission_classes = [IsSupervising]

    @extend_schema(request=ReviewIn, responses=SubmissionOut)
    def post(self, request, pk):
        given = ReviewIn(data=request.data)
        if not given.is_valid():
            get_object_or_404(selectors.submissions_for_staff(request.user), pk=pk)  # not hers to see: a 404 first
            raise ValidationError(given.errors)
        # The service finds the submission within her companies (else a 404) and hands back the
        # review with the submission as decided, the answer's objects read with it.
        review = services.submission_review(actor=request.user, submission_id=pk, **given.validated_data)
        return Response(SubmissionOut(review.submission).data)
