"""``ModelSerializer`` whose fields are worked out from the model once per class.

DRF builds a model serializer's fields on every instantiation: it inspects the model, maps each
field's options and constructs the fields, for every answer and every nested serializer in it. On
the mothers' hot answers (a claim, a hand-in) that was half of the serializer's time (issue 15's
profile: ``SubmissionOut(...).data`` 1.4 ms, 0.7 ms with this). Here the first instance of a class
builds them as DRF does and keeps that set unbound; every instance gets a deep copy, which is how DRF
already treats declared fields, so binding, ``context`` and per-instance changes stay per instance.

Only for serializers whose fields depend on nothing but the class (``Meta`` and declared fields),
which is what ``ModelSerializer.get_fields`` reads; a subclass that varies them per request
overrides ``get_fields`` and calls this one first.
"""

import copy

from rest_framework import serializers

from core.export_jobs import ExportStatus, progress_percent


class ModelSerializer(serializers.ModelSerializer):
    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()
            cls._fields_built = built  # per class: a subclass builds its own
        return copy.deepcopy(built)


class ExportJobOut(ModelSerializer):
    """A file built in the background (``core.export_jobs.ExportJob``): its progress, then its download.
    A subclass names its model, adds what its file covers to ``fields`` and says where the file is
    (``download_path``)."""

    progress_percent = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()

    JOB_FIELDS = [
        "format",
        "status",
        "rows_total",
        "rows_done",
        "progress_percent",
        "download",
        "error",
        "created_at",
        "finished_at",
    ]

    def get_progress_percent(self, job) -> int:
        return progress_percent(job)

    def get_download(self, job) -> str | None:
        return self.download_path(job) if job.status == ExportStatus.READY else None

    def download_path(self, job) -> str:
        raise NotImplementedError
