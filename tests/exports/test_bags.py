"""`dalil export bag`: what a package holds under each profile, and that a recipient can check all of it alone."""

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import bagit
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from dalil.audit.models import AuditEvent
from dalil.evidence import custody, seals
from dalil.evidence.models import CustodyEvent, Item
from dalil.evidence.store import originals
from dalil.exports import bags, scope as scopes
from dalil.exports.bags import ExportRefused, export_bag
from dalil.exports.models import ExportJob
from dalil.ingest import synth
from tests.conftest import ROOT
from tests.exports.conftest import CONTACT, OTHER_CONTACT, SERIALS

pytestmark = pytest.mark.django_db
VERIFY_PROOF = ROOT / "tools" / "verify_proof.py"


def run_tool(*args) -> subprocess.CompletedProcess:
    """A recipient's machine: system Python, isolated (-I), nothing of dalil importable."""
    return subprocess.run(["python3", "-I", *map(str, args)], capture_output=True, text=True, timeout=120)


def package(bag: Path) -> dict:
    return json.loads((bag / "data" / "package.json").read_text())


def all_bytes(bag: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(bag.rglob("*")) if p.is_file())


def export(tmp_path, archive, profile="prosecutor", name="bag", **scope) -> tuple[ExportJob, Path]:
    kind, value = next(iter(scope.items()))
    resolved = {"case": scopes.for_case, "collection": scopes.for_collection, "query": scopes.for_query}[kind](value)
    out = tmp_path / name
    return export_bag(resolved, profile, "huda", out=out, recipient="ICC Office of the Prosecutor"), out


def test_it_exports_a_case_with_its_originals_byte_for_byte_in_a_valid_bag(archive, tmp_path):
    job, bag = export(tmp_path, archive, case=archive.case_a.pk)
    index = package(bag)
    shas = sorted(archive.case_a.photos.values_list("item__sha256", flat=True))
    assert [i["sha256"] for i in index["items"]] == shas
    for item in index["items"]:
        with originals().open(item["sha256"]) as stored:
            assert (bag / item["file"]).read_bytes() == stored.read()
    assert {p.name for p in bag.iterdir()} >= {"bagit.txt", "bag-info.txt", "manifest-sha256.txt",
                                               "manifest-sha512.txt", "tagmanifest-sha256.txt",
                                               "tagmanifest-sha512.txt", "README.txt", "README.ar.txt", "data"}
    loaded = bagit.Bag(str(bag))
    loaded.validate()  # every checksum, both algorithms
    assert set(loaded.algorithms) == {"sha256", "sha512"}
    assert loaded.info["External-Identifier"] == f"dalil-export-{job.pk}"
    assert loaded.info["Dalil-Export-Profile"] == "prosecutor"
    case = json.loads((bag / "data" / "cases" / f"{archive.case_a.pk}.json").read_text())
    assert case["numbers"] == {"branch": "215", "detainee_no": "", "exam_no": "1001"}
    meta = json.loads((bag / "data" / "metadata" / f"{shas[0]}.json").read_text())
    assert meta["photo"]["camera_serial"] in SERIALS and meta["numbers"]["exam_no"] == "1001"
    assert meta["derivation"]["thumbnail_sha256"]


