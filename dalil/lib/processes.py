"""Which process is doing a piece of work, and whether it still lives: the one check behind "interrupted".

A row that records work in progress (a job, an ingest run, an export) names the process doing it as
host:pid. A row still "running" whose process no longer exists on this machine was killed (or the
machine lost power or restarted). Whether a process of another machine lives cannot be known from
here: those rows are left alone until that machine (its worker, or `dalil jobs list` run there) looks.
"""

import os
import socket
from pathlib import Path


def this_process() -> str:
    """host:pid of the calling process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A killed process nobody has reaped yet (its parent died too, and PID 1 of a container may never reap it):
    it still answers kill(pid, 0), but runs nothing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc (not Linux), or it is gone this instant
        return False
    return stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X")


def gone(worker: str) -> bool:
    """True when `worker` (host:pid) names a process of this machine that no longer exists."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    return not alive(int(pid))
