"""Signing in as a person does, through the real pages: the password at /login/, then a code at /account/verify/."""

import time

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from dalil.lib.roles import grant

PASSWORD = "a long staff password 7"


def staff(username: str, *roles: str, password: str = PASSWORD, device: bool = True) -> User:
    """A staff user with a password, roles and (unless device=False) a confirmed authenticator."""
    user = User.objects.create_user(username, password=password)
    grant(user, *roles)
    if device:
        TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)
    return user


def code(device: TOTPDevice) -> str:
    """The code the person's app shows now; a later time step if this one's code was used (a code works once)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:  # within the accepted tolerance of one step ahead
        totp.time = device.t0 + (device.last_t + 1) * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in_password(client: Client, username: str, password: str = PASSWORD, next_url: str = ""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def sign_in(client: Client, username: str, password: str = PASSWORD, token: str | None = None):
    """Both steps; returns the response to the code step."""
    response = sign_in_password(client, username, password)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:verify")), response
    if token is None:
        token = code(TOTPDevice.objects.get(user__username=username, confirmed=True))
    return client.post(reverse("accounts:verify"), {"code": token})


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def after_a_pause(username: str) -> None:
    """As if the person took a few seconds to type again: django-otp makes a retry wait 1 s, then 2, 4, 8…"""
    from datetime import timedelta

    from django_otp.plugins.otp_static.models import StaticDevice

    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user__username=username).exclude(throttling_failure_timestamp=None):
            device.throttling_failure_timestamp -= timedelta(seconds=2 ** device.throttling_failure_count)
            device.save(update_fields=["throttling_failure_timestamp"])
