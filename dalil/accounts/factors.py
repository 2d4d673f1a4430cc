"""Second factors, with django-otp: one TOTP authenticator app per staff member, and one-use recovery codes.

A staff member enrols once: dalil makes a fresh, unconfirmed TOTP device and
shows its secret (QR code and text) once; the device counts only after a code
from the app confirms it. Recovery codes are made at that moment and shown
once; each works once (django-otp's static device deletes a code when used).
Both kinds of device throttle wrong codes themselves (exponential back-off);
wrong codes also count towards the sign-in lockout (dalil.accounts.views.login).
"""

import base64
import re

import segno
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

APP = "authenticator app"  # the device names staff see on their account page
RECOVERY = "recovery codes"
RECOVERY_CODES = 10
TOTP_CODE = re.compile(r"^\d{6}$")

# Apps known to read the otpauth:// links and QR codes dalil makes (SHA-1, 6 digits, 30 s): what we tell people.
AUTHENTICATOR_APPS = "FreeOTP, Aegis, Google Authenticator, Microsoft Authenticator, 2FAS or a password manager"


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def base32_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in: base32, no padding."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def provisioning_link(device: TOTPDevice) -> str:
    return device.config_url  # otpauth://totp/Dalil:amal?secret=…&issuer=Dalil


def qr_svg(device: TOTPDevice) -> str:
    """The provisioning link as an inline SVG QR code (no script, no image request, nothing stored)."""
    return segno.make(provisioning_link(device), error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff")


@transaction.atomic
def new_unconfirmed(user) -> TOTPDevice:
    """A fresh secret for enrolment; any earlier unconfirmed one is dropped, so each secret is shown once."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=APP, confirmed=False)


def pending(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


@transaction.atomic
def confirm(device: TOTPDevice) -> list[str]:
    """Make a verified device the user's authenticator; returns the new recovery codes (shown once)."""
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_recovery_codes(device.user)


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODES new ones; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def remove_all(user) -> int:
    """Remove every second factor of a user (lost phone): they enrol again at their next sign-in."""
    removed = 0
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        removed += 1
    return removed


def reset_throttling(user) -> None:
    for device in devices_for_user(user, confirmed=None):
        if device.throttling_failure_count:
            device.throttle_reset()


def _clean(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()  # as typed: spaces, dashes, capitals from paper


def check_code(user, code: str, confirmed: bool = True):
    """(device, None) when `code` is the user's current TOTP code or one of their recovery codes, else
    (None, reason) with reason "throttled" (wait before trying again) or "wrong". With confirmed=False, the
    code is checked against the secret being set up (enrolment) instead."""
    code = _clean(code)
    if TOTP_CODE.match(code) or not confirmed:
        devices = TOTPDevice.objects.filter(user=user, confirmed=confirmed)
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    with transaction.atomic():
        for device in devices.select_for_update().order_by("-pk")[:1]:
            allowed, _why = device.verify_is_allowed()
            if not allowed:
                return None, "throttled"
            if device.verify_token(code):
                return device, None
    return None, "wrong"


def is_recovery_device(device) -> bool:
    return isinstance(device, StaticDevice)