def test_it_records_the_job_with_the_bags_hash_and_writes_custody_rows(archive, tmp_path):
    before = CustodyEvent.objects.count()
    job, bag = export(tmp_path, archive, case=archive.case_a.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.kind == "bag" and job.profile == "prosecutor" and job.requested_by == "huda"
    assert job.output == str(bag)
    assert job.output_sha256 == hashlib.sha256((bag / "tagmanifest-sha512.txt").read_bytes()).hexdigest()
    rows = list(CustodyEvent.objects.filter(seq__gt=before, action="exported"))
    items = {r.item_sha256 for r in rows if r.item_sha256}
    assert items == set(archive.case_a.photos.values_list("item__sha256", flat=True))
    summary_row = next(r for r in rows if not r.item_sha256)
    assert summary_row.details["output_sha256"] == job.output_sha256 and summary_row.details["job"] == job.pk
    assert custody.check_chain() == []


def test_every_proof_verifies_with_the_standalone_tool_and_the_whole_package_checks(archive, tmp_path):
    _, bag = export(tmp_path, archive, case=archive.case_a.pk)
    fingerprint = seals.Seal.objects.get().key_fingerprint
    assert (bag / "data/verify/verify_proof.py").read_bytes() == VERIFY_PROOF.read_bytes()
    for item in package(bag)["items"]:
        result = run_tool(VERIFY_PROOF, bag / item["file"], bag / item["proof"], "--fingerprint", fingerprint)
        assert result.returncode == 0 and result.stdout.startswith("VALID"), result.stdout
    result = run_tool(bag / "data/verify/check_package.py", bag, "--fingerprint", fingerprint)
    assert result.returncode == 0, result.stdout
    assert "2 files' inclusion proofs and seals verify" in result.stdout
    assert not list(bag.rglob("__pycache__")), "checking the bag must not write into it"
    wrong = run_tool(bag / "data/verify/check_package.py", bag, "--fingerprint", "SHA256:" + "ab" * 32)
    assert wrong.returncode == 1 and "not the expected" in wrong.stdout


def test_the_proofs_are_the_ones_the_archive_gives_one_by_one(archive):
    shas = [i.sha256 for i in Item.objects.all()]
    sealed, chosen = bags.sealed_collections(shas)
    for sha in shas:
        assert sealed[chosen[sha]].proof(sha) == seals.proof(sha, "caesar")


def test_the_custody_excerpt_lets_a_recipient_recompute_every_row(archive, tmp_path):
    _, bag = export(tmp_path, archive, case=archive.case_a.pk)
    log = bag / "data/custody/custody-log.jsonl"
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    actions = {r["action"] for r in rows}
    assert {"acquired", "ingested", "sealed"} <= actions
    shas = set(archive.case_a.photos.values_list("item__sha256", flat=True))
    assert {r["item_sha256"] for r in rows if r["item_sha256"]} <= shas | {""}
    for row in rows:
        event = CustodyEvent.objects.get(seq=row["seq"])
        assert custody.hash_of(event) == row["hash"]
    # An edited row is named by the checker (after fixing the manifests, as a forger would).
    rows[0]["actor"] = "someone else"
    log.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    _rehash(bag)
    result = run_tool(bag / "data/verify/check_package.py", bag)
    assert result.returncode == 1 and f"custody row #{rows[0]['seq']}" in result.stdout and "altered" in result.stdout


def _rehash(bag: Path) -> None:
    loaded = bagit.Bag(str(bag))
    loaded.save(manifests=True)


def test_it_exports_a_whole_collection_with_every_stored_file(archive, tmp_path):
    job, bag = export(tmp_path, archive, collection="caesar")
    index = package(bag)
    assert len(index["items"]) == Item.objects.count() == 4  # three photos and the text file
    assert len(index["cases"]) == 2
    bagit.Bag(str(bag)).validate()
    assert run_tool(bag / "data/verify/check_package.py", bag).returncode == 0
    assert job.scope == {"collection": "caesar"}


def test_it_exports_the_cases_a_query_selects(archive, tmp_path):
    job, bag = export(tmp_path, archive, query="branch=215 month=2013-05 category=detainee")
    index = package(bag)
    assert index["cases"] == [f"data/cases/{archive.case_a.pk}.json"]
    assert len(index["items"]) == 2
    assert job.scope == {"query": "branch=215 month=2013-05 category=detainee"}
    with pytest.raises(scopes.ScopeError, match="unknown query word 'colour'"):
        scopes.for_query("colour=red")
    with pytest.raises(scopes.ScopeError, match="no case with photos matches"):
        scopes.for_query("branch=999")
    with pytest.raises(scopes.ScopeError, match="not YYYY-MM"):
        scopes.for_query("month=May")


def test_a_prosecutor_gets_consented_reports_with_contact_details_and_the_death_status(archive, tmp_path):
    import pyrage

    from dalil.exports import contacts

    identity = pyrage.x25519.Identity.generate()
    resolved = scopes.for_collection("caesar")
    job = export_bag(resolved, "prosecutor", "huda", out=tmp_path / "bag", recipient="ICC Office of the Prosecutor",
                     recipient_keys=[str(identity.to_public())], contacts_allowed=True)
    bag = tmp_path / "bag"
    case_a = json.loads((bag / "data/cases" / f"{archive.case_a.pk}.json").read_text())
    case_b = json.loads((bag / "data/cases" / f"{archive.case_b.pk}.json").read_text())
    (entry,) = case_a["missing_person_reports"]
    assert entry["believed_dead"] is True and entry["state"] == "confirmed"
    assert entry["report"]["reporter_contact"]["encrypted"] == "data/contacts.age"  # tests/exports/test_contacts_…
    opened = contacts.open_package_contacts((bag / "data/contacts.age").read_bytes(), [str(identity)])
    assert opened["reports"][archive.report_a.reference]["phone"] == CONTACT["phone"]
    assert case_b["missing_person_reports"] == []  # that family did not consent: not even its existence leaves
    everything = all_bytes(bag)
    assert OTHER_CONTACT["phone"].encode() not in everything and archive.report_b.reference.encode() not in everything
    assert AuditEvent.objects.filter(action=bags.AUDIT_EXPORTED_CONTACT, target=f"report:{archive.report_a.reference}",
                                     details__job=job.pk).exists()


def test_a_partner_package_has_no_serial_number_contact_or_death_status_anywhere(archive, tmp_path):
    job, bag = export(tmp_path, archive, profile="partner", collection="caesar")
    everything = all_bytes(bag)
    for secret in SERIALS + list(CONTACT.values()) + list(OTHER_CONTACT.values()):
        assert secret.encode() not in everything, secret
    for word in [b"believed_dead", b"confirmed", b"BodySerialNumber"] + [c.software.encode() for c in synth.CAMERAS]:
        assert word not in everything, word
    bagit.Bag(str(bag)).validate()
    index = package(bag)
    photos = [i for i in index["items"] if i["media_type"] == "image/jpeg"]
    assert len(photos) == 3 and all(i["file"].startswith("data/redacted/") for i in photos)
    text = next(i for i in index["items"] if i["media_type"] == "text/plain")
    assert "withheld" in text and "file" not in text
    assert job.summary["withheld_items"] == [text["sha256"]]
    case_a = json.loads((bag / "data/cases" / f"{archive.case_a.pk}.json").read_text())
    assert case_a["missing_person_reports"][0]["report"]["missing_person"]["name_ar"] == "سامر الحموي"
    assert "reporter_contact" not in case_a["missing_person_reports"][0]["report"]
    for item in photos:  # the picture itself is untouched
        with originals().open(item["sha256"]) as stored:
            original = Image.open(io.BytesIO(stored.read()))
            copy = Image.open(bag / item["file"])
            assert copy.tobytes() == original.tobytes() and not copy.getexif()
    result = run_tool(bag / "data/verify/check_package.py", bag)
    assert result.returncode == 0 and "3 files' inclusion proofs and seals verify" in result.stdout, result.stdout
    assert set(CustodyEvent.objects.filter(action="exported", details__job=job.pk).exclude(item_sha256="")
               .values_list("item_sha256", flat=True)) == {i["sha256"] for i in photos}


def test_the_public_profile_refuses_to_make_a_package(archive, tmp_path):
    with pytest.raises(ExportRefused, match="aggregates only"):
        export(tmp_path, archive, profile="public", case=archive.case_a.pk)
    assert not (tmp_path / "bag").exists() and not ExportJob.objects.exists()


def test_it_refuses_to_export_what_is_not_sealed(unsealed_archive, tmp_path):
    with pytest.raises(ExportRefused, match=r"seal the collection first \(`dalil seal --collection caesar`\)"):
        export(tmp_path, unsealed_archive, case=unsealed_archive.case_a.pk)
    assert not ExportJob.objects.exists()


def test_it_refuses_a_folder_that_is_not_empty(archive, tmp_path):
    (tmp_path / "bag").mkdir()
    (tmp_path / "bag" / "keep.txt").write_text("mine")
    with pytest.raises(ExportRefused, match="not an empty folder"):
        export(tmp_path, archive, case=archive.case_a.pk)
    assert (tmp_path / "bag" / "keep.txt").read_text() == "mine"


def test_a_failure_leaves_no_half_bag_and_marks_the_job_failed(archive, tmp_path, monkeypatch):
    def broken(ctx):
        raise OSError("disk full")

    monkeypatch.setattr(bags.readme, "arabic", broken)
    before = CustodyEvent.objects.count()
    with pytest.raises(OSError, match="disk full"):
        export(tmp_path, archive, case=archive.case_a.pk)
    job = ExportJob.objects.get()
    assert job.status == "failed" and "disk full" in job.error and job.finished_at
    assert list(tmp_path.glob("*bag*")) == []  # neither the bag nor its hidden partial folder
    assert CustodyEvent.objects.count() == before


def test_a_changed_stored_file_stops_the_export(archive, tmp_path, settings):
    sha = archive.case_a.photos.first().item.sha256
    path = Path(settings.STORE_URL) / sha[:2] / sha[2:4] / sha
    path.chmod(0o644)
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(Exception, match="has changed"):
        export(tmp_path, archive, case=archive.case_a.pk)
    assert ExportJob.objects.get().status == "failed" and not (tmp_path / "bag").exists()


def test_the_command_exports_and_refuses_in_sentences(archive, tmp_path, capsys):
    out = tmp_path / "cli-bag"
    call_command("export", "bag", "--case", str(archive.case_a.pk), str(out), "--recipient", "IIIM", "--actor", "huda")
    printed = capsys.readouterr().out
    job = ExportJob.objects.get()
    assert f"export job {job.pk} done" in printed and job.output_sha256 in printed and job.recipient == "IIIM"
    with pytest.raises(CommandError, match="aggregates only"):
        call_command("export", "bag", "--collection", "caesar", str(tmp_path / "p"), "--profile", "public")
    with pytest.raises(CommandError, match="there is no case 999"):
        call_command("export", "bag", "--case", "999", str(tmp_path / "x"))


def test_a_tampered_bag_fails_validate_bag_and_the_checker_naming_the_file(archive, tmp_path, capsys):
    _, bag = export(tmp_path, archive, case=archive.case_a.pk)
    call_command("validate_bag", str(bag))
    assert "VALID" in capsys.readouterr().out
    victim = bag / package(bag)["items"][0]["file"]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="1 of 1 bag"):
        call_command("validate_bag", str(bag))
    out = capsys.readouterr().out
    assert "INVALID" in out and victim.name in out
    result = run_tool(bag / "data/verify/check_package.py", bag)
    assert result.returncode == 1 and f"{victim.relative_to(bag).as_posix()} has changed" in result.stdout


