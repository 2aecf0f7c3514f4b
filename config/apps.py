"""config as an installed app: the top layer's wiring, done once the apps are ready.

``config`` holds no models. It is installed for what only the top layer may do: answer a question of
an app that cannot see its neighbours on its own layer. ``background`` (the scheduler) and
``integrations`` (webhooks) sit side by side, so neither imports the other; the webhooks' periodic job
reaches the schedule through ``background.facts.jobs_beside``, supplied here. It also carries the
management commands that span apps (``rotate_field_keys``: payout accounts and webhook secrets).
"""

import datetime

from django.apps import AppConfig


class WiringConfig(AppConfig):
    name = "config"
    label = "config"
    verbose_name = "Wiring"

    def ready(self):
        from background import facts as background_facts  # lazy: the apps' models load after the configs
        from integrations import jobs as integration_jobs  # lazy: as above

        minute = datetime.timedelta(minutes=1)
        background_facts.jobs_beside.supply(lambda: [(integration_jobs.webhooks_run, minute)])
