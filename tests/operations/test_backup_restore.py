"""The restore drill with the real commands, as CI runs it on SQLite and PostgreSQL: `dalil backup`, `dalil restore`
into an empty instance, `dalil verify`; and a backup killed, tampered with, or restored where it must not be."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from tests.conftest import ROOT, dalil
from tests.operations.conftest import (PATTERN, archive, backup_objects, ingest, query, seal_roots,
                                       store_objects)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def backup(original, tmp_path_factory):
    """A backup of the original instance, without keys."""
    out = tmp_path_factory.mktemp("backups") / "plain"
    proc = dalil(original, "backup", str(out), "--json", check=True)
    return out, json.loads(proc.stdout)


def every_byte(out: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in out.rglob("*") if p.is_file())


def key_material(env: dict) -> list[bytes]:
    """The instance's secrets as they could appear in a file: text, PEM body and raw private key."""
    keys = Path(env["DALIL_HOME"]) / "keys"
    pem = (keys / "seal-ed25519.pem").read_bytes()
    private = serialization.load_pem_private_key(pem, password=None)
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    body = b"".join(pem.strip().splitlines()[1:-1])
    return [body, raw, (keys / "encryption-key").read_bytes().strip(), (keys / "django-secret-key").read_bytes().strip()]


def test_it_restores_a_backup_into_an_empty_instance_that_verifies_with_the_same_seal_roots(
        original, env_factory, tmp_path, passphrase_file):
    out = tmp_path / "backup"
    made = dalil(original, "backup", str(out), "--with-keys", "--passphrase-file", str(passphrase_file), "--json",
                 check=True)
    summary = json.loads(made.stdout)
    assert summary["keys"] and summary["copied"] > 30 and summary["present"] == 0
    assert [(s["collection"], s["root"], s["tree_size"]) for s in summary["seals"]] == seal_roots(original)
    clear = every_byte(out)
    assert not [secret for secret in key_material(original) if secret in clear], "a key is in clear in the backup"

    target = env_factory()
    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase at all\n")
    refused = dalil(target, "restore", str(out), "--passphrase-file", str(wrong))
    assert refused.returncode == 1 and "passphrase does not open" in refused.stderr
    assert not store_objects(target)

    restored = dalil(target, "restore", str(out), "--passphrase-file", str(passphrase_file), "--json", check=True)
    assert json.loads(restored.stdout)["seals_match_backup"]
    verified = dalil(target, "verify", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["ok"]
    assert seal_roots(target) == seal_roots(original) != []
    assert store_objects(target) == store_objects(original)
    assert store_objects(target, "derivatives") == store_objects(original, "derivatives")
    for name in ("seal-ed25519.pem", "encryption-key", "django-secret-key"):
        assert (Path(target["DALIL_HOME"]) / "keys" / name).read_bytes() == \
            (Path(original["DALIL_HOME"]) / "keys" / name).read_bytes(), name


def test_it_backs_up_keys_only_when_asked(original, backup):
    out, summary = backup
    assert not summary["keys"] and not list(out.rglob("keys.age"))
    assert json.loads((out / "MANIFEST.json").read_text())["keys"] == ""
    clear = every_byte(out)
    assert not [secret for secret in key_material(original) if secret in clear]
    assert (out / summary["snapshot"] / "custody-anchors.txt").exists()  # the anchors are not secret


def test_it_completes_a_killed_backup_without_copying_anything_twice(original, tmp_path):
    out = tmp_path / "backup"
    exe = str(Path(sys.executable).with_name("dalil"))
    # Slowed to 1 MiB/s, one file at a time, so that it is surely killed midway.
    proc = subprocess.Popen([exe, "backup", str(out), "--limit-rate", "1M", "--workers", "1"], env=original,
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 90
    while proc.poll() is None and time.monotonic() < deadline and len(backup_objects(out)) < 10:
        time.sleep(0.05)
    assert proc.poll() is None, "the backup finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    placed = backup_objects(out)
    assert len(placed) >= 10 and not (out / "MANIFEST.json").exists()
    refused = dalil(original, "restore", str(out), "--check")
    assert refused.returncode == 1 and "not a complete backup" in refused.stderr

    finished = json.loads(dalil(original, "backup", str(out), "--json", check=True).stdout)
    listed = [p for p in json.loads((out / "MANIFEST.json").read_text())["files"] if p.startswith(("store/", "deriv"))]
    assert finished["present"] == len(placed) and finished["copied"] == len(listed) - len(placed)
    assert {p: backup_objects(out)[p] for p in placed} == placed  # the same files, not written again
    assert not list(out.rglob(".partial-*")) and len(list((out / "snapshots").iterdir())) == 1
    assert dalil(original, "restore", str(out), "--check", check=True).stdout.startswith("OK")


def test_it_names_a_tampered_file_and_restores_nothing(original, backup, env_factory, tmp_path):
    out = tmp_path / "tampered"
    shutil.copytree(backup[0], out)
    victim = sorted((out / "store").glob("??/??/*"))[3]
    victim.chmod(0o600)
    victim.write_bytes(victim.read_bytes() + b"\0")
    target = env_factory()
    proc = dalil(target, "restore", str(out))
    assert proc.returncode == 1
    assert str(victim) in proc.stderr and "has changed since the backup was made" in proc.stderr
    assert not store_objects(target) and query(target, "SELECT count(*) FROM evidence_item") == [(0,)]


def test_it_refuses_to_restore_into_an_instance_that_is_not_empty(original, backup):
    proc = dalil(original, "restore", str(backup[0]))
    assert proc.returncode == 1
    assert f"the instance at DALIL_HOME={original['DALIL_HOME']}" in proc.stderr and "is not empty" in proc.stderr


def test_it_copies_only_new_files_next_time_even_while_ingest_writes(env_factory, tmp_path):
    instance = env_factory()
    ingest(instance, archive(tmp_path / "a", seed=21, bodies=2))
    out = tmp_path / "backup"
    first = json.loads(dalil(instance, "backup", str(out), "--json", check=True).stdout)
    before = backup_objects(out)
    assert first["copied"] == len(before) and first["present"] == 0

    # A new batch is being ingested while the next backup runs: that backup copies only what is new, and is of
    # one moment, which restores to an instance that verifies.
    exe = str(Path(sys.executable).with_name("dalil"))
    photos = archive(tmp_path / "b", seed=22, bodies=6)
    baseline = sightings(instance)
    writer = subprocess.Popen([exe, "ingest", str(photos), "--collection", "caesar", "--pattern", PATTERN,
                               "--workers", "1"], env=instance, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while writer.poll() is None and time.monotonic() < deadline and sightings(instance) <= baseline:
        time.sleep(0.05)
    assert writer.poll() is None, "ingest ended before the backup began; give it more photos"
    second = json.loads(dalil(instance, "backup", str(out), "--json", check=True).stdout)
    writer.wait(timeout=120)
    after = backup_objects(out)
    assert second["present"] == len(before) and second["copied"] == len(after) - len(before) > 0
    assert {p: after[p] for p in before} == before  # not one of them written again

    target = env_factory()
    assert json.loads(dalil(target, "restore", str(out), "--json", check=True).stdout)["restored"] > 0
    keys = Path(target["DALIL_HOME"]) / "keys"  # kept apart from the backup, as on a server (docs/operations.md)
    shutil.copy(Path(instance["DALIL_HOME"]) / "keys" / "seal-ed25519.pem", keys / "seal-ed25519.pem")
    verified = dalil(target, "verify", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # The restored database is the snapshot's moment (then verify's own custody row).
    assert query(target, "SELECT max(seq) FROM evidence_custodyevent")[0][0] == second["custody_rows"] + 1


def sightings(env: dict) -> int:
    try:
        return query(env, "SELECT count(*) FROM evidence_sighting")[0][0]
    except Exception:  # the database is busy for a moment
        return 0
