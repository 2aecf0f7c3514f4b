from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsWorker
from accounts.serializers import UserOut
from core.schema import ErrorOut
from notices import services as notice_services
from workers import services
from workers.errors import NoPayoutAccount, NoWorkerProfile
from workers.models import PayoutAccount
from workers.serializers import (
    AvailabilityWindowSerializer,
    PayoutAccountIn,
    PayoutAccountOut,
    WorkerProfileIn,
    WorkerProfileOut,
)


class MeView(APIView):
    """The caller: roles per company and worker profile, if any (here, above accounts, because it
    shows the profile)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: dict})
    def get(self, request):
        notice_services.notice_app_seen(user_id=request.user.pk)  # her app is open: no SMS needed
        body = UserOut(request.user).data
        profile = getattr(request.user, "worker_profile", None)
        body["worker_profile"] = WorkerProfileOut(profile).data if profile else None
        return Response(body)


class ProfileView(APIView):
    """The mother's own profile; PUT creates it on first use."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=WorkerProfileOut)
    def get(self, request):
        profile = getattr(request.user, "worker_profile", None)
        if profile is None:  # staff without a profile: a 404 that says how to make one, not an empty 200
            raise NoWorkerProfile()
        return Response(WorkerProfileOut(profile).data)

    @extend_schema(request=WorkerProfileIn, responses=WorkerProfileOut)
    def put(self, request):
        given = WorkerProfileIn(data=request.data)
        given.is_valid(raise_exception=True)
        profile = services.worker_profile_save(user=request.user, **given.validated_data)
        return Response(WorkerProfileOut(profile).data)


class AvailabilityView(APIView):
    """Weekly windows: ``[{weekday: 0-6 (Monday=0), start: "09:00", end: "11:30"}]``."""

    permission_classes = [IsWorker]

    @extend_schema(responses=AvailabilityWindowSerializer(many=True))
    def get(self, request):
        windows = request.user.worker_profile.availability.all()
        return Response(AvailabilityWindowSerializer(windows, many=True).data)

    @extend_schema(request=AvailabilityWindowSerializer(many=True), responses=AvailabilityWindowSerializer(many=True))
    def put(self, request):
        given = AvailabilityWindowSerializer(data=request.data, many=True)
        given.is_valid(raise_exception=True)
        windows = services.availability_replace(user=request.user, windows=given.validated_data)
        return Response(AvailabilityWindowSerializer(windows, many=True).data)


class PayoutAccountView(APIView):
    """Where her pay goes: ``{method: bank|alipay, account_name, account_number, bank_name?}``. The
    number is never shown again, only ``account_number_masked``. The first PUT needs no code; a
    change needs ``code`` (an SMS code for purpose ``payout_account``) and is told to her by SMS."""

    permission_classes = [IsWorker]

    @extend_schema(responses={200: PayoutAccountOut, 404: ErrorOut})
    def get(self, request):
        account = PayoutAccount.objects.filter(worker=request.user).first()
        if account is None:
            raise NoPayoutAccount()
        return Response(PayoutAccountOut(account).data)

    @extend_schema(request=PayoutAccountIn, responses={200: PayoutAccountOut, 400: ErrorOut})
    def put(self, request):
        given = PayoutAccountIn(data=request.data)
        given.is_valid(raise_exception=True)
        account = services.payout_account_set(worker=request.user, **given.validated_data)
        return Response(PayoutAccountOut(account).data)
