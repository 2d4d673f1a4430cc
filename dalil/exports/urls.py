from django.urls import path

from dalil.exports import views

app_name = "exports"

urlpatterns: list = [
    path("", views.jobs, name="jobs"),
    path("bag/", views.create, name="create"),
    path("<int:pk>/download/", views.download, name="download"),
]
