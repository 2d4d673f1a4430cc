from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "dalil.reports"
    label = "reports"
    verbose_name = "Statistics and reports"
