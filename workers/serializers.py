from rest_framework import serializers

from workers.models import AvailabilityWindow, WorkerProfile


class WorkerProfileOut(serializers.ModelSerializer):
    class Meta:
        model = WorkerProfile
        fields = ["display_name", "region", "city", "children_under_12", "youngest_birth_year"]


class WorkerProfileIn(serializers.Serializer):
    display_name = serializers.CharField(max_length=64)
    region = serializers.CharField(max_length=64, required=False, allow_blank=True)
    city = serializers.CharField(max_length=64, required=False, allow_blank=True)
    children_under_12 = serializers.IntegerField(min_value=0, max_value=20, required=False)
    youngest_birth_year = serializers.IntegerField(required=False, allow_null=True)


class AvailabilityWindowSerializer(serializers.ModelSerializer):
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")
    weekday = serializers.IntegerField(min_value=0, max_value=6)

    class Meta:
        model = AvailabilityWindow
        fields = ["weekday", "start", "end"]
        validators: list = []

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": "must be after start"})
        return attrs
