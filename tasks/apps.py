from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Work")

    def ready(self):
        # lazy: apps.py is imported while the app registry is populated; the SQL module is read in ready()
        from tasks import claim_sql

        post_migrate.connect(claim_sql.reinstall, sender=self, dispatch_uid="tasks.claim_sql.reinstall")
        from tasks import answers  # lazy: the models load after the app configs

        answers.supply()
