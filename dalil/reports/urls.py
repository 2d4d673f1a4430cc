from django.urls import path

from dalil.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.staff, name="staff"),
    path("public/", views.public, name="public"),
    path("report/", views.report, name="report"),
]
