"""/account/: the second step of signing in, and a staff member's own account."""

from django.urls import path

from dalil.accounts.views import account, login

app_name = "accounts"

urlpatterns = [
    path("verify/", login.verify, name="verify"),
    path("enrol/", login.enrol, name="enrol"),
    path("", account.account, name="account"),
    path("password/", account.password, name="password"),
    path("recovery-codes/", account.recovery_codes, name="recovery_codes"),
]
