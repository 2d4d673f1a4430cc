"""Fixtures shared by the whole suite: an instance folder, corpora, and a CLI environment."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"


def corpus(name: str) -> Path:
    """A folder of ../shared/corpora; skips without it, fails when DALIL_REQUIRE_CORPORA=1."""
    path = CORPORA / name
    if not path.is_dir():
        message = f"corpus {name!r} not found at {path} (../shared beside the project)"
        if os.environ.get("DALIL_REQUIRE_CORPORA") == "1":
            pytest.fail(message + " and DALIL_REQUIRE_CORPORA=1")
        pytest.skip(message)
    return path


@pytest.fixture(autouse=True)
def faces_off(settings):
    """Ingest scans new photos for faces by default (~0.2 s of CPU a photo): off in tests; tests/faces turn it on."""
    settings.FACES_ENABLED = False


@pytest.fixture(autouse=True)
def authenticity_off(settings):
    """Ingest examines each new photo's authenticity by default: off in tests; tests/authenticity turn it on."""
    settings.AUTHENTICITY_ENABLED = False


_FORCE_LOGIN_PASSWORD_ONLY = None


def _force_login_with_second_factor(client, user, backend=None):
    """Client.force_login in tests: signed in as after the password *and* a code, as every staff page requires."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _FORCE_LOGIN_PASSWORD_ONLY(client, user, backend)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def force_login_verifies_second_factor(monkeypatch):
    """Staff pages need a second factor (dalil.accounts): `client.force_login(user)` gives the session one.
    Tests of the second factor itself sign in with a password only through `password_only_login`."""
    global _FORCE_LOGIN_PASSWORD_ONLY
    from django.test import Client

    if _FORCE_LOGIN_PASSWORD_ONLY is None:
        _FORCE_LOGIN_PASSWORD_ONLY = Client.force_login
    monkeypatch.setattr(Client, "force_login", _force_login_with_second_factor)


@pytest.fixture
def password_only_login():
    """password_only_login(client, user): a session signed in with a password only, no second factor yet."""
    return lambda client, user: _FORCE_LOGIN_PASSWORD_ONLY(client, user)


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver for the whole run: a second sync_playwright() while one is open refuses to start,
    so the browser tests and the HTTPS deployment tests launch their Chromium from this one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def instance(settings, tmp_path):
    """A fresh instance folder: store, derivatives and keys under tmp_path (the database is the test one)."""
    home = tmp_path / "instance"
    home.mkdir()
    settings.HOME = home
    settings.KEYS_DIR = home / "keys"
    settings.STORE_URL = str(home / "store")
    settings.DERIVATIVES_URL = str(home / "derivatives")
    return home


def _server_admin(url: str):
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    return psycopg.connect(host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
                           password=cfg["PASSWORD"] or None, dbname="postgres", autocommit=True)


@pytest.fixture
def eager_jobs():
    """Background jobs run inside the request that starts them (Celery's eager mode): for tests of what a job
    does, not of how it travels (tests/jobs runs real `dalil worker` processes for that)."""
    from dalil.jobs.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def cli_env_factory(tmp_path):
    """Make environments for running `dalil` in subprocesses, each with its own instance and database."""
    made = []
    url = os.environ.get("DALIL_DATABASE_URL", "")

    def make() -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DALIL_")}
        env["DALIL_HOME"] = str(tmp_path / f"cli-instance-{len(made)}")
        env["DALIL_FACES"] = "0"  # as the faces_off fixture: a test that wants faces sets it to 1
        env["DALIL_AUTHENTICITY"] = "0"  # as the authenticity_off fixture
        env["PYTHONUNBUFFERED"] = "1"
        if url.startswith("postgres"):
            database = f"dalil_cli_{uuid.uuid4().hex[:10]}"
            with _server_admin(url) as admin:
                admin.execute(f'CREATE DATABASE "{database}"')
            env["DALIL_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + database
            made.append(database)
        else:
            made.append(None)
        return env

    yield make
    for database in made:
        if database:
            with _server_admin(url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def cli_env(cli_env_factory):
    return cli_env_factory()


def dalil(env: dict, *args: str, check: bool = False, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run the real `dalil` console command."""
    exe = Path(sys.executable).with_name("dalil")
    proc = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(f"dalil {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc
