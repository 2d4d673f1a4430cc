"""Production refuses to start unsafe; every response carries the security headers; instance files are private."""

import os
import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from cryptography.fernet import Fernet
from django.test import Client
from django.urls import reverse

from dalil.lib.security import production_problems, public_origins, public_url
from tests.conftest import ROOT, dalil

GOOD_SECRET = secrets.token_urlsafe(64)
GOOD_FERNET = Fernet.generate_key().decode()


def _production(cli_env, tmp_path, **overrides) -> dict:
    """A sound production configuration (docs/deploy.md), keys outside DALIL_HOME, then `overrides`."""
    keys = tmp_path / "etc-dalil"
    keys.mkdir(exist_ok=True)
    (keys / "secret-key").write_text(GOOD_SECRET)
    (keys / "encryption-key").write_text(GOOD_FERNET)
    env = dict(cli_env, DALIL_PRODUCTION="1", DALIL_ALLOWED_HOSTS="dalil.example.org", DALIL_TRUSTED_PROXY="127.0.0.1",
               DALIL_SECRET_KEY_FILE=str(keys / "secret-key"), DALIL_ENCRYPTION_KEY_FILE=str(keys / "encryption-key"))
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


# -- production_problems, one sentence per problem

def _problems(**overrides):
    values = dict(secret_key=GOOD_SECRET, encryption_keys=GOOD_FERNET, debug=False, home=Path("/srv/dalil/data"),
                  env={}, public_url="https://dalil.example.org/")
    values.update(overrides)
    return production_problems(**values)


def test_it_finds_nothing_wrong_with_a_sound_production_configuration():
    assert _problems() == []
    assert _problems(encryption_keys=f"{GOOD_FERNET}, {Fernet.generate_key().decode()}") == []  # rotation


@pytest.mark.parametrize("overrides, expected", [
    ({"secret_key": "x"}, "DALIL_SECRET_KEY is 1 characters long"),
    ({"secret_key": "a" * 60}, "DALIL_SECRET_KEY is not random"),
    ({"encryption_keys": "not-a-key"}, "DALIL_ENCRYPTION_KEY is not a valid Fernet key"),
    ({"encryption_keys": f"{GOOD_FERNET},short"}, "not a valid Fernet key (key 2 of 2)"),
    ({"debug": True}, "DALIL_DEBUG=1 shows families' contact details"),
    ({"env": {"DALIL_ENCRYPTION_KEY_FILE": "/srv/dalil/data/keys/encryption-key"}},
     "DALIL_ENCRYPTION_KEY_FILE=/srv/dalil/data/keys/encryption-key is inside DALIL_HOME"),
    ({"env": {"DALIL_SECRET_KEY_FILE": "/srv/dalil/data/../data/secret"}}, "DALIL_SECRET_KEY_FILE="),
    ({"public_url": "http://dalil.example.org/"}, "must start with https://"),
])
def test_it_names_each_unsafe_production_setting_in_one_sentence(overrides, expected):
    problems = _problems(**overrides)
    assert len(problems) == 1 and expected in problems[0], problems
    assert problems[0].endswith(".") and not re.search(r"\. [A-Z]", problems[0]), problems[0]  # one sentence


def test_it_accepts_a_key_file_beside_but_outside_the_instance_folder():
    assert _problems(env={"DALIL_ENCRYPTION_KEY_FILE": "/srv/dalil/data-keys/encryption-key"}) == []


# -- the real start: `dalil` and the WSGI app

