from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "dalil.casework"
    verbose_name = "Casework: staff queue, matching and review"
