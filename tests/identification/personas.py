"""Named people and records for identification and casework tests (Arabic names, as in real reports)."""

import datetime

import pytest
from django.contrib.auth.models import User

from dalil.archive.models import BodyCase
from dalil.identification.models import MissingPersonReport
from dalil.lib.roles import Role, grant

PASSWORD = "a long enough password 1"
D = datetime.date


def person(username: str, *roles: str) -> User:
    user = User.objects.create_user(username, password=PASSWORD, first_name=username)
    if roles:
        grant(user, *roles)
    return User.objects.get(pk=user.pk)  # fresh: no cached roles


def make_report(**fields) -> MissingPersonReport:
    """«محمد أحمد الخطيب», reported by his mother «أم محمد»: arrested by branch 215 in March 2012, aged 24."""
    private = {"name": fields.pop("reporter_name", "أم محمد"), "phone": fields.pop("phone", "+963 944 123 456"),
               "email": fields.pop("email", "um.mohammad@example.org"), "photo": fields.pop("photo", b"")}
    values = {"first_name_ar": "محمد", "father_name_ar": "أحمد", "family_name_ar": "الخطيب",
              "first_name_latin": "Mohammad", "family_name_latin": "al-Khatib", "sex": "male",
              "age_at_arrest": 24, "arrest_date": D(2012, 3, 10), "arresting_branch": "215",
              "arrest_place": "داريا", "distinguishing_marks": "ندبة على السّاعد الأيسر ووشم صغير",
              "reporter_relationship": "الأم", "consent_contact": True, "would_testify": "yes"}
    values.update(fields)
    _, digest = MissingPersonReport.issue_followup_token()
    report = MissingPersonReport(followup_digest=digest, **values)
    report.set_private(**private)
    report.save()
    return report


def make_case(**fields) -> BodyCase:
    values = {"branch": "215", "detainee_no": "3312", "exam_no": "1001", "category": "custody",
              "date": D(2013, 5, 1), "sex": "male", "age_min": 22, "age_max": 30, "marks": "ندبة في الساعد"}
    values.update(fields)
    return BodyCase.objects.create(**values)


@pytest.fixture
def caseworker(db):
    return person("salma", Role.CASEWORKER)  # سلمى


@pytest.fixture
def reviewer(db):
    return person("khaled", Role.REVIEWER)  # خالد


@pytest.fixture
def second_reviewer(db):
    return person("rania", Role.REVIEWER)  # رانيا


@pytest.fixture
def analyst(db):
    return person("omar", Role.ANALYST)  # عمر: staff, but not casework


@pytest.fixture
def report(db):
    return make_report()


@pytest.fixture
def good_case(db):
    return make_case()


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english_errors():
    """Errors and reasons in English, so tests read them; messages to families still use the report's language."""
    from django.utils import translation

    with translation.override("en"):
        yield
