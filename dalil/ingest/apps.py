from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "dalil.ingest"
    verbose_name = "Ingest: from a raw archive to stored, described evidence"
