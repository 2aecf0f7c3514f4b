"""``POST /api/v1/skills/{id}/peer-review {open, rate}``: a company opens (or closes) peer review of
a skill to mothers at its top level, paid ``rate`` yuan per review; each of them is told."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsSupervising
from core.schema import ErrorOut
from skills import services


class PeerReviewIn(serializers.Serializer):
    open = serializers.BooleanField()
    rate = serializers.DecimalField(max_digits=10, decimal_places=4, required=False, allow_null=True)


class PeerReviewOut(serializers.Serializer):
    id = serializers.IntegerField()
    peer_review_open = serializers.BooleanField()
    peer_review_rate = serializers.DecimalField(max_digits=10, decimal_places=4)


class SkillPeerReviewView(APIView):
    permission_classes = [IsSupervising]

    @extend_schema(request=PeerReviewIn, responses={200: PeerReviewOut, 400: ErrorOut, 404: ErrorOut})
    def post(self, request, pk):
        given = PeerReviewIn(data=request.data)
        given.is_valid(raise_exception=True)
        skill = services.skill_peer_review_set(actor=request.user, skill_id=pk, **given.validated_data)
        return Response(PeerReviewOut(skill).data)
