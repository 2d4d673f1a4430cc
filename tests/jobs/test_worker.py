"""Jobs travel through a real broker to real `dalil worker` processes, and survive a killed worker.

The embedded broker (SQLite in DALIL_HOME) and Redis (skipped when it is down, unless DALIL_REQUIRE_SERVICES=1).
The workers share the test database, the instance folder (store, keys) and the broker with this process.
"""

import hashlib
import io
import os
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image, ImageDraw

from dalil.jobs import orchestrate
from dalil.jobs.models import Job
from dalil.lib import processes
from tests.jobs.conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("committed")]


def _export_from_the_web(archivist, archive, workers):
    client = Client()
    client.force_login(archivist)
    response = client.post(reverse("exports:create"), {"case": archive.case_a.pk, "profile": "prosecutor",
                                                       "recipient": "ICC OTP"})
    assert response.status_code == 302
    job = Job.objects.get(kind=Job.Kind.BAG)
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page  # queued or running: the page refreshes itself
    job = wait_for(lambda: Job.objects.filter(pk=job.pk, state__in=Job.FINISHED).first(), what="the export job",
                   workers=workers)
    assert job.state == Job.State.DONE, (job.error, workers.log())
    tagmanifest = Path(job.output) / "tagmanifest-sha512.txt"
    assert job.output_sha256 == hashlib.sha256(tagmanifest.read_bytes()).hexdigest() == job.export.output_sha256
    assert job.worker.split(":")[1] != str(os.getpid())  # another process did it
    page = client.get(response["Location"]).content.decode()
    assert job.output_sha256 in page and 'http-equiv="refresh"' not in page
    assert reverse("exports:download", args=[job.export_id]) in page


def test_it_runs_a_web_export_on_a_worker_through_the_embedded_broker(archive, archivist, embedded_broker,
                                                                       workers_for):
    workers = workers_for(embedded_broker)
    workers.start()
    _export_from_the_web(archivist, archive, workers)


def test_it_runs_a_web_export_on_a_worker_through_redis(archive, archivist, redis_broker, workers_for):
    workers = workers_for(redis_broker)
    workers.start()
    _export_from_the_web(archivist, archive, workers)


def _source(folder: Path, photos: int) -> Path:
    """`photos` small distinct JPEGs laid out as tests/exports' PATTERN reads them."""
    for i in range(photos):
        path = folder / f"branch-215/2013-05/exam-{3000 + i}/{3000 + i}_01.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        image = Image.new("RGB", (320, 240), (i % 256, (i * 7) % 256, 140))
        ImageDraw.Draw(image).rectangle((i % 300, 10, i % 300 + 20, 200), fill=(255 - i % 256, 60, 90))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
        path.write_bytes(out.getvalue())
    return folder


def test_a_killed_worker_leaves_an_interrupted_job_that_a_retry_completes(instance, settings, tmp_path,
                                                                          embedded_broker, workers_for):
    from dalil.evidence.models import Item
    from dalil.ingest.models import IngestRun
    from tests.exports.conftest import PATTERN

    source = _source(tmp_path / "incoming" / "usb-3", photos=150)
    settings.INGEST_ROOTS = [(tmp_path / "incoming").resolve()]
    workers = workers_for(embedded_broker)
    workers.extra["DALIL_INGEST_ROOTS"] = str(settings.INGEST_ROOTS[0])  # the worker checks the path again
    first = workers.start()
    job = orchestrate.start(Job.Kind.INGEST, "huda", {"source": str(source), "collection": "branch-215",
                                                      "pattern": PATTERN, "workers": 1})
    wait_for(lambda: Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, progress_done__gt=0).exists(),
             what="the ingest job to start", workers=workers)
    workers.kill(first)
    job.refresh_from_db()
    # SIGKILL is delivered at once but a process takes a moment to exit (or become a zombie nobody reaps)
    wait_for(lambda: processes.gone(job.worker), seconds=10, what="the killed pool process to exit")
    assert job.state == Job.State.RUNNING, "the ingest finished before the worker was killed: give it more photos"
    interrupted = orchestrate.mark_interrupted()
    assert [j.pk for j in interrupted] == [job.pk]
    job.refresh_from_db()
    assert job.state == Job.State.INTERRUPTED and "interrupted" in job.error and job.ingest_run is not None
    assert job.ingest_run.status == IngestRun.Status.INTERRUPTED
    interrupted_run = job.ingest_run.pk
    assert Item.objects.count() < 150

    workers.start()
    orchestrate.retry(job, "huda")
    job = wait_for(lambda: Job.objects.filter(pk=job.pk, state__in=Job.FINISHED).first(), what="the retried job",
                   workers=workers)
    assert job.state == Job.State.DONE and job.attempts == 1, (job.error, workers.log())
    assert Item.objects.count() == 150
    assert job.ingest_run.status == IngestRun.Status.FINISHED and job.ingest_run.pk != interrupted_run
    assert job.summary["finished_interrupted"] == [interrupted_run]  # the new run says whose work it finished
