"""The small sealed archive of tests/exports, and real `dalil worker` processes sharing the test database."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests.exports.conftest import archive, archivist, english  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"


def database_url() -> str:
    """The test database as a DALIL_DATABASE_URL, for a worker in another process."""
    from django.db import connection

    d = connection.settings_dict
    if d["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{d['NAME']}"
    auth = d["USER"] + (f":{d['PASSWORD']}" if d["PASSWORD"] else "")
    return f"postgres://{auth}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"


def service_up(host: str, port: int, name: str) -> None:
    """Skip when a broker service is down, unless DALIL_REQUIRE_SERVICES=1 (CI) makes that a failure."""
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        message = f"{name} is not running on {host}:{port}"
        if os.environ.get("DALIL_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " and DALIL_REQUIRE_SERVICES=1")
        pytest.skip(message)


class Broker:
    """Point this process's Celery app at `url` (and `prefix`), as DALIL_BROKER_URL would."""

    def __init__(self, url: str, prefix: str = ""):
        from dalil.jobs.celery import app

        self.app, self.url, self.prefix = app, url, prefix
        self.saved = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))
        self._point(url, {"global_keyprefix": prefix} if prefix else {})

    def _point(self, url, options):
        self.app.conf.broker_url, self.app.conf.broker_transport_options = url, options
        # Connections to the old broker are left to kombu's pools (closing them here breaks its registry of producer
        # pools); the app makes new ones for the new URL.
        self.app._pool = None
        self.app.amqp._producer_pool = None

    def restore(self):
        self._point(*self.saved)


class Workers:
    """Start and kill real `dalil worker` processes, each in its own process group."""

    def __init__(self, broker: Broker):
        self.broker, self.started, self.extra = broker, [], {}

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DALIL_")}
        env.update(DALIL_HOME=str(settings.HOME), DALIL_DATABASE_URL=database_url(),
                   DALIL_SECRET_KEY=settings.SECRET_KEY, DALIL_ENCRYPTION_KEY=settings.ENCRYPTION_KEYS,
                   DALIL_BROKER_URL=self.broker.url, DALIL_FACES="0", PYTHONUNBUFFERED="1")
        if self.broker.prefix:
            env["DALIL_BROKER_KEY_PREFIX"] = self.broker.prefix
        return {**env, **self.extra}

    def start(self, concurrency: int = 1) -> subprocess.Popen:
        log = open(Path(settings.HOME) / f"worker-{len(self.started)}.log", "wb")
        proc = subprocess.Popen([str(Path(sys.executable).with_name("dalil")), "worker", "--concurrency",
                                 str(concurrency), "--loglevel", "WARNING"], env=self.env(), cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.started.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool processes at once, as a crash or a power cut would."""
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)

    def stop_all(self):
        for proc in self.started:
            if proc.poll() is None:
                self.kill(proc)

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in Path(settings.HOME).glob("worker-*.log"))


def wait_for(predicate, seconds: float = 90, what: str = "", workers: Workers | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}\n{workers.log() if workers else ''}")


@pytest.fixture
def committed(transactional_db):
    """Committed data a worker in another process can read; afterwards the append-only rows (audit, custody) are
    emptied with their triggers lifted for a moment, as tests/identification/test_confirm_race.py does: SQLite's
    flush deletes row by row and the triggers refuse that (PostgreSQL's flush truncates)."""
    from django.db import connection

    yield
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")  # rows of other tables still point at them until the flush
        cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = cursor.fetchall()
        for name, _, _ in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        for table in sorted({table for _, table, _ in triggers}):
            cursor.execute(f'DELETE FROM "{table}"')
        for _, _, sql in triggers:
            cursor.execute(sql)
        cursor.execute("PRAGMA foreign_keys = ON")


@pytest.fixture
def embedded_broker(settings):
    """The embedded broker (a SQLite file, kombu's SQLAlchemy transport), in this test's instance folder."""
    broker = Broker(f"sqla+sqlite:///{Path(settings.HOME) / 'broker.sqlite3'}")
    yield broker
    broker.restore()


@pytest.fixture
def redis_broker():
    service_up("127.0.0.1", 6379, "Redis")
    broker = Broker(REDIS_URL, prefix=f"dalil-test-{uuid.uuid4().hex[:8]}:")
    yield broker
    broker.restore()


@pytest.fixture
def workers_for():
    made = []

    def make(broker: Broker) -> Workers:
        made.append(Workers(broker))
        return made[-1]

    yield make
    for workers in made:
        workers.stop_all()