def test_the_readme_tells_the_recipient_how_to_check_in_english_and_arabic(archive, tmp_path):
    job, bag = export(tmp_path, archive, case=archive.case_a.pk)
    fingerprint = seals.Seal.objects.get().key_fingerprint
    english, arabic = (bag / "README.txt").read_text(), (bag / "README.ar.txt").read_text()
    for text in (english, arabic):
        assert "python3 data/verify/check_package.py . --fingerprint " + fingerprint in text
        assert "sha256sum -c manifest-sha256.txt" in text and f"dalil-export-{job.pk}" in text
    assert "prev_hash" in english and "سجل حفظ الأدلة" in arabic


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_it_writes_into_an_empty_folder_the_archivist_made(archive, tmp_path):
    (tmp_path / "bag").mkdir()
    _, bag = export(tmp_path, archive, case=archive.case_a.pk)
    bagit.Bag(str(bag)).validate()


def test_a_job_whose_process_was_killed_is_marked_interrupted_and_its_half_bag_removed(archive, tmp_path):
    import socket

    from django.test import Client
    from django.urls import reverse

    from tests.exports.conftest import person

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a process id that no longer exists, as after a SIGKILL mid-export
    out = tmp_path / "killed-bag"
    partial = tmp_path / ".killed-bag.partial-x1y2"
    (partial / "data").mkdir(parents=True)
    (partial / "data" / "half.jpg").write_bytes(b"\xff\xd8half")
    killed = ExportJob.objects.create(kind="bag", profile="prosecutor", scope={"case": archive.case_a.pk},
                                      requested_by="rana", output=str(out), worker=f"{socket.gethostname()}:{dead.pid}")
    elsewhere = ExportJob.objects.create(kind="bag", profile="prosecutor", scope={}, requested_by="rana",
                                         output=str(tmp_path / "other"), worker="another-host:1")
    alive = ExportJob.objects.create(kind="bag", profile="prosecutor", scope={}, requested_by="rana",
                                     output=str(tmp_path / "live"), worker=f"{socket.gethostname()}:{os.getpid()}")
    # The exports page tells the truth about it...
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(person("rana9", "archivist"))
    assert page.get(reverse("exports:jobs")).status_code == 200
    killed.refresh_from_db()
    assert killed.status == "failed" and killed.error.startswith("interrupted") and killed.finished_at
    assert not partial.exists()
    # ...and the next export goes ahead; jobs of another machine or of a live process are left alone.
    job, bag = export(tmp_path, archive, case=archive.case_a.pk)
    assert job.status == "done" and bagit.Bag(str(bag)).is_valid()
    assert ExportJob.objects.get(pk=elsewhere.pk).status == ExportJob.objects.get(pk=alive.pk).status == "running"
