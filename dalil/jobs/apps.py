from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "dalil.jobs"
    verbose_name = "Background jobs"

    def ready(self):
        from dalil.jobs.orchestrate import CeleryStarter
        from dalil.lib import background

        background.register(CeleryStarter())
