"""dalil staff …: the same changes as the staff page, from a shell, each audited as "<login name> (cli)"."""

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from dalil.audit.models import AuditEvent
from dalil.lib.roles import Role, roles_of
from tests.accounts.helpers import staff
from tests.conftest import dalil

pytestmark = pytest.mark.django_db


def _staff(*args, stdin: str | None = None, monkeypatch=None) -> str:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("staff", *args, stdout=out)
    return out.getvalue()


def test_it_adds_lists_and_changes_roles_with_each_change_audited():
    output = _staff("add", "amal", "--role", "caseworker", "--json")
    data = json.loads(output)
    assert data["created"] and data["roles"] == ["caseworker"]
    assert User.objects.get(username="amal").check_password(data["password"])
    _staff("roles", "amal", "--grant", "reviewer", "--remove", "caseworker")
    assert roles_of(User.objects.get(username="amal")) == {Role.REVIEWER}
    listed = json.loads(_staff("list", "--json"))
    assert listed[0]["username"] == "amal" and listed[0]["roles"] == ["reviewer"] and not listed[0]["authenticator"]
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", "actor", "details"))
    assert [a for a, _actor, _d in actions] == [AuditEvent.Action.STAFF_ADDED, AuditEvent.Action.ROLES_CHANGED]
    assert all(actor.endswith("(cli)") for _a, actor, _d in actions)
    assert actions[1][2] == {"granted": ["reviewer"], "removed": ["caseworker"]}


def test_it_deactivates_reactivates_and_resets_a_password_and_a_second_factor(monkeypatch):
    user = staff("basil", Role.ANALYST)
    _staff("deactivate", "basil")
    assert not User.objects.get(username="basil").is_active
    _staff("reactivate", "basil")
    assert User.objects.get(username="basil").is_active
    password = _staff("reset-password", "basil").split("password: ")[1].strip()
    assert User.objects.get(username="basil").check_password(password)
    _staff("reset-password", "basil", "--password-stdin", stdin="another long password 9\n", monkeypatch=monkeypatch)
    assert User.objects.get(username="basil").check_password("another long password 9")
    assert "removed 1" in _staff("reset-2fa", "basil")
    assert not user.totpdevice_set.exists()
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        AuditEvent.Action.STAFF_DEACTIVATED, AuditEvent.Action.STAFF_REACTIVATED, AuditEvent.Action.PASSWORD_RESET,
        AuditEvent.Action.PASSWORD_RESET, AuditEvent.Action.SECOND_FACTOR_RESET]


def test_it_refuses_with_a_sentence_what_it_cannot_do():
    with pytest.raises(CommandError, match="No staff user is named 'nobody'"):
        _staff("deactivate", "nobody")
    with pytest.raises(CommandError, match="choose from"):
        _staff("add", "amal", "--role", "prosecutor")
    staff("layla", Role.ADMIN)
    with pytest.raises(CommandError, match="last active admin"):
        _staff("deactivate", "layla")
    with pytest.raises(CommandError, match="Say what to unlock"):
        _staff("unlock")


def test_it_runs_as_the_real_dalil_command_with_exit_codes(cli_env):
    added = dalil(cli_env, "staff", "add", "hala", "--role", "caseworker", check=True)
    assert "password: " in added.stdout
    assert dalil(cli_env, "add_staff", "omar", "--role", "reviewer", check=True).returncode == 0  # the older name
    listed = json.loads(dalil(cli_env, "staff", "list", "--json", check=True).stdout)
    assert [p["username"] for p in listed] == ["hala", "omar"]
    missing = dalil(cli_env, "staff", "reset-2fa", "nobody")
    assert missing.returncode != 0 and "No staff user is named" in missing.stderr
    assert "reset-password" in dalil(cli_env, "staff", "--help", check=True).stdout
