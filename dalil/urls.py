from django.contrib.auth import views as auth_views
from django.urls import include, path

from dalil.accounts.views.login import StaffLoginView

urlpatterns = [
    path("", include("dalil.portal.urls")),  # families: no account needed
    path("login/", StaffLoginView.as_view(), name="login"),  # the password; then /account/verify/ (the code)
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("dalil.accounts.urls")),  # the second factor, and one's own account
    path("staff/", include("dalil.accounts.staff_urls")),  # staff management (admins)
    path("i18n/", include("django.conf.urls.i18n")),
    path("archive/", include("dalil.archive.urls")),
    path("casework/", include("dalil.casework.urls")),
    path("faces/", include("dalil.faces.urls")),
    path("exports/", include("dalil.exports.urls")),
    path("exchange/", include("dalil.exchange.urls")),
    path("names/", include("dalil.names.urls")),  # staff name search and possible duplicates
    path("statistics/", include("dalil.reports.urls")),
    path("jobs/", include("dalil.jobs.urls")),  # background jobs: progress, results, retry
]

# Error pages in the visitor's language, in the portal's or the staff look, with a way back (dalil.lib.error_pages).
handler403 = "dalil.lib.error_pages.forbidden"
handler404 = "dalil.lib.error_pages.not_found"
handler500 = "dalil.lib.error_pages.server_error"
