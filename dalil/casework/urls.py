from django.urls import path

from dalil.casework import views

app_name = "casework"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("figures/", views.figures, name="figures"),
    path("reports/", views.reports, name="reports"),
    path("reports/<str:reference>/", views.report, name="report"),
    path("reports/<str:reference>/assign/", views.assign, name="assign"),
    path("reports/<str:reference>/contact/", views.report_contact, name="report_contact"),
    path("reports/<str:reference>/contact/renew/", views.renew_contact, name="renew_contact"),
    path("reports/<str:reference>/photo.jpg", views.report_photo, name="report_photo"),
    path("reports/<str:reference>/propose/", views.propose, name="propose"),
    path("reports/<str:reference>/message/", views.message, name="message"),
    path("reports/<str:reference>/link/revoke/", views.revoke_link, name="revoke_link"),
    path("reports/<str:reference>/link/reissue/", views.reissue_link, name="reissue_link"),
    path("claims/<int:pk>/document/", views.claim_document, name="claim_document"),
    path("cases/<int:pk>/reports/", views.case_reports, name="case_reports"),
    path("identifications/<int:pk>/", views.identification, name="identification"),
    path("identifications/<int:pk>/face.jpg", views.identification_face, name="identification_face"),
    path("identifications/<int:pk>/step/", views.identification_step, name="identification_step"),
    path("search-requests/<int:pk>/done/", views.search_request_done, name="search_request_done"),
    path("reports/<str:reference>/told/", views.family_told, name="family_told"),
    path("deletion-requests/", views.deletion_requests, name="deletion_requests"),
    path("deletion-requests/<int:pk>/", views.deletion_request, name="deletion_request"),
]
