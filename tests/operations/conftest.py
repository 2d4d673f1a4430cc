"""An original instance built once per module with the real commands, and helpers to look into instances."""

import os
import sqlite3
import uuid
from pathlib import Path

import pytest

from dalil.ingest.synth import synthesize
from tests.conftest import _server_admin, dalil

PATTERN = r"branch-(?P<branch>\d+)/(?P<month>\d{4}-\d{2})/exam-(?P<exam>\d+)/\d+_(?P<seq>\d+)\.jpg"
PASSPHRASE = "قمر واحد فوق دمشق — one moon"


@pytest.fixture(scope="module")
def env_factory(tmp_path_factory):
    """As tests/conftest.py's cli_env_factory, for a whole module: each call, a new instance and database."""
    made = []
    url = os.environ.get("DALIL_DATABASE_URL", "")
    root = tmp_path_factory.mktemp("instances")

    def make() -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DALIL_")}
        env.update(DALIL_HOME=str(root / f"instance-{len(made)}"), DALIL_FACES="0", PYTHONUNBUFFERED="1")
        if url.startswith("postgres"):
            name = f"dalil_ops_{uuid.uuid4().hex[:10]}"
            with _server_admin(url) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            env["DALIL_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
            made.append(name)
        else:
            made.append(None)
        return env

    yield make
    for name in made:
        if name:
            with _server_admin(url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def archive(folder: Path, seed: int, bodies: int = 4) -> Path:
    synthesize(folder, bodies=bodies, seed=seed, megapixels=0.3, workers=1)
    return folder / "photos"


def ingest(env: dict, photos: Path, **kwargs):
    return dalil(env, "ingest", str(photos), "--collection", "caesar", "--pattern", PATTERN, "--json", **kwargs)


@pytest.fixture(scope="module")
def original(env_factory, tmp_path_factory):
    """An instance with ingested, quarantined and sealed files, and a custody anchor file."""
    env = env_factory()
    assert ingest(env, archive(tmp_path_factory.mktemp("archive") / "a", seed=11)).returncode in (0, 3)
    dalil(env, "seal", "--collection", "caesar", check=True)
    return env


@pytest.fixture(scope="module")
def passphrase_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "passphrase"
    path.write_text(PASSPHRASE + "\n")
    return path


def query(env: dict, sql: str) -> list[tuple]:
    """Rows of SQL in the instance's own database."""
    if "DALIL_DATABASE_URL" in env:
        import psycopg

        with psycopg.connect(env["DALIL_DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
            return conn.execute(sql).fetchall()
    with sqlite3.connect(f"file:{Path(env['DALIL_HOME']) / 'dalil.sqlite3'}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def seal_roots(env: dict) -> list[tuple]:
    return query(env, "SELECT collection, root, tree_size FROM evidence_seal ORDER BY sealed_at, id")


def store_objects(env: dict, tree: str = "store") -> set[str]:
    return {p.name for p in (Path(env["DALIL_HOME"]) / tree).glob("??/??/*") if len(p.name) == 64}


def backup_objects(out: Path) -> dict[Path, tuple[int, int]]:
    """Every object placed under its final name in a backup folder, with its inode and mtime."""
    return {p: (p.stat().st_ino, p.stat().st_mtime_ns) for tree in ("store", "derivatives")
            for p in (out / tree).glob("??/??/*") if len(p.name) == 64}
