from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dalil.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"

    def ready(self):
        from dalil.accounts import signals  # noqa: F401  (lockouts go to the audit log)
