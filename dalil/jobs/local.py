"""The worker `dalil serve` and `dalil demo` run beside the web server: a child process, stopped with it.

With the embedded broker (no DALIL_BROKER_URL) nothing else would take the jobs the pages start, so the server
starts `dalil worker` itself. On Linux the child is also told to stop if the server dies without stopping it
(PR_SET_PDEATHSIG), so a killed server leaves no worker behind; its running jobs are then marked interrupted by
the next worker that starts.
"""

import ctypes
import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings

CONCURRENCY = 2
STOP_SECONDS = 20


def _die_with_parent():  # in the child, before exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: stopped by stop() only
        pass


def wanted() -> bool:
    return settings.LOCAL_WORKER


def start(concurrency: int = CONCURRENCY) -> subprocess.Popen:
    """Start `dalil worker` in a child process, its output appended to DALIL_HOME/worker.log."""
    log = open(Path(settings.HOME) / "worker.log", "ab")
    command = [sys.executable, "-m", "dalil.cli", "worker", "--concurrency", str(concurrency)]
    try:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=os.environ.copy(), preexec_fn=_die_with_parent)
    finally:
        log.close()


def stop(worker: subprocess.Popen | None) -> None:
    """Ask the worker to finish its jobs (Celery's warm shutdown), then make sure it is gone."""
    if worker is None or worker.poll() is not None:
        return
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
