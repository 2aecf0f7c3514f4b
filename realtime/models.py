from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    """One event for one group, written in the transaction of the change it describes."""

    type = models.CharField(max_length=32)
    group = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["group", "id"], name="outbox_group_id_idx")]

    def __str__(self):
        return f"{self.id} {self.type} → {self.group}"

    def as_message(self) -> dict:
        return {"type": self.type, "id": self.id, "at": timezone.localtime(self.at).isoformat(), "data": self.data}


class PruneMark(models.Model):
    """How far the outbox has been pruned: a resume from before ``pruned_through`` cannot be
    replayed (the client re-reads through the API); one from after it always can."""

    pruned_through = models.BigIntegerField()
    at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"pruned through {self.pruned_through}"
