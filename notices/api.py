from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.idempotency import idempotent
from notices import selectors, services
from notices.models import Notice
from notices.serializers import (
    NoticeOut,
    NotificationSettingsIn,
    NotificationSettingsOut,
    PushSubscriptionIn,
    PushSubscriptionOut,
)


class NoticeListView(generics.ListAPIView):
    """The caller's inbox: reminders, expiries, warnings; newest first (``?unread=1``)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = NoticeOut
    filterset_fields = {"kind": ["exact"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Notice.objects.none()
        services.notice_app_seen(user_id=self.request.user.pk)
        notices = selectors.notices_for(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            notices = notices.filter(read_at__isnull=True)
        return notices


class NoticeReadView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=NoticeOut)
    def post(self, request, pk):
        get_object_or_404(selectors.notices_for(request.user), pk=pk)
        return Response(NoticeOut(services.notice_read(user=request.user, notice_id=pk)).data)


class NotificationSettingsView(APIView):
    """How notices reach her beyond the inbox: Web Push and SMS per category, and her quiet hours.
    PUT changes what it is given and leaves the rest."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=NotificationSettingsOut)
    def get(self, request):
        return Response(NotificationSettingsOut(selectors.settings_for(request.user.pk)).data)

    @extend_schema(request=NotificationSettingsIn, responses=NotificationSettingsOut)
    def put(self, request):
        given = NotificationSettingsIn(data=request.data)
        given.is_valid(raise_exception=True)
        row = services.notice_settings_save(user=request.user, **given.choices())
        return Response(NotificationSettingsOut(row).data)


class PushSubscriptionListView(APIView):
    """Her browsers with notifications on. POST takes the browser's subscription; the same endpoint
    again is the same row (201 the first time, 200 after)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=PushSubscriptionOut(many=True))
    def get(self, request):
        return Response(PushSubscriptionOut(selectors.push_subscriptions_for(request.user), many=True).data)

    @extend_schema(request=PushSubscriptionIn, responses={200: PushSubscriptionOut, 201: PushSubscriptionOut})
    @idempotent
    def post(self, request):
        given = PushSubscriptionIn(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        known = selectors.push_subscriptions_for(request.user).filter(endpoint=data["endpoint"]).exists()
        subscription = services.push_subscription_save(
            user=request.user,
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
            label=data.get("label") or request.headers.get("User-Agent", "")[:80],
        )
        return Response(
            PushSubscriptionOut(subscription).data, status=status.HTTP_200_OK if known else status.HTTP_201_CREATED
        )


class PushSubscriptionView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        services.push_subscription_delete(user=request.user, subscription_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
