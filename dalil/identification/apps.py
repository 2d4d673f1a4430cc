from django.apps import AppConfig


class IdentificationConfig(AppConfig):
    name = "dalil.identification"
    verbose_name = "Identification: missing-person reports, claims, matching and review"
