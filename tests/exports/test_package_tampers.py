"""The recipient's checker against a tamperer who also rewrites the bag's manifests (issue 10, defect 13).

Each test edits an exported package as the examiner did, then regenerates every
manifest and tag manifest with bagit-python, so that the BagIt layer alone says
nothing is wrong. `check_package.py` must still refuse the package and name
what changed. A tamperer who re-signs everything with a key of their own passes
only the package's self-consistency: the fingerprint or the package hash that
the archive gives separately catches them.
"""

import hashlib
import json
import shutil
from pathlib import Path

import bagit
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from dalil.evidence.models import Seal
from tests.exports.test_bags import export, package, run_tool

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(archive, tmp_path):
    job, bag = export(tmp_path, archive, collection="caesar")
    return job, bag, Seal.objects.get().key_fingerprint


def check(bag: Path, *args: str):
    return run_tool(bag / "data/verify/check_package.py", bag, *args)


def remanifest(bag: Path) -> None:
    """What a tamperer does after editing: new manifests and tag manifests, so bagit itself finds nothing."""
    bagit.Bag(str(bag)).save(manifests=True)
    bagit.Bag(str(bag)).validate()


def custody_rows(bag: Path) -> list[dict]:
    return [json.loads(line) for line in (bag / "data/custody/custody-log.jsonl").read_text().splitlines()]


def write_custody(bag: Path, rows: list[dict]) -> None:
    (bag / "data/custody/custody-log.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                                                for r in rows))


def row_hash(row: dict) -> str:
    body = {k: row[k] for k in ("seq", "action", "actor", "at", "collection", "item_sha256", "details", "prev_hash")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode()).hexdigest()


def test_an_untouched_package_passes_with_the_fingerprint_and_with_the_package_hash(exported):
    job, bag, fingerprint = exported
    by_key = check(bag, "--fingerprint", fingerprint)
    assert by_key.returncode == 0, by_key.stdout
    assert "1 seal(s) verify" in by_key.stdout and "NOT TIED" not in by_key.stdout
    by_hash = check(bag, "--package-sha256", job.output_sha256)
    assert by_hash.returncode == 0 and job.output_sha256 in by_hash.stdout, by_hash.stdout
    alone = check(bag)
    assert alone.returncode == 0 and "NOT TIED TO THE ARCHIVE" in alone.stdout


def test_it_catches_an_edited_metadata_file_with_rewritten_manifests(exported):
    job, bag, fingerprint = exported
    meta = sorted((bag / "data/metadata").glob("*.json"))[0]
    record = json.loads(meta.read_text())
    record["size"] = record["size"] + 1
    meta.write_text(json.dumps(record))
    remanifest(bag)
    result = check(bag, "--fingerprint", fingerprint)
    assert result.returncode == 1 and "manifest-sha256.txt has changed since the archive signed" in result.stdout
    assert check(bag, "--package-sha256", job.output_sha256).returncode == 1


def test_it_catches_a_zeroed_seal_signature(exported):
    _, bag, fingerprint = exported
    seal_file = next((bag / "data/seal").glob("*.json"))
    record = json.loads(seal_file.read_text())
    record["signature"] = "00" * 64
    seal_file.write_text(json.dumps(record))
    remanifest(bag)
    result = check(bag, "--fingerprint", fingerprint)
    assert result.returncode == 1
    assert f"data/seal/{seal_file.name}: the signature does not verify" in result.stdout, result.stdout


def test_it_catches_a_custody_row_edited_with_every_hash_recomputed(exported):
    _, bag, fingerprint = exported
    rows = custody_rows(bag)
    rows[0]["actor"] = "someone else"
    for i, row in enumerate(rows):  # the whole chain recomputed, as a careful forger would
        if i and row["seq"] == rows[i - 1]["seq"] + 1:
            row["prev_hash"] = rows[i - 1]["hash"]
        row["hash"] = row_hash(row)
    write_custody(bag, rows)
    remanifest(bag)
    result = check(bag, "--fingerprint", fingerprint)
    assert result.returncode == 1 and "has changed since the archive signed" in result.stdout, result.stdout


def test_it_catches_a_deleted_custody_row(exported):
    _, bag, fingerprint = exported
    rows = custody_rows(bag)
    write_custody(bag, rows[:-1])
    remanifest(bag)
    result = check(bag, "--fingerprint", fingerprint)
    assert result.returncode == 1
    assert f"holds {len(rows) - 1} custody rows, but the package index says {len(rows)}" in result.stdout


def test_it_catches_an_item_relabelled_withheld_and_removed(exported):
    _, bag, fingerprint = exported
    index = package(bag)
    item = next(i for i in index["items"] if "file" in i)
    (bag / item["file"]).unlink()
    item.pop("file")
    item["withheld"] = "not for this recipient"
    (bag / "data/package.json").write_text(json.dumps(index))
    remanifest(bag)
    result = check(bag, "--fingerprint", fingerprint)
    assert result.returncode == 1 and "has changed since the archive signed" in result.stdout


def test_it_catches_a_file_added_to_the_originals_but_not_to_the_index(exported):
    _, bag, fingerprint = exported
    original = next((bag / "data/originals").rglob("*.jpg"))
    shutil.copy(original, original.with_name("extra.jpg"))
    remanifest(bag)
    result = check(bag, "--fingerprint", fingerprint)
    assert result.returncode == 1 and "extra.jpg is in the package but not in its index" in result.stdout


def test_a_package_re_signed_with_another_key_passes_alone_but_not_against_the_archive(exported):
    job, bag, fingerprint = exported
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    public, forged_fp = raw.hex(), "SHA256:" + hashlib.sha256(raw).hexdigest()
    meta = sorted((bag / "data/metadata").glob("*.json"))[0]
    meta.write_text(meta.read_text().replace('"size"', '"size_forged"', 1))
    # Re-sign the seal and every proof's copy of it with the forger's key.
    seal_file = next((bag / "data/seal").glob("*.json"))
    seal = json.loads(seal_file.read_text())
    seal.update(signature=key.sign(seal["statement"].encode()).hex(), public_key=public, key_fingerprint=forged_fp)
    seal_file.write_text(json.dumps(seal))
    for proof_file in (bag / "data/proofs").glob("*.json"):
        proof = json.loads(proof_file.read_text())
        proof["seal"].update(signature=seal["signature"], public_key=public, key_fingerprint=forged_fp)
        proof_file.write_text(json.dumps(proof))
    bagit.Bag(str(bag)).save(manifests=True)
    signed = json.loads((bag / "package-signature.json").read_text())
    statement = json.loads(signed["statement"])
    statement["manifests"] = {n: hashlib.sha256((bag / n).read_bytes()).hexdigest()
                              for n in ("manifest-sha256.txt", "manifest-sha512.txt")}
    text = json.dumps(statement, sort_keys=True, separators=(",", ":"))
    signed.update(statement=text, signature=key.sign(text.encode()).hex(), public_key=public)
    (bag / "package-signature.json").write_text(json.dumps(signed))
    bagit.Bag(str(bag)).save(manifests=False)  # tag manifests only
    alone = check(bag)
    assert alone.returncode == 0 and "NOT TIED TO THE ARCHIVE" in alone.stdout, alone.stdout
    assert forged_fp in alone.stdout and fingerprint not in alone.stdout
    by_key = check(bag, "--fingerprint", fingerprint)
    assert by_key.returncode == 1 and "not the expected" in by_key.stdout
    by_hash = check(bag, "--package-sha256", job.output_sha256)
    assert by_hash.returncode == 1 and "not the package the archive described" in by_hash.stdout
