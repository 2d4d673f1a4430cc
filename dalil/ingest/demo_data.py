"""What `dalil demo` adds beside the synthetic archive: staff for each role and a few missing-person reports.

Everything here is invented: the names are common Arabic given names put
together at random, the phone numbers are not numbers anyone has, and no
report describes a real person. One report is written to fit one demo case
(its branch, and an arrest a few months before the case's date) so that the
casework pages have a credible candidate to rank first.

Safe to run again: users and reports are found by their fixed names and
references; each run gives the staff fresh passwords and authenticator
secrets (a TOTP device each, as every staff sign-in needs a code) and the
reports fresh follow-up links (the old links stop working), shown once.
"""

import datetime
import secrets
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from dalil.lib.roles import Role, grant

# username -> roles. demo-archivist was the demo's only user before roles existed.
STAFF = {
    "demo-archivist": (Role.ARCHIVIST,),
    "demo-analyst": (Role.ANALYST,),
    "demo-caseworker": (Role.CASEWORKER,),
    "demo-reviewer": (Role.REVIEWER,),
    "demo-reviewer2": (Role.REVIEWER,),
    "demo-admin": (Role.ADMIN,),  # the staff page (/staff/): roles, deactivation, resets, unlocking
}

# Fixed references (in the reference alphabet: no 0/O, 1/I/L) make the reports idempotent.
MATCHING_REFERENCE = "DL-DEMX-2222"


@dataclass
class DemoReport:
    reference: str
    fields: dict
    reporter: dict
    fits_case: bool = False
    search_request: str = ""
    extra: dict = field(default_factory=dict)


REPORTS = [
    DemoReport(
        MATCHING_REFERENCE,
        {"first_name_ar": "مازن", "father_name_ar": "خالد", "grandfather_name_ar": "سعيد", "family_name_ar": "العلي",
         "mother_name_ar": "فاطمة", "first_name_latin": "Mazen", "family_name_latin": "Al-Ali", "sex": "male",
         "age_at_arrest": 27, "home_town": "داريا", "arrest_place": "حاجز على طريق داريا",
         "last_detention_place": "فرع المنطقة", "distinguishing_marks": "ندبة قديمة على الساعد الأيسر",
         "reporter_relationship": "أم", "consent_contact": True, "would_testify": "maybe"},
        {"name": "أم مازن", "phone": "+000 0000 0001", "email": ""},
        fits_case=True,
    ),
    DemoReport(
        "DL-DEMX-2223",
        {"first_name_ar": "رامي", "father_name_ar": "سليم", "family_name_ar": "الحسن", "first_name_latin": "Rami",
         "family_name_latin": "Al-Hasan", "sex": "male", "age_at_arrest": 34, "home_town": "حمص",
         "arrest_date": datetime.date(2011, 9, 10), "arresting_branch": "227",
         "distinguishing_marks": "سن أمامي مكسور", "reporter_relationship": "أخ", "consent_contact": True},
        {"name": "أبو رامي", "phone": "+000 0000 0002", "email": ""},
    ),
    DemoReport(
        "DL-DEMX-2224",
        {"first_name_ar": "نور", "father_name_ar": "أحمد", "family_name_ar": "الشامي", "first_name_latin": "Nour",
         "family_name_latin": "Al-Shami", "sex": "female", "age_at_arrest": 22, "home_town": "دوما",
         "arrest_date": datetime.date(2012, 3, 2), "reporter_relationship": "أخت", "consent_contact": False,
         "wants_caseworker_search": True},
        {"name": "", "phone": "", "email": "nour.family@example.invalid"},
        search_request="لا أستطيع النظر إلى الصور. أرجو أن يبحث أحد عنها.",
    ),
]


@transaction.atomic
def make_staff() -> dict[str, dict]:
    """Each demo staff user with its roles, a fresh random password and a fresh authenticator secret:
    {username: {"password", "roles", "totp_secret" (base32, as typed into an app), "otpauth" (the QR code's link)}}."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dalil.accounts import factors

    logins = {}
    users = get_user_model().objects
    for username, roles in STAFF.items():
        password = secrets.token_urlsafe(12)
        user, _ = users.get_or_create(username=username)
        user.is_staff = True
        user.is_active = True
        user.set_password(password)
        user.save()
        grant(user, *roles)
        factors.remove_all(user)  # the secret printed last time stops working
        device = TOTPDevice.objects.create(user=user, name=factors.APP, confirmed=True)
        logins[username] = {"password": password, "roles": [str(r) for r in roles],
                            "totp_secret": factors.base32_secret(device), "otpauth": factors.provisioning_link(device)}
    return logins


def fitting_case(collection: str):
    """(branch, date) of the demo case the matching report should fit: a case if cases exist, else a photo."""
    from dalil.archive.models import BodyCase, Photo

    photos = Photo.objects.filter(item__sightings__acquisition__collection__name=collection).exclude(branch="")
    case = (BodyCase.objects.filter(photos__in=photos, merged_into=None).exclude(branch="")
            .exclude(date=None).order_by("branch", "exam_no", "pk").first())
    if case is not None:
        return case.branch, case.date
    photo = photos.exclude(photo_date=None).order_by("branch", "exam_no", "pk").first()
    return (photo.branch, photo.photo_date) if photo is not None else ("215", datetime.date(2012, 6, 1))


@transaction.atomic
def make_reports(collection: str) -> dict[str, str]:
    """The demo reports, made once; returns {reference: fresh follow-up token} (old tokens stop working)."""
    from dalil.identification.models import MissingPersonReport, SearchRequest

    tokens = {}
    for spec in REPORTS:
        token, digest = MissingPersonReport.issue_followup_token()
        report = MissingPersonReport.objects.filter(reference=spec.reference).first()
        if report is None:
            report = MissingPersonReport(reference=spec.reference, language="ar", **spec.fields)
            if spec.fits_case:
                branch, died = fitting_case(collection)
                report.arresting_branch = branch
                report.arrest_date = died - datetime.timedelta(days=75)
            report.set_private(**spec.reporter)
            report.followup_digest = digest
            report.save()
            if spec.search_request:
                SearchRequest.objects.create(report=report, note=spec.search_request)
        else:
            MissingPersonReport.objects.filter(pk=report.pk).update(followup_digest=digest, followup_revoked=False)
        tokens[spec.reference] = token
    return tokens


def followup_path(token: str) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("portal:followup", args=[token])
    except NoReverseMatch:  # the family portal not built yet: its documented address
        return f"/f/{token}/"
