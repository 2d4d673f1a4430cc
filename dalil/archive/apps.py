from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "dalil.archive"
    verbose_name = "Archive: photos, their numbers and near duplicates"
