"""The parts of backup and restore that need no database: copying a store, the manifest, anchors, tools, keys."""

import time
from pathlib import Path

import pytest

from dalil.evidence.store import LocalStore
from dalil.operations import database, keyfiles, manifest
from dalil.operations.copying import RateLimit, back_up_store, remove_partials, restore_store
from dalil.operations.manifest import BackupError, object_path
from dalil.operations.restore import anchors_as_of


@pytest.fixture
def store(tmp_path):
    return LocalStore(tmp_path / "store", fsync=False)


def put(store, count, start=0):
    return [store.put_bytes(f"object {i}".encode() * 1000) for i in range(start, start + count)]


def test_it_copies_only_objects_not_yet_in_the_backup(store, tmp_path):
    first = put(store, 5)
    out = tmp_path / "out"
    once = back_up_store(store, "store", out)
    assert (once.copied, once.present) == (5, 0)
    added = put(store, 3, start=5)
    again = back_up_store(store, "store", out)
    assert (again.copied, again.present) == (3, 5)
    assert again.bytes_copied == sum(len(f"object {i}".encode() * 1000) for i in range(5, 8))
    assert set(again.files) == {object_path("store", sha) for sha in first + added}
    assert all(e["sha256"] == Path(p).name for p, e in again.files.items())


def test_it_never_places_an_object_whose_bytes_do_not_hash_to_its_name(store, tmp_path):
    sha = put(store, 1)[0]
    path = store.path(sha)
    path.chmod(0o600)
    path.write_bytes(b"rewritten behind dalil's back")
    result = back_up_store(store, "store", tmp_path / "out")
    assert result.copied == 0 and sha in result.problems[0] and "dalil verify" in result.problems[0]
    assert not (tmp_path / "out" / object_path("store", sha)).exists()


def test_it_copies_again_a_rotted_backup_file_when_asked_to_rehash(store, tmp_path):
    sha = put(store, 1)[0]
    out = tmp_path / "out"
    back_up_store(store, "store", out)
    copy = out / object_path("store", sha)
    copy.chmod(0o600)
    copy.write_bytes(b"bit rot")
    assert back_up_store(store, "store", out).present == 1  # trusted by its name without --rehash
    repaired = back_up_store(store, "store", out, rehash=True)
    assert (repaired.repaired, repaired.copied) == (1, 1)
    assert manifest.hash_file(copy)[0] == sha


def test_it_removes_the_half_copied_files_a_killed_run_left(store, tmp_path):
    sha = put(store, 1)[0]
    out = tmp_path / "out"
    half = out / "store" / sha[:2] / sha[2:4] / f".partial-{sha}-1-2"
    half.parent.mkdir(parents=True)
    half.write_bytes(b"half")
    assert remove_partials(out, "store") == 1 and not half.exists()


def test_it_names_each_file_that_differs_from_the_manifest(store, tmp_path):
    shas = put(store, 3)
    out = tmp_path / "out"
    files = back_up_store(store, "store", out).files
    manifest.write(out, {"files": files})
    changed, missing = (out / object_path("store", shas[0])), (out / object_path("store", shas[1]))
    changed.chmod(0o600)
    changed.write_bytes(b"tampered")
    missing.unlink()
    problems, _ = manifest.check(out, manifest.require(out))
    assert len(problems) == 2
    assert any(str(changed) in p and "has changed" in p for p in problems)
    assert any(str(missing) in p and "missing" in p for p in problems)


def test_it_says_a_folder_without_a_manifest_is_not_a_complete_backup(tmp_path):
    (tmp_path / "store").mkdir()
    with pytest.raises(BackupError, match="not a complete backup.*dalil backup"):
        manifest.require(tmp_path)


def test_it_restores_objects_through_the_store_and_leaves_out_those_after_the_snapshot(store, tmp_path):
    shas = put(store, 3)
    out = tmp_path / "out"
    files = back_up_store(store, "store", out).files
    target = LocalStore(tmp_path / "target", fsync=False)
    result = restore_store(target, "store", out, files, skip={shas[2]})
    assert result.copied == 2 and set(target.shas()) == set(shas[:2])
    assert restore_store(target, "store", out, files, skip={shas[2]}).present == 2  # a stopped restore, run again


def test_it_keeps_the_anchor_lines_of_the_rows_the_snapshot_holds_byte_for_byte():
    lines = [b"2025-01-01T00:00:00Z 3 " + b"a" * 64 + b" 1 " + b"b" * 128 + b"\n",
             b"2025-01-01T00:00:01Z 5 " + b"c" * 64 + b" 4 " + b"d" * 128 + b"\n",
             b"2025-01-01T00:00:02Z 9 " + b"e" * 64 + b" 6 " + b"f" * 128 + b"\n"]
    kept, left_out = anchors_as_of(b"".join(lines), custody_rows=5)
    assert kept == lines[0] + lines[1] and left_out == 1


def fake_tool(folder: Path, name: str, version: str) -> None:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
    path.chmod(0o755)


def test_it_says_what_to_install_when_pg_dump_is_missing(settings, tmp_path):
    settings.PG_BINDIR = str(tmp_path)
    with pytest.raises(BackupError, match=r"pg_dump was not found in DALIL_PG_BINDIR.*postgresql-client-16"):
        database.pg_tool("pg_dump", 16)


def test_it_refuses_a_pg_dump_of_another_major_version_than_the_server(settings, tmp_path):
    fake_tool(tmp_path / "bin", "pg_dump", "14.11 (Debian 14.11-1)")
    settings.PG_BINDIR = str(tmp_path / "bin")
    with pytest.raises(BackupError, match=r"PostgreSQL 14's but the server runs PostgreSQL 16"):
        database.pg_tool("pg_dump", 16)
    assert database.pg_tool("pg_dump", 14) == str(tmp_path / "bin" / "pg_dump")


def test_it_holds_the_copy_to_the_rate_asked_for():
    limit = RateLimit(4 * 1024 * 1024)
    started = time.monotonic()
    for _ in range(8):
        limit.take(256 * 1024)  # 2 MiB at 4 MiB/s
    assert time.monotonic() - started >= 0.45


def test_it_encrypts_the_keys_so_only_the_passphrase_opens_them(tmp_path):
    payload = {"format": keyfiles.FORMAT, "signing_key_pem": "-----BEGIN PRIVATE KEY-----\nMC4CAQ\n",
               "encryption_keys": "fernet-key-صالح", "secret_key": "django-secret"}
    blob = keyfiles.encrypt(payload, "correct horse battery staple")
    assert blob.startswith(b"age-encryption.org/v1") and b"fernet" not in blob and b"MC4CAQ" not in blob
    assert keyfiles.decrypt(blob, "correct horse battery staple", tmp_path) == payload
    with pytest.raises(BackupError, match="passphrase does not open"):
        keyfiles.decrypt(blob, "wrong horse battery staple", tmp_path)


def test_it_refuses_a_short_passphrase_for_new_keys(tmp_path):
    path = tmp_path / "pass"
    path.write_text("short\n")
    with pytest.raises(BackupError, match="at least 12"):
        keyfiles.passphrase(str(path), confirm=True)
    assert keyfiles.passphrase(str(path), confirm=False) == "short"  # a restore takes the one it was given
