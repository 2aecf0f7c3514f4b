"""The webhooks' background job: every minute, fan the outbox out into deliveries, then send what is due."""

from django_tasks import task

from integrations import fanout, sending


@task()
def webhooks_run() -> dict:
    """New deliveries made, deliveries delivered, finished ones forgotten (empty when nothing happened)."""
    made = fanout.outbox_fanout()
    delivered = sending.deliveries_send()
    pruned = sending.deliveries_prune()
    return {name: count for name, count in (("made", made), ("delivered", delivered), ("pruned", pruned)) if count}
