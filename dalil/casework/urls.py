from django.urls import path

from dalil.casework import views

app_name = "casework"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("figures/", views.figures, name="figures"),
]
