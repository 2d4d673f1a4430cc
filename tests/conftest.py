"""Fixtures shared by the whole suite: an instance folder, corpora, and a CLI environment."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"


def corpus(name: str) -> Path:
    """A folder of ../shared/corpora; skips without it, fails when DALIL_REQUIRE_CORPORA=1."""
    path = CORPORA / name
    if not path.is_dir():
        message = f"corpus {name!r} not found at {path} (../shared beside the project)"
        if os.environ.get("DALIL_REQUIRE_CORPORA") == "1":
            pytest.fail(message + " and DALIL_REQUIRE_CORPORA=1")
        pytest.skip(message)
    return path


@pytest.fixture(autouse=True)
def faces_off(settings):
    """Ingest scans new photos for faces by default (~0.2 s of CPU a photo): off in tests; tests/faces turn it on."""
    settings.FACES_ENABLED = False


@pytest.fixture
def instance(settings, tmp_path):
    """A fresh instance folder: store, derivatives and keys under tmp_path (the database is the test one)."""
    home = tmp_path / "instance"
    home.mkdir()
    settings.HOME = home
    settings.KEYS_DIR = home / "keys"
    settings.STORE_URL = str(home / "store")
    settings.DERIVATIVES_URL = str(home / "derivatives")
    return home


def _server_admin(url: str):
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    return psycopg.connect(host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
                           password=cfg["PASSWORD"] or None, dbname="postgres", autocommit=True)


@pytest.fixture
def cli_env_factory(tmp_path):
    """Make environments for running `dalil` in subprocesses, each with its own instance and database."""
    made = []
    url = os.environ.get("DALIL_DATABASE_URL", "")

    def make() -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DALIL_")}
        env["DALIL_HOME"] = str(tmp_path / f"cli-instance-{len(made)}")
        env["DALIL_FACES"] = "0"  # as the faces_off fixture: a test that wants faces sets it to 1
        env["PYTHONUNBUFFERED"] = "1"
        if url.startswith("postgres"):
            database = f"dalil_cli_{uuid.uuid4().hex[:10]}"
            with _server_admin(url) as admin:
                admin.execute(f'CREATE DATABASE "{database}"')
            env["DALIL_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + database
            made.append(database)
        else:
            made.append(None)
        return env

    yield make
    for database in made:
        if database:
            with _server_admin(url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def cli_env(cli_env_factory):
    return cli_env_factory()


def dalil(env: dict, *args: str, check: bool = False, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run the real `dalil` console command."""
    exe = Path(sys.executable).with_name("dalil")
    proc = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(f"dalil {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc
