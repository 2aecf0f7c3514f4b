"""What the scheduler has enqueued: one row per periodic job per period, so that a second
scheduler, a restart or a late tick never enqueues the same period twice."""

from django.db import models


class PeriodicRun(models.Model):
    job = models.CharField(max_length=200)
    period_start = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "period_start"], name="periodic_run_once")]
        ordering = ["-period_start"]

    def __str__(self):
        return f"{self.job} @ {self.period_start:%Y-%m-%d %H:%M}"
