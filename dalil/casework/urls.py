from django.urls import path

from dalil.casework import views

app_name = "casework"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("figures/", views.figures, name="figures"),
    path("reports/<str:reference>/", views.report, name="report"),
    path("reports/<str:reference>/contact/", views.report_contact, name="report_contact"),
    path("reports/<str:reference>/photo.jpg", views.report_photo, name="report_photo"),
    path("reports/<str:reference>/propose/", views.propose, name="propose"),
    path("reports/<str:reference>/message/", views.message, name="message"),
    path("reports/<str:reference>/link/revoke/", views.revoke_link, name="revoke_link"),
    path("reports/<str:reference>/link/reissue/", views.reissue_link, name="reissue_link"),
    path("cases/<int:pk>/reports/", views.case_reports, name="case_reports"),
    path("identifications/<int:pk>/", views.identification, name="identification"),
    path("identifications/<int:pk>/step/", views.identification_step, name="identification_step"),
    path("search-requests/<int:pk>/done/", views.search_request_done, name="search_request_done"),
]
