"""The family-facing pages: no account needed; none of these views serves staff."""

from django.urls import path

from dalil.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("f/<str:token>/", views.followup, name="followup"),
    path("forget/", views.forget, name="forget"),
    path("search/", views.search, name="search"),
    path("case/<int:pk>/", views.case, name="case"),
    path("case/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("case/<int:pk>/warning/", views.warning, name="warning"),
    path("case/<int:pk>/image/<int:photo_id>/<str:level>.jpg", views.image, name="image"),
    path("case/<int:pk>/face/<int:face_id>.jpg", views.face, name="face"),
    path("case/<int:pk>/claim/", views.claim, name="claim"),
    path("faces/", views.faces, name="faces"),
    path("ask/", views.ask, name="ask"),
]
