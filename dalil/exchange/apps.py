from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "dalil.exchange"
    label = "exchange"
    verbose_name = "Missing-person data exchange (PFIF, CSV, XLSX)"
