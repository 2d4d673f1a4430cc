"""Families' contact details leave an evidence package only encrypted to the recipient, and only from those who
may see them; the rest of the package stays checkable without the key."""

import json
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import bagit
import pyrage
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from dalil.audit.models import AuditEvent
from dalil.exports import bags, contacts, scope as scopes
from dalil.exports.bags import ExportRefused, export_bag
from dalil.exports.models import ExportJob
from dalil.lib.roles import Role
from tests.exports.conftest import CONTACT, OTHER_CONTACT, person
from tests.exports.test_bags import all_bytes, package, run_tool

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_jobs")]  # jobs run in the request


@pytest.fixture
def identity():
    return pyrage.x25519.Identity.generate()


def export(tmp_path, archive, name="bag", profile="prosecutor", **kwargs):
    out = tmp_path / name
    job = export_bag(scopes.for_collection("caesar"), profile, kwargs.pop("actor", "amal"), out=out,
                     recipient="ICC Office of the Prosecutor", **kwargs)
    return job, out


def contact_secrets() -> list[bytes]:
    return [value.encode() for value in CONTACT.values()]


def test_it_encrypts_the_contact_details_to_the_recipients_key_and_nothing_else(archive, tmp_path, identity):
    job, bag = export(tmp_path, archive, recipient_keys=[str(identity.to_public())], contacts_allowed=True)
    everything = all_bytes(bag)
    for secret in contact_secrets() + [v.encode() for v in OTHER_CONTACT.values()]:
        assert secret not in everything, secret  # not in any file, not even the README or bag-info
    opened = contacts.open_package_contacts((bag / "data/contacts.age").read_bytes(), [str(identity)])
    assert opened["package"] == f"dalil-export-{job.pk}"
    assert opened["reports"] == {archive.report_a.reference: {**CONTACT,
                                                              "consent": "the family consented to be contacted"}}
    case_a = json.loads((bag / "data/cases" / f"{archive.case_a.pk}.json").read_text())
    pointer = case_a["missing_person_reports"][0]["report"]["reporter_contact"]
    assert pointer["encrypted"] == "data/contacts.age" and pointer["report"] == archive.report_a.reference
    assert case_a["missing_person_reports"][0]["report"]["missing_person"]["name_ar"] == "سامر الحموي"
    assert "data/contacts.age" in (bag / "manifest-sha256.txt").read_text()
    assert package(bag)["contacts"]["mode"] == "encrypted" and package(bag)["contacts"]["count"] == 1


def test_a_wrong_key_does_not_open_them(archive, tmp_path, identity):
    _, bag = export(tmp_path, archive, recipient_keys=[str(identity.to_public())], contacts_allowed=True)
    stranger = pyrage.x25519.Identity.generate()
    with pytest.raises(pyrage.DecryptError):
        contacts.open_package_contacts((bag / "data/contacts.age").read_bytes(), [str(stranger)])


def test_the_package_still_validates_and_checks_without_the_key(archive, tmp_path, identity, capsys):
    _, bag = export(tmp_path, archive, recipient_keys=[str(identity.to_public())], contacts_allowed=True)
    bagit.Bag(str(bag)).validate()
    call_command("validate_bag", str(bag))
    assert "VALID" in capsys.readouterr().out
    result = run_tool(bag / "data/verify/check_package.py", bag)  # the recipient's machine: no key, no dalil
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_readme_says_how_to_open_them_and_its_python_command_works(archive, tmp_path, identity):
    _, bag = export(tmp_path, archive, recipient_keys=[str(identity.to_public())], contacts_allowed=True)
    english, arabic = (bag / "README.txt").read_text(), (bag / "README.ar.txt").read_text()
    for text in (english, arabic):
        assert "age -d -i key.txt data/contacts.age" in text and str(identity.to_public()) in text
    assert "بيانات الاتصال بالعائلات (مشفّرة)" in arabic
    (tmp_path / "key.txt").write_text(f"# created: now\n# public key: {identity.to_public()}\n{identity}\n")
    line = next(line.strip() for line in english.splitlines() if line.strip().startswith("python3 -c"))
    command = shlex.split(line.split(" > ")[0])
    command[0] = sys.executable  # the README's python3, with pyrage (this test's environment has it)
    os.symlink(bag / "data", tmp_path / "data")
    opened = subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=60, check=True).stdout
    assert json.loads(opened)["reports"][archive.report_a.reference]["phone"] == CONTACT["phone"]


