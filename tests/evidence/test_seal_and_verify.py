"""Seals, inclusion proofs checked by the standalone verifier, and verify catching tampering."""

import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from dalil.evidence import seals
from dalil.evidence.models import CustodyEvent, Item, Seal
from dalil.evidence.store import LocalStore
from dalil.evidence.verify import verify
from tests.conftest import ROOT
from tests.ingest.helpers import jpeg_bytes, run, write

pytestmark = pytest.mark.django_db
VERIFIER = ROOT / "tools" / "verify_proof.py"


@pytest.fixture
def sealed(instance, tmp_path):
    for i in range(5):
        write(tmp_path / "src" / f"{i}.jpg", jpeg_bytes(i))
    run(tmp_path / "src", collection="caesar")
    return seals.seal("caesar", "archivist"), tmp_path / "src"


def check_proof(file, proof, *extra):
    path = file.parent.parent / "proof.json"
    path.write_text(json.dumps(proof))
    return subprocess.run([sys.executable, "-I", str(VERIFIER), str(file), str(path), *extra],
                          capture_output=True, text=True)


def test_it_seals_every_stored_file_and_logs_it(sealed):
    record, _ = sealed
    assert record.tree_size == 5 and record.key_fingerprint.startswith("SHA256:")
    assert CustodyEvent.objects.filter(action="sealed", details__root=record.root).count() == 1
    assert seals.check_seal(record) == []


def test_it_proves_a_file_to_the_standalone_verifier(sealed):
    record, src = sealed
    file = src / "3.jpg"
    sha = Item.objects.get(sightings__path="3.jpg").sha256
    result = check_proof(file, seals.proof(sha), "--fingerprint", record.key_fingerprint)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("VALID")


def test_the_verifier_rejects_another_file_with_the_same_proof(sealed):
    _, src = sealed
    sha = Item.objects.get(sightings__path="3.jpg").sha256
    result = check_proof(src / "4.jpg", seals.proof(sha))
    assert result.returncode == 1 and result.stdout.startswith("INVALID")


def test_it_refuses_a_proof_for_a_file_stored_after_the_seal(sealed, tmp_path):
    write(tmp_path / "src" / "late.jpg", jpeg_bytes(99))
    run(tmp_path / "src", collection="caesar")
    late = Item.objects.get(sightings__path="late.jpg").sha256
    with pytest.raises(seals.SealError, match="not yet in any seal"):
        seals.proof(late)


def test_verify_passes_on_an_untouched_instance(sealed):
    report = verify("caesar")
    assert report.ok, report.problems
    assert report.items_checked == 5 and report.seals_checked == 1


def store_path(sha):
    from dalil.evidence.store import originals

    store = originals()
    assert isinstance(store, LocalStore)
    return store.path(sha)


def test_verify_names_a_file_with_one_flipped_bit(sealed):
    item = Item.objects.get(sightings__path="2.jpg")
    path = store_path(item.sha256)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    report = verify("caesar")
    assert not report.ok
    assert any(item.sha256 in p and "2.jpg" in p and "has changed" in p for p in report.problems)


def test_verify_names_a_missing_file(sealed):
    item = Item.objects.get(sightings__path="1.jpg")
    store_path(item.sha256).unlink()
    report = verify("caesar")
    assert [p for p in report.problems if "missing from the store" in p and item.sha256 in p]


def test_verify_names_an_altered_seal(sealed):
    from django.db import connection

    record, _ = sealed
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER evidence_seal_no_update")
        else:
            cursor.execute("ALTER TABLE evidence_seal DISABLE TRIGGER evidence_seal_append_only")
        cursor.execute("UPDATE evidence_seal SET statement = REPLACE(statement, '\"tree_size\":5', '\"tree_size\":4')")
    report = verify("caesar")
    assert any("signature does not verify" in p for p in report.problems)


def test_the_verify_command_exits_non_zero_and_names_the_problem(sealed, capsys):
    item = Item.objects.get(sightings__path="0.jpg")
    store_path(item.sha256).unlink()
    with pytest.raises(SystemExit) as exit_:
        call_command("verify", "--collection", "caesar")
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert item.sha256 in out and "FAILED" in out
    assert CustodyEvent.objects.filter(action="verified", details__ok=False).exists()
