from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from notices import selectors, services
from notices.models import Notice
from notices.serializers import NoticeOut


class NoticeListView(generics.ListAPIView):
    """The caller's inbox: reminders, expiries, warnings; newest first (``?unread=1``)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = NoticeOut
    filterset_fields = {"kind": ["exact"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Notice.objects.none()
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