@pytest.mark.parametrize("overrides, expected", [
    ({"DALIL_SECRET_KEY": "x"}, "DALIL_SECRET_KEY is 1 characters long"),
    ({"DALIL_ENCRYPTION_KEY": "not-a-fernet-key"}, "DALIL_ENCRYPTION_KEY is not a valid Fernet key"),
    ({"DALIL_DEBUG": "1"}, "DALIL_DEBUG=1"),
    ("key-inside-home", "is inside DALIL_HOME"),
])
def test_it_refuses_to_start_in_production_with_an_unsafe_setting(cli_env, tmp_path, overrides, expected):
    if overrides == "key-inside-home":
        inside = Path(cli_env["DALIL_HOME"]) / "keys" / "encryption-key"
        inside.parent.mkdir(parents=True)
        inside.write_text(GOOD_FERNET)
        overrides = {"DALIL_ENCRYPTION_KEY_FILE": str(inside)}
    env = _production(cli_env, tmp_path, **overrides)
    proc = dalil(env, "check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert expected in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("dalil: DALIL_PRODUCTION=1 refuses to start unsafe:\n- ")
    # The WSGI app (what any server imports) refuses too, with the same sentence.
    wsgi = subprocess.run([sys.executable, "-c", "import dalil.wsgi"], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert wsgi.returncode != 0 and expected in wsgi.stderr, wsgi.stderr[-2000:]


def test_it_passes_the_deploy_check_with_the_documented_production_settings(cli_env, tmp_path):
    proc = dalil(_production(cli_env, tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_it_fails_the_deploy_check_without_hsts(cli_env, tmp_path):
    proc = dalil(_production(cli_env, tmp_path, DALIL_HSTS_SECONDS="0"), "check", "--deploy", "--fail-level", "WARNING")
    assert proc.returncode != 0 and "security.W004" in proc.stderr + proc.stdout


def test_it_derives_the_trusted_origins_and_public_address_from_the_host_names():
    assert public_origins(["dalil.example.org", ".example.net", "*", ""]) == [
        "https://dalil.example.org", "https://*.example.net"]
    assert public_url("", [".example.net", "dalil.example.org"], production=True) == "https://dalil.example.org/"
    assert public_url("https://x.example/sub", [], production=True) == "https://x.example/sub/"
    assert public_url("", ["dalil.example.org"], production=False) == ""


# -- headers on every response

CSP = {"default-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def _assert_security_headers(headers) -> None:
    assert set(headers.get("Content-Security-Policy", "").split("; ")) == CSP, headers.get("Content-Security-Policy")
    # The follow-up secret is in a URL: never sent to another site (the portal's pages send no referrer at all).
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), headers.get("Referrer-Policy")
    for name, value in HEADERS.items():
        assert headers.get(name) == value, (name, headers.get(name))
    policy = headers.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy, policy
    assert "unsafe-inline" not in headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_it_sends_the_security_headers_on_family_staff_and_error_pages(settings, django_user_model):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    family = Client()
    for response in (family.get("/", secure=True), family.get(reverse("login"), secure=True),
                     family.get("/no-such-page/", secure=True)):
        assert response.status_code in (200, 404)
        _assert_security_headers(response.headers)
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    staff = Client()
    staff.force_login(django_user_model.objects.create_user("سلمى", password="x" * 16, is_staff=True))
    response = staff.get(reverse("archive:collections"), secure=True)
    _assert_security_headers(response.headers)
    # A refused form post (CSRF) is an error page too.
    refused = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x"}, secure=True)
    assert refused.status_code == 403
    _assert_security_headers(refused.headers)
    # No HSTS over plain HTTP (a browser would ignore it, and it must not pin a development host).
    assert "Strict-Transport-Security" not in family.get("/").headers


@pytest.mark.django_db
def test_it_sends_the_security_headers_with_static_files():
    """`dalil serve` answers /static/ before Django's middleware runs: the headers must be added there too."""
    from django.core.wsgi import get_wsgi_application

    from dalil.lib.security import static_files_with_headers

    handler = static_files_with_headers(get_wsgi_application())
    for path, status, content in (("/static/casework/casework.css", "200 OK", b".bar rect"),
                                  ("/static/no-such-file.css", "404 Not Found", b"")):
        environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
                   "HTTP_HOST": "127.0.0.1"}
        setup_testing_defaults(environ)
        started = {}
        body = b"".join(handler(environ, lambda s, h, exc_info=None: started.update(status=s, headers=dict(h))))
        assert started["status"] == status and content in body, (path, started["status"])
        _assert_security_headers(started["headers"])


def test_it_keeps_inline_script_and_style_out_of_every_page_template():
    """The CSP refuses inline script and style: a template that had one would be broken in every browser."""
    standalone = {"reports/document.html", "reports/_document_style.html"}  # a downloaded file, not a page
    offenders = []
    for path in (ROOT / "dalil").rglob("templates/**/*.html"):
        name = str(path).split("/templates/", 1)[1]
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script|\son[a-z]+\s*=|javascript:", text, re.I):
            offenders.append(f"{name}: script")
        if name not in standalone and re.search(r"<style|\sstyle\s*=", text, re.I):
            offenders.append(f"{name}: inline style")
    assert offenders == []


# -- private files

def _loose_permissions(root: Path) -> list[str]:
    loose = []
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode) and mode & 0o077:
            loose.append(f"{oct(stat.S_IMODE(mode))} {path.relative_to(root)}")
    return loose


@pytest.mark.slow
def test_it_keeps_a_fresh_instance_readable_by_its_user_only(cli_env):
    """Database, WAL, keys, log, store, derivatives, exports: no group or other permission anywhere."""
    home = Path(cli_env["DALIL_HOME"])
    caller = os.umask(0o022)  # the usual login umask: dalil must not depend on the caller's
    try:
        proc = dalil(cli_env, "demo", "--no-serve", "--bodies", "1",
                     "--password-file", str(home.parent / "logins.json"))
    finally:
        os.umask(caller)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert (home / "store").is_dir() and (home / "derivatives").is_dir() and (home / "keys").is_dir()
    assert (home / "dalil.log").exists()
    if "DALIL_DATABASE_URL" not in cli_env:
        assert (home / "dalil.sqlite3").exists()
    assert _loose_permissions(home) == []


def test_it_tightens_an_instance_made_before_with_loose_permissions(cli_env):
    home = Path(cli_env["DALIL_HOME"])
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    (home / "dalil.log").write_text("")
    (home / "dalil.log").chmod(0o644)
    database = home / "dalil.sqlite3"
    database.write_bytes(b"")
    database.chmod(0o644)
    proc = dalil(cli_env, "check")
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "dalil.log").stat().st_mode) == 0o600
    if "DALIL_DATABASE_URL" not in cli_env:  # PostgreSQL keeps its own files
        assert stat.S_IMODE(database.stat().st_mode) == 0o600
