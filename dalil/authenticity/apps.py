from django.apps import AppConfig


class AuthenticityConfig(AppConfig):
    name = "dalil.authenticity"
    label = "authenticity"
    verbose_name = "Authenticity checks"
