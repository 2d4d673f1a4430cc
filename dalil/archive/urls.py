from django.urls import path

from dalil.archive import views

app_name = "archive"
urlpatterns = [
    path("", views.collections, name="collections"),
]
