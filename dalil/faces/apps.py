from django.apps import AppConfig


class FacesConfig(AppConfig):
    name = "dalil.faces"
    label = "faces"
    verbose_name = "Face search"
