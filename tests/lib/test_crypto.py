"""Encryption at rest: key rotation keeps old data readable, re-encryption retires the old key, and a missing or
wrong key is a sentence, never a traceback."""

import json

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from dalil.identification.models import MissingPersonReport
from dalil.lib import crypto
from tests.conftest import dalil

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def report_with(contact: dict) -> MissingPersonReport:
    _, digest = MissingPersonReport.issue_followup_token()
    report = MissingPersonReport(followup_digest=digest, first_name_ar="سامر")
    report.set_private(**contact)
    report.save()
    return report


def test_it_reads_old_data_after_a_new_key_is_put_first(settings):
    settings.ENCRYPTION_KEYS = OLD
    token = crypto.encrypt_text("+963 944 765 432")
    settings.ENCRYPTION_KEYS = f"{NEW}, {OLD}"
    assert crypto.decrypt_text(token) == "+963 944 765 432"
    fresh = crypto.encrypt_text("um.samer@example.org")
    settings.ENCRYPTION_KEYS = NEW  # new data uses the first key only
    assert crypto.decrypt_text(fresh) == "um.samer@example.org"
    with pytest.raises(crypto.MissingKey, match="keep the old key after the new one"):
        crypto.decrypt_text(token)  # the old key removed too early: a sentence saying what to do


def test_it_reencrypts_a_token_to_the_first_key(settings):
    settings.ENCRYPTION_KEYS = OLD
    token = crypto.encrypt(b"photo bytes")
    settings.ENCRYPTION_KEYS = f"{NEW},{OLD}"
    moved = crypto.reencrypt(token)
    settings.ENCRYPTION_KEYS = NEW
    assert crypto.decrypt(moved) == b"photo bytes"
    with pytest.raises(crypto.MissingKey):
        crypto.reencrypt(token)


def test_a_missing_or_malformed_key_is_a_sentence(settings):
    settings.ENCRYPTION_KEYS = ""
    with pytest.raises(crypto.MissingKey, match="DALIL_ENCRYPTION_KEY is not set"):
        crypto.encrypt_text("x")
    settings.ENCRYPTION_KEYS = f"{NEW},not-a-key"
    with pytest.raises(crypto.MissingKey, match="key 2 of DALIL_ENCRYPTION_KEY is not a Fernet key"):
        crypto.encrypt_text("x")
    settings.ENCRYPTION_KEYS = " , "
    with pytest.raises(crypto.MissingKey, match="holds no key"):
        crypto.decrypt_text(b"gAAAA")


@pytest.mark.django_db
def test_the_reencrypt_command_moves_every_stored_secret_to_the_new_key(settings, capsys):
    settings.ENCRYPTION_KEYS = OLD
    contact = {"name": "أم سامر", "phone": "+963 944 765 432", "email": "um.samer@example.org",
               "photo": b"\xff\xd8jpeg"}
    report = report_with(contact)
    settings.ENCRYPTION_KEYS = f"{NEW},{OLD}"
    call_command("reencrypt", "--dry-run", "--json")
    dry = json.loads(capsys.readouterr().out)
    assert dry["models"]["identification.MissingPersonReport"]["reencrypted"] == 4
    settings.ENCRYPTION_KEYS = NEW
    with pytest.raises(crypto.MissingKey):
        MissingPersonReport.objects.get(pk=report.pk).reporter_phone  # the dry run changed nothing
    settings.ENCRYPTION_KEYS = f"{NEW},{OLD}"
    call_command("reencrypt")
    assert "the other keys may be removed" in capsys.readouterr().out
    settings.ENCRYPTION_KEYS = NEW
    stored = MissingPersonReport.objects.get(pk=report.pk)
    assert (stored.reporter_name, stored.reporter_phone, stored.reporter_email, stored.photo) == (
        contact["name"], contact["phone"], contact["email"], contact["photo"])


@pytest.mark.django_db
def test_the_reencrypt_command_names_what_no_key_opens(settings):
    settings.ENCRYPTION_KEYS = OLD
    report = report_with({"phone": "+963 933 111 222"})
    settings.ENCRYPTION_KEYS = NEW
    with pytest.raises(CommandError, match=rf"1 value\(s\) are encrypted with a key that is not in "
                                           rf"DALIL_ENCRYPTION_KEY \(first: identification.MissingPersonReport "
                                           rf"{report.pk} reporter_phone_encrypted\)"):
        call_command("reencrypt")


def test_a_production_start_without_a_key_is_one_sentence_not_a_traceback(cli_env):
    env = {**cli_env, "DALIL_PRODUCTION": "1", "DALIL_SECRET_KEY": "s" * 64}
    result = dalil(env, "check")
    assert result.returncode == 1
    assert "DALIL_ENCRYPTION_KEY" in result.stderr and "Traceback" not in result.stderr + result.stdout
