"""Every named route of dalil: who may use it, with which methods. A route missing here fails the suite.

Personas: an anonymous visitor; a family member (a browser that opened its
report's secret follow-up link: no account); one staff member per role; a staff
account with no role (is_staff, no group); a deactivated account (an admin whose
account was switched off). Each route is requested by each persona: allowed ->
status < 400; not allowed -> the login page for those not signed in (the
deactivated account included: its session no longer signs it in), 403 or 404 for
signed-in staff. The roles each view names (`allowed_roles`, dalil.lib.roles)
must give the same answer as this table, and the staff menu shows each persona
exactly the sections the table lets it open.
Every request's writes are rolled back, so one route's POST never changes
what the next route sees.
"""

import copy
import io
import random
import re
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from PIL import Image, ImageDraw

from dalil.archive.models import BodyCase, CaseChange, NearDuplicate, Photo
from dalil.evidence.models import Item
from dalil.identification.models import (Claim, DeletionRequest, Identification, IdentificationStep,
                                         MissingPersonReport, SearchRequest)
from dalil.ingest.pipeline import Options, ingest
from dalil.lib import crypto
from dalil.lib.menu import SECTIONS, roles_for, staff_menu
from dalil.lib.roles import Role, grant

pytestmark = pytest.mark.django_db

ROLE_PERSONAS = ("archivist", "analyst", "caseworker", "reviewer", "admin")
PERSONAS = ("anonymous", "family", *ROLE_PERSONAS, "no_role", "deactivated")
SIGNED_OUT = {"anonymous", "family", "deactivated"}
EVERYONE = set(PERSONAS)
STAFF = set(ROLE_PERSONAS)  # any role: the archive browser
KEEPERS = {"archivist", "analyst", "admin"}  # originals, camera serials, custody, quarantine, near duplicates
CASES_VIEW = STAFF
CASES_CHANGE = {"analyst", "admin"}
CASEWORK = {"caseworker", "reviewer", "admin"}
FAMILY_CONTACT = {"caseworker", "admin"}  # contact details, messages, links, documents: not reviewers
REVIEWERS = {"reviewer", "admin"}
GET, POST, BOTH = ("GET",), ("POST",), ("GET", "POST")


@dataclass
class Route:
    methods: tuple
    allowed: set
    kwargs: dict = field(default_factory=dict)  # names of World attributes, e.g. {"pk": "case"}
    post: dict = field(default_factory=dict)  # POST data; values naming World attributes are looked up
    refuses_get: bool = True  # for POST-only routes: a GET gets 405 (or, signed out, the login page)


