"""Killing ingest with SIGKILL at any moment, then running it again, ends exactly as one clean run."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dalil.ingest.synth import synthesize
from tests.conftest import ROOT, dalil

pytestmark = pytest.mark.slow
PATTERN = r"branch-(?P<branch>\d+)/(?P<month>\d{4}-\d{2})/exam-(?P<exam>\d+)/\d+_(?P<seq>\d+)\.jpg"


def ingest_args(out: Path) -> list[str]:
    return ["ingest", str(out / "photos"), "--collection", "caesar", "--pattern", PATTERN,
            "--sidecar", str(out / "victims.csv"), "--workers", "2", "--json"]


def snapshot(env: dict) -> dict:
    proc = subprocess.run([sys.executable, "-m", "tests.ingest.snapshot"], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def sightings_recorded(env: dict) -> int:
    try:
        if "DALIL_DATABASE_URL" in env:
            import psycopg

            with psycopg.connect(env["DALIL_DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
                return conn.execute("SELECT count(*) FROM evidence_sighting").fetchone()[0]
        path = Path(env["DALIL_HOME"]) / "dalil.sqlite3"
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM evidence_sighting").fetchone()[0]
    except Exception:  # not created or migrated yet
        return 0


def kill_when(env: dict, out: Path, condition, deadline: float = 120) -> bool:
    """Start ingest, SIGKILL it (and its workers) once condition(sightings) holds; False if it finished first."""
    exe = str(Path(sys.executable).with_name("dalil"))
    proc = subprocess.Popen([exe, *ingest_args(out)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    started = time.monotonic()
    while proc.poll() is None and time.monotonic() - started < deadline:
        if condition(sightings_recorded(env), time.monotonic() - started):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.02)
    proc.wait()
    return False


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "archive"
    synthesize(out, bodies=30, seed=5, megapixels=0.5)
    return out


def test_it_ends_in_the_same_state_after_being_killed_at_several_points(cli_env_factory, archive):
    reference = cli_env_factory()
    assert dalil(reference, *ingest_args(archive)).returncode == 3
    expected = snapshot(reference)
    total = len(expected["sightings"])
    assert total > 150

    resumed = cli_env_factory()
    kills = [
        lambda n, t: t > 0.3,  # while starting up, before any batch
        lambda n, t: n > 0,  # right after the first batch committed
        lambda n, t: n >= total // 2,  # half way
        lambda n, t: n >= total - 10,  # near the end, around the near-duplicate pass
    ]
    killed = sum(kill_when(resumed, archive, condition) for condition in kills)
    assert killed >= 3, "the run finished before it could be killed; make the archive larger"
    final = dalil(resumed, *ingest_args(archive))
    assert final.returncode == 3, final.stderr
    assert json.loads(final.stdout)["already_recorded"] > 0
    # The killed runs were found (their processes gone) and the run that finished their work names them.
    assert len(json.loads(final.stdout)["finished_interrupted"]) >= 2

    got = snapshot(resumed)
    assert got["chain_problems"] == []
    for key in expected:
        assert got[key] == expected[key], key

    again = dalil(resumed, *ingest_args(archive))
    assert json.loads(again.stdout)["ingested"] == 0 and snapshot(resumed) == got
