from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "dalil.audit"
    verbose_name = "Audit: who saw or did what with personal data"
