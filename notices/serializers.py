from rest_framework import serializers

from notices.models import Notice


class NoticeOut(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = ["id", "kind", "text", "data", "created_at", "read_at"]
