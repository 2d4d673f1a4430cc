"""Starting background work from any app, without importing the app that runs it.

The domain apps' pages (exports, reports, exchange) start jobs through `start()`; dalil.jobs, which sits
above them and calls into them to do the work, registers the real starter when Django starts (its
AppConfig.ready). So the layering stays one way: domain apps never import dalil.jobs.
"""

from abc import ABC, abstractmethod

# The kinds of background work (dalil.jobs.models.Job.Kind uses the same values).
INGEST, FACES, REPORT, BAG, IMPORT_TABLE = "ingest", "faces", "report", "bag", "import_table"


class Starter(ABC):
    @abstractmethod
    def start(self, kind: str, actor: str, parameters: dict, request=None) -> int:
        """Queue the work and return the job's id at once."""


_starter: Starter | None = None


def register(starter: Starter) -> None:
    global _starter
    _starter = starter


def start(kind: str, actor: str, parameters: dict, request=None) -> int:
    """Queue `kind` with `parameters` (JSON) for `actor`; the job's id (its page: the URL named "jobs:detail")."""
    if _starter is None:
        raise RuntimeError("no background job runner is installed: add dalil.jobs to INSTALLED_APPS")
    return _starter.start(kind, actor, parameters, request=request)
