"""What `dalil demo` adds for the web app: staff for each role, invented reports, a logins file; and `dalil serve`."""

import io
import json
import socket
import stat

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from dalil.archive.models import Photo
from dalil.identification.models import MissingPersonReport, SearchRequest
from dalil.ingest import demo_data
from dalil.lib.roles import Role, roles_of
from tests.ingest.test_demo import totp_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(tmp_path, settings, instance):
    settings.STORE_FSYNC = False
    return instance


def _demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", "--bodies", "3", *args, stdout=out)
    return out.getvalue()


def test_it_makes_staff_for_each_role_and_invented_reports_once_with_fresh_secrets_each_run(home, tmp_path, client):
    path = tmp_path / "logins.json"
    output = _demo("--password-file", str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    # One staff user per role, each password printed once for a person too.
    assert set(data["users"]) == set(demo_data.STAFF)
    for username, login in data["users"].items():
        user = User.objects.get(username=username)
        assert user.check_password(login["password"]) and not user.is_superuser
        assert set(login["roles"]) == {str(r) for r in demo_data.STAFF[username]}
        assert roles_of(user) == (set(Role.values) if Role.ADMIN in login["roles"] else set(login["roles"]))
        assert login["password"] in output and login["totp_secret"] in output and login["otpauth"] in output
        assert login["otpauth"].startswith(f"otpauth://totp/Dalil%3A{username}?secret={login['totp_secret']}")
    # Invented reports, one of them fitting a demo body: arrested by its branch, some weeks before its date.
    links = data["followup"]
    assert set(links) == {spec.reference for spec in demo_data.REPORTS}
    assert MissingPersonReport.objects.count() == len(demo_data.REPORTS)
    assert SearchRequest.objects.count() == 1
    matching = MissingPersonReport.objects.get(reference=demo_data.MATCHING_REFERENCE)
    assert matching.reporter_name == "أم مازن" and "مازن".encode() not in bytes(matching.reporter_name_encrypted)
    photos = Photo.objects.filter(branch=matching.arresting_branch).exclude(photo_date=None)
    assert any(0 < (p.photo_date - matching.arrest_date).days <= 120 for p in photos)
    # Run again: nothing duplicated, new passwords, new links (the old ones stop working).
    old_path = "/" + links[demo_data.MATCHING_REFERENCE].split("/", 3)[3]
    _demo("--password-file", str(path))
    again = json.loads(path.read_text())
    assert MissingPersonReport.objects.count() == len(demo_data.REPORTS) and SearchRequest.objects.count() == 1
    assert again["users"]["demo-reviewer"]["password"] != data["users"]["demo-reviewer"]["password"]
    new_path = "/" + again["followup"][demo_data.MATCHING_REFERENCE].split("/", 3)[3]
    assert new_path != old_path
    assert client.get(old_path).status_code == 404
    assert client.get(new_path).status_code == 200
    caseworker = again["users"]["demo-caseworker"]
    assert caseworker["totp_secret"] != data["users"]["demo-caseworker"]["totp_secret"]  # a fresh secret too
    assert client.post("/login/", {"username": "demo-caseworker", "password": caseworker["password"]}).status_code == 302
    assert client.post("/account/verify/", {"code": totp_now(caseworker["totp_secret"])}).status_code == 302
    assert client.get("/casework/").status_code == 200


def test_it_says_which_port_is_taken_when_serving(home):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(CommandError, match=f"port {port} .*already in use"):
            call_command("serve", "--port", str(port), stdout=io.StringIO())
