from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "dalil.exports"
    label = "exports"
    verbose_name = "Evidence packages and export jobs"
