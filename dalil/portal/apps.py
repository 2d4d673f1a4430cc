from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "dalil.portal"
    verbose_name = "Portal: the family-facing pages, no account needed"
