"""The webhooks API (company admins): endpoints, their secrets, the delivery log and replays."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.errors import CompanyRequired
from core.errors import NotFound
from integrations import selectors, services
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.permissions import IsCompanyAdmin
from integrations.serializers import (
    WebhookDeliveryOut,
    WebhookIn,
    WebhookOut,
    WebhookPatchIn,
    WebhookWithSecretOut,
)


def _valid(serializer_class, request) -> dict:
    given = serializer_class(data=request.data)
    given.is_valid(raise_exception=True)
    return dict(given.validated_data)


def _admin_company(request, given: int | None) -> int:
    """The company a new endpoint is for: the one she is an admin of, or the one she names."""
    companies = selectors.admin_company_ids(request.user)
    if given is None:
        if len(companies) != 1:
            raise CompanyRequired(details={"companies": companies})
        return companies[0]
    if given not in companies:
        raise NotFound()  # not hers: as if there were no such company
    return given


def _with_secret(endpoint, secret: str, *, created: bool = False) -> Response:
    body = WebhookWithSecretOut(endpoint, context={"secret": secret}).data
    return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class WebhookListView(generics.ListAPIView):
    """The webhook endpoints of the companies she is an admin of; POST registers one (the answer
    carries its secret, this once)."""

    permission_classes = [IsCompanyAdmin]
    serializer_class = WebhookOut
    filterset_fields = {"company": ["exact"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return selectors.endpoints_for(self.request.user)

    @extend_schema(request=WebhookIn, responses={201: WebhookWithSecretOut})
    def post(self, request):
        fields = _valid(WebhookIn, request)
        company_id = _admin_company(request, fields.pop("company", None))
        endpoint, secret = services.webhook_endpoint_create(actor=request.user, company_id=company_id, **fields)
        return _with_secret(endpoint, secret, created=True)


class WebhookView(APIView):
    permission_classes = [IsCompanyAdmin]

    @extend_schema(responses=WebhookOut)
    def get(self, request, pk):
        return Response(WebhookOut(get_object_or_404(selectors.endpoints_for(request.user), pk=pk)).data)

    @extend_schema(request=WebhookPatchIn, responses=WebhookOut)
    def patch(self, request, pk):
        get_object_or_404(selectors.endpoints_for(request.user), pk=pk)
        fields = _valid(WebhookPatchIn, request)
        endpoint = services.webhook_endpoint_update(actor=request.user, endpoint_id=pk, **fields)
        return Response(WebhookOut(endpoint).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        services.webhook_endpoint_delete(actor=request.user, endpoint_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecretView(APIView):
    """A new secret, answered this once; the previous one keeps signing too for 24 hours."""

    permission_classes = [IsCompanyAdmin]

    @extend_schema(request=None, responses=WebhookWithSecretOut)
    def post(self, request, pk):
        endpoint, secret = services.webhook_secret_rotate(actor=request.user, endpoint_id=pk)
        return _with_secret(endpoint, secret)


class WebhookDeliveryListView(generics.ListAPIView):
    """The delivery log of one endpoint, newest event first (``?status=pending|delivered|failed``)."""

    permission_classes = [IsCompanyAdmin]
    serializer_class = WebhookDeliveryOut
    filterset_fields = {"status": ["exact"], "event_type": ["exact"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        get_object_or_404(selectors.endpoints_for(self.request.user), pk=self.kwargs["pk"])
        return selectors.deliveries_for(self.request.user, endpoint_id=self.kwargs["pk"])


class WebhookDeliveryReplayView(APIView):
    """Send one delivery again, at once, with the same ``webhook-id`` (whatever its status)."""

    permission_classes = [IsCompanyAdmin]

    @extend_schema(request=None, responses=WebhookDeliveryOut)
    def post(self, request, pk, delivery_id):
        replayed = services.webhook_delivery_replay(actor=request.user, endpoint_id=pk, delivery_id=delivery_id)
        return Response(WebhookDeliveryOut(replayed).data)
