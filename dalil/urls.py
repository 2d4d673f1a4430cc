from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("", include("dalil.portal.urls")),  # families: no account needed
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("archive/", include("dalil.archive.urls")),
    path("casework/", include("dalil.casework.urls")),
    path("faces/", include("dalil.faces.urls")),
    path("exports/", include("dalil.exports.urls")),
    path("exchange/", include("dalil.exchange.urls")),
    path("statistics/", include("dalil.reports.urls")),
]
