"""dalil add_staff: staff users with roles, from the command line."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from dalil.lib.roles import has_role

pytestmark = pytest.mark.django_db


def _run(*args, stdin: str | None = None, monkeypatch=None) -> str:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("add_staff", *args, stdout=out)
    return out.getvalue()


def test_it_creates_a_caseworker_with_a_printed_password():
    output = _run("amal", "--role", "caseworker")
    password = output.split("password: ")[1].strip()
    user = User.objects.get(username="amal")
    assert user.is_staff and user.check_password(password) and has_role(user, "caseworker")
    assert not has_role(user, "reviewer")


def test_it_reads_the_password_from_stdin_and_grants_several_roles(monkeypatch):
    output = _run("hasan", "--role", "reviewer", "--role", "caseworker", "--password-stdin",
                  stdin="a long enough password 2\n", monkeypatch=monkeypatch)
    user = User.objects.get(username="hasan")
    assert "password:" not in output and user.check_password("a long enough password 2")
    assert has_role(user, "reviewer") and has_role(user, "caseworker")


def test_it_adds_a_role_to_an_existing_user_and_keeps_their_password():
    User.objects.create_user("layla", password="a long enough password 3")
    output = _run("layla", "--role", "reviewer")
    user = User.objects.get(username="layla")
    assert output.startswith("updated") and user.check_password("a long enough password 3")
    assert has_role(user, "reviewer")


def test_it_refuses_an_unknown_role_with_the_choices():
    with pytest.raises(CommandError, match="choose from .*caseworker"):
        _run("amal", "--role", "prosecutor")
    assert not User.objects.exists()


def test_it_refuses_a_weak_password(monkeypatch):
    with pytest.raises(CommandError, match="refused"):
        _run("amal", "--role", "admin", "--password-stdin", stdin="short\n", monkeypatch=monkeypatch)
