"""Background jobs of notifications: deliver a notice once it has committed, and every minute
whatever is due (the end of someone's quiet hours, a retry, a delivery whose job was lost)."""

from django_tasks import task

from notices import delivery
from notices.models import Delivery, DeliveryStatus


@task()
def notice_deliver(notice_id: int) -> int:
    """Deliver one notice's due deliveries (enqueued by ``notice_send`` after commit); the number sent."""
    due = Delivery.objects.filter(notice_id=notice_id, status=DeliveryStatus.PENDING).values_list("pk", flat=True)
    return sum(delivery.delivery_run(delivery_id=pk) == DeliveryStatus.SENT for pk in list(due))


@task()
def deliveries_run() -> int:
    """Every delivery that is due now; the number sent."""
    return sum(delivery.delivery_run(delivery_id=pk) == DeliveryStatus.SENT for pk in delivery.deliveries_due())
