from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "dalil.evidence"
    verbose_name = "Evidence: stored originals, custody and seals"
