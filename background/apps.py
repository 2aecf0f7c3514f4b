from django.apps import AppConfig


class BackgroundConfig(AppConfig):
    name = "background"
    verbose_name = "Background jobs"

    def ready(self):
        from background import logs  # noqa: F401  (lazy: connects the one line per job that did something)
