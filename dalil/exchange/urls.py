from django.urls import path

from dalil.exchange import views

app_name = "exchange"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("mapping/", views.mapping, name="mapping"),
    path("dry-run/", views.preview, name="preview"),
    path("confirm/", views.confirm, name="confirm"),
    path("cancel/", views.cancel, name="cancel"),
    path("done/", views.done, name="done"),
]
