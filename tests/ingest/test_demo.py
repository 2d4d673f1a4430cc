"""`dalil demo --no-serve`: the synthetic archive, its ingest and the staff user, made once."""

import io
import re
import socket

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from dalil.archive.models import NearDuplicate, Photo
from dalil.evidence.models import Acquisition, Collection, CustodyEvent, Item, Seal, Sighting
from dalil.ingest.models import IngestRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(tmp_path, settings):
    settings.HOME = tmp_path
    settings.KEYS_DIR = tmp_path / "keys"
    settings.STORE_URL = str(tmp_path / "store")
    settings.DERIVATIVES_URL = str(tmp_path / "derivatives")
    settings.STORE_FSYNC = False
    return tmp_path


def _demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", "--bodies", "3", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Collection, Acquisition, Item, Sighting, Photo, NearDuplicate, CustodyEvent, IngestRun, Seal, User)
    }


def totp_now(secret: str) -> str:
    """The code an authenticator app holding this base32 secret shows now."""
    import base64
    import time

    from django_otp.oath import TOTP

    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    totp.time = time.time()
    return f"{totp.token():06d}"


def _password(output: str) -> str:
    return re.search(r"Password\s+(\S+)", output).group(1)


def test_it_makes_the_demo_collection_and_a_staff_user(home, client):
    output = _demo()
    assert Collection.objects.filter(name="demo").exists()
    assert Photo.objects.filter(item__sightings__acquisition__collection__name="demo").exists()
    assert (home / "demo-source" / "manifest.json").exists()
    user = User.objects.get(username="demo-archivist")
    assert user.is_staff and user.is_active and not user.is_superuser
    password = _password(output)
    assert len(password) >= 16 and user.check_password(password)
    assert "http://127.0.0.1:8000/" in output and "demo-archivist" in output
    # Signing in as a newcomer does: the printed password, then a code from the printed authenticator secret.
    secret = re.search(r"add the secret ([A-Z2-7]+)", output).group(1)
    assert f"secret={secret}" in re.search(r"or open (otpauth://totp/\S+)", output).group(1)
    assert client.post("/login/", {"username": "demo-archivist", "password": password}).status_code == 302
    assert client.post("/account/verify/", {"code": totp_now(secret)}).status_code == 302
    assert client.get("/archive/c/demo/").status_code == 200


def test_it_duplicates_nothing_when_run_again(home):
    first = _password(_demo())
    before = _counts()
    output = _demo()
    assert _counts() == before
    assert "already ingested" in output
    second = _password(output)
    assert second != first
    assert User.objects.get(username="demo-archivist").check_password(second)


def test_it_names_the_port_when_it_is_taken(home):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(CommandError, match=f"port {port} .*already in use"):
            call_command("demo", "--port", str(port), stdout=io.StringIO())
    assert not Collection.objects.filter(name="demo").exists()  # it failed before doing any work