ROUTES = {
    # Sign-in, language: everyone.
    "login": Route(BOTH, EVERYONE, post={"username": "nobody", "password": "wrong password 12"}),
    "logout": Route(POST, EVERYONE, post={"next": "/login/"}),
    # Django's set_language answers a GET with a redirect that changes nothing.
    "set_language": Route(POST, EVERYONE, post={"language": "en", "next": "/"}, refuses_get=False),
    # The family portal: no account, open to all (staff included, as any visitor).
    "portal:home": Route(GET, EVERYONE),
    "portal:report": Route(BOTH, EVERYONE, post={"first_name_ar": "سعاد"}),
    "portal:followup": Route(GET, EVERYONE, kwargs={"token": "token"}),
    "portal:forget": Route(BOTH, EVERYONE),
    "portal:search": Route(GET, EVERYONE),
    "portal:case": Route(GET, EVERYONE, kwargs={"pk": "case"}),
    "portal:warning": Route(GET, EVERYONE, kwargs={"pk": "case"}),
    "portal:reveal": Route(POST, EVERYONE, kwargs={"pk": "case"}, post={"level": "preview"}),
    "portal:image": Route(GET, EVERYONE, kwargs={"pk": "case", "photo_id": "photo", "level": "=preview"}),
    "portal:claim": Route(BOTH, EVERYONE, kwargs={"pk": "case"}, post={"reason": "الندبة على ساعده"}),
    "portal:ask": Route(BOTH, EVERYONE, post={"note": "أرجو البحث عنه"}),
    "portal:faces": Route(BOTH, EVERYONE, post={"action": "search"}),
    "portal:face": Route(GET, EVERYONE, kwargs={"pk": "case", "face_id": "face"}),
    "portal:open": Route(BOTH, EVERYONE, post={"link": "token"}),  # the pasted link (its secret part alone works)
    "portal:report_sent": Route(GET, EVERYONE),
    # The follow-up page's forms: checked by the secret token in their address (a wrong one: the 404 page).
    "portal:reply": Route(POST, EVERYONE, kwargs={"token": "token"}, post={"body": "أرجو أن تتصلوا بي"}),
    "portal:withdraw": Route(POST, EVERYONE, kwargs={"token": "token", "claim_id": "own_claim"}, post={"sure": "yes"}),
    "portal:delete": Route(POST, EVERYONE, kwargs={"token": "token"}, post={"sure": "on"}),
    # The archive browser: any staff role; originals, custody and the lists of problems: the archive keepers.
    "archive:collections": Route(GET, STAFF),
    "archive:collection": Route(GET, STAFF, kwargs={"name": "collection"}),
    "archive:display": Route(POST, STAFF, post={"thumbnails": "1", "next": "/archive/"}),
    "archive:item": Route(GET, STAFF, kwargs={"sha256": "sha"}),
    "archive:original_warning": Route(GET, KEEPERS, kwargs={"sha256": "sha"}),
    "archive:original": Route(POST, KEEPERS, kwargs={"sha256": "sha"}),
    "archive:thumbnail": Route(GET, STAFF, kwargs={"sha256": "sha"}),
    "archive:preview": Route(GET, STAFF, kwargs={"sha256": "sha"}),
    "archive:custody": Route(GET, KEEPERS),
    "archive:quarantine": Route(GET, KEEPERS),
    "archive:near_duplicates": Route(BOTH, KEEPERS, post={"pair": "pair", "decision": "same"}),
    # Body cases: every role looks, analysts change.
    "archive:cases": Route(GET, CASES_VIEW),
    "archive:case": Route(GET, CASES_VIEW, kwargs={"pk": "case"}),
    "archive:case_update": Route(POST, CASES_CHANGE, kwargs={"pk": "case"}, post={
        "category": "custody", "branch": "215", "exam_no": "1001", "marks": "وشم على الكتف"}),
    "archive:case_code": Route(POST, CASES_CHANGE, kwargs={"pk": "case"}, post={"code": "emaciation"}),
    "archive:case_split": Route(POST, CASES_CHANGE, kwargs={"pk": "case"}, post={"photo": "photo"}),
    "archive:case_merge": Route(POST, CASES_CHANGE, kwargs={"pk": "case"}, post={"into": "other_case"}),
    "archive:case_undo": Route(POST, CASES_CHANGE, kwargs={"pk": "case"}, post={"change": "change"}),
    # Casework: caseworkers and reviewers; only reviewers move an identification along; only caseworkers handle the
    # family (contact details, messages, links, documents, proposing, search requests).
    "casework:queue": Route(GET, CASEWORK),
    "casework:figures": Route(GET, CASEWORK),
    "casework:report": Route(GET, CASEWORK, kwargs={"reference": "reference"}),
    "casework:report_contact": Route(POST, FAMILY_CONTACT, kwargs={"reference": "reference"}),
    "casework:report_photo": Route(GET, CASEWORK, kwargs={"reference": "reference"}),
    "casework:propose": Route(POST, FAMILY_CONTACT, kwargs={"reference": "reference"}, post={"case": "other_case"}),
    "casework:message": Route(POST, FAMILY_CONTACT, kwargs={"reference": "reference"}, post={"body": "نبحث عنه"}),
    "casework:revoke_link": Route(POST, FAMILY_CONTACT, kwargs={"reference": "reference"}),
    "casework:reissue_link": Route(POST, FAMILY_CONTACT, kwargs={"reference": "reference"}),
    "casework:claim_document": Route(GET, FAMILY_CONTACT, kwargs={"pk": "claim"}),
    "casework:renew_contact": Route(POST, FAMILY_CONTACT, kwargs={"reference": "reference"}),
    "casework:case_reports": Route(GET, CASEWORK, kwargs={"pk": "case"}),
    "casework:identification": Route(GET, CASEWORK, kwargs={"pk": "identification"}),
    "casework:identification_step": Route(POST, REVIEWERS, kwargs={"pk": "identification"},
                                          post={"action": "corroborate", "note": "الأرقام والتاريخ متطابقة"}),
    "casework:search_request_done": Route(POST, FAMILY_CONTACT, kwargs={"pk": "search_request"}),
    "casework:family_told": Route(POST, FAMILY_CONTACT, kwargs={"reference": "reference"},
                                  post={"identification": "identification", "how": "=phone"}),
    "casework:deletion_requests": Route(GET, FAMILY_CONTACT),
    "casework:deletion_request": Route(POST, FAMILY_CONTACT, kwargs={"pk": "deletion_request"},
                                       post={"decision": "=decline", "note": "=نحتاج إليه للتحقيق"}),
    "casework:reports": Route(GET, CASEWORK),
    "casework:assign": Route(POST, FAMILY_CONTACT, kwargs={"reference": "reference"}, post={"to": "me"}),
    "casework:identification_face": Route(GET, CASEWORK, kwargs={"pk": "identification"}),
    # Face search: caseworkers and reviewers (uploads are processed in memory, never kept).
    "faces:search": Route(BOTH, CASEWORK),
    "faces:crop": Route(GET, CASEWORK, kwargs={"face_id": "face"}),
    # Names (dalil.names): name search for casework; possible duplicates for those who handle the families.
    "names:search": Route(GET, CASEWORK),
    "names:duplicates": Route(GET, FAMILY_CONTACT),
    "names:duplicate": Route(GET, FAMILY_CONTACT, kwargs={"pk": "duplicate"}),
    "names:decide": Route(POST, FAMILY_CONTACT, kwargs={"pk": "duplicate"}, post={"decision": "=distinct"}),
    # Statistics: every staff role; the public page (aggregates only) everyone; reports: archivists, analysts.
    "reports:staff": Route(GET, STAFF),
    "reports:public": Route(GET, EVERYONE),
    "reports:report": Route(BOTH, {"archivist", "analyst", "admin"}, post={
        "collection": "collection", "lang": "en", "format": "html", "profile": "prosecutor"}),
    # Evidence packages: archivists (and admins) only; originals leave the archive.
    "exports:jobs": Route(GET, {"archivist", "admin"}),
    "exports:create": Route(POST, {"archivist", "admin"}, post={"case": "case", "profile": "prosecutor",
                                                                "recipient": "مكتب المدعي العام"}),
    "exports:download": Route(GET, {"archivist", "admin"}, kwargs={"pk": "export_job"}),
    # Background jobs (dalil.jobs): anyone who starts some kind; a job of another kind (here a caseworker and a report)
    # sends back to the list showing nothing (tests/jobs). Ingest from a server path and face indexing: archivists.
    "jobs:list": Route(GET, {"archivist", "analyst", "caseworker", "admin"}),
    "jobs:detail": Route(GET, {"archivist", "analyst", "caseworker", "admin"}, kwargs={"pk": "report_job"}),
    "jobs:download": Route(GET, {"archivist", "analyst", "caseworker", "admin"}, kwargs={"pk": "report_job"}),
    "jobs:retry": Route(POST, {"archivist", "analyst", "caseworker", "admin"}, kwargs={"pk": "report_job"}),
    "jobs:cancel": Route(POST, {"archivist", "analyst", "caseworker", "admin"}, kwargs={"pk": "report_job"}),
    "jobs:ingest": Route(BOTH, {"archivist", "admin"}, post={"source": "ingest_source", "collection": "route-ingest"}),
    "jobs:faces": Route(POST, {"archivist", "admin"}, post={"collection": ""}),
    # Table imports: caseworkers import reports, archivists and analysts the files detailing the victims; reviewers
    # nothing. Without an upload in the session each step sends back to the upload page.
    "exchange:upload": Route(BOTH, {"archivist", "analyst", "caseworker", "admin"}, post={"kind": "reports"}),
    "exchange:mapping": Route(BOTH, {"archivist", "analyst", "caseworker", "admin"}, post={"step": "mapping"}),
    "exchange:preview": Route(GET, {"archivist", "analyst", "caseworker", "admin"}),
    "exchange:confirm": Route(POST, {"archivist", "analyst", "caseworker", "admin"}, post={"previewed": "0"}),
    "exchange:cancel": Route(POST, {"archivist", "analyst", "caseworker", "admin"}),
    "exchange:done": Route(GET, {"archivist", "analyst", "caseworker", "admin"}),
    # Signing in, step two (a code, or setting up the authenticator), open like /login/: without a password typed
    # they send to /login/, and these sessions have their second factor already, so they send them on. One's own
    # account: any role. Staff management: admins.
    "accounts:verify": Route(BOTH, EVERYONE, post={"code": "000000"}),
    "accounts:enrol": Route(BOTH, EVERYONE, post={"code": "000000"}),
    "accounts:account": Route(GET, STAFF),
    "accounts:password": Route(POST, STAFF, post={"old_password": "not it", "new_password1": "x", "new_password2": "x"}),
    "accounts:recovery_codes": Route(POST, STAFF),
    "staff:list": Route(GET, {"admin"}),
    "staff:add": Route(BOTH, {"admin"}, post={"username": "route-new", "roles": "caseworker"}),
    "staff:person": Route(GET, {"admin"}, kwargs={"username": "=route-reviewer-0"}),
    "staff:roles": Route(POST, {"admin"}, kwargs={"username": "=route-reviewer-0"}, post={"roles": "reviewer"}),
    "staff:active": Route(POST, {"admin"}, kwargs={"username": "=route-reviewer-0"}, post={"active": "0"}),
    "staff:reset_password": Route(POST, {"admin"}, kwargs={"username": "=route-reviewer-0"}),
    "staff:reset_second_factor": Route(POST, {"admin"}, kwargs={"username": "=route-reviewer-0"}),
    "staff:unlock": Route(POST, {"admin"}, post={"username": "=route-reviewer-0"}),
}