def test_it_records_the_export_as_carrying_contacts_on_the_job_and_in_the_audit_log(archive, tmp_path, identity):
    key = str(identity.to_public())
    job, _ = export(tmp_path, archive, recipient_keys=[key], contacts_allowed=True)
    job.refresh_from_db()
    assert job.contact_details is True and job.contact_recipients == [key]
    package_row = AuditEvent.objects.get(action=bags.AUDIT_EXPORTED_CONTACT, target=f"export:{job.pk}")
    assert package_row.actor == "amal" and package_row.details["encrypted_to"] == [key]
    assert package_row.details["reports"] == 1
    assert AuditEvent.objects.filter(action=bags.AUDIT_EXPORTED_CONTACT, target=f"report:{archive.report_a.reference}",
                                     details__job=job.pk).exists()


def test_without_a_key_they_are_withheld_and_the_package_says_so(archive, tmp_path):
    job, bag = export(tmp_path, archive, contacts_allowed=True)
    everything = all_bytes(bag)
    assert not any(secret in everything for secret in contact_secrets())
    assert not (bag / "data/contacts.age").exists()
    assert "no recipient public key (age) was given" in " ".join((bag / "README.txt").read_text().split())
    assert "بيانات الاتصال بالعائلات (محجوبة)" in (bag / "README.ar.txt").read_text()
    assert job.summary["contacts"]["mode"] == "withheld" and job.summary["contacts"]["withheld"] == 1
    job.refresh_from_db()
    assert job.contact_details is False
    assert not AuditEvent.objects.filter(action=bags.AUDIT_EXPORTED_CONTACT).exists()
    bagit.Bag(str(bag)).validate()


def test_an_archivist_cannot_let_them_leave(archive, tmp_path, identity):
    key = str(identity.to_public())
    with pytest.raises(ExportRefused, match="may not export families' contact details"):
        export(tmp_path, archive, actor="huda", recipient_keys=[key], contacts_allowed=False)
    assert not ExportJob.objects.exists()
    job, bag = export(tmp_path, archive, actor="huda", contacts_allowed=False)
    assert "huda may not see contact details" in job.summary["contacts"]["reason"]
    assert "huda may not see contact details" in " ".join((bag / "README.txt").read_text().split())
    assert not any(secret in all_bytes(bag) for secret in contact_secrets())


def test_a_partner_package_refuses_a_key_it_has_no_use_for(archive, tmp_path, identity):
    with pytest.raises(ExportRefused, match="partner profile never includes contact details"):
        export(tmp_path, archive, profile="partner", recipient_keys=[str(identity.to_public())],
               contacts_allowed=True)


def test_a_secret_key_or_a_typo_is_refused_by_name(archive, tmp_path, identity):
    with pytest.raises(ExportRefused, match="that is a secret key: never send it"):
        export(tmp_path, archive, recipient_keys=[str(identity)], contacts_allowed=True)
    with pytest.raises(ExportRefused, match="is not an age public key"):
        export(tmp_path, archive, recipient_keys=["age1notakey"], contacts_allowed=True)
    assert not ExportJob.objects.exists()


