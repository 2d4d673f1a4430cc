"""The database part of a backup: a consistent snapshot of a running instance, and its restore.

- SQLite (the embedded default): SQLite's online backup API (sqlite3.Connection.backup) copies every page in one
  step under one read transaction, so the copy is the database as of one commit while the web server and ingest
  go on writing (WAL lets them).
- PostgreSQL: `pg_dump` of the server's major version, found on PATH (or in DALIL_PG_BINDIR), run on a snapshot
  that dalil exported from its own REPEATABLE READ transaction (`pg_dump --snapshot`): what dalil reads about the
  snapshot (custody rows, seals, files referenced) and what pg_dump writes are the same moment.
"""

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, connections

from dalil.operations.manifest import CHUNK, PARTIAL, BackupError, hash_file

# Columns that name stored objects: (tree in the backup, model, field). Every object they name in the snapshot
# must be in the backup.
REFERENCES = [
    ("store", "evidence.Item", "sha256"),
    ("derivatives", "archive.Photo", "thumbnail_sha256"),
    ("derivatives", "archive.Photo", "preview_sha256"),
    ("derivatives", "faces.Face", "crop_sha256"),
]
# Rows `migrate` writes into any new database: an instance holding only these is empty.
MIGRATE_FILLS = {"contenttypes.ContentType", "auth.Permission"}


@dataclass
class Snapshot:
    engine: str  # "sqlite" or "postgresql"
    file: Path
    sha256: str = ""
    size: int = 0
    server_version: str = ""
    custody_rows: int = 0
    seals: list[dict] = field(default_factory=list)
    referenced: dict[str, set[str]] = field(default_factory=dict)


def engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"dalil backs up SQLite and PostgreSQL databases, not {vendor}")
    return vendor


def _table(label: str) -> tuple[str, str]:
    app_label, name = label.split(".")
    return apps.get_model(app_label, name)._meta.db_table, app_label


def _read_snapshot(cursor, snap: Snapshot) -> None:
    """What the backup needs to know of the snapshot, read from the snapshot itself."""
    custody = apps.get_model("evidence", "CustodyEvent")._meta.db_table
    seal_table = apps.get_model("evidence", "Seal")._meta.db_table
    cursor.execute(f'SELECT COALESCE(MAX(seq), 0) FROM "{custody}"')
    snap.custody_rows = int(cursor.fetchone()[0])
    cursor.execute(f'SELECT collection, root, tree_size, sealed_at FROM "{seal_table}" ORDER BY sealed_at, id')
    snap.seals = [{"collection": c, "root": r, "tree_size": int(n), "sealed_at": str(at)}
                  for c, r, n, at in cursor.fetchall()]
    snap.referenced = {"store": set(), "derivatives": set()}
    for tree, label, name in REFERENCES:
        app_label, model_name = label.split(".")
        model = apps.get_model(app_label, model_name)
        column = model._meta.get_field(name).column
        cursor.execute(f'SELECT DISTINCT "{column}" FROM "{model._meta.db_table}" WHERE "{column}" <> \'\'')
        snap.referenced[tree] |= {row[0] for row in cursor.fetchall()}


def take_snapshot(folder: Path, pg_format: str = "custom") -> Snapshot:
    """Write the database as of one moment into FOLDER; returns what the backup needs to know of that moment."""
    if engine() == "sqlite":
        return _sqlite_snapshot(folder)
    return _postgresql_snapshot(folder, pg_format)


def _sqlite_snapshot(folder: Path) -> Snapshot:
    final = folder / "database.sqlite3"
    tmp = folder / f"{PARTIAL}database.sqlite3"
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=60)
    target = sqlite3.connect(tmp)
    try:
        source.backup(target)  # all pages in one step: one read transaction, one consistent moment
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        snap = Snapshot("sqlite", final, server_version=sqlite3.sqlite_version)
        _read_snapshot(target.cursor(), snap)
    finally:
        target.close()
        source.close()
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, final)
    snap.sha256, snap.size = hash_file(final)
    return snap


def _pg_env() -> tuple[dict, str]:
    """Environment and connection string for PostgreSQL's tools: the password in the environment, never in argv."""
    from psycopg.conninfo import make_conninfo

    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = {k: v for k, v in (db.get("OPTIONS") or {}).items() if isinstance(v, (str, int))}
    conninfo = make_conninfo(dbname=str(db["NAME"]), user=db.get("USER") or None, host=db.get("HOST") or None,
                             port=str(db["PORT"]) if db.get("PORT") else None, **options)
    return env, conninfo