def _route_names(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _route_names(pattern.url_patterns, namespace)
        elif pattern.name:
            yield prefix + pattern.name


def _jpeg(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (320, 240), (rng.randrange(80, 200), 120, 140))
    draw = ImageDraw.Draw(image)
    for _ in range(10):
        x, y = rng.randrange(0, 300), rng.randrange(0, 220)
        draw.ellipse((x, y, x + rng.randrange(20, 120), y + rng.randrange(20, 100)), fill=(rng.randrange(256), 60, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _describe(case: BodyCase) -> CaseChange:
    """A change an analyst could undo, made as the case pages make it."""
    from dalil.archive.views.cases import edits

    return edits.update(case, {"marks": "ندبة على الساعد"}, "pytest")


def _face(photo: Photo):
    """A face in a photo, as the faces stage stores it (a crop in the derivatives store), without dlib."""
    from dalil.evidence.store import derivatives
    from dalil.faces.models import Face

    crop = derivatives().put_bytes(_jpeg(11))
    return Face.objects.create(photo=photo, top=10, right=90, bottom=90, left=10, embedding=bytes(512),
                               crop_sha256=crop, detector=Face.Detector.HOG)


def _duplicate(report) -> int:
    """A possible duplicate of the report (dalil.names), as found on arrival, or made here."""
    from dalil.names.models import DuplicateCandidate

    twin = MissingPersonReport(followup_digest=MissingPersonReport.issue_followup_token()[1], first_name_latin="Samer",
                               family_name_latin="Al-Ahmad", arresting_branch="215")
    twin.save()
    first, second = sorted((report, twin), key=lambda r: r.pk)
    return DuplicateCandidate.objects.get_or_create(first=first, second=second, defaults={"score": 90.0})[0].pk


def _report_job(tmp_path) -> int:
    import hashlib

    from django.conf import settings

    from dalil.jobs.models import Job

    output = settings.HOME / "exports" / "reports" / "dalil-report-route.html"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("<!doctype html><title>report</title>")
    return Job.objects.create(kind=Job.Kind.REPORT, state=Job.State.DONE, requested_by="pytest", output=str(output),
                              output_sha256=hashlib.sha256(output.read_bytes()).hexdigest()).pk


class World:
    """What the routes' URLs point at: an ingested archive, its cases, a report, a claim, an identification."""

    def __init__(self, tmp_path):
        src = tmp_path / "src"
        for rel, seed in {"branch-215/2012-05/exam-1001/1001_01.jpg": 1, "branch-215/2012-05/exam-1001/1001_02.jpg": 2,
                          "branch-227/2013-01/exam-2002/2002_01.jpg": 3}.items():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_bytes(_jpeg(seed))
        pattern = r"branch-(?P<branch>\d+)/(?P<month>\d{4}-\d{2})/exam-(?P<exam>\d+)/\d+_(?P<seq>\d+)\.jpg"
        ingest(src, Options(collection="routes", received_from="tests", medium="tmp", pattern=pattern, workers=1,
                            actor="pytest"))
        self.collection = "routes"
        for exam in ("1001", "2002"):  # grouped by ingest; made here if grouping is not there
            photos = Photo.objects.filter(exam_no=exam)
            if photos.filter(case=None).exists():
                photos.update(case=BodyCase.objects.create(branch=photos[0].branch, exam_no=exam))
        first = Photo.objects.filter(exam_no="1001").order_by("sequence").first()
        self.photo = first.pk
        self.sha = first.item.sha256
        case = first.case
        BodyCase.objects.filter(pk=case.pk).update(category=BodyCase.Category.CUSTODY)
        self.case = case.pk
        self.other_case = Photo.objects.filter(exam_no="2002").first().case_id
        self.change = _describe(case).pk
        second = Photo.objects.filter(exam_no="1001").exclude(pk=first.pk).first()
        self.pair = NearDuplicate.objects.create(a=first, b=second, distance=12).pk
        self.token, digest = MissingPersonReport.issue_followup_token()
        report = MissingPersonReport(followup_digest=digest, first_name_ar="سامر", family_name_ar="الأحمد",
                                     arresting_branch="215", photo_consent=True)
        report.set_private(name="أم سامر", phone="+000 0000 0009", photo=_jpeg(9))
        report.save()
        self.reference = report.reference
        reviewer = User.objects.create_user("route-reviewer-0")
        identification = Identification.objects.create(report=report, case_id=self.case)
        IdentificationStep.objects.create(identification=identification, to_state="claimed", actor=reviewer)
        self.identification = identification.pk
        self.search_request = SearchRequest.objects.create(report=report, note="ابحثوا عنه").pk
        self.own_claim = Claim.objects.create(report=report, case_id=self.other_case, reason="العمر والتاريخ").pk
        self.deletion_request = DeletionRequest.objects.create(report=report, reference=report.reference).pk
        self.duplicate = _duplicate(report)
        claimant = MissingPersonReport(followup_digest=MissingPersonReport.issue_followup_token()[1],
                                       first_name_ar="نادر", arresting_branch="215")
        claimant.set_private(name="أبو نادر", phone="+000 0000 0010")
        claimant.save()
        self.claim = Claim.objects.create(report=claimant, case_id=self.case, reason="الوشم على كتفه",
                                          document_name="هوية.jpg", document_encrypted=crypto.encrypt(_jpeg(10))).pk
        self.face = _face(first).pk
        from dalil.evidence.seals import seal  # an evidence package needs a sealed collection
        from dalil.exports import bags, scope

        seal(self.collection, "pytest")
        self.export_job = bags.export_bag(scope.for_case(self.case), "prosecutor", "pytest").pk
        self.report_job = _report_job(tmp_path)  # dalil.jobs: a finished report, its page and download
        self.ingest_source = str(tmp_path / "src")  # under DALIL_INGEST_ROOTS (the world fixture)

    def value(self, name):
        return name[1:] if str(name).startswith("=") else getattr(self, name) if hasattr(self, name) else name

    def url(self, name: str, route: Route) -> str:
        return reverse(name, kwargs={k: self.value(v) for k, v in route.kwargs.items()})

    def post_data(self, route: Route) -> dict:
        return {k: self.value(v) for k, v in route.post.items()}


NAMES = {"archivist": "رنا", "analyst": "باسل", "caseworker": "هالة", "reviewer": "عمر", "admin": "ليلى",
         "no_role": "وسيم", "deactivated": "فادي"}


def _user(persona: str) -> User:
    """The account a persona signs in with: a role each; staff with none; an admin since switched off."""
    user = User.objects.create_user(f"route-{persona}", first_name=NAMES[persona])
    if persona == "no_role":
        user.is_staff = True  # was staff once, or made staff by hand: no group, so no role
        user.save(update_fields=["is_staff"])
    elif persona == "deactivated":
        grant(user, Role.ADMIN)
        user.is_active = False
        user.save(update_fields=["is_active"])
    else:
        grant(user, Role(persona))
    return user


def _client(persona: str, world: World) -> Client:
    client = Client(enforce_csrf_checks=False, raise_request_exception=False)  # a crash is one wrong line, not the end
    client.cookies["django_language"] = "en"
    if persona == "family":
        assert client.get(reverse("portal:followup", args=[world.token])).status_code == 200
    elif persona != "anonymous":
        client.force_login(_user(persona))
    return client


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")


def _send(client: Client, method: str, url: str, data: dict):
    """One request whose writes are all undone afterwards: rows, sessions, cookies (logout is undone too)."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        response = client.post(url, data) if method == "POST" else client.get(url)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


@pytest.fixture
def world(tmp_path, settings, instance):
    settings.STORE_FSYNC = False
    settings.INGEST_ROOTS = [tmp_path.resolve()]  # the ingest page reads sources on the server from here only
    cache.clear()  # the portal's per-IP rate limits
    return World(tmp_path)


def test_it_has_a_rule_for_every_route_and_no_rule_for_a_route_that_is_gone():
    names = set(_route_names())
    assert not names - ROUTES.keys(), f"routes with no access rule in ROUTES: {sorted(names - ROUTES.keys())}"
    assert not ROUTES.keys() - names, f"ROUTES names routes that no longer exist: {sorted(ROUTES.keys() - names)}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_each_persona_use_only_the_routes_the_table_allows(world, persona):
    client = _client(persona, world)
    if persona == "family":  # the follow-up link remembered in the session is one the family may look again
        client.get(reverse("portal:followup", args=[world.token]))
    wrong = []
    for name, route in ROUTES.items():
        url = world.url(name, route)
        if name == "portal:image":  # a picture is served only after its step of the reveal ladder was chosen
            client.post(reverse("portal:reveal", args=[world.case]), {"level": "preview"})
        for method in route.methods:
            response = _send(client, method, url, world.post_data(route))
            if persona in route.allowed:
                ok = response.status_code < 400 and not _is_login_redirect(response)
            elif persona in SIGNED_OUT:
                ok = _is_login_redirect(response)
            else:
                ok = response.status_code in (403, 404)
            if not ok:
                wrong.append(f"{method} {name} ({url}) -> {response.status_code} "
                             f"({'allowed' if persona in route.allowed else 'refused'} in ROUTES)")
    assert not wrong, f"{persona}:\n" + "\n".join(wrong)


def test_it_refuses_get_on_routes_that_only_take_post(world):
    client = _client("admin", world)
    for name, route in ROUTES.items():
        if route.methods == POST and route.refuses_get:
            response = _send(client, "GET", world.url(name, route), {})
            assert response.status_code == 405, (name, response.status_code)


def test_it_never_shows_an_original_or_contact_details_to_a_family(world):
    client = _client("family", world)
    for name in ("archive:original", "casework:report_contact", "casework:report_photo"):
        route = ROUTES[name]
        response = _send(client, route.methods[0], world.url(name, route), world.post_data(route))
        assert _is_login_redirect(response), name
    assert Item.objects.filter(sha256=world.sha).exists()


def _persona_roles(persona: str) -> set[str]:
    return set(Role.values) if persona == "admin" else {persona}


def test_it_finds_the_same_roles_in_each_view_as_in_the_table():
    """Each staff view names its roles (require_role); they must open to exactly the personas the table allows."""
    wrong = []
    for name, route in ROUTES.items():
        roles = roles_for(name)
        if roles is None:  # open to everyone: the portal, sign-in, language, public statistics
            if route.allowed != EVERYONE:
                wrong.append(f"{name}: the view names no role, the table allows only {sorted(route.allowed)}")
            continue
        by_view = {p for p in ROLE_PERSONAS if _persona_roles(p) & set(roles)}
        if by_view != route.allowed:
            wrong.append(f"{name}: the view opens to {sorted(by_view)}, the table to {sorted(route.allowed)}")
    assert not wrong, "\n".join(wrong)


def _menu_routes(html: str) -> list[str]:
    """The staff sections linked in a page's menu, as route names."""
    nav = re.search(r'<nav aria-label="[^"]*">(.*?)</nav>', html, re.S)
    hrefs = re.findall(r'href="([^"]+)"', nav.group(1)) if nav else []
    urls = {reverse(route): route for route, _label in SECTIONS if route in set(_route_names())}
    return [urls.get(href, href) for href in hrefs]


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_each_persona_only_the_menu_sections_the_table_lets_it_open(persona, db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = Client()
    client.cookies["django_language"] = "en"
    user = None
    if persona not in ("anonymous", "family"):
        user = _user(persona)
        client.force_login(user)
    expected = [route for route, _label in SECTIONS if route in ROUTES and persona in ROUTES[route].allowed]
    # the sign-in page and the 403 page carry the staff layout for everyone; a role's first section carries the menu
    page = reverse(expected[0]) if expected else reverse("login")
    response = client.get(page)
    assert response.status_code == 200, (persona, page, response.status_code)
    assert _menu_routes(response.content.decode()) == expected
    if user is not None:
        assert [s["route"] for s in staff_menu(User.objects.get(pk=user.pk))] == expected
    if persona == "no_role":  # a staff page refused: a 403 page with no menu at all
        refused = client.get(reverse("archive:collections"))
        assert refused.status_code == 403 and _menu_routes(refused.content.decode()) == []


def test_it_keeps_a_reviewer_away_from_the_familys_side_of_a_report(world):
    """Reviewers review: the report page shows them no contact button, link forms, message form or document."""
    pages = {}
    for persona in ("reviewer", "caseworker"):
        client = _client(persona, world)
        pages[persona] = client.get(reverse("casework:report", args=[world.reference])).content.decode()
    family_side = [reverse("casework:report_contact", args=[world.reference]),
                   reverse("casework:message", args=[world.reference]),
                   reverse("casework:revoke_link", args=[world.reference]),
                   reverse("casework:reissue_link", args=[world.reference]),
                   reverse("casework:search_request_done", args=[world.search_request])]
    for url in family_side:
        assert url in pages["caseworker"], url
        assert url not in pages["reviewer"], url
