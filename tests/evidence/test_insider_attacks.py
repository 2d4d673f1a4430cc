"""`dalil verify` against an insider with write access to the database, as the examiner of issue 10 worked.

Each attack first drops (SQLite) or disables (PostgreSQL) the append-only triggers, then deletes, inserts
or edits rows the way a person at a database prompt would, and runs the real `dalil verify`. One instance
is ingested, sealed and verified once per module; every test attacks its own copy of it.
"""

import hashlib
import json
import re
import os
import shutil
import uuid

import pytest

from tests.conftest import _server_admin, dalil
from tests.ingest.helpers import jpeg_bytes, write

COLLECTION = "caesar"
FILES = 6
DROP_TRIGGERS = """
from django.db import connection
with connection.cursor() as c:
    for t in ("evidence_custodyevent", "evidence_seal"):
        if connection.vendor == "sqlite":
            c.execute(f"DROP TRIGGER IF EXISTS {t}_no_update")
            c.execute(f"DROP TRIGGER IF EXISTS {t}_no_delete")
        else:
            c.execute(f"ALTER TABLE {t} DISABLE TRIGGER {t}_append_only")
"""


def _env(home, database_url=""):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DALIL_")}
    env.update(DALIL_HOME=str(home), DALIL_FACES="0", PYTHONUNBUFFERED="1")
    if database_url:
        env["DALIL_DATABASE_URL"] = database_url
    return env


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """An instance with FILES photos ingested, sealed and verified through the real CLI."""
    root = tmp_path_factory.mktemp("insider")
    for i in range(FILES):
        write(root / "src" / f"branch-215/{i}.jpg", jpeg_bytes(i))
    url, database = os.environ.get("DALIL_DATABASE_URL", ""), ""
    if url.startswith("postgres"):
        database = f"dalil_insider_{uuid.uuid4().hex[:10]}"
        with _server_admin(url) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        url = url.rsplit("/", 1)[0] + "/" + database
    env = _env(root / "instance", url if database else "")
    dalil(env, "ingest", str(root / "src"), "--collection", COLLECTION, check=True)
    dalil(env, "seal", "--collection", COLLECTION, check=True)
    dalil(env, "verify", check=True)
    yield root / "instance", url if database else ""
    if database:
        with _server_admin(os.environ["DALIL_DATABASE_URL"]) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def copy(baseline, tmp_path):
    """A copy of the baseline instance (folder, and database on PostgreSQL) for one attack."""
    home, url = baseline
    shutil.copytree(home, tmp_path / "instance", symlinks=True)
    database = ""
    if url:
        database = f"dalil_insider_{uuid.uuid4().hex[:10]}"
        with _server_admin(url) as admin:
            admin.execute(f'CREATE DATABASE "{database}" TEMPLATE "{url.rsplit("/", 1)[1]}"')
        url = url.rsplit("/", 1)[0] + "/" + database
    yield _env(tmp_path / "instance", url)
    if database:
        with _server_admin(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def attack(env, code: str) -> str:
    """Run Python at the instance's database with the append-only triggers gone; returns what it printed."""
    proc = dalil(env, "shell", "--no-imports", "-c", DROP_TRIGGERS + code, check=True)
    return proc.stdout.strip()


def verify(env, *args) -> tuple[int, dict]:
    proc = dalil(env, "verify", "--json", *args)
    assert proc.stdout.strip(), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def problems(report: dict, check: str | None = None) -> list[str]:
    return [f["message"] for f in report["findings"] if check is None or f["check"] == check]


def last_seq(env) -> int:
    return int(attack(env, "from dalil.evidence.models import CustodyEvent as C; "
                           "print(C.objects.order_by('-seq').first().seq)"))


def test_it_detects_the_newest_custody_row_deleted(copy):
    newest = last_seq(copy)
    attack(copy, f"c = connection.cursor(); c.execute('DELETE FROM evidence_custodyevent WHERE seq = {newest}')")
    code, report = verify(copy)
    assert code == 1 and not report["ok"]
    assert any(f"custody row #{newest} was deleted" in p for p in problems(report, "anchors"))


def test_it_detects_the_newest_three_custody_rows_deleted(copy):
    newest = last_seq(copy)
    attack(copy, f"c = connection.cursor(); c.execute('DELETE FROM evidence_custodyevent WHERE seq > {newest - 3}')")
    code, report = verify(copy)
    assert code == 1
    assert any(f"custody rows #{newest - 2}-#{newest} were deleted" in p for p in problems(report, "anchors"))


def test_it_detects_a_middle_custody_row_deleted(copy):
    attack(copy, "c = connection.cursor(); c.execute('DELETE FROM evidence_custodyevent WHERE seq = 3')")
    code, report = verify(copy)
    assert code == 1 and "custody row #3 is missing (next row is #4)" in problems(report, "custody")


def test_it_detects_a_custody_row_inserted_at_the_end_with_a_valid_hash(copy):
    forged = attack(copy, """
import json
from django.utils import timezone
from dalil.evidence.custody import row_hash
from dalil.evidence.models import CustodyEvent
last = CustodyEvent.objects.order_by("-seq").first()
now, details = timezone.now(), {"ok": True, "items_checked": 6, "problems": 0}
digest = row_hash(last.seq + 1, "verified", "auditor", now, "", "", details, last.hash)
CustodyEvent.objects.bulk_create([CustodyEvent(seq=last.seq + 1, action="verified", actor="auditor", at=now,
    details=details, prev_hash=last.hash, hash=digest)])
print(last.seq + 1)
""")
    code, report = verify(copy)
    assert code == 1
    assert any(f"custody row #{forged} is vouched for by no anchor" in p for p in problems(report, "anchors"))


def test_it_detects_a_custody_row_edited_with_every_later_hash_recomputed(copy):
    attack(copy, """
from dalil.evidence.custody import row_hash
from dalil.evidence.models import CustodyEvent
prev = CustodyEvent.objects.get(seq=2).hash
for row in CustodyEvent.objects.filter(seq__gte=3).order_by("seq"):
    actor = "someone else" if row.seq == 3 else row.actor
    digest = row_hash(row.seq, row.action, actor, row.at, row.collection, row.item_sha256, row.details, prev)
    connection.cursor().execute("UPDATE evidence_custodyevent SET actor = %s, prev_hash = %s, hash = %s "
                                "WHERE seq = %s", [actor, prev, digest, row.seq])
    prev = digest
""")
    code, report = verify(copy)
    assert code == 1
    assert problems(report, "custody") == []  # the chain itself is whole again: only anchors and seals see it
    found = problems(report, "anchors")
    # The anchor that first disagrees names the rows written since the anchor before it: row #3 among them.
    spans = [tuple(map(int, m.groups())) for p in found if p.startswith("custody row #")
             for m in [re.search(r"the log was rewritten in rows #(\d+)-#(\d+)", p)] if m]
    assert any(first <= 3 <= last for first, last in spans), found
    assert any("not the row seal #1 of caesar" in p for p in problems(report, "seals"))


def test_it_detects_a_deleted_seal(copy):
    attack(copy, "connection.cursor().execute('DELETE FROM evidence_seal')")
    code, report = verify(copy, "--collection", COLLECTION)
    assert code == 1
    assert any(p.startswith("seal #1 of caesar, recorded by custody row #") and "it was deleted" in p
               for p in problems(report, "seals"))
    assert not any("never been sealed" in n for n in report["notes"])


def test_it_detects_a_seal_re_signed_under_another_key_without_one_file(copy):
    dropped = attack(copy, """
import json
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from dalil.evidence import keys
from dalil.lib import merkle
from dalil.evidence.models import Seal
seal = Seal.objects.get()
leaves = seal.leaves.split("\\n")
dropped, leaves = leaves[0], leaves[1:]
root = merkle.merkle_root([bytes.fromhex(s) for s in leaves]).hex()
statement = json.loads(seal.statement)
statement.update(tree_size=len(leaves), root=root)
text = json.dumps(statement, sort_keys=True, separators=(",", ":"))
key = Ed25519PrivateKey.generate()
public = keys.raw_public(key.public_key())
connection.cursor().execute(
    "UPDATE evidence_seal SET statement = %s, signature = %s, public_key = %s, key_fingerprint = %s, "
    "root = %s, tree_size = %s, leaves = %s", [text, key.sign(text.encode()).hex(), public.hex(),
    keys.fingerprint(public), root, len(leaves), "\\n".join(leaves)])
print(dropped)
""")
    code, report = verify(copy, "--collection", COLLECTION)
    assert code == 1
    found = problems(report, "seals")
    assert any(p.startswith("seal #1 of caesar") and "not by this instance's key" in p for p in found)
    assert any("is not the seal custody row" in p and "root, tree size, key fingerprint, statement sha256" in p
               for p in found)
    assert len(dropped) == 64


def test_it_detects_a_seal_added_directly_to_the_database(copy):
    attack(copy, """
import json
from django.utils import timezone
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from dalil.evidence import keys
from dalil.evidence.models import Seal
old = Seal.objects.get()
key = Ed25519PrivateKey.generate()
public = keys.raw_public(key.public_key())
Seal.objects.create(collection=old.collection, tree_size=old.tree_size, root=old.root, statement=old.statement,
    signature=key.sign(old.statement.encode()).hex(), public_key=public.hex(), key_fingerprint=keys.fingerprint(public),
    sealed_at=timezone.now(), leaves=old.leaves)
""")
    code, report = verify(copy)
    found = problems(report, "seals")
    assert code == 1
    assert any(p.startswith("seal #2 of caesar") and 'has no "sealed" row in the custody log' in p for p in found)
    assert any(p.startswith("seal #2 of caesar") and "not by this instance's key" in p for p in found)


def test_it_detects_an_edited_item_size_and_counts_the_real_bytes(copy):
    sha, size = attack(copy, """
from dalil.evidence.models import Item
item = Item.objects.order_by("pk").first()
connection.cursor().execute("UPDATE evidence_item SET size = size + 1000 WHERE id = %s", [item.pk])
print(item.sha256, item.size)
""").split()
    code, report = verify(copy)
    assert code == 1
    assert problems(report, "sizes") == [
        f"stored file {sha} (first seen at {_first_path(copy, sha)}) is recorded as {int(size) + 1000:,} bytes but "
        f"holds {int(size):,}: its size was edited in the database"]
    real = sum(p.stat().st_size for p in (copy_home(copy) / "store").glob("??/??/*"))
    assert report["bytes_checked"] == real


def copy_home(env):
    from pathlib import Path

    return Path(env["DALIL_HOME"])


def _first_path(env, sha):
    return attack(env, f"""
from dalil.evidence.models import Sighting
s = Sighting.objects.filter(item__sha256="{sha}").select_related("acquisition").first()
print(f"{{s.path}} in {{s.acquisition.source}}")
""")


def test_it_detects_a_stray_file_in_the_store(copy):
    data = b"bytes nobody recorded"
    sha = hashlib.sha256(data).hexdigest()
    write(copy_home(copy) / "store" / sha[:2] / sha[2:4] / sha, data)
    code, report = verify(copy)
    assert code == 1
    assert problems(report, "store") == [
        f"file {sha} is in the store but recorded nowhere in the database: its record was deleted, or an ingest "
        "stopped before recording it (run that ingest again)"]


def test_it_detects_a_missing_store_file(copy):
    sha = attack(copy, "from dalil.evidence.models import Item; print(Item.objects.order_by('pk').first().sha256)")
    (copy_home(copy) / "store" / sha[:2] / sha[2:4] / sha).unlink()
    code, report = verify(copy)
    assert code == 1
    assert any(p.startswith(f"stored file {sha} ") and p.endswith("is missing from the store")
               for p in problems(report, "stored files"))


def test_it_detects_a_stored_file_whose_record_was_deleted(copy):
    sha = attack(copy, """
from dalil.evidence.models import Item
item = Item.objects.filter(photo__isnull=False).order_by("pk").first()
c = connection.cursor()
if connection.vendor == "sqlite":
    c.execute("PRAGMA foreign_keys = OFF")
else:
    c.execute("SET session_replication_role = replica")  # as an owner would, to skip foreign keys
for table, column in (("archive_photo", "item_id"), ("evidence_sighting", "item_id"), ("evidence_item", "id")):
    c.execute(f"DELETE FROM {table} WHERE {column} = %s", [item.pk])
print(item.sha256)
""")
    code, report = verify(copy)
    assert code == 1
    assert any(p.startswith(f"file {sha} is in the store but recorded nowhere") for p in problems(report, "store"))
    assert any(f"names file {sha}, which is no longer on record" in p for p in problems(report, "custody"))
    assert any(f"sealed file {sha} is no longer on record" in p for p in problems(report, "seals"))


def test_it_detects_a_forged_anchor_line(copy):
    anchors = copy_home(copy) / "keys" / "custody-anchors.txt"
    lines = anchors.read_text().splitlines()
    fields = lines[-1].split()
    fields[1] = str(int(fields[1]) + 5)  # claims rows that never were
    anchors.write_text("\n".join(lines + [" ".join(fields)]) + "\n")
    code, report = verify(copy)
    assert code == 1
    assert any(p.startswith(f"anchor line {len(lines) + 1} of {anchors}") and "not signed by this instance's key" in p
               for p in problems(report, "anchors"))


def test_it_catches_deleted_newest_rows_with_a_copy_of_the_anchors_kept_elsewhere(copy, tmp_path):
    anchors = copy_home(copy) / "keys" / "custody-anchors.txt"
    kept = tmp_path / "offsite-anchors.txt"
    shutil.copy(anchors, kept)
    newest = last_seq(copy)
    attack(copy, f"connection.cursor().execute('DELETE FROM evidence_custodyevent WHERE seq = {newest}')")
    anchors.unlink()  # an insider who can also reach the instance's files
    code, report = verify(copy, "--anchors", str(kept))
    assert code == 1 and report["anchor_files"] == [str(kept)]
    lines = kept.read_text().splitlines()
    assert problems(report, "anchors") == [f"custody row #{newest} was deleted: anchor line {len(lines)} "
                                           f"of {kept} ({_anchor_time(kept, -1)}) records {newest} rows, the "
                                           f"database holds rows up to #{newest - 1}"]
    # Without the copy, the documented limit: the anchor file began again after the deletion, and nothing
    # outside the database remembers the deleted row; verify says which rows no anchor vouches for.
    code, report = verify(copy)
    assert code == 0 and f"custody rows #1-#{newest - 1} were written before anchoring began" in report["notes"][0]


def _anchor_time(path, index):
    return path.read_text().splitlines()[index].split()[0]


def test_it_prints_each_finding_readably_naming_the_check(copy):
    attack(copy, "connection.cursor().execute('DELETE FROM evidence_seal')")
    proc = dalil(copy, "verify")
    assert proc.returncode == 1
    assert f"verified the whole instance at {copy['DALIL_HOME']}" in proc.stdout
    assert "PROBLEM (seals): seal #1 of caesar, recorded by custody row #" in proc.stdout
    assert proc.stdout.rstrip().endswith("FAILED: 1 problem(s)")


def test_an_untouched_instance_verifies_with_its_anchors(copy):
    code, report = verify(copy, "--collection", COLLECTION)
    assert code == 0, report["problems"]
    assert report["anchors_checked"] >= 3 and report["items_checked"] == FILES and report["notes"] == []


def test_it_refuses_to_verify_outside_an_instance(cli_env):
    proc = dalil(cli_env, "verify")
    assert proc.returncode == 1 and "OK" not in proc.stdout
    assert f"DALIL_HOME={cli_env['DALIL_HOME']}" in proc.stderr and "not an instance" in proc.stderr


@pytest.mark.django_db
def test_without_anchors_the_seal_and_the_items_still_catch_deleted_newest_rows(instance, tmp_path):
    from django.db import connection

    from dalil.evidence import seals
    from dalil.evidence.models import CustodyEvent
    from dalil.evidence.verify import verify as verify_now
    from tests.ingest.helpers import run

    for i in range(3):
        write(tmp_path / "src" / f"{i}.jpg", jpeg_bytes(i))
    run(tmp_path / "src", collection=COLLECTION)
    record = seals.seal(COLLECTION, "archivist")
    ingested = CustodyEvent.objects.filter(action="ingested").order_by("-seq").first()
    with connection.cursor() as cursor:
        exec(DROP_TRIGGERS, {})
        cursor.execute("DELETE FROM evidence_custodyevent WHERE seq >= %s", [ingested.seq])
    report = verify_now(COLLECTION)  # in-process: no anchor file was written (the test's transaction never commits)
    assert not report.ok and any("no custody anchors found" in n for n in report.notes)
    assert any(f"signed a log of {record.custody_rows} rows" in p for p in report.problems)
    assert any(p.startswith(f"stored file {ingested.item_sha256} ") and "has no row in the custody log" in p
               for p in report.problems)
    assert any(f"seal #{record.pk} of caesar" in p and 'no "sealed" row' in p for p in report.problems)
