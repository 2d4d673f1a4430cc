"""/staff/: staff management, for admins."""

from django.urls import path

from dalil.accounts.views import staff

app_name = "staff"

urlpatterns = [
    path("", staff.staff_list, name="list"),
    path("add/", staff.add, name="add"),
    path("unlock/", staff.unlock, name="unlock"),
    path("u/<str:username>/", staff.person, name="person"),
    path("u/<str:username>/roles/", staff.roles, name="roles"),
    path("u/<str:username>/active/", staff.active, name="active"),
    path("u/<str:username>/password/", staff.reset_password, name="reset_password"),
    path("u/<str:username>/second-factor/", staff.reset_second_factor, name="reset_second_factor"),
]
