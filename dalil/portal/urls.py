"""The family-facing pages: no account needed; none of these views serves staff."""

from django.urls import path

from dalil.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("open/", views.open_link, name="open"),
    path("report/", views.report, name="report"),
    path("report/sent/", views.report_sent, name="report_sent"),
    path("f/<str:token>/", views.followup, name="followup"),
    path("f/<str:token>/reply/", views.reply, name="reply"),
    path("f/<str:token>/claims/<int:claim_id>/withdraw/", views.withdraw, name="withdraw"),
    path("f/<str:token>/delete/", views.delete, name="delete"),
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