def test_the_package_folder_on_the_server_is_private(archive, tmp_path, identity, settings):
    job, bag = export(tmp_path, archive, recipient_keys=[str(identity.to_public())], contacts_allowed=True)
    for path in [bag, *bag.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


# ---------------------------------------------------------------- the command line


def test_the_command_encrypts_to_a_key_file_under_a_caseworkers_name(archive, tmp_path, identity, capsys):
    person("amal", Role.CASEWORKER)
    keys = tmp_path / "recipient.txt"
    keys.write_text(f"# ICC OTP, evidence unit\n{identity.to_public()}\n")
    out = tmp_path / "cli-bag"
    call_command("export", "bag", "--case", str(archive.case_a.pk), str(out), "--recipient-key-file", str(keys),
                 "--actor", "amal")
    printed = capsys.readouterr().out
    assert "1 report(s)' contact details in data/contacts.age, encrypted to 1 recipient key(s)" in printed
    opened = contacts.open_package_contacts((out / "data/contacts.age").read_bytes(), [str(identity)])
    assert opened["reports"][archive.report_a.reference]["email"] == CONTACT["email"]
    assert ExportJob.objects.get().contact_details is True


def test_the_command_refuses_a_key_without_a_staff_member_allowed_to_see_contacts(archive, tmp_path, identity,
                                                                                    capsys):
    person("huda", Role.ARCHIVIST)
    key = str(identity.to_public())
    for actor in ([], ["--actor", "huda"], ["--actor", "nobody"]):
        with pytest.raises(CommandError, match="leave only under the name of a staff member allowed to see them"):
            call_command("export", "bag", "--case", str(archive.case_a.pk), str(tmp_path / "x"), "--recipient-key",
                         key, *actor)
    with pytest.raises(CommandError, match="is not an age public key"):
        call_command("export", "bag", "--case", str(archive.case_a.pk), str(tmp_path / "x"), "--recipient-key",
                     "ssh-rsa AAAA", "--actor", "huda")
    assert not ExportJob.objects.exists()
    call_command("export", "bag", "--case", str(archive.case_a.pk), str(tmp_path / "y"), "--actor", "huda")
    assert "withheld: the families' contact details were withheld" in capsys.readouterr().out


# ---------------------------------------------------------------- the exports page


def client_for(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def test_an_admin_exports_contacts_encrypted_from_the_web(archive, tmp_path, identity):
    admin = person("rana", Role.ADMIN)
    client = client_for(admin)
    page = client.get(reverse("exports:jobs")).content.decode()
    assert 'name="recipient_key"' in page
    response = client.post(reverse("exports:create"), {"case": archive.case_a.pk, "profile": "prosecutor",
                                                       "recipient": "ICC OTP",
                                                       "recipient_key": str(identity.to_public())}, follow=True)
    assert "encrypted to the recipient&#x27;s key" in response.content.decode()
    job = ExportJob.objects.get()
    assert job.contact_details and job.requested_by == "rana"
    assert "with contact details (encrypted)" in response.content.decode()
    opened = contacts.open_package_contacts((bag_of(job) / "data/contacts.age").read_bytes(), [str(identity)])
    assert opened["reports"][archive.report_a.reference]["name"] == CONTACT["name"]
    bad = client.post(reverse("exports:create"), {"case": archive.case_a.pk, "profile": "prosecutor",
                                                  "recipient": "ICC OTP", "recipient_key": "age1typo"})
    assert bad.status_code == 400 and "is not an age public key" in bad.content.decode()


def bag_of(job) -> Path:
    return Path(job.output)


def test_an_archivists_web_export_withholds_them_with_a_sentence(archive, archivist, identity):
    client = client_for(archivist)
    page = client.get(reverse("exports:jobs")).content.decode()
    assert 'name="recipient_key"' not in page and "only a caseworker or an administrator may export them" in page
    response = client.post(reverse("exports:create"), {"case": archive.case_a.pk, "profile": "prosecutor",
                                                       "recipient": "ICC OTP",
                                                       "recipient_key": str(identity.to_public())}, follow=True)
    assert "were withheld: only a caseworker or an administrator may export them" in response.content.decode()
    job = ExportJob.objects.get()
    assert job.contact_details is False and job.summary["contacts"]["mode"] == "withheld"
    assert not any(secret in all_bytes(bag_of(job)) for secret in contact_secrets())
    exports = bag_of(job).parent.parent
    assert stat.S_IMODE(exports.stat().st_mode) == 0o700 and stat.S_IMODE(bag_of(job).parent.stat().st_mode) == 0o700