def pg_tool(name: str, server_major: int) -> str:
    """The path of pg_dump, pg_restore or psql of the server's major version, or a sentence saying what to install."""
    bindir = getattr(settings, "PG_BINDIR", "")
    path = str(Path(bindir) / name) if bindir else shutil.which(name)
    advice = (f"install PostgreSQL {server_major}'s client tools (Debian: apt install postgresql-client-{server_major}) "
              f"or set DALIL_PG_BINDIR to the folder that holds them (e.g. /usr/lib/postgresql/{server_major}/bin)")
    if not path or not Path(path).is_file():
        where = f"in DALIL_PG_BINDIR={bindir}" if bindir else "on PATH"
        raise BackupError(f"{name} was not found {where}: the PostgreSQL database cannot be backed up or restored "
                          f"without it; {advice}")
    try:
        version = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError as exc:
        raise BackupError(f"{path} cannot be run ({exc.strerror}); {advice}") from None
    match = re.search(r"\)\s+(\d+)", version)
    if not match:
        raise BackupError(f"{path} --version printed {version.strip()!r}, which names no PostgreSQL version; {advice}")
    if int(match.group(1)) != server_major:
        raise BackupError(f"{path} is PostgreSQL {match.group(1)}'s but the server runs PostgreSQL {server_major}: a "
                          f"dump made or read by another major version is not trusted for a backup; {advice}")
    return path


def server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _postgresql_snapshot(folder: Path, pg_format: str) -> Snapshot:
    major = server_major()
    pg_dump = pg_tool("pg_dump", major)
    final = folder / ("database.pgdump" if pg_format == "custom" else "database.sql")
    tmp = folder / f"{PARTIAL}{final.name}"
    env, conninfo = _pg_env()
    # A connection of our own, so that the exported snapshot lives exactly as long as pg_dump needs it.
    conn = connection.get_new_connection(connection.get_connection_params())
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot_id, version = cursor.fetchone()
            snap = Snapshot("postgresql", final, server_version=version)
            _read_snapshot(cursor, snap)
            # --clean --if-exists: a plain dump drops each object before making it (pg_restore is told the same).
            args = [pg_dump, f"--format={pg_format}", f"--snapshot={snapshot_id}", "--no-owner", "--no-privileges",
                    "--clean", "--if-exists", f"--dbname={conninfo}"]
            hasher, size = hashlib.sha256(), 0
            with open(tmp, "wb") as out:
                proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                while chunk := proc.stdout.read(CHUNK):  # hashed while it is written
                    hasher.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                err = proc.stderr.read().decode(errors="replace").strip()
                if proc.wait() != 0:
                    raise BackupError(f"pg_dump failed (exit {proc.returncode}): {err or 'no message'}")
                out.flush()
                os.fsync(out.fileno())
            cursor.execute("COMMIT")
    finally:
        conn.close()
    os.replace(tmp, final)
    snap.sha256, snap.size = hasher.hexdigest(), size
    return snap


def describe() -> str:
    """The instance's database, as a person would name it (never with its password)."""
    db = settings.DATABASES["default"]
    if engine() == "sqlite":
        return str(db["NAME"])
    return f"{db['NAME']} on {db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"


def holdings() -> list[str]:
    """What the instance's database holds beyond what `migrate` writes (empty: an empty instance)."""
    held = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label in MIGRATE_FILLS:
            continue
        count = model._base_manager.count()
        if count:
            held.append(f"{count:,} {meta.verbose_name_plural if count > 1 else meta.verbose_name}")
    return held


def restore(path: Path, kind: str) -> None:
    """Replace the (empty) instance's database with the snapshot at PATH, then bring it to this version's schema."""
    from django.core.management import call_command

    if kind != engine():
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(f"this backup holds a {names[kind]} database but the instance uses {names[engine()]}: "
                          f"restore it into an instance on {names[kind]} (DALIL_DATABASE_URL "
                          f"{'unset' if kind == 'sqlite' else 'set to an empty PostgreSQL database'})")
    if kind == "sqlite":
        connections.close_all()
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=60)
        try:
            source.backup(target)  # replaces every page of the target, as one transaction
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
            source.close()
    else:
        _restore_postgresql(path)
    connections.close_all()
    apps.get_model("contenttypes", "ContentType").objects.clear_cache()
    call_command("migrate", verbosity=0, interactive=False)  # a backup made by an older dalil


def check_restore_tools(kind: str) -> None:
    """Before anything is written: the tools a PostgreSQL restore needs are there, of the server's version."""
    if kind == "postgresql" and engine() == "postgresql":
        major = server_major()
        pg_tool("pg_restore", major)
        pg_tool("psql", major)


def _restore_postgresql(path: Path) -> None:
    major = server_major()
    env, conninfo = _pg_env()
    # The empty instance's tables, made by `migrate` when dalil started, go first (a newer dalil may have tables
    # the dump lacks); the dump then drops and remakes every other object it holds (functions of triggers).
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'DROP TABLE IF EXISTS "{table}" CASCADE')
    connections.close_all()
    if path.suffix == ".pgdump":
        args = [pg_tool("pg_restore", major), "--no-owner", "--no-privileges", "--clean", "--if-exists",
                "--exit-on-error", "--single-transaction", f"--dbname={conninfo}", str(path)]
    else:
        args = [pg_tool("psql", major), "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                f"--dbname={conninfo}", "--file", str(path)]
    proc = subprocess.run(args, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} could not restore {path} (exit {proc.returncode}): "
                          f"{proc.stderr.strip()[:2000] or 'no message'}")
